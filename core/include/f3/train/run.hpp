#pragma once
// One training rule's run: its own copy of the network, optimizer memory and the rule with whatever
// state it keeps. Runs of one comparison share the initial weights and feedback.
#include "f3/train/config.hpp"
#include "f3/nn/feedback.hpp"
#include "f3/observe/instruments.hpp"
#include "f3/nn/network.hpp"
#include "f3/nn/optimizer.hpp"
#include "f3/rules/rule.hpp"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace f3 {

struct Evaluation {
    double loss = 0.0;
    double accuracy = 0.0; // classification: fraction of argmax hits
    double mse = 0.0;      // mean squared error of y_hat vs y (standardized units for regression)
};

// Asks one training step to also measure itself; costs nothing when not passed.
struct StepProbe {
    bool alignment = true;  // instruments against true BP on the same batch and weights
    bool timing = false;    // measured duration of every op (for the update timeline)
    StepInstruments instruments;
    OpDurations durations;
};

class Run {
public:
    // evaluate() runs the test set through the network this many samples at a time: bounded memory
    // on large test sets.
    static constexpr Index kEvaluationChunk = 1024;

    Run(RuleSpec rule, const Network& initial, std::shared_ptr<const FeedbackMatrices> feedback,
        const OptimizerSpec& optimizer, const Matrix& train_targets);

    // One optimizer step on a batch; `samples` are the rows' indices in the training set (F3 buffer).
    // Returns the batch's loss before the update. A non-finite loss marks the run diverged and
    // leaves the weights as they were.
    double train_batch(const Matrix& x, const Matrix& y, std::span<const Index> samples, StepProbe* probe = nullptr);
    Evaluation evaluate(const Matrix& x, const Matrix& y, const std::vector<int>& labels) const;

    // The rule as configured ("f3:delayed_loss") and the rule object itself (its state, e.g. F3's buffer).
    const RuleSpec& spec() const { return spec_; }
    const Rule& rule() const { return *rule_; }
    const Network& network() const { return network_; }
    const FeedbackMatrices& feedback() const { return *feedback_; }
    std::shared_ptr<const FeedbackMatrices> shared_feedback() const { return feedback_; }
    std::int64_t steps() const { return steps_; }
    bool diverged() const { return diverged_; }
    // The shared learning rate: a rule with its own (RuleSpec::learning_rate) keeps that one.
    void set_learning_rate(double lr) {
        if (!spec_.learning_rate) optimizer_.set_learning_rate(lr);
    }

private:
    RuleSpec spec_;
    std::unique_ptr<Rule> rule_;
    Network network_;
    std::shared_ptr<const FeedbackMatrices> feedback_;
    Optimizer optimizer_;
    std::vector<std::vector<OptimizerState>> states_; // per stage, per parameter
    std::int64_t steps_ = 0;
    bool diverged_ = false;

    // Reused across batches so the hot path does not allocate.
    ForwardPass pass_;
    Gradients gradients_;
    Gradients bp_scratch_; // instruments only
};

} // namespace f3
