#pragma once
#include "f3/nn/spec.hpp"
#include "f3/nn/tensor.hpp"

namespace f3 {

// h = f(a), element-wise; `h` may alias nothing else.
void activate(Activation f, const Matrix& a, Matrix& h);
// delta = signal ⊙ f'(a), using the stored pre-activation a and output h (whichever is cheaper).
void multiply_by_derivative(Activation f, const Matrix& a, const Matrix& h, const Matrix& signal, Matrix& delta);

inline constexpr float kLeakyReluSlope = 0.01f; // PyTorch's default negative_slope

} // namespace f3
