#include "cli.hpp"

#include "f3/io/atomic_file.hpp"
#include "f3/train/comparison.hpp"
#include "f3/data/dataset.hpp"
#include "f3/io/experiment.hpp"
#include "f3/io/json_writer.hpp"
#include "f3/io/lesson.hpp"
#include "f3/platform/kernels.hpp"
#include "f3/platform/memory.hpp"
#include "f3/platform/threads.hpp"
#include "f3/io/names.hpp"
#include "f3/observe/report.hpp"
#include "f3/train/sweep_parts.hpp"
#include "f3/train/sweep_runner.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <ostream>
#include <sstream>
#include <thread>

namespace f3::cli {
namespace {

constexpr const char* kUsage = R"(usage: f3studio-cli train --dataset NAME|fashion-mnist|idx:DIR|csv:FILE --layers W[,W...] --epochs N [options]
       f3studio-cli train --config FILE [options]
       f3studio-cli sweep --config FILE --param NAME=VALUES [--param NAME=VALUES] [--seeds N] [options]
       f3studio-cli sweep --config FILE [--param ...] --shard K/N|slurm --save PART.json [options]
       f3studio-cli sweep --config FILE --rerun [--save NEW.json]
       f3studio-cli best-lr SWEEP.json OUT.json [--metric NAME]
       f3studio-cli merge OUT.json PART.json [PART.json...]
       f3studio-cli status FILE [FILE...]
       f3studio-cli --version | --help

train: trains the chosen rules in lock-step (same initial weights, feedback matrices and batch
order) and prints one JSON object per rule per epoch on stdout.

sweep: trains that comparison at every point of a grid over one or two parameters, with N seeds
per point (the experiment's seed, +1, +2, ...; like --seed, each seed also redraws a toy set and
re-splits a CSV file), one run per core, and prints one JSON object per finished run on stdout
and a mean +- std table on stderr. Run k equals `train` with --seed (seed + k) at that point.
  --param NAME=VALUES  lr, width (every hidden layer), depth (copies of the last hidden layer, or
                       a transformer's depth), batch, feedback_init, f3_error (every f3 rule), or a
                       transformer's dim, heads, dim_head, mlp_dim or patch, with VALUES
                       A:B:log:N (N values evenly spaced in log), A:B:lin:N, A:B (whole numbers)
                       or a list: lr=1e-4:1e-2:log:7  width=64,128,256  f3_error=delayed_error,delayed_loss
  --seeds N            seeds per point (default 1, or the file's sweep)
  --jobs N             runs at a time (default: one per core); the numbers do not depend on it
  --save FILE          save the experiment with the sweep and its results (also every 10 s while
                       running); a sweep started again from that file runs only what is missing
  --csv FILE           one row per run, rule and epoch ('-': to standard output at the end,
                       instead of the JSON lines)
  --shard K/N          run only shard K of N (K from 0 to N-1): the runs whose index modulo N is K,
                       each the same bit for bit as in the whole sweep; --save keeps the sweep's
                       definition and this shard's runs, and an existing --save file of the same
                       shard is resumed (one of another sweep or shard is refused, never overwritten)
  --shard slurm        K and N of a Slurm job array task: SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN
                       and SLURM_ARRAY_TASK_COUNT (submit with sbatch --array=0-(N-1))
  --rerun              train every run of the --config file's sweep again, as saved (no --param,
                       --seeds or option that changes a setting), and compare each with the run
                       stored in the file: prints how many give the same numbers bit for bit and
                       exits with 1 if any differs (--save writes the new runs to another file)
  Without --param, the sweep saved in the --config file is run (or resumed; a shard's file resumes
  that shard).

best-lr: reads a finished sweep over lr alone and writes OUT.json, the same experiment without the
sweep, each rule at its own best learning rate (RULE@LR in "rules"): the rate with the best mean
over seeds at the last epoch of --metric (default test_accuracy for classes, test_mse for
regression; also test_loss, train_loss, gap_closed), among rates where every seed finished and
none diverged; an existing OUT.json is kept, never replaced. A tuned experiment is then
`sweep --config OUT.json --seeds N` (or --param feedback_init=... and so on).

merge: combines files of one sweep (shards, or a merged file and more shards) into OUT.json, which
reads like a sweep run on one machine: `sweep --config OUT.json --save OUT.json` runs only what is
missing. The files must hold the same experiment and sweep (else the differing setting is named)
and a run found twice must have the same results; an existing OUT.json is merged in too, so merging
again is harmless. Prints how many runs are done, missing and failed (stored incomplete).

status: prints how many runs of the sweep are done, missing and failed across the files (a diverged
run is a result, not a failure), and which are missing.

experiment files:
  --config FILE        take every value from an experiment file (e.g. resources/lessons/*.json);
                       options also given on the command line override the file's values
  --save-config FILE   write the effective experiment (file and options) to FILE before training

data:
  --dataset SRC        toy set (spiral, xor, circles, gaussians, moons, checkerboard, sine, friedman1),
                       fashion-mnist, idx:DIR (MNIST-format folder) or csv:FILE
  --target COL         CSV target column (default: the last one)
  --task KIND          CSV task: classification, regression or auto (the default: classification when
                       the target is text or at most 50 whole numbers each in 2+ rows, else regression)
  --size N --noise X   toy sets: sample count (default 1000) and noise (default 0.1)
  --train-limit N      train on the first N training samples only
network:
  --layers W[,W...]    hidden widths, e.g. 500 or 256,256 ("" for none)
  --activation F[,F..] tanh (default), sigmoid, relu, leaky_relu, linear; one for all or one per layer
  --head H             sigmoid_bce (default for classes), softmax_ce, linear_mse (default for regression)
  --architecture A     dense (default: the --layers above) or transformer, the paper's vision transformer
                       for square images: stage 1 embeds the image linearly in --dim D features seen
                       as T = (side / --patch)^2 tokens and runs one transformer block; stages 2 to
                       --depth - 1 are one block each; stage --depth is dense D -> D; then the output
  --patch P --dim D    patch size (default 7: 16 tokens of 28x28 images), D (default 256, a multiple of T)
  --depth K            stages carrying D features (default 3: two blocks and the dense stage)
  --heads H --dim-head E   attention heads (default 4) of E features each (default 16)
  --mlp-dim M          width of each block's MLP (default 64); --activation sets its activation
rules:
  --algorithms LIST    {RULES} (default bp); f3:VARIANT picks an F3 variant, and RULE@LR
                       gives a rule its own learning rate instead of --lr's, e.g.
                       bp@0.03,f3:delayed_loss@3e-4 (a sweep over lr sets every rule's rate)
  --f3-error VARIANT   delayed_error (default), delayed_loss, delayed_error_one_hot,
                       delayed_loss_one_hot, delayed_error_softmax, delayed_loss_softmax
  --feedback-init I    kaiming (default), gaussian, trinomial, binomial, pm_identity
training:
  --optimizer O        adam (default), sgd, momentum      --momentum X (default 0.9)
  --lr X               learning rate (default 1.5e-4)     --batch N (default 50)
  --epochs N           epochs (required)                  --seed N (default 1)
  --threads N          threads for matrix products (default 1); results are reproducible for a
                       given thread count
  --max-memory GIB     refuse data sets and runs estimated to need more memory (default: half
                       of this machine's memory)
instruments:
  --instruments        add per-layer update_angle_deg, signal_angle_deg, weight_angle_deg (epoch
                       means over sampled steps, degrees vs true backprop) and, for F3, staleness_steps
  --instrument-every N sample one step in N (default 32)
  --timeline FILE      write the per-layer op schedule of sampled steps (.csv, else JSON lines)
  --baseline RULE      rule whose error counts as 0% in gap_closed (default drtp); gap_closed is
                       reported when bp and the baseline are both compared, and is null (with a
                       gap_note) unless the baseline's error exceeds BP's by more than 10%
)";

// The usage text with the registered rules filled in.
std::string usage() {
    std::string text = kUsage, rules;
    for (const auto& name : rule_names()) rules += (rules.empty() ? "" : ",") + name;
    text.replace(text.find("{RULES}"), 7, rules);
    return text;
}

struct Args {
    std::map<std::string, std::string> values;           // the last value of each option
    std::map<std::string, std::vector<std::string>> repeated; // every value of a repeatable option
    bool has(const std::string& key) const { return values.count(key) != 0; }
    std::string get(const std::string& key, const std::string& fallback = "") const {
        const auto it = values.find(key);
        return it == values.end() ? fallback : it->second;
    }
};

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Options that describe the experiment, for both commands.
const std::vector<std::string> kExperimentOptions = {
    "config", "save-config", "dataset", "target", "task", "size", "noise", "train-limit", "layers", "activation", "head", "algorithms",
    "architecture", "patch", "dim", "depth", "heads", "dim-head", "mlp-dim",
    "f3-error", "feedback-init", "optimizer", "momentum", "lr", "batch", "epochs", "seed", "threads", "baseline", "max-memory"};
const std::vector<std::string> kTrainOnlyOptions = {"instruments", "instrument-every", "timeline"};
const std::vector<std::string> kSweepOnlyOptions = {"param", "seeds", "jobs", "save", "csv", "shard", "rerun"};
// Options that take no value, and options that may be given more than once.
const std::vector<std::string> kFlags = {"instruments", "rerun"};
const std::vector<std::string> kRepeatable = {"param"};

bool contains(const std::vector<std::string>& list, const std::string& key) {
    return std::find(list.begin(), list.end(), key) != list.end();
}

Args parse_options(const std::vector<std::string>& args, std::size_t first, const std::vector<std::string>& command_options) {
    Args parsed;
    for (std::size_t i = first; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg.rfind("--", 0) != 0) throw UsageError("unexpected argument '" + arg + "'");
        std::string key = arg.substr(2), value;
        const auto eq = key.find('=');
        const std::string name = key.substr(0, eq);
        if (!contains(kExperimentOptions, name) && !contains(command_options, name)) {
            if (contains(kTrainOnlyOptions, name) || contains(kSweepOnlyOptions, name))
                throw UsageError("--" + name + " is an option of '" + (contains(kTrainOnlyOptions, name) ? "train" : "sweep") +
                                 "', not of '" + args[0] + "'");
            throw UsageError("unknown option --" + name);
        }
        if (contains(kFlags, key)) {
            parsed.values[key] = "1";
            continue;
        }
        if (eq != std::string::npos) {
            value = key.substr(eq + 1);
            key = name;
        } else {
            if (i + 1 >= args.size()) throw UsageError("option --" + key + " needs a value");
            value = args[++i];
        }
        if (contains(kRepeatable, key)) parsed.repeated[key].push_back(value);
        parsed.values[key] = value;
    }
    return parsed;
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    if (text.empty()) return parts;
    std::stringstream stream(text);
    for (std::string part; std::getline(stream, part, separator);) parts.push_back(part);
    return parts;
}

template <class T> T parse_number(const std::string& option, const std::string& text) {
    T value{};
    const char* end = text.data() + text.size();
    const auto result = std::from_chars(text.data(), end, value);
    if (result.ec != std::errc() || result.ptr != end)
        throw UsageError("--" + option + " expects a number, not '" + text + "'");
    if constexpr (std::is_floating_point_v<T>)
        if (!std::isfinite(value)) throw UsageError("--" + option + " must be finite, not '" + text + "'");
    return value;
}

// Seeds and sample counts, which experiment files store as doubles: exact up to 2^53.
std::uint64_t parse_exact_integer(const std::string& option, const std::string& text) {
    const auto value = parse_number<std::uint64_t>(option, text);
    if (value > limits::kMaxExactInteger)
        throw UsageError("--" + option + " must be at most " + std::to_string(limits::kMaxExactInteger) +
                         " (2^53, the largest whole number an experiment file stores exactly), not " + text);
    return value;
}

template <class Enum> Enum parse_name(const std::string& option, const std::string& text) {
    try {
        return parse<Enum>(text);
    } catch (const NameError& e) {
        throw UsageError("--" + option + ": " + e.what());
    }
}

// --layers replaces the widths, --activation the activations (one for all, or one per layer).
void apply_layers(const Args& args, Experiment& experiment) {
    if (args.has("layers")) { // as a lesson's "set the hidden layers" does: new layers keep a shared activation
        LessonAction set_layers;
        set_layers.kind = LessonAction::Kind::SetHiddenLayers;
        for (const auto& width : split(args.get("layers"), ',')) set_layers.widths.push_back(parse_number<int>("layers", width));
        apply_setting(set_layers, experiment);
    }
    std::vector<HiddenLayerSpec>& hidden = experiment.training.hidden;
    if (args.has("activation")) {
        const auto names = split(args.get("activation"), ',');
        if (names.size() != 1 && names.size() != hidden.size())
            throw UsageError("--activation needs one name, or one per hidden layer (" + std::to_string(hidden.size()) + ")");
        for (std::size_t i = 0; i < hidden.size(); ++i)
            hidden[i].activation = parse_name<Activation>("activation", names[names.size() == 1 ? 0 : i]);
    }
}

void apply_transformer(const Args& args, TransformerSpec& spec) {
    for (const auto& [option, value] : {std::pair{"patch", &spec.patch}, {"dim", &spec.dim}, {"depth", &spec.depth},
                                        {"heads", &spec.heads}, {"dim-head", &spec.dim_head}, {"mlp-dim", &spec.mlp_dim}})
        if (args.has(option)) *value = parse_number<int>(option, args.get(option));
    if (args.has("activation")) spec.activation = parse_name<Activation>("activation", args.get("activation"));
    if (args.has("layers")) throw UsageError("--layers sets a dense network's hidden layers; a transformer takes --dim and --depth");
}

RuleSpec parse_rule_option(const std::string& option, const std::string& text, F3Error default_error) {
    try {
        return parse_rule(text, default_error);
    } catch (const NameError& e) {
        throw UsageError("--" + option + ": " + e.what());
    }
}

// The command line on top of an experiment (a file's, or the defaults): each flag given replaces
// that one value, so from here on the experiment alone describes the run.
void apply_flags(const Args& args, Experiment& experiment) {
    DatasetSpec& data = experiment.dataset;
    if (args.has("dataset")) {
        data.source = args.get("dataset");
        data.folder.clear(); // a path typed on the command line is relative to the working directory
    }
    if (args.has("target")) data.target = args.get("target");
    if (args.has("task")) {
        try {
            data.csv_task = parse_csv_task(args.get("task"));
        } catch (const NameError& e) {
            throw UsageError(std::string("--task: ") + e.what());
        }
    }
    if (args.has("size")) data.toy.size = parse_number<int>("size", args.get("size"));
    if (args.has("noise")) data.toy.noise = parse_number<double>("noise", args.get("noise"));
    TrainingConfig& training = experiment.training;
    if (args.has("seed")) training.seed = data.toy.seed = parse_exact_integer("seed", args.get("seed"));
    if (args.has("train-limit")) {
        const auto limit = parse_exact_integer("train-limit", args.get("train-limit"));
        if (limit < 1) throw UsageError("--train-limit must be at least 1");
        experiment.train_limit = static_cast<Index>(limit);
    }

    if (args.has("architecture")) training.architecture = parse_name<Architecture>("architecture", args.get("architecture"));
    if (training.architecture == Architecture::Transformer) apply_transformer(args, training.transformer);
    else apply_layers(args, experiment);
    if (args.has("head")) {
        training.head = parse_name<Head>("head", args.get("head"));
        experiment.head_from_task = false;
    }
    const F3Error default_error = parse_name<F3Error>("f3-error", args.get("f3-error", "delayed_error"));
    if (args.has("algorithms")) {
        training.rules.clear();
        for (const auto& name : split(args.get("algorithms"), ','))
            training.rules.push_back(parse_rule_option("algorithms", name, default_error));
    } else if (args.has("f3-error")) {
        // The experiment's plain "f3" rules take the variant; "f3:VARIANT" ones keep theirs, and
        // every rule keeps its own learning rate.
        for (auto& rule : training.rules) rule = parse_rule(rule_setting(rule), default_error);
    }
    if (args.has("feedback-init")) training.feedback_init = parse_name<FeedbackInit>("feedback-init", args.get("feedback-init"));
    if (args.has("optimizer")) training.optimizer.kind = parse_name<OptimizerKind>("optimizer", args.get("optimizer"));
    if (args.has("lr")) training.optimizer.learning_rate = parse_number<double>("lr", args.get("lr"));
    if (args.has("momentum")) training.optimizer.momentum = parse_number<double>("momentum", args.get("momentum"));
    if (args.has("batch")) training.batch_size = parse_number<int>("batch", args.get("batch"));
    if (args.has("epochs")) training.epochs = parse_number<int>("epochs", args.get("epochs"));
    if (args.has("threads")) training.threads = parse_number<int>("threads", args.get("threads"));

    InstrumentOptions& instruments = experiment.instruments;
    if (args.has("instruments")) instruments.alignment = true;
    if (args.has("timeline")) instruments.timeline = true;
    if (args.has("instrument-every")) {
        instruments.every_steps = parse_number<int>("instrument-every", args.get("instrument-every"));
        if (instruments.every_steps < 1) throw UsageError("--instrument-every must be at least 1");
    }
    if (args.has("baseline")) {
        instruments.gap_baseline = parse_rule_option("baseline", args.get("baseline"), default_error);
        if (instruments.gap_baseline.learning_rate) throw UsageError(std::string("--baseline: ") + kBaselineWithoutRate);
    }
}

void draw_progress(std::ostream& err, double fraction, const std::string& text) {
    const int filled = static_cast<int>(std::clamp(fraction, 0.0, 1.0) * 30.0);
    err << "\r[" << std::string(static_cast<std::size_t>(filled), '#') << std::string(static_cast<std::size_t>(30 - filled), '.') << "] "
        << text << "   " << std::flush;
}

// Prints JSON lines as epochs finish and draws a progress bar on a terminal.
class CliObserver final : public TrainingObserver {
public:
    CliObserver(std::ostream& out, std::ostream& err, bool progress, int epochs)
        : out_(out), err_(err), progress_(progress), epochs_(epochs) {}

    void on_batch(const BatchReport& report) override {
        if (!progress_) return;
        const auto now = std::chrono::steady_clock::now();
        if (now - last_draw_ < std::chrono::milliseconds(100) && report.batch + 1 != report.batches_per_epoch) return;
        last_draw_ = now;
        draw_progress(err_, static_cast<double>(report.batch + 1) / static_cast<double>(report.batches_per_epoch),
                      "epoch " + std::to_string(report.epoch) + '/' + std::to_string(epochs_) + "  batch " +
                          std::to_string(report.batch + 1) + '/' + std::to_string(report.batches_per_epoch));
    }
    void on_epoch(const std::vector<EpochMetrics>& metrics) override {
        if (progress_) err_ << "\r\033[K" << std::flush;
        for (const auto& m : metrics) out_ << metrics_line(m, task_, {.instruments = instruments_}) << '\n';
        out_ << std::flush;
    }
    void on_diverged(const std::string& rule, const std::string& message) override {
        if (progress_) err_ << "\r\033[K";
        err_ << "warning: " << rule << ": " << message << std::endl;
    }
    void on_instruments(const InstrumentReport& report) override {
        if (!timeline_) return;
        if (timeline_csv_) {
            *timeline_ << timeline_csv_rows(report);
            return;
        }
        for (const RuleTimeline& t : report.timelines) {
            std::string ops = "[";
            for (std::size_t k = 0; k < t.logical.ops.size(); ++k) {
                const TimelineOp &a = t.logical.ops[k], &b = t.measured.ops[k];
                JsonLine op;
                op.add("step", a.step).add("layer", a.layer).add("op", op_name(a.kind)).add("start", a.start).add("end", a.end);
                op.add("measured_start_us", b.start * 1e6).add("measured_end_us", b.end * 1e6);
                ops += (k ? "," : "") + op.str();
            }
            ops += "]";
            std::vector<double> waiting_us;
            for (double w : t.measured.waiting) waiting_us.push_back(w * 1e6);
            JsonLine line;
            line.add("step", static_cast<long long>(report.step)).add("epoch", report.epoch).add("batch", static_cast<long long>(report.batch));
            line.add("algorithm", t.rule).add("critical_path", t.critical_path_logical);
            line.add("critical_path_measured_us", t.critical_path_measured * 1e6).add("pipelines_next_batch", t.pipelines);
            line.add("waiting", t.logical.waiting).add("waiting_measured_us", waiting_us).add_raw("ops", ops);
            *timeline_ << line.str() << '\n';
        }
    }
    void set_task(Task task) { task_ = task; }
    void set_instruments(bool value) { instruments_ = value; }
    void set_timeline(std::ostream* stream, bool csv) {
        timeline_ = stream;
        timeline_csv_ = csv;
        if (timeline_ && csv) *timeline_ << timeline_csv_header();
    }

private:
    std::ostream& out_;
    std::ostream& err_;
    bool progress_;
    int epochs_;
    Task task_ = Task::Classification;
    bool instruments_ = false;
    std::ostream* timeline_ = nullptr;
    bool timeline_csv_ = false;
    std::chrono::steady_clock::time_point last_draw_{};
};

// The experiment of --config (or the defaults) with the command line's flags on top.
Experiment experiment_from(const Args& args, std::ostream& err) {
    // Before any data set is read: loaders check their size against it.
    const double max_memory_gib = args.has("max-memory") ? parse_number<double>("max-memory", args.get("max-memory")) : 0.0;
    if (args.has("max-memory") && !(max_memory_gib > 0.0)) throw UsageError("--max-memory must be a positive number of GiB");
    set_memory_limit_bytes(static_cast<std::uint64_t>(std::min(max_memory_gib, 1e9) * (1 << 30)));
    Experiment experiment;
    if (args.has("config")) {
        std::vector<std::string> warnings;
        experiment = load_experiment(args.get("config"), &warnings);
        for (const auto& warning : warnings) err << "warning: " << warning << '\n';
    } else {
        if (!args.has("dataset")) throw UsageError("--dataset is required (or --config FILE)");
        if (!args.has("layers") && args.get("architecture") != "transformer")
            throw UsageError("--layers is required (e.g. --layers 500, or --layers \"\" for none)");
        if (!args.has("epochs")) throw UsageError("--epochs is required");
    }
    for (const std::string option : {"save", "save-config"})
        if (args.get(option) == "-") throw UsageError("--" + option + " writes an experiment file, not a stream: give a file name, not '-'");
    apply_flags(args, experiment);
    return experiment;
}

int train(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err, bool err_is_terminal) {
    const Args args = parse_options(argv, 1, kTrainOnlyOptions);
    Experiment experiment = experiment_from(args, err);

    if (const std::string problem = openmp_threads_problem(experiment.training.threads); !problem.empty())
        err << "warning: " << problem << "\n";
    auto data = std::make_shared<Dataset>(load_experiment_data(experiment));
    Comparison comparison(data, training_config_for(experiment, *data));
    InstrumentOptions instruments = experiment.instruments;
    if (instruments.timeline && !args.has("timeline")) {
        err << "warning: the experiment asks for the update timeline; --timeline FILE writes it\n";
        instruments.timeline = false; // nowhere to write it: do not pay for measuring it
    }
    comparison.set_instruments(instruments);
    if (args.has("save-config")) {
        Experiment effective = experiment;
        effective.recorded_metrics.clear(); // the file describes the run about to start
        save_experiment_atomically(effective, args.get("save-config"));
    }
    CliObserver observer(out, err, err_is_terminal, experiment.training.epochs);
    observer.set_task(data->task);
    if (!data->task_note.empty()) err << data->task_note << "; --task overrides\n";
    observer.set_instruments(instruments.alignment);
    std::ofstream timeline;
    if (instruments.timeline) {
        const std::string path = args.get("timeline");
        timeline.open(path);
        if (!timeline) throw UsageError("cannot write the timeline to '" + path + "'");
        const bool csv = path.size() >= 4 && path.compare(path.size() - 4, 4, ".csv") == 0;
        observer.set_timeline(&timeline, csv);
    }
    comparison.run(&observer);
    if (timeline.is_open() && !timeline.flush()) throw UsageError("writing the timeline failed (disk full?)");
    return 0;
}


// While alive, SIGINT and SIGTERM cancel `runner` (an atomic store, safe in a signal handler)
// instead of killing the process, so finished runs are still printed and saved.
class InterruptCancels {
public:
    explicit InterruptCancels(SweepRunner& runner) {
        active_ = &runner;
        previous_int_ = std::signal(SIGINT, &InterruptCancels::handle);
        previous_term_ = std::signal(SIGTERM, &InterruptCancels::handle);
    }
    ~InterruptCancels() {
        std::signal(SIGINT, previous_int_);
        std::signal(SIGTERM, previous_term_);
        active_ = nullptr;
    }
    InterruptCancels(const InterruptCancels&) = delete;
    InterruptCancels& operator=(const InterruptCancels&) = delete;

private:
    static void handle(int) {
        if (SweepRunner* runner = active_) runner->cancel();
    }
    static inline std::atomic<SweepRunner*> active_{nullptr};
    using Handler = void (*)(int);
    Handler previous_int_ = SIG_DFL, previous_term_ = SIG_DFL;
};

// One line per finished run: where it is in the sweep, the values swept, then each rule's last epoch.
std::string sweep_run_line(const SweepSpec& spec, const SweepRun& run, Task task) {
    JsonLine line;
    line.add("run", static_cast<long long>(run_index(spec, run)));
    line.add("runs", static_cast<long long>(spec.run_count())).add("point", static_cast<long long>(run.point));
    const auto indices = spec.point_indices(run.point);
    for (std::size_t a = 0; a < spec.axes.size(); ++a) {
        const SweepAxis& axis = spec.axes[a];
        if (is_categorical(axis.parameter)) line.add(to_string(axis.parameter), value_label(axis, indices[a]));
        else line.add(to_string(axis.parameter), axis.values[indices[a]]);
    }
    line.add("seed", static_cast<long long>(run.seed)).add("seconds", run.seconds);
    std::string results = "[";
    const int last_epoch = run.history.empty() ? 0 : run.history.back().epoch;
    for (const EpochMetrics& m : run.history)
        if (m.epoch == last_epoch) results += (results.size() > 1 ? "," : "") + metrics_line(m, task, {.details = false});
    line.add_raw("results", results + "]");
    return line.str();
}

// Mean +- std over seeds per point and rule, for people reading the terminal.
void print_sweep_table(std::ostream& err, const SweepSpec& spec, const std::vector<SweepRun>& runs, Task task) {
    const SweepMetric metric = task == Task::Classification ? SweepMetric::TestAccuracy : SweepMetric::TestMse;
    const auto rules = sweep_rules(spec, runs);
    const std::string baseline = runs.empty() ? std::string() : to_string(runs.front().gap_baseline);
    err << "\n" << to_string(metric) << " (mean +- std over seeds; in brackets gap_closed vs " << baseline
        << " of the mean errors +- its bootstrap std over seeds)\n";
    for (std::size_t p = 0; p < spec.point_count(); ++p) {
        std::ostringstream row;
        row << (spec.axes.empty() ? std::string("all") : spec.point_label(p)) << ':';
        std::string gap_note;
        for (const auto& rule : rules) {
            const SeedStatistics s = seed_statistics(spec, runs, p, rule, metric);
            const SeedStatistics gap = seed_statistics(spec, runs, p, rule, SweepMetric::GapClosed);
            char cell[128];
            std::snprintf(cell, sizeof cell, "  %s %.4f +- %.4f (n=%d", rule.c_str(), s.mean, s.std, s.n);
            row << cell;
            if (s.diverged) row << ", " << s.diverged << " diverged";
            row << ')';
            if (gap.n > 0) {
                // Seeds where BP or the baseline diverged are left out: say on how many it is based.
                std::snprintf(cell, sizeof cell, " [%.2f +- %.2f%s]", gap.mean, gap.std,
                              gap.n == s.n ? "" : (", n=" + std::to_string(gap.n)).c_str());
                row << cell;
            }
            if (gap_note.empty()) gap_note = gap.note;
        }
        if (!gap_note.empty()) row << "  [gap_closed " << gap_note << ']';
        err << row.str() << '\n';
    }
}

// Whether `a` and `b` name one file (both existing).
bool same_file(const std::string& a, const std::string& b) {
    std::error_code ec;
    return std::filesystem::equivalent(a, b, ec) && !ec;
}

// A Slurm job array task's shard: its offset in the array and the array's size.
SweepPart slurm_shard() {
    auto variable = [](const char* name) {
        const char* value = std::getenv(name);
        if (!value || !*value)
            throw UsageError(std::string("--shard slurm: ") + name + " is not set (run inside a Slurm job array: sbatch --array=0-3 ...)");
        return parse_number<long long>("shard", value);
    };
    const long long id = variable("SLURM_ARRAY_TASK_ID"), min = variable("SLURM_ARRAY_TASK_MIN"), count = variable("SLURM_ARRAY_TASK_COUNT");
    if (const char* step = std::getenv("SLURM_ARRAY_TASK_STEP"); step && *step && std::string(step) != "1")
        throw UsageError("--shard slurm needs an array without a step (e.g. --array=0-3), not one with step " + std::string(step));
    if (id - min < 0 || id - min >= count)
        throw UsageError("--shard slurm needs an array of consecutive indices (e.g. --array=0-3): task " + std::to_string(id) +
                         " is not among " + std::to_string(count) + " tasks from " + std::to_string(min));
    return SweepPart{static_cast<int>(id - min), static_cast<int>(count)};
}

SweepPart shard_option(const std::string& text) {
    if (text == "slurm") return slurm_shard();
    try {
        return parse_sweep_part(text);
    } catch (const SweepError& e) {
        throw UsageError(std::string("--shard ") + e.what());
    }
}

// A file about to be replaced (--save of a shard, merge's OUT), read so that nothing in it is lost;
// one that is not an experiment file is refused and kept.
Experiment existing_file(const std::string& path, const std::string& role) {
    try {
        return load_experiment(path, nullptr);
    } catch (const ExperimentError& e) {
        throw UsageError(role + " " + path + " exists and is not a sweep file (" + e.what() + "); it is kept: choose another name");
    }
}

// A shard keeps its own runs only. Its --save file, when there is one already, is resumed (a
// re-submitted job runs the same command); a file of another sweep or shard is refused, not
// overwritten. `config` is the --config file, whose runs `resume` already holds.
void plan_shard(SweepResume& resume, const Experiment& experiment, const SweepSpec& spec, const SweepPart& part,
                const std::string& config, const std::string& save_path) {
    if (!save_path.empty() && std::filesystem::exists(save_path)) {
        const Experiment saved = existing_file(save_path, "--save");
        const std::string refused = "--save " + save_path + " holds ";
        const std::string keep = "; it is kept: choose another --save, or resume it with --config " + save_path;
        if (!saved.sweep) throw UsageError(refused + "no sweep" + keep);
        const auto describe = [](const SweepPart& p) { return p.count == 1 ? std::string("the whole sweep") : "shard " + part_text(p); };
        if (saved.sweep_part.value_or(SweepPart{}) != part)
            throw UsageError(refused + describe(saved.sweep_part.value_or(SweepPart{})) + ", not " + describe(part) + keep);
        if (!same_file(config, save_path)) {
            if (const std::string key = first_difference(saved, experiment); !key.empty())
                throw UsageError(refused + "another sweep (" + key + " differs)" + keep);
            for (SweepRun& run : plan_sweep_resume(saved, *saved.sweep, saved.sweep_runs, experiment, spec).kept)
                if (std::find(resume.skip.begin(), resume.skip.end(), run_index(spec, run)) == resume.skip.end()) {
                    resume.skip.push_back(run_index(spec, run));
                    resume.kept.push_back(std::move(run));
                }
        }
    }
    std::erase_if(resume.kept, [&](const SweepRun& run) { return !in_part(part, run_index(spec, run)); });
    resume.skip = runs_outside(spec, part);
    for (const SweepRun& run : resume.kept) resume.skip.push_back(run_index(spec, run));
}

// Stored runs a resume would not keep. Saved over their own file they would be lost: refused,
// naming what changed, before anything trains (another --save file keeps both).
void check_resume_keeps_runs(const Args& args, const SweepResume& resume, std::size_t stored, std::ostream& err) {
    const std::string what = left_out_runs_text(resume, stored);
    if (what.empty()) return;
    if (args.has("save") && same_file(args.get("save"), args.get("config")))
        throw UsageError(what + "; saving over " + args.get("save") + " would lose them: save to another file (--save NEW.json)");
    err << "warning: " << what << (resume.changed.empty() ? "; they are left out" : "; running every point again") << " ("
        << args.get("config") << " keeps them)\n";
}

// --rerun: the stored runs of the --config file, whose sweep is trained again exactly as saved.
std::vector<SweepRun> runs_to_reproduce(const Args& args, const Experiment& experiment) {
    if (!args.has("config")) throw UsageError("--rerun needs --config FILE, a sweep file with runs");
    const std::string config = args.get("config");
    for (const char* option : {"param", "seeds", "shard"})
        if (args.has(option)) throw UsageError(std::string("--rerun trains the file's sweep as saved; drop --") + option);
    if (args.has("save") && same_file(args.get("save"), config))
        throw UsageError("--rerun compares new runs with those in " + config + "; save them to another file");
    if (experiment.sweep_part) throw UsageError("--rerun: " + config + " holds one shard; merge the shards first");
    if (experiment.sweep_runs.empty()) throw UsageError("--rerun: " + config + " holds no sweep runs to reproduce");
    const auto changed = changed_training_settings(load_experiment(config, nullptr), experiment);
    std::string list;
    for (const auto& key : changed) list += (list.empty() ? "" : ", ") + key;
    if (!list.empty()) throw UsageError("--rerun trains the file's sweep as saved, but the options change " + list);
    return experiment.sweep_runs;
}

// How many of `fresh` equal the stored run of the same index; names the first ones that do not.
bool report_reproduction(std::ostream& err, const SweepSpec& spec, const std::vector<SweepRun>& stored, const std::vector<SweepRun>& fresh) {
    std::size_t same = 0, shown = 0;
    for (const SweepRun& run : fresh) {
        const auto it = std::find_if(stored.begin(), stored.end(), [&](const SweepRun& s) { return run_index(spec, s) == run_index(spec, run); });
        if (it != stored.end() && same_results(*it, run)) {
            ++same;
        } else if (++shown <= 10) {
            err << "run " << run_index(spec, run) << " (" << (spec.axes.empty() ? std::string() : spec.point_label(run.point) + ", ")
                << "seed " << run.seed << ") " << (it == stored.end() ? "is not stored in the file" : "differs from the stored run") << '\n';
        }
    }
    err << "rerun: " << same << " of " << fresh.size() << " runs gave the stored numbers bit for bit\n";
    // The AVX2 build fuses multiply-adds, so its last bits differ from the portable build's.
    if (same != fresh.size())
        err << "note: this run used the " << kernel_variant() << " kernels; numbers repeat bit for bit only with the kernels the file was "
               "made with (F3_KERNELS=baseline selects the portable ones; each shipped experiment's text says which made it)\n";
    return same == fresh.size();
}

// --save's lock, taken before the file is read: a second sweep saving to it would replace this one's runs.
void lock_save_file(const Args& args, std::optional<SaveLock>& save_lock) {
    if (args.has("save") && args.get("save") != "-") {
        try {
            save_lock.emplace(args.get("save"));
        } catch (const FileError& e) {
            throw UsageError(e.what());
        }
    }
}

// The sweep to run: --param's axes (else the file's sweep) and --seeds.
SweepSpec sweep_spec(const Args& args, const Experiment& experiment) {
    SweepSpec spec = experiment.sweep.value_or(SweepSpec{});
    if (args.has("param")) {
        spec.axes.clear();
        try {
            for (const auto& text : args.repeated.at("param")) spec.axes.push_back(parse_sweep_axis(text));
        } catch (const SweepError& e) {
            throw UsageError(std::string("--param ") + e.what());
        }
    } else if (!experiment.sweep && !args.has("seeds")) {
        throw UsageError("--param NAME=VALUES is required (e.g. --param lr=1e-4:1e-2:log:7), or --seeds N alone for one configuration");
    }
    if (args.has("seeds")) spec.seeds = parse_number<int>("seeds", args.get("seeds"));
    return spec;
}

// --jobs, one per core by default.
int jobs_option(const Args& args, std::ostream& err) {
    if (args.has("threads")) err << "warning: a sweep trains each run on one thread and runs --jobs of them side by side; --threads is ignored\n";
    const int jobs = args.has("jobs") ? parse_number<int>("jobs", args.get("jobs")) : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    if (jobs < 1 || jobs > limits::kMaxThreads) throw UsageError("--jobs must be 1 to " + std::to_string(limits::kMaxThreads));
    return jobs;
}

// Which runs of the --config file the sweep keeps and which shard it runs; sets the experiment's
// sweep and part.
SweepResume plan_runs(const Args& args, Experiment& experiment, const SweepSpec& spec, std::ostream& err) {
    // Runs stored in the file are kept when the settings are the same and the sweep still has them.
    SweepResume resume;
    if (!experiment.sweep_runs.empty()) {
        // The file as written, without the command line's flags.
        resume = plan_sweep_resume(load_experiment(args.get("config"), nullptr), *experiment.sweep, experiment.sweep_runs, experiment, spec);
        check_resume_keeps_runs(args, resume, experiment.sweep_runs.size(), err);
    }
    experiment.sweep = spec;
    experiment.recorded_metrics.clear();
    // A shard's file resumes that shard; --shard picks one (N = 1: the whole sweep, whose --save
    // file is checked all the same: a lone re-submitted Slurm task must not overwrite its shard).
    if (args.has("shard")) experiment.sweep_part = shard_option(args.get("shard"));
    if (experiment.sweep_part) plan_shard(resume, experiment, spec, *experiment.sweep_part, args.get("config"), args.get("save"));
    if (experiment.sweep_part && experiment.sweep_part->count == 1) experiment.sweep_part.reset();
    return resume;
}

// --save refuses, before anything trains, a sweep whose file could outgrow an experiment file.
void check_save_size(const Args& args, const Experiment& experiment, const SweepSpec& spec, std::size_t run_total) {
    if (!args.has("save")) return;
    const std::size_t bound = sweep_file_bytes_bound(run_total, sweep_config(experiment.training, spec, 0, 0).rules.size(), experiment.training.epochs);
    if (bound > json::kMaxBytes)
        throw UsageError("--save: " + std::to_string(run_total) + " runs could take up to " + std::to_string(bound >> 20) +
                         " MiB, more than an experiment file may hold (" + std::to_string(json::kMaxBytes >> 20) +
                         " MiB); use --csv, or fewer runs or epochs");
}

// Where a sweep's runs go: a line on stdout as each finishes, the --save file (before training,
// every 10 s and at the end) and the --csv table (before training and at the end). A save that
// fails once training runs (a full disk) stops nothing: the runs go on, the next save tries
// again, and the runs still reach stdout and --csv.
class SweepOutputs {
public:
    SweepOutputs(const Args& args, Experiment& experiment, const SweepSpec& spec, const std::vector<SweepRun>& stored, Task task,
                 std::ostream& out, std::ostream& err)
        : args_(args), experiment_(experiment), spec_(spec), stored_(stored), task_(task), out_(out), err_(err),
          save_path_(args.get("save")), csv_to_stdout_(args.get("csv") == "-") {}

    // Both outputs are written once before training, so a wrong path fails now, not after hours.
    void write_before_training() {
        experiment_.sweep_runs = stored_;
        if (!save_path_.empty()) save_experiment_atomically(experiment_, save_path_);
        if (args_.has("csv") && !csv_to_stdout_) write_csv(stored_);
        last_save_ = std::chrono::steady_clock::now();
    }

    // A finished run (the caller holds the print lock).
    void add(const SweepRun& run) {
        if (!csv_to_stdout_) out_ << sweep_run_line(spec_, run, task_) << std::endl;
        if (save_path_.empty()) return;
        so_far_.push_back(run);
        if (std::chrono::steady_clock::now() - last_save_ > std::chrono::seconds(10)) {
            experiment_.sweep_runs = all_runs(so_far_);
            try_save("warning", "training goes on and the next save tries again");
            last_save_ = std::chrono::steady_clock::now();
        }
    }

    // Every run, stored and new: the table on stderr, --save and --csv. False when the save failed.
    bool write_all(const std::vector<SweepRun>& finished) {
        experiment_.sweep_runs = all_runs(finished);
        print_sweep_table(err_, spec_, experiment_.sweep_runs, task_);
        if (!save_path_.empty()) try_save("error", "the runs were not saved");
        if (args_.has("csv")) write_csv(experiment_.sweep_runs);
        return !save_failed_;
    }

private:
    std::vector<SweepRun> all_runs(std::vector<SweepRun> runs) const {
        runs.insert(runs.end(), stored_.begin(), stored_.end());
        sort_runs(runs);
        return runs;
    }
    // "--csv -": the table is the standard output, written once at the end.
    void write_csv(const std::vector<SweepRun>& runs) {
        if (csv_to_stdout_) {
            out_ << sweep_csv(spec_, runs) << std::flush;
            return;
        }
        try {
            write_file_atomically(args_.get("csv"), sweep_csv(spec_, runs));
        } catch (const FileError& e) {
            throw UsageError(e.what());
        }
    }
    void try_save(const char* level, const char* consequence) {
        try {
            save_experiment_atomically(experiment_, save_path_);
            save_failed_ = false;
        } catch (const ExperimentError& e) {
            err_ << level << ": " << e.what() << "; " << consequence << '\n';
            save_failed_ = true;
        }
    }

    const Args& args_;
    Experiment& experiment_;
    const SweepSpec& spec_;
    const std::vector<SweepRun>& stored_;
    const Task task_;
    std::ostream &out_, &err_;
    const std::string save_path_;
    const bool csv_to_stdout_;
    std::vector<SweepRun> so_far_; // for the periodic save
    std::chrono::steady_clock::time_point last_save_ = std::chrono::steady_clock::now();
    bool save_failed_ = false;
};

// On a terminal, a progress bar of all batches, redrawn by its own thread: runs can be long.
std::jthread sweep_progress_bar(std::ostream& err, const SweepRunner& runner, std::size_t stored, std::size_t run_total, std::mutex& print_mutex) {
    return std::jthread([&err, &runner, stored, run_total, &print_mutex](std::stop_token stop) {
        while (!stop.stop_requested()) {
            {
                const std::lock_guard lock(print_mutex);
                const std::size_t done = runner.finished_runs() + stored;
                draw_progress(err, runner.progress(), std::to_string(done) + '/' + std::to_string(run_total) + " runs");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
    });
}

int sweep(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err, bool err_is_terminal) {
    const Args args = parse_options(argv, 1, kSweepOnlyOptions);
    std::optional<SaveLock> save_lock;
    lock_save_file(args, save_lock);
    Experiment experiment = experiment_from(args, err);
    const bool rerun = args.has("rerun");
    const std::vector<SweepRun> to_reproduce = rerun ? runs_to_reproduce(args, experiment) : std::vector<SweepRun>{};
    if (rerun) experiment.sweep_runs.clear(); // train them all again
    const SweepSpec spec = sweep_spec(args, experiment);
    const int jobs = jobs_option(args, err);
    const SweepResume resume = plan_runs(args, experiment, spec, err);
    const std::vector<SweepRun>& stored = resume.kept;
    const std::optional<SweepPart> part = experiment.sweep_part;
    const std::size_t run_total = part ? part_run_count(spec, *part) : spec.run_count();
    if (part) err << "shard " << part_text(*part) << ": " << run_total << " of the sweep's " << spec.run_count() << " runs\n";

    SweepRunner runner(experiment, spec);
    runner.check_memory(jobs);
    check_save_size(args, experiment, spec, run_total);
    if (args.has("save-config")) save_experiment_atomically(experiment, args.get("save-config"));
    if (!stored.empty()) err << "resuming: " << stored.size() << " of " << run_total << " runs are in the file\n";

    SweepOutputs outputs(args, experiment, spec, stored, runner.task(), out, err);
    outputs.write_before_training();
    const InterruptCancels interrupt(runner); // Ctrl-C: finish the runs' current batch, keep what is done
    std::mutex print_mutex;
    std::jthread progress;
    if (err_is_terminal) progress = sweep_progress_bar(err, runner, stored.size(), run_total, print_mutex);
    const auto finished = runner.run(jobs, [&](const SweepRun& run) {
        const std::lock_guard lock(print_mutex);
        if (err_is_terminal) err << "\r\033[K";
        outputs.add(run);
    }, resume.skip);
    if (progress.joinable()) {
        progress.request_stop();
        progress.join();
        err << "\r\033[K";
    }
    if (!outputs.write_all(finished)) return 1;
    if (rerun && !report_reproduction(err, spec, to_reproduce, finished)) return 1;
    if (runner.cancelled()) {
        err << "interrupted: " << experiment.sweep_runs.size() << " of " << run_total << " runs done"
            << (args.get("save").empty() ? std::string() : "; sweep --config " + args.get("save") + " resumes") << '\n';
        return 130;
    }
    return 0;
}

// The files named on the command line (from `first`), checked to be runs of one sweep.
std::vector<std::pair<std::string, Experiment>> load_sweep_files(const std::vector<std::string>& argv, std::size_t first, std::ostream& err) {
    std::vector<std::pair<std::string, Experiment>> files;
    for (std::size_t i = first; i < argv.size(); ++i) {
        if (argv[i].rfind("--", 0) == 0) throw UsageError("'" + argv[0] + "' takes no options, only file names: " + argv[i]);
        std::vector<std::string> warnings;
        files.emplace_back(argv[i], load_experiment(argv[i], &warnings));
        for (const auto& warning : warnings) err << "warning: " << warning << '\n';
    }
    return files;
}

// Done, missing and failed runs, each file's share, and which runs are missing.
void print_sweep_status(std::ostream& out, const std::vector<std::pair<std::string, Experiment>>& files, const SweepMerge& merge) {
    const SweepSpec& spec = *merge.merged.sweep;
    for (const auto& [name, experiment] : files)
        out << name << ": " << (experiment.sweep_part ? "shard " + part_text(*experiment.sweep_part) : std::string("whole sweep")) << ", "
            << experiment.sweep_runs.size() << " runs\n";
    out << "runs: " << spec.run_count() << ", done: " << merge.done() << ", missing: " << merge.missing.size() - merge.failed
        << ", failed: " << merge.failed << '\n';
    constexpr std::size_t kListed = 20;
    for (std::size_t k = 0; k < merge.missing.size() && k < kListed; ++k) {
        const std::size_t index = merge.missing[k], point = index / static_cast<std::size_t>(spec.seeds);
        out << "missing run " << index << ": " << (spec.axes.empty() ? std::string() : spec.point_label(point) + ", ") << "seed index "
            << index % static_cast<std::size_t>(spec.seeds) << '\n';
    }
    if (merge.missing.size() > kListed) out << "and " << merge.missing.size() - kListed << " more missing runs\n";
}

SweepMerge merge_files(const std::vector<std::pair<std::string, Experiment>>& files) {
    try {
        return merge_sweep_parts(files);
    } catch (const SweepMergeError& e) {
        throw UsageError(e.what());
    }
}

int merge(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
    if (argv.size() < 3) throw UsageError("merge needs OUT.json and at least one PART.json");
    const std::string out_path = argv[1];
    auto files = load_sweep_files(argv, 2, err);
    // An existing OUT is merged in as well: nothing it holds is lost, and merging again changes nothing.
    const bool out_is_input = std::any_of(files.begin(), files.end(), [&](const auto& file) { return same_file(file.first, out_path); });
    if (std::filesystem::exists(out_path) && !out_is_input) files.emplace_back(out_path, existing_file(out_path, "OUT"));
    const SweepMerge merged = merge_files(files);
    save_experiment_atomically(merged.merged, out_path);
    print_sweep_status(out, files, merged);
    out << "wrote " << out_path;
    if (!merged.missing.empty()) out << "; sweep --config " << out_path << " --save " << out_path << " runs the missing runs";
    out << '\n';
    return 0;
}

// The metric the sweep table shows: accuracy when the runs classify, else the test MSE.
SweepMetric default_metric(const std::vector<SweepRun>& runs) {
    for (const SweepRun& run : runs)
        for (const EpochMetrics& m : run.history)
            if (std::isfinite(m.test_accuracy)) return SweepMetric::TestAccuracy;
    return SweepMetric::TestMse;
}

int best_lr(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
    if (argv.size() != 3 && !(argv.size() == 5 && argv[3] == "--metric"))
        throw UsageError("best-lr needs SWEEP.json OUT.json [--metric NAME]");
    const std::string& in_path = argv[1];
    const std::string& out_path = argv[2];
    std::vector<std::string> warnings;
    const Experiment swept = load_experiment(in_path, &warnings);
    for (const auto& warning : warnings) err << "warning: " << warning << '\n';
    if (!swept.sweep) throw UsageError(in_path + " holds no sweep");
    if (std::filesystem::exists(out_path)) throw UsageError(out_path + " exists; it is kept: choose another OUT.json");
    const SweepMetric metric = argv.size() == 5 ? parse_name<SweepMetric>("metric", argv[4]) : default_metric(swept.sweep_runs);
    const auto rates = best_learning_rates(*swept.sweep, swept.sweep_runs, metric);
    const Experiment tuned = tuned_experiment(swept, rates);
    save_experiment_atomically(tuned, out_path);
    for (const BestRate& r : rates) {
        char line[256];
        std::snprintf(line, sizeof line, "%s: lr %s, %s %.4f +- %.4f over %d seeds\n", r.rule.c_str(), json::number_text(r.learning_rate).c_str(),
                      to_string(metric).c_str(), r.statistics.mean, r.statistics.std, r.statistics.n);
        out << line;
    }
    out << "wrote " << out_path << '\n';
    return 0;
}

int status(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
    if (argv.size() < 2) throw UsageError("status needs at least one sweep file");
    const auto files = load_sweep_files(argv, 1, err);
    print_sweep_status(out, files, merge_files(files));
    return 0;
}
} // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, bool err_is_terminal) {
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        (args.empty() ? err : out) << usage();
        return args.empty() ? 2 : 0;
    }
    if (args[0] == "--version") {
        out << "f3studio-cli " << F3_VERSION << " (" << kernel_variant() << " kernels)\n";
        return 0;
    }
    try {
        if (args[0] == "train") return train(args, out, err, err_is_terminal);
        if (args[0] == "sweep") return sweep(args, out, err, err_is_terminal);
        if (args[0] == "merge") return merge(args, out, err);
        if (args[0] == "status") return status(args, out, err);
        if (args[0] == "best-lr") return best_lr(args, out, err);
        throw UsageError("unknown command '" + args[0] + "' (try --help)");
    } catch (const UsageError& e) {
        err << "error: " << e.what() << '\n';
        return 2;
    } catch (const DataError& e) {
        err << "error: " << e.what() << '\n';
        return 3;
    } catch (const SweepError& e) {
        err << "error: " << e.what() << '\n';
        return 2;
    } catch (const ConfigError& e) {
        err << "error: " << e.what() << '\n';
        return 2;
    } catch (const ExperimentError& e) {
        err << "error: " << e.what() << '\n';
        return 2;
    } catch (const std::bad_alloc&) {
        err << "error: out of memory (the data set or network is too large for this machine)\n";
        return 4;
    } catch (const std::exception& e) {
        err << "error: " << e.what() << '\n';
        return 1;
    }
}

} // namespace f3::cli
