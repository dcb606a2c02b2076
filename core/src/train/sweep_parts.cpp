#include "f3/train/sweep_parts.hpp"

#include "f3/io/json.hpp"
#include "f3/observe/metrics.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdint>
#include <map>
#include <optional>

namespace f3 {
namespace {

int parse_part_number(std::string_view text, std::string_view whole) {
    int value = -1;
    const char* end = text.data() + text.size();
    const auto result = std::from_chars(text.data(), end, value);
    if (text.empty() || result.ec != std::errc() || result.ptr != end)
        throw SweepError("'" + std::string(whole) + "' is not K/N (shard K of N, K from 0 to N-1, e.g. 0/4)");
    return value;
}

bool same_bits(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

bool same_epoch(const EpochMetrics& a, const EpochMetrics& b) {
    if (a.rule != b.rule || a.epoch != b.epoch || a.diverged != b.diverged) return false;
    return std::all_of(kMetricFields.begin(), kMetricFields.end(), [&](const MetricField& field) {
        return !kept_in_sweeps(field) || same_bits(a.*field.member, b.*field.member);
    });
}

// The first key path where two documents differ (empty: equal).
std::string first_difference(const json::Value& a, const json::Value& b) {
    const std::vector<std::string> paths = json::differing_paths(a, b);
    return paths.empty() ? std::string() : paths.front();
}

json::Value settings_json(Experiment e) {
    e.sweep_runs.clear();
    e.sweep_part.reset();
    return json::parse(to_json(e));
}

std::string run_label(const SweepSpec& spec, std::size_t index) {
    const std::size_t point = index / static_cast<std::size_t>(spec.seeds);
    const std::string at = spec.axes.empty() ? std::string() : spec.point_label(point) + ", ";
    return "run " + std::to_string(index) + " (" + at + "seed index " + std::to_string(index % static_cast<std::size_t>(spec.seeds)) + ")";
}

} // namespace

SweepPart parse_sweep_part(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) parse_part_number({}, text); // throws the format message
    SweepPart part{parse_part_number(text.substr(0, slash), text), parse_part_number(text.substr(slash + 1), text)};
    if (part.count < 1 || part.count > limits::kMaxSweepRuns)
        throw SweepError("'" + std::string(text) + "': N must be 1 to " + std::to_string(limits::kMaxSweepRuns));
    if (part.index < 0 || part.index >= part.count)
        throw SweepError("'" + std::string(text) + "': K counts from 0 to N-1 (" + std::to_string(part.count - 1) + ")");
    return part;
}

std::string part_text(const SweepPart& part) { return std::to_string(part.index) + "/" + std::to_string(part.count); }

bool in_part(const SweepPart& part, std::size_t run_index) {
    return run_index % static_cast<std::size_t>(part.count) == static_cast<std::size_t>(part.index);
}

std::vector<std::size_t> runs_outside(const SweepSpec& spec, const SweepPart& part) {
    std::vector<std::size_t> outside;
    for (std::size_t i = 0; i < spec.run_count(); ++i)
        if (!in_part(part, i)) outside.push_back(i);
    return outside;
}

std::size_t part_run_count(const SweepSpec& spec, const SweepPart& part) { return spec.run_count() - runs_outside(spec, part).size(); }

bool run_complete(const SweepRun& run, int epochs) {
    if (run.history.empty()) return false;
    std::map<std::string, int> epochs_of;
    for (const EpochMetrics& m : run.history) ++epochs_of[m.rule];
    return std::all_of(epochs_of.begin(), epochs_of.end(), [&](const auto& rule) { return rule.second == epochs; });
}

bool same_results(const SweepRun& a, const SweepRun& b) {
    return a.point == b.point && a.seed_index == b.seed_index && a.seed == b.seed &&
           std::equal(a.history.begin(), a.history.end(), b.history.begin(), b.history.end(), same_epoch);
}

std::string first_difference(const Experiment& a, const Experiment& b) {
    return first_difference(settings_json(a), settings_json(b));
}

SweepMerge merge_sweep_parts(const std::vector<std::pair<std::string, Experiment>>& parts) {
    if (parts.empty()) throw SweepMergeError("no files to merge");
    for (const auto& [name, experiment] : parts)
        if (!experiment.sweep) throw SweepMergeError(name + ": not a sweep file (it has no \"sweep\")");
    const auto& [first_name, first] = parts.front();
    const json::Value settings = settings_json(first);
    for (const auto& [name, experiment] : parts)
        if (const std::string key = first_difference(settings, settings_json(experiment)); !key.empty())
            throw SweepMergeError(name + ": not a part of the same sweep as " + first_name + ": " + key + " differs");

    const SweepSpec& spec = *first.sweep;
    const int epochs = first.training.epochs;
    std::map<std::size_t, std::pair<std::string, SweepRun>> complete; // by run index, with the file it came from
    std::vector<bool> incomplete(spec.run_count(), false);
    for (const auto& [name, experiment] : parts)
        for (const SweepRun& run : experiment.sweep_runs) {
            const std::size_t index = run_index(spec, run);
            if (!run_complete(run, epochs)) {
                incomplete[index] = true;
                continue;
            }
            auto [it, inserted] = complete.try_emplace(index, name, run);
            if (inserted) continue;
            if (!same_results(it->second.second, run))
                throw SweepMergeError(run_label(spec, index) + " has different results in " + it->second.first + " and " + name +
                                      ": they are not runs of the same sweep");
            it->second.second.seconds = std::min(it->second.second.seconds, run.seconds);
        }

    SweepMerge result;
    result.merged = first;
    result.merged.sweep_part.reset();
    result.merged.sweep_runs.clear();
    for (auto& [index, found] : complete) result.merged.sweep_runs.push_back(std::move(found.second));
    sort_runs(result.merged.sweep_runs);
    for (std::size_t i = 0; i < spec.run_count(); ++i) {
        if (complete.count(i)) continue;
        result.missing.push_back(i);
        if (incomplete[i]) ++result.failed;
    }
    return result;
}

} // namespace f3
