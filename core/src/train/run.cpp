#include "f3/train/run.hpp"

#include "f3/nn/head.hpp"

#include <algorithm>
#include <cmath>

namespace f3 {

Run::Run(RuleSpec rule, const Network& initial, std::shared_ptr<const FeedbackMatrices> feedback,
         const OptimizerSpec& optimizer, const Matrix& train_targets)
    : spec_(std::move(rule)), rule_(make_rule(spec_, train_targets)), network_(initial), feedback_(std::move(feedback)),
      optimizer_(optimizer) {
    if (spec_.learning_rate) optimizer_.set_learning_rate(*spec_.learning_rate);
    for (int s = 0; s < network_.stage_count(); ++s) {
        auto& states = states_.emplace_back();
        for (const Parameter& p : network_.stage(s).parameters()) states.push_back(optimizer_.make_state(p.size()));
    }
}

double Run::train_batch(const Matrix& x, const Matrix& y, std::span<const Index> samples, StepProbe* probe) {
    if (diverged_) return std::numeric_limits<double>::quiet_NaN();
    OpDurations* durations = probe && probe->timing ? &probe->durations : nullptr;
    if (durations) durations->clear();
    network_.forward(x, pass_, durations);
    const double loss = head_loss(network_.head(), pass_.logits(), pass_.y_hat, y);
    if (!std::isfinite(loss)) {
        diverged_ = true;
        return loss;
    }
    if (probe) probe->instruments = StepInstruments{};
    const StepData step{x, y, pass_, network_.head(), samples, steps_};
    Staleness* staleness = probe && probe->alignment ? &probe->instruments.staleness : nullptr;
    rule_->begin_step(step, staleness, {durations, network_.stage_count() + 1});
    compute_gradients(network_, *rule_, *feedback_, step, gradients_, durations);
    if (probe && probe->alignment) {
        // Before the update: same batch, same weights as the step being measured.
        probe->instruments.step = steps_;
        probe->instruments.layers = measure_alignment(network_, *rule_, *feedback_, step, gradients_, bp_scratch_);
    }

    const int first = rule_->traits().trains_hidden ? 0 : network_.hidden_count();
    for (int s = first; s < network_.stage_count(); ++s) {
        const ScopedOpTimer timer(durations, s + 1, OpKind::Update);
        const std::vector<Parameter> parameters = network_.stage(s).parameters();
        auto& gradients = gradients_.stages[static_cast<std::size_t>(s)].tensors;
        for (std::size_t k = 0; k < parameters.size(); ++k)
            optimizer_.step(parameters[k].data, gradients[k].data(), states_[static_cast<std::size_t>(s)][k]);
    }
    ++steps_;
    return loss;
}

Evaluation Run::evaluate(const Matrix& x, const Matrix& y, const std::vector<int>& labels) const {
    Evaluation result;
    ForwardPass pass;
    Matrix chunk_x, chunk_y;
    double loss_sum = 0.0, sq_sum = 0.0;
    Index hits = 0;
    for (Index start = 0; start < x.rows(); start += kEvaluationChunk) {
        const Index n = std::min(kEvaluationChunk, x.rows() - start);
        chunk_x = x.middleRows(start, n);
        chunk_y = y.middleRows(start, n);
        network_.forward(chunk_x, pass);
        const Matrix& y_hat = pass.y_hat;
        loss_sum += head_loss(network_.head(), pass.logits(), y_hat, chunk_y) * static_cast<double>(n);
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
