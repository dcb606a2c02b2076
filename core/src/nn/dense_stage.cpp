#include "f3/nn/dense_stage.hpp"

#include "f3/io/names.hpp"
#include "f3/nn/activation.hpp"

#include <cmath>

namespace f3 {

DenseStage::DenseStage(int inputs, int outputs, Activation activation, Rng& rng)
    : weight_(outputs, inputs), bias_(outputs), activation_(activation) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(inputs));
    for (Index r = 0; r < weight_.rows(); ++r)
        for (Index c = 0; c < weight_.cols(); ++c) weight_(r, c) = static_cast<float>(rng.uniform(-bound, bound));
    for (Index c = 0; c < outputs; ++c) bias_(c) = static_cast<float>(rng.uniform(-bound, bound));
}

std::string DenseStage::describe() const {
    return "dense " + std::to_string(outputs()) + " " + to_string(activation_);
}

// A linear stage keeps only its output (= a); others keep a in saved[0] for f'(a).
void DenseStage::forward(const Matrix& x, StageCache& cache) const {
    const bool linear = activation_ == Activation::Linear;
    cache.saved.resize(linear ? 0 : 1);
    Matrix& a = linear ? cache.output : cache.saved[0];
    a.noalias() = x * weight_.transpose();
    a.rowwise() += bias_;
    if (!linear) activate(activation_, a, cache.output);
}

void DenseStage::backward(const Matrix& x, const StageCache& cache, const Matrix& output_signal,
                          StageGradients& gradients, Matrix* input_signal, const Matrix* transport,
                          const OpClock& clock) const {
    gradients.tensors.resize(2);
    gradients.scratch.resize(1);
    const Matrix* delta = &output_signal; // δa = G ⊙ f'(a); f' = 1 for the linear stage
    {
        const auto timer = clock.time(OpKind::Update);
        if (activation_ != Activation::Linear) {
            multiply_by_derivative(activation_, cache.saved[0], cache.output, output_signal, gradients.scratch[0]);
            delta = &gradients.scratch[0];
        }
        gradients.tensors[0].noalias() = delta->transpose() * x;
        gradients.tensors[1].noalias() = delta->colwise().sum();
    }
    if (input_signal) {
        const auto timer = clock.time(OpKind::Backward);
        input_signal->noalias() = *delta * (transport ? *transport : weight_);
    }
}

std::vector<Parameter> DenseStage::parameters() {
    return {{"W", weight_.data(), weight_.rows(), weight_.cols()}, {"b", bias_.data(), 1, bias_.cols(), true}};
}

StageCost DenseStage::cost(Index batch) const {
    const double n = static_cast<double>(batch), in = inputs(), out = outputs();
    return {n * in * out, n * out * in, n * in * out};
}

} // namespace f3
