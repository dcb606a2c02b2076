#include "f3/nn/optimizer.hpp"

#include "f3/nn/exact_sqrt.hpp"

#include <algorithm>
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
    const auto momentum = static_cast<float>(spec_.momentum);
    const auto b1 = static_cast<float>(spec_.beta1), b2 = static_cast<float>(spec_.beta2);
    const auto eps = static_cast<float>(spec_.epsilon);
    const double t = static_cast<double>(state.steps);
    const auto correction1 = static_cast<float>(1.0 - std::pow(spec_.beta1, t));
    const auto sqrt_correction2 = static_cast<float>(std::sqrt(1.0 - std::pow(spec_.beta2, t)));
    const bool first_step = state.steps == 1;

    // Element-wise, so splitting it across the matrix-product threads changes no result; Eigen
    // parallelises only its products, and a serial update of a 400k-weight layer costs a fifth of a step.
    auto update = [&](Index begin, Index n) {
        Eigen::Map<Eigen::ArrayXf> p(parameter + begin, n);
        Eigen::Map<const Eigen::ArrayXf> g(gradient + begin, n);
        switch (spec_.kind) {
        case OptimizerKind::Sgd: p -= lr * g; break;
        case OptimizerKind::Momentum: {
            auto buffer = state.first.segment(begin, n);
            // PyTorch: the first step copies the gradient into the buffer, later ones decay it.
            if (first_step) buffer = g;
            else buffer = momentum * buffer + g;
            p -= lr * buffer;
            break;
        }
        case OptimizerKind::Adam: {
            auto m = state.first.segment(begin, n);
            auto v = state.second.segment(begin, n);
            m = b1 * m + (1.0f - b1) * g;
            v = b2 * v + (1.0f - b2) * g.square();
            p -= (lr / correction1) * m / (exact_sqrt(v) / sqrt_correction2 + eps);
            break;
        }
        }
    };
    constexpr Index kParallelFrom = 1 << 15;
    const int threads = Eigen::nbThreads();
    if (threads <= 1 || state.size < kParallelFrom) {
        update(0, state.size);
        return;
    }
    const Index chunk = (state.size + threads - 1) / threads;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int k = 0; k < threads; ++k) {
        const Index begin = k * chunk;
        if (begin < state.size) update(begin, std::min(chunk, state.size - begin));
    }
}

} // namespace f3
