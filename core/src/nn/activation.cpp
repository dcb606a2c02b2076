#include "f3/nn/activation.hpp"

namespace f3 {

void activate(Activation f, const Matrix& a, Matrix& h) {
    h.resize(a.rows(), a.cols());
    switch (f) {
    case Activation::Tanh: h = a.array().tanh(); break;
    case Activation::Sigmoid: h = (1.0f + (-a.array()).exp()).inverse(); break;
    case Activation::Relu: h = a.array().max(0.0f); break;
    case Activation::LeakyRelu: h = (a.array() > 0.0f).select(a.array(), kLeakyReluSlope * a.array()); break;
    case Activation::Linear: h = a; break;
    }
}

void multiply_by_derivative(Activation f, const Matrix& a, const Matrix& h, const Matrix& signal, Matrix& delta) {
    delta.resize(signal.rows(), signal.cols());
    switch (f) {
    case Activation::Tanh: delta = signal.array() * (1.0f - h.array().square()); break;
    case Activation::Sigmoid: delta = signal.array() * h.array() * (1.0f - h.array()); break;
    case Activation::Relu: delta = (a.array() > 0.0f).select(signal.array(), 0.0f); break;
    case Activation::LeakyRelu:
        delta = (a.array() > 0.0f).select(signal.array(), kLeakyReluSlope * signal.array());
        break;
    case Activation::Linear: delta = signal; break;
    }
}

} // namespace f3
