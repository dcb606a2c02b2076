#pragma once
// A rule as a configuration names it: plain values, so configurations and files need not know the
// rule objects (rules/rule.hpp).
#include <optional>
#include <string>
#include <utility>

namespace f3 {

enum class F3Error {
    DelayedError,        // y - y_hat
    DelayedLoss,         // -dL/dy_hat of that batch
    DelayedErrorOneHot,  // y * (y - y_hat): only the true class keeps its error
    DelayedLossOneHot,   // y * (-dL/dy_hat)
    DelayedErrorSoftmax, // y - softmax(y_hat)
    DelayedLossSoftmax,  // -d/dy_hat of the head's loss evaluated on softmax(y_hat)
};

// One rule of a comparison, by its registered name (rules/rule.hpp). The F3 error variant matters
// only for "f3", so several F3 variants can be compared side by side ("f3:delayed_loss"). A rule
// may bring its own learning rate ("bp@0.03"), e.g. the best one a sweep found for it; without one
// it trains at the optimizer's.
struct RuleSpec {
    RuleSpec() = default;
    // Spelled out (not an aggregate), so {"bp", F3Error::DelayedError} needs no rate.
    RuleSpec(std::string algorithm_name, F3Error error, std::optional<double> rate = std::nullopt)
        : algorithm(std::move(algorithm_name)), f3_error(error), learning_rate(rate) {}

    std::string algorithm = "bp";
    F3Error f3_error = F3Error::DelayedError;
    std::optional<double> learning_rate; // overrides OptimizerSpec::learning_rate for this rule
    friend bool operator==(const RuleSpec&, const RuleSpec&) = default;
};

} // namespace f3
