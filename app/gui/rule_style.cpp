#include "rule_style.hpp"

#include <QHash>

namespace f3::gui {

QColor rule_colour(const QString& rule) {
    const RuleInfo* info = find_rule_of_label(rule.toStdString());
    QColor colour = info ? QColor(info->colour[0], info->colour[1], info->colour[2]) : QColor(204, 121, 167);
    if (rule.contains(':')) {
        // F3 variants: the F3 hue, shifted per variant so several can be compared side by side.
        const int shift = static_cast<int>(qHash(rule.section(':', 1)) % 5) * 25 - 50;
        colour = QColor::fromHsv((colour.hsvHue() + shift + 360) % 360, colour.hsvSaturation(), colour.value());
    }
    return colour;
}

QString rule_title(const QString& rule) {
    const RuleInfo* info = find_rule_of_label(rule.toStdString());
    QString title = info ? QString::fromStdString(info->title) : rule;
    if (rule.contains(':')) title += " (" + rule.section(':', 1).replace('_', ' ') + ")";
    return title;
}

QString rule_explanation(const QString& rule) {
    const RuleInfo* info = find_rule_of_label(rule.toStdString());
    return info ? QString::fromStdString(info->explanation) : QString();
}

RuleTraits rule_traits(const QString& rule) {
    const RuleInfo* info = find_rule_of_label(rule.toStdString());
    return info ? info->traits : RuleTraits{.trains_hidden = false};
}

} // namespace f3::gui
