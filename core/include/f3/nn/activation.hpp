#pragma once
// Element-wise hidden activations, for float (training) and double (gradient checks) matrices.
#include "f3/nn/spec.hpp"
#include "f3/nn/tensor.hpp"

namespace f3 {

inline constexpr float kLeakyReluSlope = 0.01f; // PyTorch's default negative_slope

// h = f(a), element-wise; `h` may alias nothing else.
template <class M> void activate(Activation f, const M& a, M& h) {
    using S = typename M::Scalar;
    const S slope = static_cast<S>(kLeakyReluSlope);
    h.resize(a.rows(), a.cols());
    switch (f) {
    case Activation::Tanh: h = a.array().tanh(); break;
    case Activation::Sigmoid: h = (S(1) + (-a.array()).exp()).inverse(); break;
    case Activation::Relu: h = a.array().max(S(0)); break;
    case Activation::LeakyRelu: h = (a.array() > S(0)).select(a.array(), slope * a.array()); break;
    case Activation::Linear: h = a; break;
    }
}

// delta = signal ⊙ f'(a), using the stored pre-activation a and output h (whichever is cheaper).
template <class M> void multiply_by_derivative(Activation f, const M& a, const M& h, const M& signal, M& delta) {
    using S = typename M::Scalar;
    const S slope = static_cast<S>(kLeakyReluSlope);
    delta.resize(signal.rows(), signal.cols());
    switch (f) {
    case Activation::Tanh: delta = signal.array() * (S(1) - h.array().square()); break;
    case Activation::Sigmoid: delta = signal.array() * h.array() * (S(1) - h.array()); break;
    case Activation::Relu: delta = (a.array() > S(0)).select(signal.array(), S(0)); break;
    case Activation::LeakyRelu: delta = (a.array() > S(0)).select(signal.array(), slope * signal.array()); break;
    case Activation::Linear: delta = signal; break;
    }
}

} // namespace f3
