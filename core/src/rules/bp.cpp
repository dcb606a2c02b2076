// Backpropagation: the true gradient, sent down through every stage's own weights.
#include "plain_rule.hpp"

namespace f3 {

// extern: a const object has internal linkage otherwise, and registry.cpp lists it.
extern const RuleEntry kBpRule = {
    {"bp", "BP",
     "Backpropagation: the true gradient flows back through every layer's transposed weights. "
     "The reference every other rule is measured against (0° alignment).",
     {0, 0, 0}, {.trains_hidden = true, .chains_backward = true}},
    make_plain_rule<kBpRule>};

} // namespace f3
