#pragma once
// A fully connected network: layers i = 1..L+1, a_i = h_{i-1} W_iᵀ + b_i, h_i = f_i(a_i).
#include "f3/train/config.hpp"
#include "f3/nn/random.hpp"
#include "f3/nn/tensor.hpp"

#include <vector>

namespace f3 {
class OpDurations;
}

namespace f3 {

struct DenseLayer {
    Matrix weight;      // out x in
    RowVector bias;     // 1 x out
    Activation activation = Activation::Linear; // unused for the output layer (the head decides)
};

// Activations of one forward pass; reused across batches so the hot path does not allocate.
struct ForwardPass {
    std::vector<Matrix> pre;   // a_i, i = 0..L (index = layer - 1)
    std::vector<Matrix> post;  // h_i for hidden layers, y_hat for the output layer
};

class Network {
public:
    Network() = default;
    // PyTorch nn.Linear init: W then b, each uniform in ±1/sqrt(fan_in), from `rng`.
    static Network initialise(int inputs, const std::vector<HiddenLayerSpec>& hidden, int outputs, Head head, Rng& rng);

    // `durations`, when given, receives each layer's forward time (for the update timeline).
    void forward(const Matrix& x, ForwardPass& pass, OpDurations* durations = nullptr) const;
    int hidden_count() const { return static_cast<int>(layers_.size()) - 1; }
    int inputs() const { return static_cast<int>(layers_.front().weight.cols()); }
    int outputs() const { return static_cast<int>(layers_.back().weight.rows()); }
    Head head() const { return head_; }

    std::vector<DenseLayer>& layers() { return layers_; }
    const std::vector<DenseLayer>& layers() const { return layers_; }

private:
    std::vector<DenseLayer> layers_;
    Head head_ = Head::SigmoidBce;
};

} // namespace f3
