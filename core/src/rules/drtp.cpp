// Direct random target projection (Frenkel 2021): the target itself, projected to every hidden
// stage; known before the forward pass.
#include "f3/rules/rule.hpp"

namespace f3 {
extern const RuleEntry kDrtpRule;
namespace {
class Drtp final : public Rule {
public:
    const RuleInfo& info() const override { return kDrtpRule.info; }
    void direct_error(const StepData& step, Matrix& error) const override {
        error = step.y * (1.0f / static_cast<float>(step.x.rows()));
    }
};
} // namespace

extern const RuleEntry kDrtpRule = {
    {"drtp", "DRTP",
     "Direct random target projection: each hidden layer gets the one-hot target through a fixed random "
     "matrix. Known before the forward pass, so a layer updates right after its forward step.",
     {86, 180, 233}, {.trains_hidden = true, .error_before_step = true}},
    [](const RuleSpec&, const Matrix&) -> std::unique_ptr<Rule> { return std::make_unique<Drtp>(); }};

} // namespace f3
