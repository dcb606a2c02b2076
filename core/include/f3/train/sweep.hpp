#pragma once
// Sweeps: one comparison repeated at every point of a grid over one or two hyperparameters, with
// several seeds per point. This header has the grid, the configuration at each point and the
// statistics over seeds; sweep_runner.hpp runs a sweep of an experiment.
#include "f3/train/comparison.hpp"

#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace f3 {

class SweepError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// SweepParameter and SweepMetric are in config.hpp, their names in names.hpp.

// Parameters whose values are names (feedback_init, f3_error) rather than numbers.
bool is_categorical(SweepParameter parameter);

namespace limits {
inline constexpr int kMaxSweepValues = 1000;  // per axis
inline constexpr int kMaxSweepSeeds = 1000;
inline constexpr int kMaxSweepRuns = 100000;  // points x seeds
} // namespace limits

struct SweepAxis {
    SweepParameter parameter = SweepParameter::LearningRate;
    // Categorical parameters hold the value's position in all_names<Enum>().
    std::vector<double> values;
    bool log_scale = false; // the values are spaced evenly in log: plot them on a log axis
    friend bool operator==(const SweepAxis&, const SweepAxis&) = default;
};

// "lr=1e-4:1e-2:log:7" (7 values evenly spaced in log), "width=64:256:lin:4", "depth=1:4" (every
// whole number), "width=64,128,256", "feedback_init=kaiming,binomial". Throws SweepError.
SweepAxis parse_sweep_axis(std::string_view text);
// The values as parse_sweep_axis reads them (without "NAME="): "0.0001:0.1:log:7" when they are such
// a grid, else a list ("16,32,64", "kaiming,binomial").
std::string values_text(const SweepAxis& axis);
// Value i as a label: "0.000215" (three digits), "128", "binomial". Files keep the exact value.
std::string value_label(const SweepAxis& axis, std::size_t i);

struct SweepSpec {
    std::vector<SweepAxis> axes; // none (seeds only), one or two
    int seeds = 1;               // seed indices 0 .. seeds - 1, added to the base seeds (sweep_experiment)

    std::size_t point_count() const; // product of the axis sizes; 1 without axes
    std::size_t run_count() const { return point_count() * static_cast<std::size_t>(seeds); }
    // The value index on each axis of point `point`; the first axis varies slowest.
    std::vector<std::size_t> point_indices(std::size_t point) const;
    // "lr=0.001, width=128" (empty without axes).
    std::string point_label(std::size_t point) const;
    friend bool operator==(const SweepSpec&, const SweepSpec&) = default;
};

// Shard `index` of `count` (0 <= index < count) of a sweep: the runs whose run_index is index
// modulo count (round robin, so that every shard gets a share of each point's cost). Shards run on
// different machines and are merged back into one sweep (sweep_parts.hpp).
struct SweepPart {
    int index = 0;
    int count = 1;
    friend bool operator==(const SweepPart&, const SweepPart&) = default;
};

// Problems with the sweep's shape and with the configuration at each of its points on this data,
// one sentence each (empty: fine).
std::vector<std::string> check_sweep(const SweepSpec& spec, const TrainingConfig& base, const Dataset& data);

// `base` at `point`, trained with seed base.seed + seed_index on one thread (the sweep, not the
// run, is parallel). Rules that become identical (two F3 variants under an f3_error sweep) are
// kept once. An lr axis sets every rule's rate, its own (RuleSpec::learning_rate) included.
TrainingConfig sweep_config(const TrainingConfig& base, const SweepSpec& spec, std::size_t point, int seed_index);

// One finished (point, seed).
struct SweepRun {
    std::size_t point = 0;
    int seed_index = 0;
    std::uint64_t seed = 0;
    std::vector<EpochMetrics> history; // every epoch of every rule, as Comparison::history()
    double seconds = 0.0;              // wall-clock time of this run
    RuleSpec gap_baseline = InstrumentOptions{}.gap_baseline; // the rule history's gap_closed counts as 0
};

// A run's index in the sweep: point * seeds + seed_index (SweepRunner::run's `skip`, the CLI's "run").
std::size_t run_index(const SweepSpec& spec, const SweepRun& run);
// Sorts runs by point, then seed index: the order of a sweep's runs in files.
void sort_runs(std::vector<SweepRun>& runs);

double metric_value(const EpochMetrics& metrics, SweepMetric metric);

// Gap closed over seeds is the gap closed of the mean errors (never the mean of per-seed ratios,
// which explode where a seed's baseline nearly ties with BP); its spread is the standard deviation
// of that value over kGapBootstrapResamples resamplings of the seeds, drawn from a fixed seed.
inline constexpr int kGapBootstrapResamples = 1000;
inline constexpr std::uint64_t kGapBootstrapSeed = 20240601;

struct SeedStatistics {
    double mean = std::numeric_limits<double>::quiet_NaN(); // gap closed: of the mean errors
    double std = std::numeric_limits<double>::quiet_NaN(); // sample std (n - 1); 0 for one seed; gap closed: bootstrap std
    int n = 0;        // seeds with a finite value (gap closed: seeds where BP, the baseline and the rule all finished)
    int diverged = 0; // seeds on which the rule diverged (left out of mean and std)
    std::string note; // why mean is NaN (gap closed only)
};

// The series a rule's results are drawn in: under an f3_error sweep every F3 variant is the one
// series "f3" (which variant is the point's value); otherwise the rule label itself.
std::string sweep_series(const SweepSpec& spec, const std::string& rule);
// The series of a sweep's runs, in the order they first appear.
std::vector<std::string> sweep_rules(const SweepSpec& spec, const std::vector<SweepRun>& runs);
// Over the seeds of `point` in `runs`: the metric of `series` at `epoch` (0: each run's last epoch).
// Gap closed is measured against each run's gap_baseline (see SeedStatistics).
SeedStatistics seed_statistics(const SweepSpec& spec, const std::vector<SweepRun>& runs, std::size_t point,
                               const std::string& series, SweepMetric metric, int epoch = 0);

// Accuracy and gap closed are better high; losses and MSE low.
bool higher_is_better(SweepMetric metric);

// A rule's best learning rate in a sweep over lr alone.
struct BestRate {
    std::string rule;        // its label (to_string(RuleSpec))
    double learning_rate = 0.0;
    SeedStatistics statistics; // of the metric there, over the seeds
};
// For each rule of a finished sweep whose one axis is lr: the rate with the best mean of `metric`
// over the seeds at the last epoch, among the rates where every seed finished and none diverged
// (fewer seeds would make a mean look better than it is); a tie goes to the smaller rate. Throws
// SweepError when the sweep has another shape or a rule has no such rate.
std::vector<BestRate> best_learning_rates(const SweepSpec& spec, const std::vector<SweepRun>& runs, SweepMetric metric);

// The runs of a sweep `from` that are also runs of `to` (same value on each axis, same seed
// index), renumbered for `to`: adding seeds or values to a sweep keeps what was already run.
// Both sweeps must vary the same parameters in the same order; otherwise nothing is kept.
std::vector<SweepRun> runs_kept_for(const SweepSpec& from, const std::vector<SweepRun>& runs, const SweepSpec& to);

// One row per run per rule per epoch: the axis values and seed, then metrics_csv's columns.
std::string sweep_csv(const SweepSpec& spec, const std::vector<SweepRun>& runs);

} // namespace f3
