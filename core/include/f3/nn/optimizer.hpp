#pragma once
// SGD, SGD with momentum and Adam, matching PyTorch's update formulas (no weight decay).
#include "f3/nn/spec.hpp"

#include <Eigen/Core>
#include <cstdint>

#include "f3/nn/tensor.hpp"

namespace f3 {

// Per-parameter optimizer memory, allocated once when the parameter is registered.
struct OptimizerState {
    Eigen::ArrayXf first;   // momentum buffer / Adam m
    Eigen::ArrayXf second;  // Adam v
    Index size = 0;
    std::int64_t steps = 0;
};

class Optimizer {
public:
    explicit Optimizer(const OptimizerSpec& spec) : spec_(spec) {}
    OptimizerState make_state(Index size) const;
    // parameter -= update(gradient); both are `size` contiguous floats.
    void step(float* parameter, const float* gradient, OptimizerState& state) const;
    void set_learning_rate(double lr) { spec_.learning_rate = lr; }
    const OptimizerSpec& spec() const { return spec_; }

private:
    OptimizerSpec spec_;
};

} // namespace f3
