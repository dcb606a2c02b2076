#pragma once
// Fixed random feedback matrices, drawn once per run from the run's seed and never trained.
#include "f3/train/config.hpp"
#include "f3/nn/random.hpp"
#include "f3/nn/tensor.hpp"

#include <vector>

namespace f3 {

struct FeedbackMatrices {
    // DFA / DRTP / F3: direct[i] is C x n_i, projecting the output-sized error to hidden layer i+1.
    std::vector<Matrix> direct;
    // FA: chain[j] replaces W_{j+1} (n_{j+1} x n_j shape, index j = layer - 1) in the backward chain
    // for j = 1..L; chain[0] is unused (the input layer sends nothing back). The last one, which
    // replaces the output weights, is the same matrix as direct[L-1] so FA and DFA share it.
    std::vector<Matrix> chain;

    // Draws every matrix whatever rules are compared, so adding a rule never changes another's.
    static FeedbackMatrices draw(const std::vector<int>& hidden_widths, int outputs,
                                 FeedbackInit init, Rng& rng);
};

// Fills m (already sized) with the chosen distribution; bounds scale with 1/sqrt(columns), like
// PyTorch's kaiming_uniform_(a=sqrt(5)) used by the reference code.
void fill_feedback(Matrix& m, FeedbackInit init, Rng& rng);

} // namespace f3
