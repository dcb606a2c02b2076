#pragma once
// The one place where enum values get their user-facing names (CLI flags, JSON, experiment files).
#include "f3/train/config.hpp"

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace f3 {

// Thrown for an unknown name; the message lists the valid ones.
class NameError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

std::string to_string(Activation v);
std::string to_string(Head v);
std::string to_string(Architecture v);
std::string to_string(F3Error v);
std::string to_string(FeedbackInit v);
std::string to_string(OptimizerKind v);
std::string to_string(SweepParameter v);
std::string to_string(SweepMetric v);
// The rule's label in results: "bp", "f3" (default error variant) or "f3:delayed_loss"; a rule's
// own learning rate is not part of it (one rule per label in a comparison).
std::string to_string(const RuleSpec& rule);
// The rule as configured: its label and, when it has its own, "@" and its learning rate written
// exactly ("f3:delayed_loss@0.000316"). parse_rule reads it back.
std::string rule_setting(const RuleSpec& rule);

template <class Enum> Enum parse(std::string_view name);
template <class Enum> std::vector<std::string> all_names();

// The registered rules' names, in display order.
std::vector<std::string> rule_names();
// "f3" takes `default_f3_error`; "f3:VARIANT" names its own; "RULE@LR" gives the rule its own
// learning rate (a positive number up to limits::kMaxLearningRate).
RuleSpec parse_rule(std::string_view text, F3Error default_f3_error = F3Error::DelayedError);
// The gap baseline names a rule of the comparison by its label; a rate there would mean nothing.
inline constexpr const char* kBaselineWithoutRate = "the gap baseline names a rule by its label, without '@' and a learning rate";

} // namespace f3
