#include "f3/observe/metrics.hpp"

#include "f3/io/json_writer.hpp"
#include "f3/rules/rule.hpp"

#include <cmath>

namespace f3 {

std::string metrics_line(const EpochMetrics& m, Task task, const MetricsLineDetail& detail) {
    JsonLine line;
    auto add_group = [&](MetricGroup group) {
        for_each_metric(group, [&](const MetricField& field) {
            const double value = m.*field.member;
            const bool omitted = field.omitted_when_nan && std::isnan(value) && m.gap_note.empty();
            if (shown_for(field, task) && !omitted) line.add(field.name, value);
        });
    };
    line.add("algorithm", m.rule).add("epoch", m.epoch);
    add_group(MetricGroup::Result);
    if (detail.details) line.add("samples_per_s", m.samples_per_s).add("train_seconds", m.train_seconds).add("steps", static_cast<long long>(m.steps));
    if (detail.instruments) {
        line.add("update_angle_deg", m.update_angle_deg).add("signal_angle_deg", m.signal_angle_deg);
        line.add("weight_angle_deg", m.weight_angle_deg);
        const RuleInfo* rule = find_rule_of_label(m.rule);
        if (rule && rule->traits.stores_error) add_group(MetricGroup::Staleness);
    }
    add_group(MetricGroup::Comparison);
    if (!m.gap_note.empty()) line.add("gap_note", m.gap_note);
    if (m.diverged) {
        line.add("diverged", true);
        if (detail.details) line.add("message", m.message);
    }
    return line.str();
}

} // namespace f3
