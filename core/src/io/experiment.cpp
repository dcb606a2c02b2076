#include "f3/io/experiment.hpp"

#include "f3/io/atomic_file.hpp"

#include "../data/common.hpp"
#include "f3/io/json.hpp"
#include "f3/io/names.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>

namespace f3 {
namespace {

using json::number_text;
using json::Type;
using json::Value;

struct Range {
    double min, max;
    bool min_open = false, max_open = false;

    bool contains(double v) const {
        return (min_open ? v > min : v >= min) && (max_open ? v < max : v <= max); // false for NaN
    }
    std::string describe() const {
        if (!min_open && !max_open && std::isfinite(max)) return number_text(min) + " to " + number_text(max);
        std::string text = (min_open ? "more than " : "at least ") + number_text(min);
        if (std::isfinite(max)) text += (max_open ? ", less than " : ", at most ") + number_text(max);
        return text;
    }
};

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr double kMaxExactInteger = static_cast<double>(limits::kMaxExactInteger);

// The file-level bounds: those of check_config (comparison.cpp) and make_toy (toy.cpp), so a file
// that loads also trains, plus the optimizer constants no command-line flag reaches.
constexpr Range kWidthRange{1, limits::kMaxWidth};
constexpr std::size_t kMaxHiddenLayers = limits::kMaxHiddenLayers;
constexpr Range kLearningRateRange{0, limits::kMaxLearningRate, true, false};
constexpr Range kMomentumRange{0, 1, false, true};
constexpr Range kBetaRange{0, 1, false, true};
constexpr Range kEpsilonRange{0, 1, true, false};
constexpr Range kBatchRange{1, limits::kMaxBatch};
constexpr Range kEpochsRange{1, limits::kMaxEpochs};
constexpr Range kThreadsRange{1, limits::kMaxThreads};
constexpr Range kSeedRange{0, kMaxExactInteger};
constexpr Range kToySizeRange{4, 10000000};
constexpr Range kNoiseRange{0, kInfinity, false, true};
constexpr Range kTestFractionRange{0, 1, true, true};
constexpr Range kTrainLimitRange{0, kMaxExactInteger};
constexpr Range kEveryStepsRange{1, 1000000000};
constexpr Range kVersionRange{1, 1000000};
constexpr Range kTransformerSizeRange{1, limits::kMaxTransformerSize};
constexpr Range kMetricEpochRange{0, limits::kMaxEpochs};
constexpr Range kMetricStepsRange{0, kMaxExactInteger};
constexpr Range kSweepSeedsRange{1, limits::kMaxSweepSeeds};
constexpr Range kSweepIndexRange{0, kMaxExactInteger};
constexpr Range kSecondsRange{0, kInfinity, false, true};

constexpr const char* kAutoHead = "auto";

// "metrics[12].foo" -> "metrics[].foo": one warning per kind of problem, not one per array entry.
std::string without_indices(const std::string& path) {
    std::string out;
    bool in_index = false;
    for (const char c : path) {
        if (c == '[') in_index = true;
        if (c == ']') in_index = false;
        if (!in_index || c == '[') out += c;
    }
    return out;
}

// Where messages go: every one names the file and the key path.
class Reader {
public:
    Reader(std::string source, std::vector<std::string>* warnings) : source_(std::move(source)), warnings_(warnings) {}

    [[noreturn]] void fail(const std::string& path, const std::string& problem) const {
        throw ExperimentError(source_ + ": " + (path.empty() ? "" : path + ": ") + problem);
    }
    void warn(const std::string& path, const std::string& problem) {
        if (!warnings_ || !warned_.insert(without_indices(path) + problem).second) return;
        // A file with 200,000 unknown keys gets a readable message, not 200,000 lines.
        if (shown_ == kMaxWarnings) {
            ++not_shown_;
            return;
        }
        ++shown_;
        warnings_->push_back(source_ + ": " + path + ": " + problem);
    }
    // After reading: how many warnings were left out, if any.
    void finish() {
        if (warnings_ && not_shown_ > 0) warnings_->push_back(source_ + ": and " + std::to_string(not_shown_) + " more warnings");
    }
    const std::string& source() const { return source_; }

