#pragma once
// Instruments of algorithms.md, measured on the batch and weights of a training step, before its
// update, without changing training: how each rule's update and signal align with true backprop.
#include "f3/rules/rule.hpp"

#include <cstdint>
#include <limits>
#include <vector>

namespace f3 {

struct LayerAlignment {
    double update_angle_deg = kNoValue;       // ∠(∇W_i rule, ∇W_i BP); NaN where the layer does not learn
    double signal_angle_mean_deg = kNoValue;  // per-sample ∠(G_i[n], ∂L/∂h_i[n]), mean over the batch
    double signal_angle_std_deg = kNoValue;   // ... and its spread
    double signal_angle_batch_deg = kNoValue; // ∠(vec G_i, vec ∂L/∂h_i): not scale-blind per sample
    double weight_angle_deg = kNoValue;       // ∠(weights above, the feedback standing in for them)
    double update_norm_ratio = kNoValue;      // ‖∇W_i rule‖ / ‖∇W_i BP‖
};

struct StepInstruments {
    std::int64_t step = 0;
    std::vector<LayerAlignment> layers;       // one per hidden layer
    Staleness staleness;
};

// Angle between two vectors in degrees (0 = same direction, 90 = orthogonal); NaN if either is zero.
double angle_degrees(const float* a, const float* b, Index size);
template <class A, class B> double angle_degrees(const A& a, const B& b) {
    return angle_degrees(a.data(), b.data(), a.size());
}

// Alignment of `rule_gradients` (already computed for `rule` on this step) with backprop's, which
// is computed into `bp` (reused scratch) from the same pass and weights. One entry per hidden stage;
// a stage's update angle is taken over all its parameters.
std::vector<LayerAlignment> measure_alignment(const Network& net, const Rule& rule, const FeedbackMatrices& feedback,
                                              const StepData& step, const Gradients& rule_gradients, Gradients& bp);

} // namespace f3
