#include "f3/rules/rule.hpp"

#include "f3/io/names.hpp"

namespace f3 {

// Each rule lives in its own file and is registered here, once, in display order.
extern const RuleEntry kBpRule, kFaRule, kDfaRule, kDrtpRule, kF3Rule, kShallowRule;

const std::vector<const RuleEntry*>& all_rules() {
    static const std::vector<const RuleEntry*> rules = {&kBpRule, &kFaRule, &kDfaRule, &kDrtpRule, &kF3Rule, &kShallowRule};
    return rules;
}

const RuleEntry& rule_entry(std::string_view name) {
    std::string valid;
    for (const RuleEntry* entry : all_rules()) {
        if (entry->info.name == name) return *entry;
        valid += (valid.empty() ? "" : ", ") + entry->info.name;
    }
    throw NameError("unknown algorithm '" + std::string(name) + "' (valid: " + valid + ")");
}

const RuleInfo* find_rule_of_label(std::string_view label) {
    const std::string_view name = label.substr(0, label.find(':'));
    for (const RuleEntry* entry : all_rules())
        if (entry->info.name == name) return &entry->info;
    return nullptr;
}

std::unique_ptr<Rule> make_rule(const RuleSpec& spec, const Matrix& train_targets) {
    return rule_entry(spec.algorithm).make(spec, train_targets);
}

const Rule& reference_rule() {
    static const std::unique_ptr<Rule> bp = make_rule({"bp", F3Error::DelayedError}, Matrix());
    return *bp;
}

} // namespace f3
