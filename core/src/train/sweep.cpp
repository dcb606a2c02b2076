#include "f3/train/sweep.hpp"

#include "f3/io/json.hpp"
#include "f3/io/names.hpp"
#include "f3/observe/report.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <tuple>

namespace f3 {
namespace {

// A transformer size: an int member of TransformerSpec, or nullptr for other parameters.
int TransformerSpec::*transformer_size(SweepParameter p) {
    switch (p) {
    case SweepParameter::Dim: return &TransformerSpec::dim;
    case SweepParameter::Heads: return &TransformerSpec::heads;
    case SweepParameter::DimHead: return &TransformerSpec::dim_head;
    case SweepParameter::MlpDim: return &TransformerSpec::mlp_dim;
    case SweepParameter::Patch: return &TransformerSpec::patch;
    default: return nullptr;
    }
}

bool is_whole(SweepParameter p) {
    return p == SweepParameter::Width || p == SweepParameter::Depth || p == SweepParameter::BatchSize || transformer_size(p);
}

// Whole-number settings are ints: converting a double beyond them is undefined behaviour, and
// above 2^53 `++v` no longer advances, so such values are refused before anything is counted.
bool fits_int(double v) {
    return v >= static_cast<double>(std::numeric_limits<int>::min()) && v <= static_cast<double>(std::numeric_limits<int>::max());
}

void check_fits_int(const std::string& parameter, double v) {
    if (!fits_int(v))
        throw SweepError(parameter + ": " + json::number_text(v) + " is beyond what a whole-number setting holds (" +
                         std::to_string(std::numeric_limits<int>::min()) + " to " + std::to_string(std::numeric_limits<int>::max()) + ")");
}

std::vector<std::string> category_names(SweepParameter p) {
    return p == SweepParameter::FeedbackInit ? all_names<FeedbackInit>() : all_names<F3Error>();
}

std::vector<std::string> split(std::string_view text, char separator) {
    std::vector<std::string> parts;
    std::stringstream stream{std::string(text)};
    for (std::string part; std::getline(stream, part, separator);) parts.push_back(part);
    if (!text.empty() && text.back() == separator) parts.emplace_back();
    return parts;
}

double parse_value(const std::string& parameter, const std::string& text) {
    double value = 0.0;
    const char* end = text.data() + text.size();
    const auto result = std::from_chars(text.data(), end, value);
    if (text.empty() || result.ec != std::errc() || result.ptr != end || !std::isfinite(value))
        throw SweepError(parameter + ": '" + text + "' is not a number");
    return value;
}

// n values from a to b, evenly spaced in the value or in its logarithm.
std::vector<double> grid(const std::string& parameter, double a, double b, bool log, int n) {
    if (n < 2 || n > limits::kMaxSweepValues)
        throw SweepError(parameter + ": a grid needs 2 to " + std::to_string(limits::kMaxSweepValues) + " points, not " + std::to_string(n));
    if (log && (a <= 0.0 || b <= 0.0)) throw SweepError(parameter + ": a log grid needs positive ends");
    std::vector<double> values;
    for (int k = 0; k < n; ++k) {
        const double t = static_cast<double>(k) / (n - 1);
        const double v = log ? std::exp(std::log(a) + t * (std::log(b) - std::log(a))) : a + t * (b - a);
        // Twelve significant digits: the grid's 1e-3 is exactly 0.001, as a user would type it
        // for `train --lr` (exp/log leave 0.001000000000000001).
        char text[32];
        std::snprintf(text, sizeof text, "%.12g", v);
        values.push_back(std::strtod(text, nullptr));
    }
    values.front() = a; // exactly the ends the user typed, not exp(log(a))
    values.back() = b;
    return values;
}

} // namespace

bool is_categorical(SweepParameter p) { return p == SweepParameter::FeedbackInit || p == SweepParameter::F3Error; }

SweepAxis parse_sweep_axis(std::string_view text) {
    const auto eq = text.find('=');
    if (eq == std::string_view::npos)
        throw SweepError("'" + std::string(text) + "' is not NAME=VALUES (e.g. lr=1e-4:1e-2:log:7 or width=64,128)");
    const std::string name(text.substr(0, eq));
    const std::string_view spec = text.substr(eq + 1);
    SweepAxis axis;
    try {
        axis.parameter = parse<SweepParameter>(name);
    } catch (const NameError& e) {
        throw SweepError(e.what());
    }
    if (spec.empty()) throw SweepError(name + ": no values");

    if (spec.find(':') != std::string_view::npos) {
        if (is_categorical(axis.parameter)) throw SweepError(name + ": list the names, e.g. " + name + "=" + category_names(axis.parameter)[0] + "," + category_names(axis.parameter)[1]);
        const auto parts = split(spec, ':');
        if (parts.size() == 2) { // every whole number from a to b
            if (!is_whole(axis.parameter)) throw SweepError(name + ": A:B lists whole numbers; use A:B:log:N or A:B:lin:N");
            const double a = parse_value(name, parts[0]), b = parse_value(name, parts[1]);
            if (a != std::trunc(a) || b != std::trunc(b) || a > b) throw SweepError(name + ": A:B needs whole numbers with A <= B");
            check_fits_int(name, a);
            check_fits_int(name, b);
            if (b - a + 1 > limits::kMaxSweepValues) throw SweepError(name + ": more than " + std::to_string(limits::kMaxSweepValues) + " values");
            for (auto v = static_cast<long long>(a); v <= static_cast<long long>(b); ++v) axis.values.push_back(static_cast<double>(v));
        } else if (parts.size() == 4 && (parts[2] == "log" || parts[2] == "lin")) {
            const double n = parse_value(name, parts[3]);
            if (n != std::trunc(n)) throw SweepError(name + ": the point count must be a whole number");
            axis.log_scale = parts[2] == "log";
            if (is_whole(axis.parameter)) {
                check_fits_int(name, parse_value(name, parts[0]));
                check_fits_int(name, parse_value(name, parts[1]));
            }
            axis.values = grid(name, parse_value(name, parts[0]), parse_value(name, parts[1]), axis.log_scale,
                               static_cast<int>(std::clamp(n, -1.0, 1e6)));
            if (is_whole(axis.parameter)) { // widths on a log grid: round, and keep each width once
                std::vector<double> rounded;
                for (double v : axis.values)
                    if (std::find(rounded.begin(), rounded.end(), std::round(v)) == rounded.end()) rounded.push_back(std::round(v));
                axis.values = std::move(rounded);
            }
        } else {
            throw SweepError(name + ": '" + std::string(spec) + "' is not A:B:log:N, A:B:lin:N, A:B or a list");
        }
    } else {
        const auto names = category_names(axis.parameter);
        for (const auto& item : split(spec, ',')) {
            double value = 0.0;
            if (is_categorical(axis.parameter)) {
                const auto it = std::find(names.begin(), names.end(), item);
                if (it == names.end()) {
                    std::string valid;
                    for (const auto& n : names) valid += (valid.empty() ? "" : ", ") + n;
                    throw SweepError(name + ": unknown value '" + item + "' (valid: " + valid + ")");
                }
                value = static_cast<double>(it - names.begin());
            } else {
                value = parse_value(name, item);
                if (is_whole(axis.parameter) && value != std::trunc(value)) throw SweepError(name + ": " + item + " is not a whole number");
                if (is_whole(axis.parameter)) check_fits_int(name, value);
            }
            if (std::find(axis.values.begin(), axis.values.end(), value) != axis.values.end())
                throw SweepError(name + ": " + item + " is listed twice");
            axis.values.push_back(value);
        }
        if (axis.values.size() > static_cast<std::size_t>(limits::kMaxSweepValues))
            throw SweepError(name + ": more than " + std::to_string(limits::kMaxSweepValues) + " values");
        // Learning rates differ by factors, and so do widths or batch sizes spanning a decade or
        // more (16, 64, 256, 1024): a log axis shows them evenly.
        const auto [lo, hi] = std::minmax_element(axis.values.begin(), axis.values.end());
        axis.log_scale = *lo > 0.0 && (axis.parameter == SweepParameter::LearningRate ||
                                       (axis.parameter != SweepParameter::Depth && !is_categorical(axis.parameter) && *hi >= 8.0 * *lo));
    }
    return axis;
}

std::string values_text(const SweepAxis& axis) {
    auto number = [](double v) {
        char text[32];
        std::snprintf(text, sizeof text, "%.12g", v);
        return std::string(text);
    };
    const std::string name = to_string(axis.parameter);
    if (!is_categorical(axis.parameter) && axis.values.size() > 2) {
        // The shortest form that reads back to exactly these values: A:B, then an even grid.
        const std::string range = number(axis.values.front()) + ":" + number(axis.values.back());
        const std::string n = std::to_string(axis.values.size());
        for (const std::string& candidate : {range, range + ":lin:" + n, range + ":log:" + n}) {
            try {
                if (parse_sweep_axis(name + "=" + candidate).values == axis.values) return candidate;
            } catch (const SweepError&) {
                // not this kind of grid
            }
        }
    }
    std::string text;
    for (std::size_t i = 0; i < axis.values.size(); ++i)
        text += (i ? "," : "") + (is_categorical(axis.parameter) ? value_label(axis, i) : number(axis.values[i]));
    return text;
}

std::string value_label(const SweepAxis& axis, std::size_t i) {
    const double v = axis.values.at(i);
    if (is_categorical(axis.parameter)) {
        const auto names = category_names(axis.parameter);
        const auto k = static_cast<std::size_t>(v);
        return v >= 0.0 && k < names.size() ? names[k] : "?";
    }
    if (v == std::trunc(v) && std::abs(v) < 1e9) return json::number_text(v);
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", v); // a label: 0.000215, not 0.00021544346900318845
    return text;
}

std::size_t SweepSpec::point_count() const {
    std::size_t n = 1;
    for (const auto& axis : axes) n *= axis.values.size();
    return n;
}

std::vector<std::size_t> SweepSpec::point_indices(std::size_t point) const {
    std::vector<std::size_t> indices(axes.size());
    for (std::size_t a = axes.size(); a-- > 0;) {
        const std::size_t n = std::max<std::size_t>(1, axes[a].values.size());
        indices[a] = point % n;
        point /= n;
    }
    return indices;
}

std::string SweepSpec::point_label(std::size_t point) const {
    const auto indices = point_indices(point);
    std::string label;
    for (std::size_t a = 0; a < axes.size(); ++a)
        label += (a ? ", " : "") + to_string(axes[a].parameter) + "=" + value_label(axes[a], indices[a]);
    return label;
}

TrainingConfig sweep_config(const TrainingConfig& base, const SweepSpec& spec, std::size_t point, int seed_index) {
    TrainingConfig config = base;
    config.seed = base.seed + static_cast<std::uint64_t>(seed_index);
    config.threads = 1; // one run per core: the sweep, not the run, is parallel
    const auto indices = spec.point_indices(point);
    // Depth first, so that a width on the other axis reaches the layers it adds.
    std::vector<std::size_t> order(spec.axes.size());
    for (std::size_t a = 0; a < order.size(); ++a) order[a] = a;
    std::stable_partition(order.begin(), order.end(), [&](std::size_t a) { return spec.axes[a].parameter == SweepParameter::Depth; });
    for (const std::size_t a : order) {
        const double v = spec.axes[a].values.at(indices[a]);
        switch (spec.axes[a].parameter) {
        case SweepParameter::LearningRate:
            // The point's rate is every rule's: that is what a learning-rate sweep compares.
            config.optimizer.learning_rate = v;
            for (auto& rule : config.rules) rule.learning_rate.reset();
            break;
        case SweepParameter::Width:
            for (auto& layer : config.hidden) layer.width = static_cast<int>(v);
            break;
        case SweepParameter::Depth:
            if (config.architecture == Architecture::Transformer) config.transformer.depth = static_cast<int>(v);
            else if (!config.hidden.empty()) config.hidden.resize(static_cast<std::size_t>(std::max(0.0, v)), config.hidden.back());
            break;
        case SweepParameter::Dim:
        case SweepParameter::Heads:
        case SweepParameter::DimHead:
        case SweepParameter::MlpDim:
        case SweepParameter::Patch: config.transformer.*transformer_size(spec.axes[a].parameter) = static_cast<int>(v); break;
        case SweepParameter::BatchSize: config.batch_size = static_cast<int>(v); break;
        case SweepParameter::FeedbackInit: config.feedback_init = static_cast<FeedbackInit>(static_cast<int>(v)); break;
        case SweepParameter::F3Error: {
            std::vector<RuleSpec> rules;
            for (RuleSpec rule : config.rules) {
                if (rule.algorithm == "f3") rule.f3_error = static_cast<F3Error>(static_cast<int>(v));
                if (std::find(rules.begin(), rules.end(), rule) == rules.end()) rules.push_back(rule);
            }
            config.rules = std::move(rules);
            break;
        }
        }
    }
    return config;
}

std::vector<std::string> check_sweep(const SweepSpec& spec, const TrainingConfig& base, const Dataset& data) {
    std::vector<std::string> problems;
    if (spec.axes.size() > 2) problems.push_back("a sweep varies at most two parameters, not " + std::to_string(spec.axes.size()));
    if (spec.seeds < 1 || spec.seeds > limits::kMaxSweepSeeds)
        problems.push_back("seeds must be 1 to " + std::to_string(limits::kMaxSweepSeeds) + ", not " + std::to_string(spec.seeds));
    if (spec.seeds >= 1 && base.seed + static_cast<std::uint64_t>(spec.seeds - 1) > limits::kMaxExactInteger)
        problems.push_back("the last seed, " + std::to_string(base.seed + static_cast<std::uint64_t>(spec.seeds - 1)) +
                           ", is beyond what an experiment file stores exactly (" + std::to_string(limits::kMaxExactInteger) + ")");
    std::set<SweepParameter> seen;
    for (const auto& axis : spec.axes) {
        const std::string name = to_string(axis.parameter);
        if (!seen.insert(axis.parameter).second) problems.push_back(name + " is swept twice");
        if (axis.values.empty() || axis.values.size() > static_cast<std::size_t>(limits::kMaxSweepValues))
            problems.push_back(name + ": 1 to " + std::to_string(limits::kMaxSweepValues) + " values, not " + std::to_string(axis.values.size()));
        const bool transformer = base.architecture == Architecture::Transformer;
        if (!transformer && (axis.parameter == SweepParameter::Width || axis.parameter == SweepParameter::Depth) && base.hidden.empty())
            problems.push_back("a " + name + " sweep needs a network with at least one hidden layer");
        if (transformer && axis.parameter == SweepParameter::Width)
            problems.push_back("width sweeps a dense network's hidden layers; a transformer's width is dim");
        if (!transformer && transformer_size(axis.parameter))
            problems.push_back(name + " is a transformer's size; this experiment is a dense network");
        if (axis.parameter == SweepParameter::F3Error &&
            std::none_of(base.rules.begin(), base.rules.end(), [](const RuleSpec& r) { return r.algorithm == "f3"; }))
            problems.push_back("an f3_error sweep needs f3 among the rules");
        if (axis.parameter == SweepParameter::Depth &&
            std::any_of(axis.values.begin(), axis.values.end(), [](double v) { return v < 0.0 || v > limits::kMaxHiddenLayers; }))
            problems.push_back("depth: 0 to " + std::to_string(limits::kMaxHiddenLayers) + " hidden layers");
        const std::size_t categories = is_categorical(axis.parameter) ? category_names(axis.parameter).size() : 0;
        for (double v : axis.values)
            if (!std::isfinite(v) || (is_whole(axis.parameter) && (v != std::trunc(v) || !fits_int(v))) ||
                (is_categorical(axis.parameter) && (v < 0.0 || v != std::trunc(v) || v >= static_cast<double>(categories)))) {
                problems.push_back(name + ": invalid value " + json::number_text(v));
                break;
            }
    }
    if (!problems.empty()) return problems;
    if (spec.run_count() > static_cast<std::size_t>(limits::kMaxSweepRuns)) {
        problems.push_back(std::to_string(spec.run_count()) + " runs (points x seeds), more than the limit of " + std::to_string(limits::kMaxSweepRuns));
        return problems;
    }
    // Each point's configuration, checked as training it alone would be; a few examples are enough.
    constexpr std::size_t kMaxReported = 5;
    std::size_t bad_points = 0;
    for (std::size_t p = 0; p < spec.point_count(); ++p) {
        const auto point_problems = check_config(sweep_config(base, spec, p, 0), data);
        if (point_problems.empty()) continue;
        if (++bad_points <= kMaxReported)
            for (const auto& problem : point_problems)
                problems.push_back((spec.axes.empty() ? std::string() : "at " + spec.point_label(p) + ": ") + problem);
    }
    if (bad_points > kMaxReported) problems.push_back("and " + std::to_string(bad_points - kMaxReported) + " more points with problems");
    return problems;
}

std::size_t run_index(const SweepSpec& spec, const SweepRun& run) {
    return run.point * static_cast<std::size_t>(spec.seeds) + static_cast<std::size_t>(run.seed_index);
}

void sort_runs(std::vector<SweepRun>& runs) {
    std::sort(runs.begin(), runs.end(),
              [](const SweepRun& a, const SweepRun& b) { return std::tie(a.point, a.seed_index) < std::tie(b.point, b.seed_index); });
}

double metric_value(const EpochMetrics& m, SweepMetric metric) {
    switch (metric) {
    case SweepMetric::TestAccuracy: return m.test_accuracy;
    case SweepMetric::TestLoss: return m.test_loss;
    case SweepMetric::TestMse: return m.test_mse;
    case SweepMetric::TrainLoss: return m.train_loss;
    case SweepMetric::GapClosed: return m.gap_closed;
    }
    return std::numeric_limits<double>::quiet_NaN();
}

std::string sweep_series(const SweepSpec& spec, const std::string& rule) {
    const bool f3_error_swept = std::any_of(spec.axes.begin(), spec.axes.end(),
                                            [](const SweepAxis& a) { return a.parameter == SweepParameter::F3Error; });
    // By its label, without parsing it: saved files may hold any text there.
    const std::string f3 = "f3";
    const bool is_f3 = rule == f3 || rule.rfind(f3 + ":", 0) == 0;
    return f3_error_swept && is_f3 ? f3 : rule;
}

std::vector<std::string> sweep_rules(const SweepSpec& spec, const std::vector<SweepRun>& runs) {
    std::vector<std::string> series;
    for (const auto& run : runs)
        for (const auto& m : run.history)
            if (const std::string name = sweep_series(spec, m.rule); std::find(series.begin(), series.end(), name) == series.end())
                series.push_back(name);
    return series;
}

namespace {

// The metrics of `series` (or of the rule named `rule`) at `epoch` (0: the last) in one run.
const EpochMetrics* find_metrics(const SweepSpec& spec, const SweepRun& run, int epoch, const std::string& series, bool by_series) {
    const EpochMetrics* found = nullptr;
    for (const auto& m : run.history)
        if ((epoch == 0 || m.epoch == epoch) && (by_series ? sweep_series(spec, m.rule) : m.rule) == series) found = &m; // the last one when epoch is 0
    return found;
}

// Calls use(run, metrics) for each run of `point` that has `series` at `epoch`, with the rule's
// metrics there; a seed on which the rule diverged is counted in stats.diverged instead.
template <class Use>
void for_each_seed(const SweepSpec& spec, const std::vector<SweepRun>& runs, std::size_t point, const std::string& series, int epoch,
                   SeedStatistics& stats, Use use) {
    for (const auto& run : runs) {
        if (run.point != point) continue;
        const EpochMetrics* found = find_metrics(spec, run, epoch, series, true);
        if (!found) continue;
        if (found->diverged) ++stats.diverged;
        else use(run, *found);
    }
}

void fill_mean_and_std(SeedStatistics& stats, const std::vector<double>& values) {
    stats.n = static_cast<int>(values.size());
    if (values.empty()) return;
    double sum = 0.0;
    for (double v : values) sum += v;
    stats.mean = sum / static_cast<double>(values.size());
    double squares = 0.0;
    for (double v : values) squares += (v - stats.mean) * (v - stats.mean);
    stats.std = values.size() > 1 ? std::sqrt(squares / static_cast<double>(values.size() - 1)) : 0.0;
}

// One seed's test errors of the baseline, BP and the rule.
struct GapErrors {
    double baseline = 0.0, bp = 0.0, rule = 0.0;
};

GapClosed gap_of_means(const std::vector<GapErrors>& errors, const std::vector<std::size_t>& picks) {
    GapErrors sum;
    for (std::size_t i : picks) {
        sum.baseline += errors[i].baseline;
        sum.bp += errors[i].bp;
        sum.rule += errors[i].rule;
    }
    const double n = static_cast<double>(picks.size());
    return gap_closed(sum.baseline / n, sum.bp / n, sum.rule / n);
}

SeedStatistics gap_statistics(const SweepSpec& spec, const std::vector<SweepRun>& runs, std::size_t point,
                              const std::string& series, int epoch) {
    SeedStatistics stats;
    std::vector<GapErrors> errors;
    std::string missing;
    for_each_seed(spec, runs, point, series, epoch, stats, [&](const SweepRun& run, const EpochMetrics& rule) {
        const std::string baseline_name = to_string(run.gap_baseline);
        const EpochMetrics* bp = find_metrics(spec, run, epoch, reference_rule().info().name, false);
        const EpochMetrics* baseline = find_metrics(spec, run, epoch, baseline_name, false);
        if (!bp || !baseline || bp->diverged || baseline->diverged)
            missing = "undefined: needs " + reference_rule().info().name + " and the baseline " + baseline_name + " to finish";
        else
            errors.push_back({test_error(*baseline), test_error(*bp), test_error(rule)});
    });
    stats.n = static_cast<int>(errors.size());
    if (errors.empty()) {
        stats.note = missing;
        return stats;
    }
    std::vector<std::size_t> picks(errors.size());
    std::iota(picks.begin(), picks.end(), std::size_t{0});
    const GapClosed gap = gap_of_means(errors, picks);
    stats.mean = gap.value;
    stats.note = gap.note;
    if (!gap.note.empty()) {
        stats.n = 0; // no value on any seed
        return stats;
    }
    // Resamples whose baseline does not trail BP by the margin have no gap closed and are left out.
    std::mt19937_64 draw(kGapBootstrapSeed);
    std::vector<double> resampled;
    for (int b = 0; b < kGapBootstrapResamples; ++b) {
        for (auto& pick : picks) pick = static_cast<std::size_t>(draw() % errors.size());
        if (const GapClosed g = gap_of_means(errors, picks); g.note.empty()) resampled.push_back(g.value);
    }
    SeedStatistics spread;
    fill_mean_and_std(spread, resampled);
    stats.std = spread.std;
    return stats;
}

} // namespace

SeedStatistics seed_statistics(const SweepSpec& spec, const std::vector<SweepRun>& runs, std::size_t point,
                               const std::string& series, SweepMetric metric, int epoch) {
    if (metric == SweepMetric::GapClosed) return gap_statistics(spec, runs, point, series, epoch);
    SeedStatistics stats;
    std::vector<double> values;
    for_each_seed(spec, runs, point, series, epoch, stats, [&](const SweepRun&, const EpochMetrics& m) {
        if (const double v = metric_value(m, metric); std::isfinite(v)) values.push_back(v);
    });
    fill_mean_and_std(stats, values);
    return stats;
}

bool higher_is_better(SweepMetric metric) { return metric == SweepMetric::TestAccuracy || metric == SweepMetric::GapClosed; }

std::vector<BestRate> best_learning_rates(const SweepSpec& spec, const std::vector<SweepRun>& runs, SweepMetric metric) {
    if (spec.axes.size() != 1 || spec.axes[0].parameter != SweepParameter::LearningRate)
        throw SweepError("picking each rule's learning rate needs a sweep over lr alone");
    std::vector<BestRate> best;
    for (const std::string& rule : sweep_rules(spec, runs)) {
        std::optional<BestRate> found;
        for (std::size_t p = 0; p < spec.point_count(); ++p) {
            const SeedStatistics s = seed_statistics(spec, runs, p, rule, metric);
            if (s.n != spec.seeds || s.diverged > 0 || !std::isfinite(s.mean)) continue;
            const double rate = spec.axes[0].values[p];
            const bool better = !found || (higher_is_better(metric) ? s.mean > found->statistics.mean : s.mean < found->statistics.mean) ||
                                (s.mean == found->statistics.mean && rate < found->learning_rate);
            if (better) found = BestRate{rule, rate, s};
        }
        if (!found)
            throw SweepError("rule '" + rule + "' has no learning rate where all " + std::to_string(spec.seeds) + " seeds finished with a " +
                             to_string(metric) + " and none diverged");
        best.push_back(*found);
    }
    if (best.empty()) throw SweepError("the sweep has no finished runs");
    return best;
}

std::vector<SweepRun> runs_kept_for(const SweepSpec& from, const std::vector<SweepRun>& runs, const SweepSpec& to) {
    std::vector<SweepRun> kept;
    if (from.axes.size() != to.axes.size()) return kept;
    for (std::size_t a = 0; a < to.axes.size(); ++a)
        if (from.axes[a].parameter != to.axes[a].parameter) return kept;
    for (const SweepRun& run : runs) {
        if (run.point >= from.point_count() || run.seed_index >= to.seeds) continue;
        const auto old_indices = from.point_indices(run.point);
        std::size_t point = 0;
        bool found = true;
        for (std::size_t a = 0; a < to.axes.size() && found; ++a) {
            const auto& values = to.axes[a].values;
            const auto it = std::find(values.begin(), values.end(), from.axes[a].values[old_indices[a]]);
            found = it != values.end();
            point = point * values.size() + static_cast<std::size_t>(it - values.begin());
        }
        if (!found) continue;
        SweepRun moved = run;
        moved.point = point;
        kept.push_back(std::move(moved));
    }
    return kept;
}

std::string sweep_csv(const SweepSpec& spec, const std::vector<SweepRun>& runs) {
    // metrics_csv over all runs at once, so every row has the same columns; each row then gets
    // its run's axis values and seed in front.
    std::vector<EpochMetrics> all;
    for (const auto& run : runs) all.insert(all.end(), run.history.begin(), run.history.end());
    const std::string metrics = metrics_csv(all);
    std::istringstream lines(metrics);
    std::string line, out;
    std::getline(lines, line);
    for (const auto& axis : spec.axes) out += to_string(axis.parameter) + ",";
    out += "seed," + line + "\n";
    for (const auto& run : runs) {
        std::string prefix;
        const auto indices = spec.point_indices(run.point);
        for (std::size_t a = 0; a < spec.axes.size(); ++a) {
            const SweepAxis& axis = spec.axes[a];
            prefix += (is_categorical(axis.parameter) ? value_label(axis, indices[a]) : json::number_text(axis.values[indices[a]])) + ",";
        }
        prefix += std::to_string(run.seed) + ",";
        for (std::size_t i = 0; i < run.history.size() && std::getline(lines, line); ++i) out += prefix + line + "\n";
    }
    return out;
}

} // namespace f3
