#include "f3/observe/instruments.hpp"

#include <algorithm>
#include <cmath>

namespace f3 {
namespace {

// Sums of a·b, a·a and b·b over any number of float arrays. Vectorised float sums over blocks,
// accumulated in double: a float sum over a 400k-entry gradient would lose digits, and converting
// every entry to double costs a training step.
struct AngleSums {
    double dot = 0.0, aa = 0.0, bb = 0.0;
    void add(const float* a, const float* b, Index size) {
        constexpr Index kBlock = 2048;
        for (Index start = 0; start < size; start += kBlock) {
            const Index n = std::min(kBlock, size - start);
            const Eigen::Map<const Eigen::VectorXf> va(a + start, n), vb(b + start, n);
            dot += va.dot(vb);
            aa += va.squaredNorm();
            bb += vb.squaredNorm();
        }
    }
    double degrees() const {
        if (aa == 0.0 || bb == 0.0) return kNoValue;
        const double cosine = std::clamp(dot / std::sqrt(aa * bb), -1.0, 1.0);
        return std::acos(cosine) * (180.0 / 3.14159265358979323846);
    }
};

// Update angle and norm ratio of one stage, over its weight parameters (not its offsets).
void measure_update(const Stage& stage, const StageGradients& rule, const StageGradients& bp, LayerAlignment& a) {
    AngleSums sums;
    float rule_sq = 0.0f, bp_sq = 0.0f;
    const std::vector<Parameter> parameters = stage.parameters();
    for (std::size_t k = 0; k < parameters.size(); ++k) {
        if (parameters[k].is_offset) continue;
        const Matrix &g = rule.tensors[k], &t = bp.tensors[k];
        sums.add(g.data(), t.data(), g.size());
        rule_sq += g.squaredNorm();
        bp_sq += t.squaredNorm();
    }
    a.update_angle_deg = sums.degrees();
    const double bp_norm = std::sqrt(bp_sq);
    if (bp_norm > 0.0) a.update_norm_ratio = std::sqrt(rule_sq) / bp_norm;
}

void measure_signal(const Matrix& g, const Matrix& t, LayerAlignment& a) {
    a.signal_angle_batch_deg = angle_degrees(g, t);
    double sum = 0.0, sum_sq = 0.0;
    int counted = 0;
    for (Index n = 0; n < g.rows(); ++n) {
        // Rows of a row-major matrix are contiguous: no copies per sample.
        const double angle = angle_degrees(g.data() + n * g.cols(), t.data() + n * t.cols(), g.cols());
        if (std::isnan(angle)) continue;
        sum += angle;
        sum_sq += angle * angle;
        ++counted;
    }
    if (counted > 0) {
        a.signal_angle_mean_deg = sum / counted;
        a.signal_angle_std_deg = std::sqrt(std::max(0.0, sum_sq / counted - a.signal_angle_mean_deg * a.signal_angle_mean_deg));
    }
}

} // namespace

double angle_degrees(const float* a, const float* b, Index size) {
    AngleSums sums;
    sums.add(a, b, size);
    return sums.degrees();
}

std::vector<LayerAlignment> measure_alignment(const Network& net, const Rule& rule, const FeedbackMatrices& feedback,
                                              const StepData& step, const Gradients& rule_gradients, Gradients& bp) {
    const int L = net.hidden_count();
    std::vector<LayerAlignment> layers(static_cast<std::size_t>(L));
    if (L == 0) return layers;
    compute_gradients(net, reference_rule(), feedback, step, bp);
    const RuleTraits& traits = rule.traits();
    for (int s = 0; s < L; ++s) {
        const auto i = static_cast<std::size_t>(s);
        LayerAlignment& a = layers[i];
        // Which matrix stands in for the weights above when the signal comes down. Projecting rules
        // send e = y − ŷ, the negative of the output gradient, so their output weights align with −B.
        const Matrix* above = net.stage(s + 1).transported_weights();
        if (traits.replaces_weights && above) {
            a.weight_angle_deg = angle_degrees(*above, feedback.chain[i + 1]);
        } else if (traits.trains_hidden && !traits.chains_backward && s == L - 1 && above) {
            a.weight_angle_deg = 180.0 - angle_degrees(*above, feedback.direct[i]);
        }
        if (!traits.trains_hidden) continue;
        measure_update(net.stage(s), rule_gradients.stages[i], bp.stages[i], a);
        measure_signal(rule_gradients.signal[i], bp.signal[i], a);
    }
    return layers;
}

} // namespace f3
