#pragma once
// Several rules trained in lock-step on one configuration: same initial weights, same feedback
// matrices, same batch order, so their curves differ only by the rule.
#include "f3/train/config.hpp"
#include "f3/data/dataset.hpp"
#include "f3/train/memory_estimate.hpp"
#include "f3/train/run.hpp"
#include "f3/observe/metrics.hpp"
#include "f3/observe/timeline.hpp"

#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace f3 {

class ConfigError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// Every problem with this configuration on this data, one sentence each (empty: fine).
std::vector<std::string> check_config(const TrainingConfig& config, const Dataset& data);
// Whether each rule can train each stage of `network` (FA needs a weight matrix to replace in every
// stage above the first), one sentence per problem; check_config asks it of transformers.
std::vector<std::string> check_rules_fit(const std::vector<RuleSpec>& rules, const Network& network);
// The network every rule of a comparison starts from: its weights are drawn from the seed's Init stream.
Network initial_network(const TrainingConfig& config, const Dataset& data);

struct InstrumentOptions {
    bool alignment = false;         // angles, norms and F3 staleness against true BP
    bool timeline = false;          // per-op schedule of sampled steps, logical and measured
    // One step in 32: instruments then cost under 10% even where the BP reference gradient is
    // dearer than the rule's own step (DFA on 784-1000-1000-10: ~12% at one in 20; see f3bench).
    int every_steps = 32;           // sample one step in this many
    RuleSpec gap_baseline{"drtp", F3Error::DelayedError};
};

struct RuleTimeline {
    std::string rule;
    Timeline logical;               // two consecutive steps, costs in multiply-adds
    Timeline measured;              // the same schedule with this step's measured op durations (s)
    double critical_path_logical = 0.0, critical_path_measured = 0.0;
    bool pipelines = false;         // layer 1 may start the next batch before the output layer is done
};

struct InstrumentReport {
    int epoch = 0;
    Index batch = 0;
    std::int64_t step = 0;          // optimizer steps before this one
    std::vector<std::string> rules;
    std::vector<StepInstruments> instruments; // per run (empty entries for diverged runs)
    std::vector<RuleTimeline> timelines;      // per run, when the timeline is on
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
    virtual void on_instruments(const InstrumentReport&) {}
    // Checked once per batch: returning true stops training after the current batch.
    virtual bool stop_requested() { return false; }
};

// Gap closed, (err_baseline - err_rule) / (err_baseline - err_BP), is defined only when the
// baseline's error exceeds BP's by more than this share of BP's error: when the baseline ties with
// or beats BP the ratio's denominator is near zero or negative and ranks the worst rules first.
inline constexpr double kGapMargin = 0.1;

struct GapClosed {
    double value = std::numeric_limits<double>::quiet_NaN(); // 0: the baseline's error, 1: BP's
    std::string note;                                        // why value is NaN
};
// The one definition of gap closed, from three test errors (1 - accuracy, or the MSE).
GapClosed gap_closed(double baseline_error, double bp_error, double rule_error);
// The error gap closed measures: 1 - accuracy when there is one, else the test MSE.
double test_error(const EpochMetrics& metrics);

// Fills EpochMetrics::gap_closed (or gap_note) for one epoch's metrics of all rules.
void fill_gap_closed(std::vector<EpochMetrics>& epoch, const RuleSpec& baseline);

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
    void set_learning_rate(double lr); // the shared rate; rules with their own keep it
    void set_instruments(const InstrumentOptions& options) { instruments_ = options; }
    const InstrumentOptions& instruments() const { return instruments_; }

private:
    void prepare_this_thread();
    void start_epoch();
    void finish_epoch(TrainingObserver* observer);
    void record_instruments(std::size_t run, const StepInstruments& instruments);
    // The pieces of one step: the shuffled batch, one rule's step on it, a divergence report, and
    // the instruments (with each rule's update timeline) of a sampled step.
    std::span<const Index> gather_batch();
    double train_run(std::size_t run, std::span<const Index> samples, bool sampled);
    void report_divergence(std::size_t run, double loss, TrainingObserver* observer);
    RuleTimeline schedule(std::size_t run, const OpCost& logical) const;
    void report_instruments(Index batch_size, TrainingObserver* observer);

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
    InstrumentOptions instruments_;
    std::int64_t global_step_ = 0;
    Index timed_samples_ = 0; // samples of this epoch's steps that were not instrumented
    std::vector<StepProbe> probes_;
    // Per run, this epoch: sums of the sampled instruments and how many steps were sampled.
    struct InstrumentSums {
        std::vector<double> update, signal, weight;
        std::vector<int> update_n, signal_n, weight_n;
        double age = 0.0, distance = 0.0;
        int age_n = 0, distance_n = 0;
    };
    std::vector<InstrumentSums> sums_;
    std::vector<EpochMetrics> history_;
    std::thread::id prepared_thread_;
};

} // namespace f3
