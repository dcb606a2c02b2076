#include "f3/train/memory_estimate.hpp"

#include "f3/io/names.hpp"
#include "f3/nn/network.hpp"
#include "f3/rules/rule.hpp"
#include "f3/train/run.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

namespace f3 {
namespace {

constexpr double kFloat = sizeof(float);
// Each thread's stack and Eigen's packing buffers for its share of a matrix product.
constexpr double kPerThreadBytes = 8.0 * (1 << 20);
// What the allocator adds: freed temporaries kept for reuse, rounding, Eigen's product temporaries.
// Without it the measured peaks (/usr/bin/time, dense and transformer) came to 0.85-0.92 of the
// estimate; with it, 0.6-0.75.
constexpr double kAllocatorSlack = 1.25;

// A network's parameters and the floats its passes keep per sample, stage by stage as the stages
// allocate them (dense_stage.cpp, transformer_stage.cpp, rule.cpp's compute_gradients).
struct NetworkShape {
    double parameters = 0.0;
    double gradient_copies = 1.0;    // a transformer stage keeps its block's gradients besides the tensors
    double forward = 0.0;            // what a forward pass keeps: every stage's cache and the head's output
    double backward = 0.0;           // what a rule's gradients keep: signals and each stage's scratch
    double backward_temporary = 0.0; // what one stage's backward allocates and frees again
    double feedback = 0.0;           // the feedback matrices (direct: outputs x width; chain: weights' shapes)
};

// Hidden dense stages keep their pre-activation besides the output and, backward, the signal at
// their output and δ = signal ⊙ f'(a).
NetworkShape dense_shape(const TrainingConfig& config, const Dataset& data) {
    NetworkShape shape;
    double inputs = data.inputs;
    for (const auto& layer : config.hidden) {
        shape.parameters += (inputs + 1.0) * layer.width;
        shape.forward += 2.0 * layer.width;
        shape.backward += 2.0 * layer.width;
        shape.feedback += data.outputs * static_cast<double>(layer.width);
        inputs = layer.width;
    }
    shape.parameters += (inputs + 1.0) * data.outputs;
    return shape;
}

// Per token of a block (d = D / T features, h heads of dh, MLP m), forward: its input and output
// rows, the stage's output, both LayerNorms' normalized rows and outputs, x1, the MLP's u and f(u)
// (8d + 2m), both rstd (2), qkv and the mixed heads (4·h·dh), the attention maps (h·T). Backward:
// dy and dx kept; dact, du, da, dx1, dqkv and dmixed allocated and freed within the stage.
NetworkShape transformer_shape(const TrainingConfig& config, const Dataset& data) {
    const TransformerSpec& t = config.transformer;
    const int side = image_side(data.inputs), per_side = side / std::max(1, t.patch);
    const double T = std::max(1.0, static_cast<double>(per_side) * per_side), D = t.dim, d = D / T;
    const double hd = static_cast<double>(t.heads) * t.dim_head, m = t.mlp_dim, blocks = std::max(1, t.depth - 1);
    NetworkShape shape;
    shape.parameters = Network::vision_transformer_parameters(data.inputs, t, data.outputs);
    shape.gradient_copies = 2.0;
    // The blocks, the embedding's product before it becomes token rows, the dense stage D -> D.
    shape.forward = blocks * T * (8.0 * d + 2.0 + 2.0 * m + 4.0 * hd + t.heads * T) + D + 2.0 * D;
    shape.backward = blocks * 3.0 * D + 2.0 * D;
    shape.backward_temporary = T * (2.0 * m + 2.0 * d + 4.0 * hd);
    shape.feedback = data.outputs * (blocks + 1.0) * D;
    return shape;
}

NetworkShape network_shape(const TrainingConfig& config, const Dataset& data) {
    NetworkShape shape = config.architecture == Architecture::Transformer ? transformer_shape(config, data) : dense_shape(config, data);
    // The output stage's logits and the head's ŷ; backward, ∂L/∂logits and a projected error.
    shape.forward += 2.0 * data.outputs;
    shape.backward += 2.0 * data.outputs;
    // The chain's stand-ins have the weights' shapes.
    shape.feedback += shape.parameters;
    return shape;
}

// F3 keeps one error row and its step for every training sample.
bool stores_errors(const RuleSpec& rule) {
    try {
        return rule_entry(rule.algorithm).info.traits.stores_error;
    } catch (const NameError&) {
        return true; // an unknown name is refused by check_config; counting it costs nothing
    }
}

} // namespace

TrainingMemory training_memory(const TrainingConfig& config, const Dataset& data) {
    const NetworkShape shape = network_shape(config, data);
    const double samples = static_cast<double>(data.train_size() + data.test_size());
    const double sample = data.inputs + data.outputs, batch = std::max(1, config.batch_size);
    const double chunk = static_cast<double>(std::min<Index>(Run::kEvaluationChunk, data.test_size()));
    TrainingMemory memory;
    memory.data = samples * (sample * kFloat + sizeof(int));
    // Runs are evaluated one after another, so one evaluation chunk is alive at a time.
    memory.shared = kFloat * (shape.parameters + shape.feedback + batch * sample + chunk * (shape.forward + sample) +
                              batch * shape.backward_temporary) +
                    std::max(1, config.threads) * kPerThreadBytes;
    // Per rule: weights and two optimizer moments; gradients for the rule and for the BP reference
    // of the instruments; the batch's forward pass; F3's store of one error row per training sample.
    const double per_rule = kFloat * (shape.parameters * (3.0 + 2.0 * shape.gradient_copies) + batch * (shape.forward + 2.0 * shape.backward));
    const double store = static_cast<double>(data.train_size()) * (data.outputs * kFloat + sizeof(std::int64_t));
    for (const auto& rule : config.rules) memory.runs += per_rule + (stores_errors(rule) ? store : 0.0);
    memory.shared *= kAllocatorSlack;
    memory.runs *= kAllocatorSlack;
    return memory;
}

std::uint64_t saturated_bytes(double bytes) {
    return bytes >= 1.8e19 ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(std::max(0.0, bytes));
}

std::uint64_t training_memory_bytes(const TrainingConfig& config, const Dataset& data) {
    return saturated_bytes(training_memory(config, data).total());
}

std::string training_sizes(const TrainingConfig& config, const Dataset& data) {
    char text[160];
    std::snprintf(text, sizeof text, "training %zu rules of a %.3g-parameter network on %lld samples of %d features and %d outputs",
                  config.rules.size(), network_shape(config, data).parameters, static_cast<long long>(data.train_size() + data.test_size()),
                  data.inputs, data.outputs);
    return text;
}

} // namespace f3
