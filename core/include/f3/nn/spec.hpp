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

// Which network a configuration builds: dense stages from its hidden layer list, or the paper's
// vision transformer from its TransformerSpec.
enum class Architecture { Dense, Transformer };

// The paper's vision transformer for square images (transformer.py of the published code, and
// ../shared/reference/torch_vit_ref.py): stage 1 embeds the image linearly (inputs -> dim) and runs
// one transformer block on the dim features seen as T = (side / patch)^2 tokens; stages 2..depth-1
// are one block each; stage `depth` is dense dim -> dim with the activation; then the output stage.
struct TransformerSpec {
    int patch = 7;      // sets the token count T = (side / patch)^2
    int dim = 256;      // D, a multiple of T
    int depth = 3;      // stages carrying D features (>= 2): depth - 1 blocks and one dense stage
    int heads = 4;
    int dim_head = 16;
    int mlp_dim = 64;
    Activation activation = Activation::Tanh; // in the MLPs and the dense stage
    friend bool operator==(const TransformerSpec&, const TransformerSpec&) = default;
};

struct OptimizerSpec {
    OptimizerKind kind = OptimizerKind::Adam;
    double learning_rate = 1.5e-4;
    double momentum = 0.9;                    // Momentum only
    double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8; // Adam, PyTorch defaults
};

} // namespace f3
