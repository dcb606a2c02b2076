#pragma once
// Everything that defines a training run, as plain values (the CLI, GUI and experiment files fill it).
#include <cstdint>
#include <string>
#include <vector>

namespace f3 {

enum class Activation { Tanh, Sigmoid, Relu, LeakyRelu, Linear };
enum class Head { SigmoidBce, SoftmaxCe, LinearMse };
enum class F3Error {
    DelayedError,        // y - y_hat
    DelayedLoss,         // -dL/dy_hat of that batch
    DelayedErrorOneHot,  // y * (y - y_hat): only the true class keeps its error
    DelayedLossOneHot,   // y * (-dL/dy_hat)
    DelayedErrorSoftmax, // y - softmax(y_hat)
    DelayedLossSoftmax,  // -d/dy_hat of the head's loss evaluated on softmax(y_hat)
};
enum class FeedbackInit { Kaiming, Gaussian, Trinomial, Binomial, PlusMinusIdentity };
enum class OptimizerKind { Sgd, Momentum, Adam };
// What a sweep varies (sweep.hpp): "lr", "width" (every hidden layer), "depth" (hidden layers,
// copies of the last one), "batch", "feedback_init", "f3_error" (every F3 rule's variant).
enum class SweepParameter { LearningRate, Width, Depth, BatchSize, FeedbackInit, F3Error };
// What a sweep's results are compared by.
enum class SweepMetric { TestAccuracy, TestLoss, TestMse, TrainLoss, GapClosed };

// What a configuration may ask for: check_config and the experiment-file reader share these.
namespace limits {
inline constexpr int kMaxWidth = 100000;
inline constexpr int kMaxHiddenLayers = 100;
inline constexpr double kMaxLearningRate = 100.0;
inline constexpr int kMaxBatch = 1000000;
inline constexpr int kMaxEpochs = 100000;
inline constexpr int kMaxThreads = 1024;
} // namespace limits

struct HiddenLayerSpec {
    int width = 0;
    Activation activation = Activation::Tanh;
};

// One rule of a comparison, by its registered name (rules/rule.hpp). The F3 error variant matters
// only for "f3", so several F3 variants can be compared side by side ("f3:delayed_loss").
struct RuleSpec {
    std::string algorithm = "bp";
    F3Error f3_error = F3Error::DelayedError;
    friend bool operator==(const RuleSpec&, const RuleSpec&) = default;
};

struct OptimizerSpec {
    OptimizerKind kind = OptimizerKind::Adam;
    double learning_rate = 1.5e-4;
    double momentum = 0.9;                    // Momentum only
    double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8; // Adam, PyTorch defaults
};

struct TrainingConfig {
    std::vector<HiddenLayerSpec> hidden;     // may be empty (a linear/logistic model)
    Head head = Head::SigmoidBce;
    std::vector<RuleSpec> rules;
    FeedbackInit feedback_init = FeedbackInit::Kaiming;
    OptimizerSpec optimizer;
    int batch_size = 50;
    int epochs = 1;
    std::uint64_t seed = 1;
    int threads = 1;
};

} // namespace f3
