#include "f3/observe/instruments.hpp"

#include <algorithm>
#include <cmath>

namespace f3 {

double angle_degrees(const float* a, const float* b, Index size) {
    // Vectorised float sums over blocks, accumulated in double: a float sum over a 400k-entry
    // gradient would lose digits, and converting every entry to double costs a training step.
    constexpr Index kBlock = 2048;
    double dot = 0.0, aa = 0.0, bb = 0.0;
    for (Index start = 0; start < size; start += kBlock) {
        const Index n = std::min(kBlock, size - start);
        const Eigen::Map<const Eigen::VectorXf> va(a + start, n), vb(b + start, n);
        dot += va.dot(vb);
        aa += va.squaredNorm();
        bb += vb.squaredNorm();
    }
    if (aa == 0.0 || bb == 0.0) return kNoValue;
    const double cosine = std::clamp(dot / std::sqrt(aa * bb), -1.0, 1.0);
    return std::acos(cosine) * (180.0 / 3.14159265358979323846);
}

std::vector<LayerAlignment> measure_alignment(const Network& net, Algorithm algorithm, const FeedbackMatrices& feedback,
                                              const Matrix& x, const Matrix& y, const ForwardPass& pass,
                                              const Gradients& rule_gradients, Gradients& bp) {
    const int L = net.hidden_count();
    std::vector<LayerAlignment> layers(static_cast<std::size_t>(L));
    if (L == 0) return layers;
    compute_gradients(net, Algorithm::Bp, feedback, x, y, pass, nullptr, bp);
    const bool learns = trains_hidden_layers(algorithm);
    for (int i = 0; i < L; ++i) {
        LayerAlignment& a = layers[static_cast<std::size_t>(i)];
        // Which matrix stands in for the weights above when the signal comes down. Direct rules send
        // e = y − ŷ, the negative of the output gradient, so their output weights align with −B.
        if (algorithm == Algorithm::Fa) {
            a.weight_angle_deg = angle_degrees(net.layers()[static_cast<std::size_t>(i + 1)].weight, feedback.chain[static_cast<std::size_t>(i + 1)]);
        } else if (learns && algorithm != Algorithm::Bp && i == L - 1) {
            a.weight_angle_deg = 180.0 - angle_degrees(net.layers().back().weight, feedback.direct[static_cast<std::size_t>(i)]);
        }
        if (!learns) continue;
        const Matrix& gw = rule_gradients.weight[static_cast<std::size_t>(i)];
        const Matrix& bw = bp.weight[static_cast<std::size_t>(i)];
        a.update_angle_deg = angle_degrees(gw, bw);
        const double bp_norm = bw.norm();
        if (bp_norm > 0.0) a.update_norm_ratio = gw.norm() / bp_norm;
        const Matrix& g = rule_gradients.signal[static_cast<std::size_t>(i)];
        const Matrix& t = bp.signal[static_cast<std::size_t>(i)];
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
    return layers;
}

void OpDurations::add(int layer, OpKind kind, double seconds) {
    for (auto& e : entries_)
        if (e.layer == layer && e.kind == kind) {
            e.seconds += seconds;
            return;
        }
    entries_.push_back({layer, kind, seconds});
}

double OpDurations::seconds(int layer, OpKind kind) const {
    for (const auto& e : entries_)
        if (e.layer == layer && e.kind == kind) return e.seconds;
    return 0.0;
}

} // namespace f3
