#pragma once
// F³ (Flügel et al., ICONIP 2024): each hidden stage gets E·B_s, E the error information stored for
// this sample at its previous visit, about one epoch old. Known before the step, like DRTP's target.
#include "f3/rules/rule.hpp"

namespace f3 {

class F3Rule final : public Rule {
public:
    F3Rule(F3Error variant, const Matrix& train_targets);

    const RuleInfo& info() const override;
    void begin_step(const StepData& step, Staleness* staleness, const OpClock& store) override;
    void direct_error(const StepData& step, Matrix& error) const override;

    // The error information stored per training sample, and the step that wrote each row
    // (-1: still the initial targets).
    const Matrix& stored_errors() const { return stored_errors_; }
    const std::vector<std::int64_t>& stored_at_step() const { return stored_at_step_; }
    // The delayed error used by the last step, after the variant's read transform (N × C).
    const Matrix& last_delayed_error() const { return delayed_error_; }

private:
    void read_delayed_errors(const StepData& step, Staleness* staleness);
    void store_errors(const StepData& step, Staleness* staleness);

    F3Error variant_;
    Matrix stored_errors_;
    std::vector<std::int64_t> stored_at_step_;
    Matrix delayed_error_, scratch_; // reused across batches
};

} // namespace f3
