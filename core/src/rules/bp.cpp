// Backpropagation: the true gradient, sent down through every stage's own weights.
#include "f3/rules/rule.hpp"

namespace f3 {
extern const RuleEntry kBpRule;
namespace {
class Bp final : public Rule {
public:
    const RuleInfo& info() const override { return kBpRule.info; }
};
} // namespace

extern const RuleEntry kBpRule = {
    {"bp", "BP",
     "Backpropagation: the true gradient flows back through every layer's transposed weights. "
     "The reference every other rule is measured against (0° alignment).",
     {0, 0, 0}, {.trains_hidden = true, .chains_backward = true}},
    [](const RuleSpec&, const Matrix&) -> std::unique_ptr<Rule> { return std::make_unique<Bp>(); }};

} // namespace f3
