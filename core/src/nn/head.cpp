#include "f3/nn/head.hpp"

#include <cmath>

namespace f3 {
namespace {
constexpr float kClamp = 1e-12f;
// PyTorch clamps BCE's logs at -100 so a saturated sigmoid gives a large but finite loss.
inline double clamped_log(double p) { return p > 0.0 ? std::max(std::log(p), -100.0) : -100.0; }
} // namespace

void head_output(Head head, const Matrix& a, Matrix& y_hat) {
    y_hat.resize(a.rows(), a.cols());
    switch (head) {
    case Head::SigmoidBce: y_hat = (1.0f + (-a.array()).exp()).inverse(); break;
    case Head::SoftmaxCe:
        for (Index r = 0; r < a.rows(); ++r) {
            const float m = a.row(r).maxCoeff();
            y_hat.row(r) = (a.row(r).array() - m).exp();
            y_hat.row(r) /= y_hat.row(r).sum();
        }
        break;
    case Head::LinearMse: y_hat = a; break;
    }
}

double head_loss(Head head, const Matrix& a, const Matrix& y_hat, const Matrix& y) {
    const double n = static_cast<double>(y.rows());
    double total = 0.0;
    switch (head) {
    case Head::SigmoidBce:
        for (Index r = 0; r < y.rows(); ++r)
            for (Index c = 0; c < y.cols(); ++c) {
                const double p = y_hat(r, c), t = y(r, c);
                total -= t * clamped_log(p) + (1.0 - t) * clamped_log(1.0 - p);
            }
        return total / (n * static_cast<double>(y.cols()));
    case Head::SoftmaxCe:
        for (Index r = 0; r < y.rows(); ++r) {
            const double m = a.row(r).maxCoeff();
            double sum = 0.0;
            for (Index c = 0; c < a.cols(); ++c) sum += std::exp(a(r, c) - m);
            const double log_norm = m + std::log(sum);
            for (Index c = 0; c < y.cols(); ++c) total -= y(r, c) * (a(r, c) - log_norm);
        }
        return total / n;
    case Head::LinearMse:
        for (Index r = 0; r < y.rows(); ++r)
            for (Index c = 0; c < y.cols(); ++c) {
                const double d = static_cast<double>(y_hat(r, c)) - y(r, c);
                total += d * d;
            }
        return total / (n * static_cast<double>(y.cols()));
    }
    return 0.0;
}

void head_output_delta(Head head, const Matrix& y_hat, const Matrix& y, Matrix& delta) {
    const float n = static_cast<float>(y.rows()), c = static_cast<float>(y.cols());
    switch (head) {
    case Head::SigmoidBce: delta = (y_hat - y) / (n * c); break;
    case Head::SoftmaxCe: delta = (y_hat - y) / n; break;
    case Head::LinearMse: delta = (y_hat - y) * (2.0f / (n * c)); break;
    }
}

void head_loss_gradient(Head head, const Matrix& y_hat, const Matrix& y, Matrix& gradient) {
    const float n = static_cast<float>(y.rows()), c = static_cast<float>(y.cols());
    switch (head) {
    case Head::SigmoidBce:
        gradient = (y_hat - y).array() / (y_hat.array() * (1.0f - y_hat.array())).max(kClamp) / (n * c);
        break;
    case Head::SoftmaxCe: gradient = -y.array() / y_hat.array().max(kClamp) / n; break;
    case Head::LinearMse: gradient = (y_hat - y) * (2.0f / (n * c)); break;
    }
}

} // namespace f3
