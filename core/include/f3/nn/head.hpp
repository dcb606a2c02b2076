#pragma once
// Output heads: the output nonlinearity and its loss, normalised like PyTorch's defaults
// (BCE and MSE: mean over all N·C entries; CE: mean over the N samples).
#include "f3/nn/spec.hpp"
#include "f3/nn/tensor.hpp"

namespace f3 {

// y_hat from the output layer's pre-activation a.
void head_output(Head head, const Matrix& a, Matrix& y_hat);
// Mean loss of the batch, accumulated in double. Uses a for a stable log-softmax.
double head_loss(Head head, const Matrix& a, const Matrix& y_hat, const Matrix& y);
// dL/da of the output layer (the true local gradient the output layer always gets).
void head_output_delta(Head head, const Matrix& y_hat, const Matrix& y, Matrix& delta);
// dL/dy_hat (for F3's delayed_loss variants). Divisions by y_hat are clamped away from zero.
void head_loss_gradient(Head head, const Matrix& y_hat, const Matrix& y, Matrix& gradient);

} // namespace f3
