#pragma once
// The plain values that choose a network's pieces and its optimizer (train/config.hpp gathers them
// with everything else that defines a run).
#include <string>

namespace f3 {

enum class Activation { Tanh, Sigmoid, Relu, LeakyRelu, Linear };
enum class Head { SigmoidBce, SoftmaxCe, LinearMse };
enum class FeedbackInit { Kaiming, Gaussian, Trinomial, Binomial, PlusMinusIdentity };
enum class OptimizerKind { Sgd, Momentum, Adam };

struct HiddenLayerSpec {
    int width = 0;
    Activation activation = Activation::Tanh;
};

struct OptimizerSpec {
    OptimizerKind kind = OptimizerKind::Adam;
    double learning_rate = 1.5e-4;
    double momentum = 0.9;                    // Momentum only
    double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8; // Adam, PyTorch defaults
};

} // namespace f3
