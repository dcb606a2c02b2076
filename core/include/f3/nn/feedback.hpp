#pragma once
// Fixed random feedback matrices, drawn once per run from the run's seed and never trained.
#include "f3/nn/network.hpp"
#include "f3/nn/spec.hpp"
#include "f3/nn/random.hpp"
#include "f3/nn/tensor.hpp"

#include <vector>

namespace f3 {

struct FeedbackMatrices {
    // DFA / DRTP / F3: direct[s] is C x n_s, projecting the output-sized error to hidden stage s's output.
    std::vector<Matrix> direct;
    // FA: chain[s] replaces stage s's transported weights (same shape) in the backward chain for
    // s = 1..L; chain[0] is unused (the first stage sends nothing back). The last one, which
    // replaces the output weights, is the same matrix as direct[L-1] so FA and DFA share it.
    // Empty for a stage without transported weights.
    std::vector<Matrix> chain;

    // Draws every matrix whatever rules are compared, so adding a rule never changes another's:
    // the direct ones stage by stage, then the chain.
    static FeedbackMatrices draw(const Network& network, FeedbackInit init, Rng& rng);
};

// Fills m (already sized) with the chosen distribution; bounds scale with 1/sqrt(columns), like
// PyTorch's kaiming_uniform_(a=sqrt(5)) used by the reference code.
void fill_feedback(Matrix& m, FeedbackInit init, Rng& rng);

} // namespace f3
