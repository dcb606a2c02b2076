// Direct feedback alignment (Nøkland 2016): this step's output error e = y − ŷ, projected to every
// hidden stage through its fixed random matrix.
#include "f3/rules/rule.hpp"

namespace f3 {
extern const RuleEntry kDfaRule;
namespace {
class Dfa final : public Rule {
public:
    const RuleInfo& info() const override { return kDfaRule.info; }
    void direct_error(const StepData& step, Matrix& error) const override {
        error = (step.y - step.pass.y_hat) * (1.0f / static_cast<float>(step.x.rows()));
    }
};
} // namespace

extern const RuleEntry kDfaRule = {
    {"dfa", "DFA",
     "Direct feedback alignment: the output error of this step is sent straight to every hidden layer "
     "through a fixed random matrix. Layers update in parallel but wait for the output error.",
     {0, 158, 115}, {.trains_hidden = true}},
    [](const RuleSpec&, const Matrix&) -> std::unique_ptr<Rule> { return std::make_unique<Dfa>(); }};

} // namespace f3
