// Shallow learning: hidden stages keep their random initial weights; only the output stage learns.
#include "f3/rules/rule.hpp"

namespace f3 {
extern const RuleEntry kShallowRule;
namespace {
class Shallow final : public Rule {
public:
    const RuleInfo& info() const override { return kShallowRule.info; }
};
} // namespace

extern const RuleEntry kShallowRule = {
    {"shallow", "Shallow",
     "Shallow learning: hidden layers keep their random initial weights; only the output layer learns. "
     "A baseline: what the random hidden features alone allow.",
     {115, 115, 115}, {.trains_hidden = false}},
    [](const RuleSpec&, const Matrix&) -> std::unique_ptr<Rule> { return std::make_unique<Shallow>(); }};

} // namespace f3
