#include "rule_style.hpp"

#include <QHash>

namespace f3::gui {
namespace {

// The registered rule a label names ("f3:delayed_loss" -> f3), or nullptr for an unknown label
// (a saved file may hold any text there).
const RuleInfo* info_of(const QString& rule) {
    const std::string name = rule.section(':', 0, 0).toStdString();
    for (const RuleEntry* entry : all_rules())
        if (entry->info.name == name) return &entry->info;
    return nullptr;
}

} // namespace

QColor rule_colour(const QString& rule) {
    const RuleInfo* info = info_of(rule);
    QColor colour = info ? QColor(info->colour[0], info->colour[1], info->colour[2]) : QColor(204, 121, 167);
    if (rule.contains(':')) {
        // F3 variants: the F3 hue, shifted per variant so several can be compared side by side.
        const int shift = static_cast<int>(qHash(rule.section(':', 1)) % 5) * 25 - 50;
        colour = QColor::fromHsv((colour.hsvHue() + shift + 360) % 360, colour.hsvSaturation(), colour.value());
    }
    return colour;
}

QString rule_title(const QString& rule) {
    const RuleInfo* info = info_of(rule);
    QString title = info ? QString::fromStdString(info->title) : rule;
    if (rule.contains(':')) title += " (" + rule.section(':', 1).replace('_', ' ') + ")";
    return title;
}

QString rule_explanation(const QString& rule) {
    const RuleInfo* info = info_of(rule);
    return info ? QString::fromStdString(info->explanation) : QString();
}

RuleTraits rule_traits(const QString& rule) {
    const RuleInfo* info = info_of(rule);
    return info ? info->traits : RuleTraits{.trains_hidden = false};
}

} // namespace f3::gui
