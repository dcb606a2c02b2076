#pragma once
// A rule with no state and no error of its own to project: what it sends is fully decided by its
// traits (BP, FA: a backward chain; shallow: nothing). Private to rules/.
#include "f3/rules/rule.hpp"

namespace f3 {

template <const RuleEntry& entry> class PlainRule final : public Rule {
public:
    const RuleInfo& info() const override { return entry.info; }
};

template <const RuleEntry& entry> std::unique_ptr<Rule> make_plain_rule(const RuleSpec&, const Matrix&) {
    return std::make_unique<PlainRule<entry>>();
}

} // namespace f3
