#pragma once
// Several rules trained in lock-step on one configuration: same initial weights, same feedback
// matrices, same batch order, so their curves differ only by the rule.
#include "f3/config.hpp"
#include "f3/data.hpp"
#include "f3/run.hpp"

#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace f3 {

class ConfigError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// Every problem with this configuration on this data, one sentence each (empty: fine).
std::vector<std::string> check_config(const TrainingConfig& config, const Dataset& data);

struct EpochMetrics {
    std::string rule;               // to_string(RuleSpec)
    int epoch = 0;
    double train_loss = std::numeric_limits<double>::quiet_NaN(); // sample-weighted mean of batch losses
    double test_loss = std::numeric_limits<double>::quiet_NaN();
    double test_accuracy = std::numeric_limits<double>::quiet_NaN(); // classification only
    double test_mse = std::numeric_limits<double>::quiet_NaN();
    double train_seconds = 0.0;     // time in this rule's training steps this epoch
    double samples_per_s = 0.0;
    std::int64_t steps = 0;         // optimizer steps so far
    bool diverged = false;
    std::string message;            // why it stopped, when diverged
};

struct BatchReport {
    int epoch = 0;                  // 1-based
    Index batch = 0;                // 0-based within the epoch
    Index batches_per_epoch = 0;
    std::vector<double> losses;     // per run, NaN once diverged
};

// Silent hook for the CLI and the GUI worker: no Qt in core.
class TrainingObserver {
public:
    virtual ~TrainingObserver() = default;
    virtual void on_batch(const BatchReport&) {}
    virtual void on_epoch(const std::vector<EpochMetrics>&) {}
    virtual void on_diverged(const std::string& /*rule*/, const std::string& /*message*/) {}
    // Checked once per batch: returning true stops training after the current batch.
    virtual bool stop_requested() { return false; }
};

class Comparison {
public:
    // Throws ConfigError listing every problem found by check_config.
    Comparison(std::shared_ptr<const Dataset> data, TrainingConfig config);

    // Trains one batch with every run that has not diverged; at an epoch's end also evaluates and
    // reports. Returns false once all epochs are done.
    bool step(TrainingObserver* observer = nullptr);
    // Steps until done or the observer asks to stop. Returns true when all epochs completed.
    bool run(TrainingObserver* observer = nullptr);

    bool finished() const { return epoch_ > config_.epochs; }
    int epoch() const { return epoch_; }
    Index batch_in_epoch() const { return batch_; }
    Index batches_per_epoch() const;
    const TrainingConfig& config() const { return config_; }
    const Dataset& data() const { return *data_; }
    std::vector<Run>& runs() { return runs_; }
    const std::vector<Run>& runs() const { return runs_; }
    // All epoch metrics so far, in order.
    const std::vector<EpochMetrics>& history() const { return history_; }
    void set_learning_rate(double lr);

private:
    void start_epoch();
    void finish_epoch(TrainingObserver* observer);

    std::shared_ptr<const Dataset> data_;
    TrainingConfig config_;
    std::vector<Run> runs_;
    Rng shuffle_rng_;
    std::vector<Index> order_;
    int epoch_ = 1;
    Index batch_ = 0;
    Matrix batch_x_, batch_y_;
    // Per run, this epoch: loss sum weighted by samples, seconds in training steps, reported divergence.
    std::vector<double> loss_sum_, seconds_;
    std::vector<bool> divergence_reported_;
    std::vector<EpochMetrics> history_;
};

} // namespace f3
