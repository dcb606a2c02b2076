#pragma once
// The seam between training rules: they differ only in the signal G_i each hidden layer receives
// (algorithms.md). Everything after G_i — δa_i = G_i ⊙ f'(a_i), ∇W_i = δa_iᵀ h_{i-1} — is shared.
#include "f3/train/config.hpp"
#include "f3/nn/feedback.hpp"
#include "f3/nn/network.hpp"

#include <vector>

namespace f3 {
class OpDurations;
}

namespace f3 {

struct Gradients {
    std::vector<Matrix> weight;     // ∇W per layer (layer index 0..L); hidden ones empty for Shallow
    std::vector<RowVector> bias;    // ∇b per layer
    std::vector<Matrix> signal;     // G_i per hidden layer (N x n_i)
    std::vector<Matrix> delta;      // δa per layer, the output layer's is the true dL/da
    Matrix error;                   // the output-sized matrix projected by DFA/DRTP/F3 (N x C)
};

// True when the rule trains its hidden layers (all but Shallow).
bool trains_hidden_layers(Algorithm algorithm);
// True for rules whose hidden signal uses a backward chain through the layers above (BP, FA).
bool uses_backward_chain(Algorithm algorithm);

// Computes every layer's gradient for `algorithm` from a finished forward pass.
// `stored_error` (N x C) is F3's delayed error information, already read for this batch; ignored by
// other rules. Reuses the matrices in `out`, so repeated calls on equal batch sizes do not allocate.
void compute_gradients(const Network& net, Algorithm algorithm, const FeedbackMatrices& feedback,
                       const Matrix& x, const Matrix& y, const ForwardPass& pass, const Matrix* stored_error,
                       Gradients& out, OpDurations* durations = nullptr);

} // namespace f3
