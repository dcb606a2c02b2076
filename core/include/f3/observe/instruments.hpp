#pragma once
// Instruments of algorithms.md, measured on the batch and weights of a training step, before its
// update, without changing training: how each rule's update and signal align with true backprop.
#include "f3/train/config.hpp"
#include "f3/nn/feedback.hpp"
#include "f3/nn/network.hpp"
#include "f3/rules/rule.hpp"
#include "f3/observe/timeline.hpp"

#include <chrono>
#include <cstdint>
#include <limits>
#include <vector>

namespace f3 {

inline constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

struct LayerAlignment {
    double update_angle_deg = kNoValue;       // ∠(∇W_i rule, ∇W_i BP); NaN where the layer does not learn
    double signal_angle_mean_deg = kNoValue;  // per-sample ∠(G_i[n], ∂L/∂h_i[n]), mean over the batch
    double signal_angle_std_deg = kNoValue;   // ... and its spread
    double signal_angle_batch_deg = kNoValue; // ∠(vec G_i, vec ∂L/∂h_i): not scale-blind per sample
    double weight_angle_deg = kNoValue;       // ∠(weights above, the feedback standing in for them)
    double update_norm_ratio = kNoValue;      // ‖∇W_i rule‖ / ‖∇W_i BP‖
};

struct Staleness {                            // F3 only
    double mean_age_steps = kNoValue;         // optimizer steps since the used errors were stored
    double max_age_steps = kNoValue;
    double relative_distance = kNoValue;      // ‖E_stored − e_current‖ / ‖e_current‖
    double fresh_fraction = kNoValue;         // share of the batch still using the initial targets
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

// Alignment of `rule_gradients` (already computed for `algorithm` on this pass) with backprop's,
// which is computed into `bp` (reused scratch) from the same pass and weights.
std::vector<LayerAlignment> measure_alignment(const Network& net, Algorithm algorithm, const FeedbackMatrices& feedback,
                                              const Matrix& x, const Matrix& y, const ForwardPass& pass,
                                              const Gradients& rule_gradients, Gradients& bp);

// Measured duration of each op of one real step (the hot path records them only when asked).
class OpDurations {
public:
    struct Entry {
        int layer;
        OpKind kind;
        double seconds;
    };
    void add(int layer, OpKind kind, double seconds);
    double seconds(int layer, OpKind kind) const;
    void clear() { entries_.clear(); }
    const std::vector<Entry>& entries() const { return entries_; }

private:
    std::vector<Entry> entries_;
};

// Times a scope into an OpDurations, or does nothing when given nullptr.
class ScopedOpTimer {
public:
    ScopedOpTimer(OpDurations* sink, int layer, OpKind kind) : sink_(sink), layer_(layer), kind_(kind) {
        if (sink_) start_ = std::chrono::steady_clock::now();
    }
    ~ScopedOpTimer() {
        if (sink_) sink_->add(layer_, kind_, std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
    }
    ScopedOpTimer(const ScopedOpTimer&) = delete;
    ScopedOpTimer& operator=(const ScopedOpTimer&) = delete;

private:
    OpDurations* sink_;
    int layer_;
    OpKind kind_;
    std::chrono::steady_clock::time_point start_;
};

} // namespace f3
