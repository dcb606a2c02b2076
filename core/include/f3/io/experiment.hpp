#pragma once
// Experiment files: one JSON document ("format": "f3studio-experiment") holding everything needed to
// repeat a comparison (data set, network, rules, optimizer, instruments) and, optionally, the curves
// of a finished run. The CLI (--config), the desktop app and the lessons all read and write it.
#include "f3/train/comparison.hpp"
#include "f3/train/config.hpp"
#include "f3/data/dataset.hpp"
#include "f3/train/sweep.hpp"

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace f3 {

// Messages read "<file>: <key path>: <problem>", e.g.
// "lesson.json: network.hidden[0].width: 1000000000 is out of range (1 to 100000)".
class ExperimentError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

inline constexpr const char* kExperimentFormat = "f3studio-experiment";
inline constexpr int kExperimentVersion = 4; // files with a larger version are refused; 2 added the transformer, 3 the stage list, 4 per-rule learning rates

struct Experiment {
    int version = kExperimentVersion;
    std::string name;
    std::string description;
    DatasetSpec dataset;
    Index train_limit = 0; // train on the first N training samples only; 0 = all
    // bp alone unless the file or command line names rules (TrainingConfig alone has none).
    TrainingConfig training = [] {
        TrainingConfig config;
        config.rules = {RuleSpec{}};
        return config;
    }();
    // true: training.head is chosen from the data's task when the data is known ("head": "auto"),
    // so changing the data set from a classification to a regression set needs no other edit.
    bool head_from_task = true;
    InstrumentOptions instruments;
    std::vector<EpochMetrics> recorded_metrics; // optional: the curves of a finished run
    // Optional: a sweep over this configuration and the runs of it that finished.
    std::optional<SweepSpec> sweep;
    std::vector<SweepRun> sweep_runs;
    // Set when the file holds one shard of the sweep: sweep_runs are runs of that shard only.
    std::optional<SweepPart> sweep_part;
};

// Throws ExperimentError naming `source_name` and the key for malformed JSON, a missing or foreign
// "format", a newer version, wrong types and values out of range. Unknown keys and missing
// important keys (dataset.source, rules, epochs) only add to `warnings` (which may be null).
Experiment parse_experiment(const std::string& text, const std::string& source_name,
                            std::vector<std::string>* warnings);
// The whole experiment, every key written (so a file documents its defaults), recorded metrics
// when there are any. Pretty JSON ending in a newline.
std::string to_json(const Experiment& experiment);

Experiment load_experiment(const std::string& path, std::vector<std::string>* warnings);
// Writes a temporary file in the target's directory, syncs it, renames it over `path` and syncs the
// directory: a crash leaves either the old or the new file, never a mix. On failure the temporary
// file is removed, the previous file is untouched and ExperimentError is thrown.
void save_experiment_atomically(const Experiment& experiment, const std::string& path);

// An upper bound of the bytes that `runs` sweep runs add to an experiment file when each run has
// `rules` rules and `epochs` epochs. Files over json::kMaxBytes cannot be read back (saving one is
// refused), so a sweep whose bound exceeds it is refused before it trains.
std::size_t sweep_file_bytes_bound(std::size_t runs, std::size_t rules, int epochs);

// The experiment's data set with only its first train_limit training samples.
Dataset load_experiment_data(const Experiment& experiment);
// experiment.training for `data`: the head follows the data's task when head_from_task is set.
// check_config(training_config_for(e, data), data) lists what still does not fit this data.
TrainingConfig training_config_for(const Experiment& experiment, const Dataset& data);

// linear_mse for regression, sigmoid_bce for classes (the reference setup).
Head default_head(Task task);
// "classification" / "regression" (Task lives in data.hpp, not in names.hpp's config enums).
std::string to_string(Task task);
// A CSV's task: classification, regression, or "auto" (no value: inferred from the target column),
// in files, on the command line and in the app alike.
inline constexpr const char* kInferredTask = "auto";
std::optional<Task> parse_csv_task(std::string_view name); // NameError for anything else
std::string csv_task_name(const std::optional<Task>& task);

} // namespace f3
