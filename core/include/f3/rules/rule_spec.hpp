#pragma once
// A rule as a configuration names it: plain values, so configurations and files need not know the
// rule objects (rules/rule.hpp).
#include <string>

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
// only for "f3", so several F3 variants can be compared side by side ("f3:delayed_loss").
struct RuleSpec {
    std::string algorithm = "bp";
    F3Error f3_error = F3Error::DelayedError;
    friend bool operator==(const RuleSpec&, const RuleSpec&) = default;
};

} // namespace f3
