#include "f3/train/run.hpp"

#include "f3/nn/head.hpp"

#include <algorithm>
#include <cmath>

namespace f3 {
namespace {

void softmax_rows(const Matrix& in, Matrix& out) {
    out.resize(in.rows(), in.cols());
    for (Index r = 0; r < in.rows(); ++r) {
        out.row(r) = (in.row(r).array() - in.row(r).maxCoeff()).exp();
        out.row(r) /= out.row(r).sum();
    }
}

bool is_one_hot_variant(F3Error e) { return e == F3Error::DelayedErrorOneHot || e == F3Error::DelayedLossOneHot; }

} // namespace

Run::Run(RuleSpec rule, const Network& initial, std::shared_ptr<const FeedbackMatrices> feedback,
         const OptimizerSpec& optimizer, const Matrix& train_targets)
    : rule_(rule), network_(initial), feedback_(std::move(feedback)), optimizer_(optimizer) {
    for (const auto& layer : network_.layers()) {
        weight_states_.push_back(optimizer_.make_state(layer.weight.size()));
        bias_states_.push_back(optimizer_.make_state(layer.bias.size()));
    }
    if (rule_.algorithm == Algorithm::F3) {
        // The buffer starts as the targets, so epoch 1 of every F3 variant equals DRTP exactly.
        stored_errors_ = train_targets;
        stored_at_step_.assign(static_cast<std::size_t>(train_targets.rows()), -1);
    }
}

void Run::read_delayed_errors(const Matrix& y, std::span<const Index> samples, Staleness* staleness) {
    delayed_error_.resize(static_cast<Index>(samples.size()), stored_errors_.cols());
    for (std::size_t k = 0; k < samples.size(); ++k) delayed_error_.row(static_cast<Index>(k)) = stored_errors_.row(samples[k]);
    if (is_one_hot_variant(rule_.f3_error)) delayed_error_.array() *= y.array();
    if (!staleness) return;
    double sum = 0.0, oldest = 0.0;
    std::size_t stored = 0;
    for (const Index s : samples) {
        const std::int64_t at = stored_at_step_[static_cast<std::size_t>(s)];
        if (at < 0) continue; // still the initial target
        const auto age = static_cast<double>(steps_ - at);
        sum += age;
        oldest = std::max(oldest, age);
        ++stored;
    }
    staleness->fresh_fraction = 1.0 - static_cast<double>(stored) / static_cast<double>(samples.size());
    if (stored > 0) {
        staleness->mean_age_steps = sum / static_cast<double>(stored);
        staleness->max_age_steps = oldest;
    }
}

// Written after the forward pass with the weights before this step's update; read at the next visit.
void Run::store_errors(const Matrix& y, std::span<const Index> samples, Staleness* staleness) {
    const Matrix& y_hat = pass_.post.back();
    const Head head = network_.head();
    switch (rule_.f3_error) {
    case F3Error::DelayedError:
    case F3Error::DelayedErrorOneHot: scratch_ = y - y_hat; break;
    case F3Error::DelayedLoss:
    case F3Error::DelayedLossOneHot:
        head_loss_gradient(head, y_hat, y, scratch_);
        scratch_ = -scratch_;
        break;
    case F3Error::DelayedErrorSoftmax:
        softmax_rows(y_hat, scratch_);
        scratch_ = y - scratch_;
        break;
    case F3Error::DelayedLossSoftmax: {
        // Our reading of "the loss on softmax(y_hat)": the head's own loss applied to s = softmax(y_hat),
        // differentiated through the softmax: dL/dy_hat = s ⊙ (g - <g, s>), g = dL/ds.
        Matrix s, g;
        softmax_rows(y_hat, s);
        head_loss_gradient(head, s, y, g);
        const Eigen::VectorXf inner = (g.array() * s.array()).rowwise().sum();
        scratch_ = -(s.array() * (g.colwise() - inner).array());
        break;
    }
    }
    if (staleness) {
        // Compare like with like: the current error after the variant's read transform.
        Matrix current = scratch_;
        if (is_one_hot_variant(rule_.f3_error)) current.array() *= y.array();
        const double norm = current.norm();
        if (norm > 0.0) staleness->relative_distance = (delayed_error_ - current).norm() / norm;
    }
    for (std::size_t k = 0; k < samples.size(); ++k) {
        stored_errors_.row(samples[k]) = scratch_.row(static_cast<Index>(k));
        stored_at_step_[static_cast<std::size_t>(samples[k])] = steps_;
    }
}

double Run::train_batch(const Matrix& x, const Matrix& y, std::span<const Index> samples, StepProbe* probe) {
    if (diverged_) return std::numeric_limits<double>::quiet_NaN();
    OpDurations* durations = probe && probe->timing ? &probe->durations : nullptr;
    if (durations) durations->clear();
    network_.forward(x, pass_, durations);
    const double loss = head_loss(network_.head(), pass_.pre.back(), pass_.post.back(), y);
    if (!std::isfinite(loss)) {
        diverged_ = true;
        return loss;
    }
    const bool f3 = rule_.algorithm == Algorithm::F3;
    Staleness* staleness = probe && probe->alignment && f3 ? &probe->instruments.staleness : nullptr;
    if (probe) probe->instruments = StepInstruments{};
    if (f3) {
        read_delayed_errors(y, samples, staleness);
        const ScopedOpTimer timer(durations, network_.hidden_count() + 2, OpKind::Store);
        store_errors(y, samples, staleness);
    }
    compute_gradients(network_, rule_.algorithm, *feedback_, x, y, pass_, f3 ? &delayed_error_ : nullptr, gradients_, durations);
    if (probe && probe->alignment) {
        // Before the update: same batch, same weights as the step being measured.
        probe->instruments.step = steps_;
        probe->instruments.layers =
            measure_alignment(network_, rule_.algorithm, *feedback_, x, y, pass_, gradients_, bp_scratch_);
    }

    auto& layers = network_.layers();
    const std::size_t first = trains_hidden_layers(rule_.algorithm) ? 0 : layers.size() - 1;
    for (std::size_t i = first; i < layers.size(); ++i) {
        const ScopedOpTimer timer(durations, static_cast<int>(i) + 1, OpKind::Update);
        optimizer_.step(layers[i].weight.data(), gradients_.weight[i].data(), weight_states_[i]);
        optimizer_.step(layers[i].bias.data(), gradients_.bias[i].data(), bias_states_[i]);
    }
    ++steps_;
    return loss;
}

Evaluation Run::evaluate(const Matrix& x, const Matrix& y, const std::vector<int>& labels) const {
    constexpr Index kChunk = 1024; // bounded memory on large test sets
    Evaluation result;
    ForwardPass pass;
    Matrix chunk_x, chunk_y;
    double loss_sum = 0.0, sq_sum = 0.0;
    Index hits = 0;
    for (Index start = 0; start < x.rows(); start += kChunk) {
        const Index n = std::min(kChunk, x.rows() - start);
        chunk_x = x.middleRows(start, n);
        chunk_y = y.middleRows(start, n);
        network_.forward(chunk_x, pass);
        const Matrix& y_hat = pass.post.back();
        loss_sum += head_loss(network_.head(), pass.pre.back(), y_hat, chunk_y) * static_cast<double>(n);
        sq_sum += (y_hat - chunk_y).cast<double>().squaredNorm();
        if (!labels.empty())
            for (Index r = 0; r < n; ++r) {
                Index predicted = 0;
                y_hat.row(r).maxCoeff(&predicted);
                if (predicted == labels[static_cast<std::size_t>(start + r)]) ++hits;
            }
    }
    const auto rows = static_cast<double>(x.rows());
    if (rows == 0) return result;
    result.loss = loss_sum / rows;
    result.mse = sq_sum / (rows * static_cast<double>(y.cols()));
    result.accuracy = static_cast<double>(hits) / rows;
    return result;
}

} // namespace f3
