#pragma once
// Everything that defines a training run, as plain values (the CLI, GUI and experiment files fill it).
#include "f3/nn/spec.hpp"
#include "f3/rules/rule_spec.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace f3 {

// What a sweep varies (sweep.hpp): "lr", "width" (every hidden layer), "depth" (hidden layers,
// copies of the last one; a transformer's depth), "batch", "feedback_init", "f3_error" (every F3
// rule's variant), and a transformer's "dim", "heads", "dim_head", "mlp_dim", "patch".
enum class SweepParameter { LearningRate, Width, Depth, BatchSize, FeedbackInit, F3Error, Dim, Heads, DimHead, MlpDim, Patch };
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
inline constexpr int kMaxTransformerSize = 4096; // dim, heads, dim_head, mlp_dim
// Seeds and sample counts: experiment files store numbers as doubles, exact up to 2^53.
inline constexpr std::uint64_t kMaxExactInteger = std::uint64_t{1} << 53;
} // namespace limits

struct TrainingConfig {
    Architecture architecture = Architecture::Dense;
    std::vector<HiddenLayerSpec> hidden;     // dense: may be empty (a linear/logistic model)
    TransformerSpec transformer;             // transformer only
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
