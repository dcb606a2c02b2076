#include "f3/rules/f3.hpp"

#include "f3/data/dataset.hpp"
#include "f3/io/names.hpp"
#include "f3/nn/head.hpp"

#include <algorithm>

namespace f3 {
extern const RuleEntry kF3Rule;
namespace {

void softmax_rows(const Matrix& in, Matrix& out) {
    out.resize(in.rows(), in.cols());
    for (Index r = 0; r < in.rows(); ++r) {
        out.row(r) = (in.row(r).array() - in.row(r).maxCoeff()).exp();
        out.row(r) /= out.row(r).sum();
    }
}

bool is_one_hot_variant(F3Error e) { return e == F3Error::DelayedErrorOneHot || e == F3Error::DelayedLossOneHot; }
bool needs_classes(F3Error e) {
    return is_one_hot_variant(e) || e == F3Error::DelayedErrorSoftmax || e == F3Error::DelayedLossSoftmax;
}

std::vector<std::string> check_f3(const RuleSpec& spec, const TrainingConfig&, const Dataset& data) {
    if (data.task == Task::Regression && needs_classes(spec.f3_error))
        return {"F3 variant " + to_string(spec.f3_error) + " needs class labels; regression has none"};
    return {};
}

} // namespace

// The buffer starts as the targets, so epoch 1 of every F3 variant equals DRTP exactly.
F3Rule::F3Rule(F3Error variant, const Matrix& train_targets)
    : variant_(variant), stored_errors_(train_targets),
      stored_at_step_(static_cast<std::size_t>(train_targets.rows()), -1) {}

const RuleInfo& F3Rule::info() const { return kF3Rule.info; }

void F3Rule::begin_step(const StepData& step, Staleness* staleness, const OpClock& store) {
    read_delayed_errors(step, staleness);
    const auto timer = store.time(OpKind::Store);
    store_errors(step, staleness);
}

void F3Rule::direct_error(const StepData& step, Matrix& error) const {
    error = delayed_error_ * (1.0f / static_cast<float>(step.x.rows()));
}

void F3Rule::read_delayed_errors(const StepData& step, Staleness* staleness) {
    const std::span<const Index> samples = step.samples;
    delayed_error_.resize(static_cast<Index>(samples.size()), stored_errors_.cols());
    for (std::size_t k = 0; k < samples.size(); ++k) delayed_error_.row(static_cast<Index>(k)) = stored_errors_.row(samples[k]);
    if (is_one_hot_variant(variant_)) delayed_error_.array() *= step.y.array();
    if (!staleness) return;
    double sum = 0.0, oldest = 0.0;
    std::size_t stored = 0;
    for (const Index s : samples) {
        const std::int64_t at = stored_at_step_[static_cast<std::size_t>(s)];
        if (at < 0) continue; // still the initial target
        const auto age = static_cast<double>(step.step - at);
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
void F3Rule::store_errors(const StepData& step, Staleness* staleness) {
    const Matrix& y = step.y;
    const Matrix& y_hat = step.pass.y_hat;
    switch (variant_) {
    case F3Error::DelayedError:
    case F3Error::DelayedErrorOneHot: scratch_ = y - y_hat; break;
    case F3Error::DelayedLoss:
    case F3Error::DelayedLossOneHot:
        head_loss_gradient(step.head, y_hat, y, scratch_);
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
        head_loss_gradient(step.head, s, y, g);
        const Eigen::VectorXf inner = (g.array() * s.array()).rowwise().sum();
        scratch_ = -(s.array() * (g.colwise() - inner).array());
        break;
    }
    }
    if (staleness) {
        // Compare like with like: the current error after the variant's read transform.
        Matrix current = scratch_;
        if (is_one_hot_variant(variant_)) current.array() *= y.array();
        const double norm = current.norm();
        if (norm > 0.0) staleness->relative_distance = (delayed_error_ - current).norm() / norm;
    }
    for (std::size_t k = 0; k < step.samples.size(); ++k) {
        stored_errors_.row(step.samples[k]) = scratch_.row(static_cast<Index>(k));
        stored_at_step_[static_cast<std::size_t>(step.samples[k])] = step.step;
    }
}

extern const RuleEntry kF3Rule = {
    {"f3", "F³",
     "F³: each hidden layer gets the error this sample had one epoch earlier, through a fixed random matrix. "
     "Known before the step like DRTP, but carries real error information (epoch 1 equals DRTP).",
     {213, 94, 0}, {.trains_hidden = true, .error_before_step = true, .stores_error = true}},
    [](const RuleSpec& spec, const Matrix& targets) -> std::unique_ptr<Rule> {
        return std::make_unique<F3Rule>(spec.f3_error, targets);
    },
    check_f3};

} // namespace f3
