// Feedback alignment (Lillicrap 2016): a backward chain like BP's, with each stage's weights replaced
// by a fixed random matrix of the same shape (FeedbackMatrices::chain).
#include "plain_rule.hpp"

namespace f3 {

// extern: a const object has internal linkage otherwise, and registry.cpp lists it.
extern const RuleEntry kFaRule = {
    {"fa", "FA",
     "Feedback alignment: like BP, but each transposed weight matrix in the backward chain is a fixed "
     "random matrix. No weight transport, but layers still wait for the backward pass.",
     {230, 159, 0}, {.trains_hidden = true, .chains_backward = true, .replaces_weights = true}},
    make_plain_rule<kFaRule>};

} // namespace f3