    void expect(const Value& value, Type type, const std::string& path) const {
        if (value.type() != type)
            fail(path, std::string("expected ") + json::describe(type) + ", found " + json::describe(value.type()));
    }
    double number(const Value& value, const std::string& path, const Range& range) const {
        expect(value, Type::Number, path);
        const double v = value.as_number();
        if (!range.contains(v)) fail(path, number_text(v) + " is out of range (" + range.describe() + ")");
        return v;
    }
    template <class Int> Int whole(const Value& value, const std::string& path, const Range& range) const {
        expect(value, Type::Number, path);
        const double v = value.as_number();
        if (std::trunc(v) != v) fail(path, "expected a whole number, found " + number_text(v));
        return static_cast<Int>(number(value, path, range)); // every range's bounds fit its Int
    }
    // Metrics: JSON has no NaN, so a metric that was not measured is null.
    double number_or_null(const Value& value, const std::string& path) const {
        if (value.is_null()) return std::numeric_limits<double>::quiet_NaN();
        expect(value, Type::Number, path);
        return value.as_number();
    }
    const std::string& string(const Value& value, const std::string& path) const {
        expect(value, Type::String, path);
        return value.as_string();
    }
    template <class Enum> Enum name(const Value& value, const std::string& path) const {
        try {
            return parse<Enum>(string(value, path));
        } catch (const NameError& e) {
            fail(path, e.what());
        }
    }
    RuleSpec rule(const Value& value, const std::string& path) const {
        try {
            return parse_rule(string(value, path));
        } catch (const NameError& e) {
            fail(path, e.what());
        }
    }

private:
    std::string source_;
    std::vector<std::string>* warnings_;
    std::set<std::string> warned_;
    static constexpr std::size_t kMaxWarnings = 20;
    std::size_t shown_ = 0, not_shown_ = 0;
};

// A key as a message shows it: quoted and escaped when it holds control characters (a newline
// would start a new line of output), and cut after 80 bytes.
std::string printable_key(const std::string& key) {
    constexpr std::size_t kShown = 80;
    const bool plain = std::none_of(key.begin(), key.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
    const std::string cut = key.size() > kShown ? key.substr(0, kShown) + "..." : key;
    return plain ? cut : json::quoted(cut);
}

// One object of the file. Every key read is remembered, so finish() can warn about the others.
class Section {
public:
    // A missing section (nullptr) reads as an empty object: every key takes its default.
    Section(Reader& reader, const Value* value, std::string path) : reader_(reader), path_(std::move(path)) {
        if (value) {
            reader_.expect(*value, Type::Object, path_);
            object_ = &value->as_object();
            known_.assign(object_->size(), false);
        }
    }

    std::string path_of(std::string_view key) const { return path_.empty() ? std::string(key) : path_ + "." + std::string(key); }

    const Value* get(std::string_view key) {
        if (!object_) return nullptr;
        for (std::size_t i = 0; i < object_->size(); ++i)
            if ((*object_)[i].first == key) {
                known_[i] = true;
                return &(*object_)[i].second;
            }
        return nullptr;
    }
    // The key's value, or nullptr after warning that `fallback` is used (keys that change a lot).
    const Value* get_or_warn(std::string_view key, const std::string& fallback) {
        const Value* value = get(key);
        if (!value) reader_.warn(path_of(key), "missing, using " + fallback);
        return value;
    }
    Section section(std::string_view key) { return Section(reader_, get(key), path_of(key)); }

    double number(std::string_view key, double fallback, const Range& range) {
        const Value* v = get(key);
        return v ? reader_.number(*v, path_of(key), range) : fallback;
    }
    template <class Int> Int whole(std::string_view key, Int fallback, const Range& range) {
        const Value* v = get(key);
        return v ? reader_.whole<Int>(*v, path_of(key), range) : fallback;
    }
    double number_or_null(std::string_view key) {
        const Value* v = get(key);
        return v ? reader_.number_or_null(*v, path_of(key)) : std::numeric_limits<double>::quiet_NaN();
    }
    bool boolean(std::string_view key, bool fallback) {
        const Value* v = get(key);
        if (!v) return fallback;
        reader_.expect(*v, Type::Bool, path_of(key));
        return v->as_bool();
    }
    std::string string(std::string_view key, const std::string& fallback) {
        const Value* v = get(key);
        return v ? reader_.string(*v, path_of(key)) : fallback;
    }
    template <class Enum> Enum name(std::string_view key, Enum fallback) {
        const Value* v = get(key);
        return v ? reader_.name<Enum>(*v, path_of(key)) : fallback;
    }
    // Elements of an array-valued key (none when missing).
    const json::Array* array(std::string_view key) {
        const Value* v = get(key);
        if (!v) return nullptr;
        reader_.expect(*v, Type::Array, path_of(key));
        return &v->as_array();
    }

    void finish() {
        for (std::size_t i = 0; object_ && i < object_->size(); ++i)
            if (!known_[i]) reader_.warn(path_of(printable_key((*object_)[i].first)), "unknown key, ignored");
    }

private:
    Reader& reader_;
    std::string path_;
    const json::Object* object_ = nullptr;
    std::vector<bool> known_;
};

std::string indexed(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

std::vector<double> read_number_list(Reader& reader, const json::Array* items, const std::string& path) {
    std::vector<double> values;
    if (!items) return values;
    for (std::size_t i = 0; i < items->size(); ++i) values.push_back(reader.number_or_null((*items)[i], indexed(path, i)));
    return values;
}

EpochMetrics read_metrics(Reader& reader, const Value& value, const std::string& path) {
    Section s(reader, &value, path);
    EpochMetrics m;
    m.rule = s.string("rule", "");
    m.epoch = s.whole<int>("epoch", 0, kMetricEpochRange);
    for (const MetricField& field : kMetricFields) m.*field.member = s.number_or_null(field.name);
    m.train_seconds = s.number_or_null("train_seconds");
    m.samples_per_s = s.number_or_null("samples_per_s");
    m.steps = s.whole<std::int64_t>("steps", 0, kMetricStepsRange);
    m.diverged = s.boolean("diverged", false);
    m.message = s.string("message", "");
    m.update_angle_deg = read_number_list(reader, s.array("update_angle_deg"), s.path_of("update_angle_deg"));
    m.signal_angle_deg = read_number_list(reader, s.array("signal_angle_deg"), s.path_of("signal_angle_deg"));
    m.weight_angle_deg = read_number_list(reader, s.array("weight_angle_deg"), s.path_of("weight_angle_deg"));
    s.finish();
    return m;
}

SweepAxis read_sweep_axis(Reader& reader, const Value& value, const std::string& path) {
    Section s(reader, &value, path);
    SweepAxis axis;
    const Value* name = s.get("name");
    if (!name) reader.fail(s.path_of("name"), "missing");
    axis.parameter = reader.name<SweepParameter>(*name, s.path_of("name"));
    const std::string scale = s.string("scale", "linear");
    if (scale != "linear" && scale != "log") reader.fail(s.path_of("scale"), "expected \"linear\" or \"log\", found \"" + scale + "\"");
    axis.log_scale = scale == "log";
    const json::Array* values = s.array("values");
    const std::string values_path = s.path_of("values");
    if (!values || values->empty()) reader.fail(values_path, "missing or empty");
    if (values->size() > static_cast<std::size_t>(limits::kMaxSweepValues))
        reader.fail(values_path, std::to_string(values->size()) + " values, more than the limit of " + std::to_string(limits::kMaxSweepValues));
    // Named values (feedback_init, f3_error) are stored as names, numbers as numbers; the axis
    // text form is parsed by the same code as the command line's --param.
    std::string text = to_string(axis.parameter) + "=";
    for (std::size_t i = 0; i < values->size(); ++i) {
        const Value& v = (*values)[i];
        const std::string item_path = indexed(values_path, i);
        text += (i ? "," : "") + (is_categorical(axis.parameter) ? reader.string(v, item_path) : number_text(reader.number(v, item_path, Range{-kInfinity, kInfinity, true, true})));
    }
    try {
        const bool log_scale = axis.log_scale;
        axis = parse_sweep_axis(text);
        axis.log_scale = log_scale;
    } catch (const SweepError& e) {
        reader.fail(values_path, e.what());
    }
    s.finish();
    return axis;
}

// Sweep runs are stored by column: per rule, one array over the epochs for each metric sweeps
// compare, so that thousands of runs stay a file of megabytes (one object per epoch took ~400
// bytes). Timings, steps and instruments are not kept (sweeps do not record instruments).
constexpr auto kSweepColumns = [] {
    constexpr auto count = std::count_if(kMetricFields.begin(), kMetricFields.end(), kept_in_sweeps);
    std::array<MetricField, count> columns{};
    std::copy_if(kMetricFields.begin(), kMetricFields.end(), columns.begin(), kept_in_sweeps);
    return columns;
}();

SweepRun read_sweep_run(Reader& reader, const Value& value, const std::string& path, const SweepSpec& spec) {
    Section s(reader, &value, path);
    SweepRun run;
    run.point = s.whole<std::size_t>("point", 0, kSweepIndexRange);
    if (run.point >= spec.point_count())
        reader.fail(s.path_of("point"), std::to_string(run.point) + " is beyond the sweep's " + std::to_string(spec.point_count()) + " points");
    run.seed_index = s.whole<int>("seed_index", 0, Range{0, static_cast<double>(limits::kMaxSweepSeeds)});
    if (run.seed_index >= spec.seeds)
        reader.fail(s.path_of("seed_index"), std::to_string(run.seed_index) + " is beyond the sweep's " + std::to_string(spec.seeds) + " seeds");
    run.seed = s.whole<std::uint64_t>("seed", 0, kSeedRange);
    run.seconds = s.number("seconds", 0.0, kSecondsRange);
    std::vector<std::string> rules;
    if (const json::Array* names = s.array("rules"))
        for (std::size_t r = 0; r < names->size(); ++r) rules.push_back(reader.string((*names)[r], indexed(s.path_of("rules"), r)));
    // columns[c][r][e]: metric c of rule r after epoch e + 1; every column has the same shape.
    std::vector<std::vector<std::vector<double>>> columns;
    for (const MetricField& field : kSweepColumns) {
        const std::string column_path = s.path_of(field.name);
        const json::Array* per_rule = s.array(field.name);
        if (!per_rule) reader.fail(column_path, "missing");
        if (per_rule->size() != rules.size())
            reader.fail(column_path, std::to_string(per_rule->size()) + " lists for " + std::to_string(rules.size()) + " rules");
        auto& column = columns.emplace_back();
        for (std::size_t r = 0; r < rules.size(); ++r) {
            const std::string rule_path = indexed(column_path, r);
            reader.expect((*per_rule)[r], Type::Array, rule_path);
            column.push_back(read_number_list(reader, &(*per_rule)[r].as_array(), rule_path));
            if (column.back().size() > static_cast<std::size_t>(limits::kMaxEpochs))
                reader.fail(rule_path, "more epochs than the limit of " + std::to_string(limits::kMaxEpochs));
            if (column.back().size() != columns.front()[r].size())
                reader.fail(rule_path, std::to_string(column.back().size()) + " epochs where " + kSweepColumns[0].name + " has " +
                                           std::to_string(columns.front()[r].size()));
        }
    }
    std::vector<int> diverged_at(rules.size(), 0); // the first epoch a rule was diverged after; 0: never
    if (const json::Array* at = s.array("diverged_at")) {
        if (at->size() != rules.size())
            reader.fail(s.path_of("diverged_at"), std::to_string(at->size()) + " entries for " + std::to_string(rules.size()) + " rules");
        for (std::size_t r = 0; r < rules.size(); ++r)
            diverged_at[r] = reader.whole<int>((*at)[r], indexed(s.path_of("diverged_at"), r), kMetricEpochRange);
    }
    s.finish();
    // Back to Comparison::history()'s order: epoch by epoch, the rules in order.
    std::size_t epochs = 0;
    for (const auto& per_rule : columns.front()) epochs = std::max(epochs, per_rule.size());
    for (std::size_t e = 0; e < epochs; ++e)
        for (std::size_t r = 0; r < rules.size(); ++r) {
            if (e >= columns.front()[r].size()) continue;
            EpochMetrics m;
            m.rule = rules[r];
            m.epoch = static_cast<int>(e + 1);
            for (std::size_t c = 0; c < kSweepColumns.size(); ++c) m.*kSweepColumns[c].member = columns[c][r][e];
            m.diverged = diverged_at[r] > 0 && m.epoch >= diverged_at[r];
            if (m.diverged) m.message = kDivergedMessage;
            run.history.push_back(std::move(m));
        }
    return run;
}

SweepPart read_sweep_part(Reader& reader, const Value& value, const std::string& path) {
    Section s(reader, &value, path);
    SweepPart part;
    part.count = s.whole<int>("count", 1, Range{1, static_cast<double>(limits::kMaxSweepRuns)});
    part.index = s.whole<int>("index", 0, Range{0, static_cast<double>(limits::kMaxSweepRuns)});
    if (part.index >= part.count) reader.fail(s.path_of("index"), std::to_string(part.index) + " is not below count " + std::to_string(part.count));
    s.finish();
    return part;
}

Value sweep_run_json(const SweepRun& run) {
    std::vector<std::string> rules;
    for (const auto& m : run.history)
        if (std::find(rules.begin(), rules.end(), m.rule) == rules.end()) rules.push_back(m.rule);
    json::Object o{{"point", run.point}, {"seed_index", run.seed_index}, {"seed", run.seed}, {"seconds", run.seconds}};
    json::Array names(rules.begin(), rules.end());
    o.emplace_back("rules", std::move(names));
    for (const MetricField& field : kSweepColumns) {
        json::Array per_rule;
        for (const auto& rule : rules) {
            json::Array values;
            for (const auto& m : run.history)
                if (m.rule == rule) values.emplace_back(m.*field.member);
            per_rule.emplace_back(std::move(values));
        }
        o.emplace_back(field.name, std::move(per_rule));
    }
    json::Array diverged_at;
    for (const auto& rule : rules) {
        int first = 0;
        for (const auto& m : run.history)
            if (m.rule == rule && m.diverged && first == 0) first = m.epoch;
        diverged_at.emplace_back(first);
    }
    o.emplace_back("diverged_at", std::move(diverged_at));
    return o;
}

// Problems between fields (a rule listed twice, a rule that needs hidden layers) are check_config's.
// It sees the data only through its task and size, so a one-sample classification set stands in
// here; the regression-only checks run when the real data is loaded.
void check_without_data(const Reader& reader, const TrainingConfig& training) {
    Dataset stand_in;
    stand_in.task = Task::Classification;
    stand_in.train_x = Matrix::Zero(1, 1);
    const std::vector<std::string> problems = check_config(training, stand_in);
    if (problems.empty()) return;
    reader.fail("", data_detail::join(problems, "; "));
}

HiddenLayerSpec read_dense_layer(Reader& reader, Section& layer) {
    HiddenLayerSpec spec;
    if (!layer.get("width")) reader.fail(layer.path_of("width"), "missing");
    spec.width = layer.whole<int>("width", 0, kWidthRange);
    spec.activation = layer.name<Activation>("activation", spec.activation);
    return spec;
}

// Sizes are checked against the data by check_config; here only that they are whole numbers.
void read_transformer_sizes(Section t, TransformerSpec& spec) {
    for (const auto& [key, value] : {std::pair{"patch", &spec.patch}, {"dim", &spec.dim}, {"depth", &spec.depth},
                                     {"heads", &spec.heads}, {"dim_head", &spec.dim_head}, {"mlp_dim", &spec.mlp_dim}})
        *value = t.whole<int>(key, *value, kTransformerSizeRange);
    spec.activation = t.name<Activation>("activation", spec.activation);
    t.finish();
}

// network.stages (version 3): every stage before the output stage, whose width the data set gives.
// This version builds two shapes from it: dense stages only (the MLP), or a vision transformer:
// an embedding block, further blocks of the same sizes, then one dense stage of width dim.
void read_stage_list(Reader& reader, const json::Array& stages, const std::string& path, TrainingConfig& t) {
    if (stages.size() > kMaxHiddenLayers)
        reader.fail(path, std::to_string(stages.size()) + " stages, more than the limit of " + std::to_string(kMaxHiddenLayers));
    t.hidden.clear();
    int blocks = 0;
    for (std::size_t i = 0; i < stages.size(); ++i) {
        Section stage(reader, &stages[i], indexed(path, i));
        const std::string kind = stage.string("kind", "");
        if (kind == "dense") {
            t.hidden.push_back(read_dense_layer(reader, stage));
        } else if (kind == "transformer_block") {
            if (!t.hidden.empty())
                reader.fail(stage.path_of("kind"), "a transformer block after a dense stage; this version builds blocks first, then one dense stage");
            TransformerSpec block = t.transformer;
            block.patch = i == 0 ? stage.whole<int>("patch", block.patch, kTransformerSizeRange) : t.transformer.patch;
            for (const auto& [key, value] : {std::pair{"dim", &block.dim}, {"heads", &block.heads},
                                             {"dim_head", &block.dim_head}, {"mlp_dim", &block.mlp_dim}})
                *value = stage.whole<int>(key, *value, kTransformerSizeRange);
            block.activation = stage.name<Activation>("activation", block.activation);
            if (i > 0 && !(block == t.transformer))
                reader.fail(indexed(path, i), "sizes differ from the first block's; this version builds blocks of one size");
            t.transformer = block;
            ++blocks;
        } else {
            reader.fail(stage.path_of("kind"), "\"" + kind + "\" is not a stage kind (dense, transformer_block)");
        }
        stage.finish();
    }
    t.architecture = blocks > 0 ? Architecture::Transformer : Architecture::Dense;
    if (blocks == 0) return;
    const HiddenLayerSpec* dense = t.hidden.size() == 1 ? &t.hidden.front() : nullptr;
    if (!dense || dense->width != t.transformer.dim || dense->activation != t.transformer.activation)
        reader.fail(path, "a transformer's blocks must be followed by exactly one dense stage of width dim (" +
                              std::to_string(t.transformer.dim) + ") with the blocks' activation");
    t.transformer.depth = blocks + 1;
    t.hidden.clear();
}

Experiment read_experiment(Reader& reader, const Value& document) {
    if (document.type() != Type::Object)
        reader.fail("", std::string("expected an experiment object, found ") + json::describe(document.type()));
    Section root(reader, &document, "");
    Experiment e;

    const Value* format = root.get("format");
    if (!format || format->type() != Type::String || format->as_string() != kExperimentFormat)
        reader.fail("format", std::string("not an F3 Studio experiment (expected \"format\": \"") + kExperimentFormat + "\")");
    const Value* version = root.get("version");
    if (!version) reader.fail("version", "missing");
    e.version = reader.whole<int>(*version, "version", kVersionRange);
    if (e.version > kExperimentVersion)
        reader.fail("version", "the file is version " + std::to_string(e.version) + ", written by a newer F3 Studio; this one reads up to version " +
                                   std::to_string(kExperimentVersion) + " (please update)");

    e.name = root.string("name", "");
    e.description = root.string("description", "");
    e.training.seed = root.whole<std::uint64_t>("seed", e.training.seed, kSeedRange);

    {
        Section s = root.section("dataset");
        const Value* source = s.get_or_warn("source", "\"" + e.dataset.source + "\"");
        if (source) e.dataset.source = reader.string(*source, s.path_of("source"));
        if (e.dataset.source.empty()) reader.fail(s.path_of("source"), "must not be empty");
        if (e.dataset.source.find('\0') != std::string::npos)
            reader.fail(s.path_of("source"), "holds a NUL character (\\u0000), which no file name can");
        e.dataset.target = s.string("target", "");
        if (const Value* task = s.get("task")) {
            try {
                const std::string name = reader.string(*task, s.path_of("task"));
                e.dataset.csv_task = parse_csv_task(name);
            } catch (const NameError& error) {
                reader.fail(s.path_of("task"), error.what());
            }
        }
        e.dataset.toy.size = s.whole<int>("size", e.dataset.toy.size, kToySizeRange);
        e.dataset.toy.noise = s.number("noise", e.dataset.toy.noise, kNoiseRange);
        // As --seed on the command line: one seed for the data and the training unless split.
        e.dataset.toy.seed = s.whole<std::uint64_t>("seed", e.training.seed, kSeedRange);
        e.dataset.toy.test_fraction = s.number("test_fraction", e.dataset.toy.test_fraction, kTestFractionRange);
        s.finish();
    }
    e.train_limit = root.whole<Index>("train_limit", 0, kTrainLimitRange);

    {
        Section s = root.section("network");
        if (const json::Array* hidden = s.array("hidden")) {
            const std::string path = s.path_of("hidden");
            if (hidden->size() > kMaxHiddenLayers)
                reader.fail(path, std::to_string(hidden->size()) + " layers, more than the limit of " + std::to_string(kMaxHiddenLayers));
            for (std::size_t i = 0; i < hidden->size(); ++i) {
                Section layer(reader, &(*hidden)[i], indexed(path, i));
                e.training.hidden.push_back(read_dense_layer(reader, layer));
                layer.finish();
            }
        }
        e.training.architecture = s.name<Architecture>("architecture", Architecture::Dense);
        if (s.get("transformer")) read_transformer_sizes(s.section("transformer"), e.training.transformer);
        if (const json::Array* stages = s.array("stages")) {
            if (s.get("hidden") || s.get("architecture") || s.get("transformer"))
                reader.fail(s.path_of("stages"), "given together with hidden, architecture or transformer; a network is one or the other");
            read_stage_list(reader, *stages, s.path_of("stages"), e.training);
        }
        const std::string head = s.string("head", kAutoHead);
        e.head_from_task = head == kAutoHead;
        if (!e.head_from_task) e.training.head = reader.name<Head>(*s.get("head"), s.path_of("head"));
        s.finish();
    }

    if (const json::Array* rules = root.get_or_warn("rules", "[\"bp\"]") ? root.array("rules") : nullptr) {
        e.training.rules.clear();
        for (std::size_t i = 0; i < rules->size(); ++i) e.training.rules.push_back(reader.rule((*rules)[i], indexed("rules", i)));
    }
    e.training.feedback_init = root.name<FeedbackInit>("feedback_init", e.training.feedback_init);
    {
        Section s = root.section("optimizer");
        OptimizerSpec& o = e.training.optimizer;
        o.kind = s.name<OptimizerKind>("kind", o.kind);
        o.learning_rate = s.number("learning_rate", o.learning_rate, kLearningRateRange);
        // Only the momentum optimizer uses it, and check_config only checks it there.
        o.momentum = s.number("momentum", o.momentum, o.kind == OptimizerKind::Momentum ? kMomentumRange : Range{-kInfinity, kInfinity, true, true});
        o.beta1 = s.number("beta1", o.beta1, kBetaRange);
        o.beta2 = s.number("beta2", o.beta2, kBetaRange);
        o.epsilon = s.number("epsilon", o.epsilon, kEpsilonRange);
        s.finish();
    }
    e.training.batch_size = root.whole<int>("batch_size", e.training.batch_size, kBatchRange);
    if (const Value* epochs = root.get_or_warn("epochs", std::to_string(e.training.epochs)))
        e.training.epochs = reader.whole<int>(*epochs, "epochs", kEpochsRange);
    e.training.threads = root.whole<int>("threads", e.training.threads, kThreadsRange);

    {
        Section s = root.section("instruments");
        InstrumentOptions& in = e.instruments;
        in.alignment = s.boolean("alignment", in.alignment);
        in.timeline = s.boolean("timeline", in.timeline);
        in.every_steps = s.whole<int>("every_steps", in.every_steps, kEveryStepsRange);
        if (const Value* baseline = s.get("gap_baseline")) {
            in.gap_baseline = reader.rule(*baseline, s.path_of("gap_baseline"));
            if (in.gap_baseline.learning_rate) reader.fail(s.path_of("gap_baseline"), kBaselineWithoutRate);
        }
        s.finish();
    }

    if (const json::Array* metrics = root.array("metrics"))
        for (std::size_t i = 0; i < metrics->size(); ++i)
            e.recorded_metrics.push_back(read_metrics(reader, (*metrics)[i], indexed("metrics", i)));

    if (const Value* sweep = root.get("sweep"); sweep && !sweep->is_null()) {
        Section s(reader, sweep, "sweep");
        SweepSpec spec;
        if (const json::Array* axes = s.array("parameters")) {
            if (axes->size() > 2) reader.fail(s.path_of("parameters"), "a sweep varies at most two parameters");
            for (std::size_t i = 0; i < axes->size(); ++i)
                spec.axes.push_back(read_sweep_axis(reader, (*axes)[i], indexed(s.path_of("parameters"), i)));
            if (spec.axes.size() == 2 && spec.axes[0].parameter == spec.axes[1].parameter)
                reader.fail(s.path_of("parameters"), to_string(spec.axes[0].parameter) + " is swept twice");
        }
        spec.seeds = s.whole<int>("seeds", 1, kSweepSeedsRange);
        if (spec.run_count() > static_cast<std::size_t>(limits::kMaxSweepRuns))
            reader.fail("sweep", std::to_string(spec.run_count()) + " runs, more than the limit of " + std::to_string(limits::kMaxSweepRuns));
        if (const json::Array* runs = s.array("runs"))
            for (std::size_t i = 0; i < runs->size(); ++i)
                e.sweep_runs.push_back(read_sweep_run(reader, (*runs)[i], indexed(s.path_of("runs"), i), spec));
        if (const Value* part = s.get("part"); part && !part->is_null()) e.sweep_part = read_sweep_part(reader, *part, s.path_of("part"));
        for (SweepRun& run : e.sweep_runs) run.gap_baseline = e.instruments.gap_baseline; // read above
        e.sweep = std::move(spec);
        s.finish();
    }

    root.finish();
    check_without_data(reader, e.training);
    return e;
}

// The oldest version that reads the experiment: version 2 added the transformer, 3 the stage list,
// 4 rules with their own learning rate; a dense experiment without those stays readable by
// version-1 readers.
int file_version(const TrainingConfig& t) {
    if (std::any_of(t.rules.begin(), t.rules.end(), [](const RuleSpec& r) { return r.learning_rate.has_value(); })) return 4;
    return t.architecture == Architecture::Dense ? 1 : 3;
}

Value rule_list(const std::vector<RuleSpec>& rules) {
    json::Array names;
    for (const auto& rule : rules) names.emplace_back(rule_setting(rule));
    return names;
}

Value number_list(const std::vector<double>& values) { return json::Array(values.begin(), values.end()); }

Value metrics_json(const EpochMetrics& m) {
    json::Object o{{"rule", m.rule}, {"epoch", m.epoch}};
    auto add_group = [&](MetricGroup group) { for_each_metric(group, [&](const MetricField& f) { o.emplace_back(f.name, m.*f.member); }); };
    add_group(MetricGroup::Result);
    o.insert(o.end(), {
        {"train_seconds", m.train_seconds},
        {"samples_per_s", m.samples_per_s},
        {"steps", m.steps},
        {"diverged", m.diverged},
        {"message", m.message},
        {"update_angle_deg", number_list(m.update_angle_deg)},
        {"signal_angle_deg", number_list(m.signal_angle_deg)},
        {"weight_angle_deg", number_list(m.weight_angle_deg)},
    });
    add_group(MetricGroup::Staleness);
    add_group(MetricGroup::Comparison);
    return o;
}

} // namespace

Experiment parse_experiment(const std::string& text, const std::string& source_name, std::vector<std::string>* warnings) {
    Value document;
    try {
        document = json::parse(text);
    } catch (const json::ParseError& e) {
        throw ExperimentError(source_name + (e.line() > 0 ? ":" : ": ") + e.what());
    }
    Reader reader(source_name, warnings);
    Experiment experiment = read_experiment(reader, document);
    reader.finish();
    return experiment;
}

namespace {
json::Object network_json(const TrainingConfig& t, json::Array hidden, bool head_from_task) {
    const json::Value head = head_from_task ? kAutoHead : to_string(t.head);
    if (t.architecture == Architecture::Dense) return {{"hidden", std::move(hidden)}, {"head", head}};
    const TransformerSpec& spec = t.transformer;
    json::Array stages;
    for (int block = 0; block + 1 < spec.depth; ++block) {
        json::Object stage{{"kind", "transformer_block"}};
        if (block == 0) stage.emplace_back("patch", spec.patch);
        for (const auto& [key, value] : {std::pair{"dim", spec.dim}, {"heads", spec.heads}, {"dim_head", spec.dim_head},
                                         {"mlp_dim", spec.mlp_dim}})
            stage.emplace_back(key, value);
        stage.emplace_back("activation", to_string(spec.activation));
        stages.emplace_back(std::move(stage));
    }
    stages.emplace_back(json::Object{{"kind", "dense"}, {"width", spec.dim}, {"activation", to_string(spec.activation)}});
    return {{"stages", std::move(stages)}, {"head", head}};
}
} // namespace

std::string to_json(const Experiment& e) {
    const TrainingConfig& t = e.training;
    json::Array hidden;
    for (const auto& layer : t.hidden)
        hidden.emplace_back(json::Object{{"width", layer.width}, {"activation", to_string(layer.activation)}});
    json::Object root{
        {"format", kExperimentFormat},
        {"version", file_version(t)},
        {"name", e.name},
        {"description", e.description},
        {"dataset", json::Object{
                        {"source", e.dataset.source},
                        {"target", e.dataset.target},
                        {"task", csv_task_name(e.dataset.csv_task)},
                        {"size", e.dataset.toy.size},
                        {"noise", e.dataset.toy.noise},
                        {"seed", e.dataset.toy.seed},
                        {"test_fraction", e.dataset.toy.test_fraction},
                    }},
        {"train_limit", e.train_limit},
        {"network", network_json(t, std::move(hidden), e.head_from_task)},
        {"rules", rule_list(t.rules)},
        {"feedback_init", to_string(t.feedback_init)},
        {"optimizer", json::Object{
                          {"kind", to_string(t.optimizer.kind)},
                          {"learning_rate", t.optimizer.learning_rate},
                          {"momentum", t.optimizer.momentum},
                          {"beta1", t.optimizer.beta1},
                          {"beta2", t.optimizer.beta2},
                          {"epsilon", t.optimizer.epsilon},
                      }},
        {"batch_size", t.batch_size},
        {"epochs", t.epochs},
        {"seed", t.seed},
        {"threads", t.threads},
        {"instruments", json::Object{
                            {"alignment", e.instruments.alignment},
                            {"timeline", e.instruments.timeline},
                            {"every_steps", e.instruments.every_steps},
                            {"gap_baseline", to_string(e.instruments.gap_baseline)},
                        }},
    };
    if (!e.recorded_metrics.empty()) {
        json::Array metrics;
        for (const auto& m : e.recorded_metrics) metrics.push_back(metrics_json(m));
        root.emplace_back("metrics", std::move(metrics));
    }
    if (e.sweep) {
        json::Array axes;
        for (const auto& axis : e.sweep->axes) {
            json::Array values;
            for (std::size_t i = 0; i < axis.values.size(); ++i) {
                if (is_categorical(axis.parameter)) values.emplace_back(value_label(axis, i));
                else values.emplace_back(axis.values[i]);
            }
            axes.emplace_back(json::Object{
                {"name", to_string(axis.parameter)}, {"scale", axis.log_scale ? "log" : "linear"}, {"values", std::move(values)}});
        }
        json::Array runs;
        for (const auto& run : e.sweep_runs) runs.push_back(sweep_run_json(run));
        json::Object sweep{{"parameters", std::move(axes)}, {"seeds", e.sweep->seeds}};
        if (e.sweep_part) sweep.emplace_back("part", json::Object{{"index", e.sweep_part->index}, {"count", e.sweep_part->count}});
        sweep.emplace_back("runs", std::move(runs));
        root.emplace_back("sweep", std::move(sweep));
    }
    return json::write(root);
}

Experiment load_experiment(const std::string& path, std::vector<std::string>* warnings) {
    std::string text;
    try {
        text = data_detail::read_file_text(path, json::kMaxBytes);
    } catch (const DataError& e) {
        throw ExperimentError(e.what()); // already "<path>: <problem>"
    }
    Experiment experiment = parse_experiment(text, path, warnings);
    experiment.dataset.folder = std::filesystem::path(path).parent_path().string(); // "csv:data.csv" lies beside the file
    return experiment;
}

namespace {
// A relative csv:/idx: path starts at the file's folder (the working directory for one typed on the
// command line). Saved into another folder it would name other data: it is rewritten to lead to
// the same data from there, or made absolute where no relative path does.
Experiment with_data_path_for(Experiment e, const std::string& path) {
    namespace fs = std::filesystem;
    std::string& source = e.dataset.source;
    const std::string prefix = source.substr(0, 4);
    if (prefix != "csv:" && prefix != "idx:") return e;
    const fs::path data(source.substr(4));
    std::error_code ec;
    const fs::path from = fs::absolute(e.dataset.folder.empty() ? fs::path(".") : fs::path(e.dataset.folder), ec);
    const fs::path to = fs::absolute(fs::path(path).parent_path(), ec);
    if (data.is_absolute() || data.empty() || ec || from.lexically_normal() == to.lexically_normal()) return e;
    const fs::path target = (from / data).lexically_normal();
    const fs::path relative = target.lexically_relative(to.lexically_normal());
    source = prefix + (relative.empty() ? target : relative).generic_string();
    e.dataset.folder = to.string();
    return e;
}
} // namespace

void save_experiment_atomically(const Experiment& experiment, const std::string& path) {
    const std::string text = to_json(with_data_path_for(experiment, path));
    // A larger file would be refused by every reader, this one included: keep what is at `path`.
    if (text.size() > json::kMaxBytes)
        throw ExperimentError(path + ": not saved: the experiment takes " + std::to_string(text.size() >> 20) +
                              " MiB, more than an experiment file may hold (" + std::to_string(json::kMaxBytes >> 20) +
                              " MiB); use fewer runs or epochs (a sweep's --csv has no limit)");
    try {
        write_file_atomically(path, text);
    } catch (const FileError& e) {
        throw ExperimentError(e.what());
    }
}

std::size_t sweep_file_bytes_bound(std::size_t runs, std::size_t rules, int epochs) {
    // Per run: its keys and indices, then per rule its name and, per epoch, each column's number
    // (at most 24 characters and a separator, as json::write prints doubles).
    constexpr std::size_t kRun = 300, kRule = 60, kNumber = 26;
    const std::size_t per_rule = kRule + static_cast<std::size_t>(std::max(0, epochs)) * kSweepColumns.size() * kNumber;
    return runs * (kRun + rules * per_rule);
}

Dataset load_experiment_data(const Experiment& experiment) {
    Dataset data = load_dataset(experiment.dataset);
    limit_train(data, experiment.train_limit);
    return data;
}

TrainingConfig training_config_for(const Experiment& experiment, const Dataset& data) {
    TrainingConfig config = experiment.training;
    if (experiment.head_from_task) config.head = default_head(data.task);
    return config;
}

Head default_head(Task task) { return task == Task::Regression ? Head::LinearMse : Head::SigmoidBce; }

std::string to_string(Task task) { return task == Task::Regression ? "regression" : "classification"; }

std::string csv_task_name(const std::optional<Task>& task) { return task ? to_string(*task) : kInferredTask; }

std::optional<Task> parse_csv_task(std::string_view name) {
    if (name == kInferredTask) return std::nullopt;
    if (name == "classification") return Task::Classification;
    if (name == "regression") return Task::Regression;
    throw NameError("unknown task '" + std::string(name) + "' (valid: classification, regression, " + kInferredTask + ")");
}

} // namespace f3
