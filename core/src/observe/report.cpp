#include "f3/observe/report.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace f3 {
namespace {

// Shortest round-trip form; empty for NaN so spreadsheets see a missing value.
std::string number(double v) {
    if (!std::isfinite(v)) return "";
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
    return std::string(buffer, result.ptr);
}

// Rule labels are [a-z0-9_:], so they never need quoting.
void row(std::string& out, std::initializer_list<std::string> cells) {
    bool first = true;
    for (const auto& cell : cells) {
        if (!first) out += ',';
        out += cell;
        first = false;
    }
}

} // namespace

std::string metrics_csv(const std::vector<EpochMetrics>& history) {
    std::size_t layers = 0;
    for (const auto& m : history) layers = std::max(layers, m.update_angle_deg.size());
    // The table's groups go where this file has always had them: the results after the epoch,
    // gap_closed and the staleness after the timings, steps and divergence.
    std::string out = "rule,epoch";
    auto names = [&](MetricGroup group) { for_each_metric(group, [&](const MetricField& f) { out += std::string(",") + f.name; }); };
    names(MetricGroup::Result);
    out += ",samples_per_s,train_seconds,steps,diverged";
    names(MetricGroup::Comparison);
    names(MetricGroup::Staleness);
    for (std::size_t i = 0; i < layers; ++i) out += ",update_angle_deg_L" + std::to_string(i + 1);
    for (std::size_t i = 0; i < layers; ++i) out += ",signal_angle_deg_L" + std::to_string(i + 1);
    out += '\n';
    for (const auto& m : history) {
        auto values = [&](MetricGroup group) { for_each_metric(group, [&](const MetricField& f) { out += ',' + number(m.*f.member); }); };
        out += m.rule + ',' + std::to_string(m.epoch);
        values(MetricGroup::Result);
        out += ',' + number(m.samples_per_s) + ',' + number(m.train_seconds) + ',' + std::to_string(m.steps) + (m.diverged ? ",1" : ",0");
        values(MetricGroup::Comparison);
        values(MetricGroup::Staleness);
        for (const auto* per_layer : {&m.update_angle_deg, &m.signal_angle_deg})
            for (std::size_t i = 0; i < layers; ++i) out += "," + (i < per_layer->size() ? number((*per_layer)[i]) : std::string());
        out += '\n';
    }
    return out;
}

std::string instruments_csv(const std::vector<InstrumentReport>& reports) {
    std::string out = "step,epoch,batch,rule,layer,update_angle_deg,signal_angle_mean_deg,signal_angle_std_deg,"
                      "signal_angle_batch_deg,weight_angle_deg,update_norm_ratio,staleness_mean_age_steps,"
                      "staleness_max_age_steps,staleness_distance\n";
    for (const auto& report : reports)
        for (std::size_t r = 0; r < report.instruments.size(); ++r) {
            const StepInstruments& s = report.instruments[r];
            for (std::size_t i = 0; i < s.layers.size(); ++i) {
                const LayerAlignment& a = s.layers[i];
                row(out, {std::to_string(report.step), std::to_string(report.epoch), std::to_string(report.batch), report.rules[r],
                          std::to_string(i + 1), number(a.update_angle_deg), number(a.signal_angle_mean_deg),
                          number(a.signal_angle_std_deg), number(a.signal_angle_batch_deg), number(a.weight_angle_deg),
                          number(a.update_norm_ratio), number(s.staleness.mean_age_steps), number(s.staleness.max_age_steps),
                          number(s.staleness.relative_distance)});
                out += '\n';
            }
        }
    return out;
}

std::string timeline_csv_header() {
    return "step,epoch,batch,algorithm,which_step,layer,op,start,end,measured_start_us,measured_end_us\n";
}

std::string timeline_csv_rows(const InstrumentReport& report) {
    std::string out;
    for (const RuleTimeline& t : report.timelines)
        for (std::size_t k = 0; k < t.logical.ops.size(); ++k) {
            const TimelineOp &a = t.logical.ops[k], &b = t.measured.ops[k];
            row(out, {std::to_string(report.step), std::to_string(report.epoch), std::to_string(report.batch), t.rule,
                      std::to_string(a.step), std::to_string(a.layer), op_name(a.kind), number(a.start), number(a.end),
                      number(b.start * 1e6), number(b.end * 1e6)});
            out += '\n';
        }
    return out;
}

} // namespace f3
