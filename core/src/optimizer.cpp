#include "f3/optimizer.hpp"

#include <cmath>

namespace f3 {

OptimizerState Optimizer::make_state(Index size) const {
    OptimizerState state;
    state.size = size;
    if (spec_.kind != OptimizerKind::Sgd) state.first = Eigen::ArrayXf::Zero(size);
    if (spec_.kind == OptimizerKind::Adam) state.second = Eigen::ArrayXf::Zero(size);
    return state;
}

void Optimizer::step(float* parameter, const float* gradient, OptimizerState& state) const {
    ++state.steps;
    const auto lr = static_cast<float>(spec_.learning_rate);
    Eigen::Map<Eigen::ArrayXf> p(parameter, state.size);
    Eigen::Map<const Eigen::ArrayXf> g(gradient, state.size);
    switch (spec_.kind) {
    case OptimizerKind::Sgd: p -= lr * g; return;
    case OptimizerKind::Momentum: {
        // PyTorch: the first step copies the gradient into the buffer, later ones decay it.
        if (state.steps == 1) state.first = g;
        else state.first = static_cast<float>(spec_.momentum) * state.first + g;
        p -= lr * state.first;
        return;
    }
    case OptimizerKind::Adam: {
        const auto b1 = static_cast<float>(spec_.beta1), b2 = static_cast<float>(spec_.beta2);
        state.first = b1 * state.first + (1.0f - b1) * g;
        state.second = b2 * state.second + (1.0f - b2) * g.square();
        const double t = static_cast<double>(state.steps);
        const auto correction1 = static_cast<float>(1.0 - std::pow(spec_.beta1, t));
        const auto sqrt_correction2 = static_cast<float>(std::sqrt(1.0 - std::pow(spec_.beta2, t)));
        const float step_size = lr / correction1;
        const auto eps = static_cast<float>(spec_.epsilon);
        p -= step_size * state.first / (state.second.sqrt() / sqrt_correction2 + eps);
        return;
    }
    }
}

} // namespace f3
