// Shallow learning: hidden stages keep their random initial weights; only the output stage learns.
#include "plain_rule.hpp"

namespace f3 {

// extern: a const object has internal linkage otherwise, and registry.cpp lists it.
extern const RuleEntry kShallowRule = {
    {"shallow", "Shallow",
     "Shallow learning: hidden layers keep their random initial weights; only the output layer learns. "
     "A baseline: what the random hidden features alone allow.",
     {115, 115, 115}, {.trains_hidden = false}},
    make_plain_rule<kShallowRule>};

} // namespace f3
