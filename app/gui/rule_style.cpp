#include "rule_style.hpp"

#include "f3/io/names.hpp"

#include <algorithm>
#include <array>

namespace f3::gui {

namespace {

// F³'s error variants side by side (the shipped sweeps compare all six): one colour each, none of
// them another rule's, in F3Error's order. delayed_error is F³'s default, so it keeps F³'s vermillion.
const std::array<QColor, 6> kF3VariantColours{
    QColor(213, 94, 0),   // delayed_error
    QColor(0, 114, 178),  // delayed_loss: blue
    QColor(204, 121, 167), // delayed_error_one_hot: reddish purple
    QColor(51, 34, 136),  // delayed_loss_one_hot: indigo
    QColor(136, 34, 85),  // delayed_error_softmax: wine
    QColor(153, 153, 51), // delayed_loss_softmax: olive
};

} // namespace

QColor rule_colour(const QString& rule) {
    if (rule.contains(':')) {
        const std::vector<std::string> variants = all_names<F3Error>();
        const auto at = std::find(variants.begin(), variants.end(), rule.section(':', 1).section('@', 0, 0).toStdString());
        if (at != variants.end() && at - variants.begin() < std::ssize(kF3VariantColours))
            return kF3VariantColours[static_cast<std::size_t>(at - variants.begin())];
    }
    const RuleInfo* info = find_rule_of_label(rule.toStdString());
    return info ? QColor(info->colour[0], info->colour[1], info->colour[2]) : QColor(120, 120, 120);
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
