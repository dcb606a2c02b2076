#pragma once
// The fully connected stage: a = x Wᵀ + b, h = f(a) (algorithms.md). The output stage is a dense
// stage with the linear activation; the head is applied to its output by the network.
#include "f3/nn/random.hpp"
#include "f3/nn/stage.hpp"
#include "f3/nn/spec.hpp"

namespace f3 {

class DenseStage final : public Stage {
public:
    // PyTorch nn.Linear init: W then b, each uniform in ±1/sqrt(inputs), from `rng`.
    DenseStage(int inputs, int outputs, Activation activation, Rng& rng);

    std::unique_ptr<Stage> clone() const override { return std::make_unique<DenseStage>(*this); }
    std::string kind() const override { return "dense"; }
    std::string describe() const override;
    int inputs() const override { return static_cast<int>(weight_.cols()); }
    int outputs() const override { return static_cast<int>(weight_.rows()); }

    void forward(const Matrix& x, StageCache& cache) const override;
    void backward(const Matrix& x, const StageCache& cache, const Matrix& output_signal, StageGradients& gradients,
                  Matrix* input_signal, const Matrix* transport, const OpClock& clock) const override;
    std::vector<Parameter> parameters() override;
    const Matrix* transported_weights() const override { return &weight_; }
    StageCost cost(Index batch) const override;

    Activation activation() const { return activation_; }
    Matrix& weight() { return weight_; }
    const Matrix& weight() const { return weight_; }
    RowVector& bias() { return bias_; }
    const RowVector& bias() const { return bias_; }

private:
    Matrix weight_;   // outputs × inputs
    RowVector bias_;  // 1 × outputs
    Activation activation_;
};

} // namespace f3
