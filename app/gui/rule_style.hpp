#pragma once
// One colour per rule, used by every view, so a rule is recognisable at a glance on a projector.
#include <QColor>
#include <QString>

#include "f3/rules/rule.hpp"

namespace f3::gui {

// `rule` is a rule label as the core writes it ("bp", "f3", "f3:delayed_loss").
QColor rule_colour(const QString& rule);
// Short human name for legends: "BP", "F³", "F³ (delayed loss)".
QString rule_title(const QString& rule);
// One sentence on what the rule sends to hidden layers and which locking it removes.
QString rule_explanation(const QString& rule);
// What the rule's step depends on (rules/rule.hpp); all false for a label no rule has.
RuleTraits rule_traits(const QString& rule);

} // namespace f3::gui
