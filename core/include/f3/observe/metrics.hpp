#pragma once
// One rule's metrics after one epoch, and the one table of its measured values that every writer
// and reader goes through: the CLI's JSON lines, the app's --print-metrics lines, experiment files
// (per-epoch objects and a sweep's columns) and metrics_csv. A new metric is one more field of
// EpochMetrics and one more row of kMetricFields.
#include "f3/data/dataset.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace f3 {

// EpochMetrics::message of a rule whose loss stopped being finite.
inline constexpr const char* kDivergedMessage = "diverged: the loss is no longer finite; try a smaller learning rate";

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
    // Instruments (when enabled): means over this epoch's sampled steps, one entry per hidden layer.
    std::vector<double> update_angle_deg, signal_angle_deg, weight_angle_deg;
    double staleness_steps = std::numeric_limits<double>::quiet_NaN();    // F3: mean age of the stored errors used
    double staleness_distance = std::numeric_limits<double>::quiet_NaN(); // F3: mean ‖E_stored − e_current‖ / ‖e_current‖
    // (err_baseline − err_rule) / (err_baseline − err_BP) on the test set (see f3::gap_closed); NaN
    // without BP and baseline, or with gap_note saying why it is undefined.
    double gap_closed = std::numeric_limits<double>::quiet_NaN();
    std::string gap_note;
};

// Where a measured value stands in every output. Each output keeps its groups in its own order
// (see metrics_line, metrics_csv, experiment files); the fields of a group stay in table order.
enum class MetricGroup {
    Result,     // how well the rule learned: every output, right after the epoch
    Staleness,  // F3's instruments: only with the instruments on; JSON lines show them for F3 rules only
    Comparison, // against the other rules of the run
};

// The task whose JSON lines show a value (the app, files and CSV keep it for both tasks).
enum class MetricTask { Any, Classification, Regression };

struct MetricField {
    const char* name;               // JSON key and CSV column
    double EpochMetrics::*member;   // NaN: not measured (null in JSON, empty in CSV)
    MetricGroup group;
    MetricTask task = MetricTask::Any;
    bool omitted_when_nan = false;  // JSON lines leave it out instead of printing null (unless a gap_note says why)
};

// The measured values, in the order every output lists them within a group. Timings, steps,
// divergence and the per-layer angles are not in the table: each output places them itself.
// Files written before a row was added lack its key: an epoch object reads it as null, but a sweep
// run's columns are all required (io/experiment.cpp), so a row kept in sweeps needs a file version.
inline constexpr std::array<MetricField, 7> kMetricFields{{
    {"train_loss", &EpochMetrics::train_loss, MetricGroup::Result},
    {"test_loss", &EpochMetrics::test_loss, MetricGroup::Result},
    {"test_accuracy", &EpochMetrics::test_accuracy, MetricGroup::Result, MetricTask::Classification},
    {"test_mse", &EpochMetrics::test_mse, MetricGroup::Result, MetricTask::Regression},
    {"staleness_steps", &EpochMetrics::staleness_steps, MetricGroup::Staleness},
    {"staleness_distance", &EpochMetrics::staleness_distance, MetricGroup::Staleness},
    {"gap_closed", &EpochMetrics::gap_closed, MetricGroup::Comparison, MetricTask::Any, true},
}};

// Calls f(field) for each field of `group`, in table order.
template <class F> void for_each_metric(MetricGroup group, F&& f) {
    for (const MetricField& field : kMetricFields)
        if (field.group == group) f(field);
}

// Sweeps keep every value but the instruments (they run without them): the columns of a sweep run
// in experiment files.
inline constexpr bool kept_in_sweeps(const MetricField& field) { return field.group != MetricGroup::Staleness; }

// True when the JSON lines of a run on `task` show `field`.
inline constexpr bool shown_for(const MetricField& field, Task task) {
    return field.task == MetricTask::Any || (field.task == MetricTask::Classification) == (task == Task::Classification);
}

// What a JSON line of metrics_line holds besides the rule, the epoch, the results and gap_closed.
struct MetricsLineDetail {
    bool details = true;      // samples_per_s, train_seconds, steps and a diverged rule's message (sweep lines leave them out)
    bool instruments = false; // the per-layer angles, and F3's staleness
};

// One rule's epoch as f3studio-cli prints it: algorithm, epoch, the results of `task`, then as
// `detail` says timings and steps, angles and staleness, then gap_closed (when measured, or null with
// a gap_note saying why it is undefined) and, for a rule that diverged, "diverged": true (and its message with the details).
std::string metrics_line(const EpochMetrics& metrics, Task task, const MetricsLineDetail& detail = {});

} // namespace f3
