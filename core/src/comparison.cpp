#include "f3/comparison.hpp"

#include "f3/fpu.hpp"
#include "f3/names.hpp"

#include <Eigen/Core>
#include <chrono>
#include <cmath>
#include <numeric>

namespace f3 {

std::vector<std::string> check_config(const TrainingConfig& config, const Dataset& data) {
    std::vector<std::string> problems;
    auto problem = [&](std::string text) { problems.push_back(std::move(text)); };
    if (config.rules.empty()) problem("choose at least one training rule");
    for (std::size_t i = 0; i < config.rules.size(); ++i)
        for (std::size_t j = i + 1; j < config.rules.size(); ++j)
            if (config.rules[i] == config.rules[j]) problem("rule '" + to_string(config.rules[i]) + "' is listed twice");
    constexpr int kMaxWidth = 100000;
    for (std::size_t i = 0; i < config.hidden.size(); ++i)
        if (config.hidden[i].width < 1 || config.hidden[i].width > kMaxWidth)
            problem("hidden layer " + std::to_string(i + 1) + " has width " + std::to_string(config.hidden[i].width) +
                    " (allowed: 1 to " + std::to_string(kMaxWidth) + ")");
    if (config.hidden.size() > 100) problem("at most 100 hidden layers are supported");
    const double lr = config.optimizer.learning_rate;
    if (!std::isfinite(lr) || lr <= 0.0 || lr > 100.0)
        problem("learning rate must be a positive number up to 100, not " + std::to_string(lr));
    if (config.optimizer.kind == OptimizerKind::Momentum && !(config.optimizer.momentum >= 0.0 && config.optimizer.momentum < 1.0))
        problem("momentum must be in [0, 1)");
    if (config.batch_size < 1 || config.batch_size > 1000000) problem("batch size must be between 1 and 1000000");
    if (config.epochs < 1 || config.epochs > 100000) problem("epochs must be between 1 and 100000");
    if (config.threads < 1 || config.threads > 1024) problem("threads must be between 1 and 1024");
    if (data.train_size() < 1) problem("the data set has no training samples");
    if (data.task == Task::Regression) {
        if (config.head != Head::LinearMse)
            problem("regression data needs the linear_mse output head, not " + to_string(config.head));
        for (const auto& rule : config.rules)
            if (rule.algorithm == Algorithm::F3 &&
                (rule.f3_error == F3Error::DelayedErrorSoftmax || rule.f3_error == F3Error::DelayedLossSoftmax ||
                 rule.f3_error == F3Error::DelayedErrorOneHot || rule.f3_error == F3Error::DelayedLossOneHot))
                problem("F3 variant " + to_string(rule.f3_error) + " needs class labels; regression has none");
    }
    const bool has_hidden = !config.hidden.empty();
    for (const auto& rule : config.rules)
        if (!has_hidden && rule.algorithm != Algorithm::Bp && rule.algorithm != Algorithm::Shallow)
            problem("rule '" + to_string(rule) + "' only differs from bp in hidden layers; add one");
    return problems;
}

Comparison::Comparison(std::shared_ptr<const Dataset> data, TrainingConfig config)
    : data_(std::move(data)), config_(std::move(config)), shuffle_rng_(config_.seed, Stream::Shuffle) {
    if (const auto problems = check_config(config_, *data_); !problems.empty()) {
        std::string text;
        for (const auto& p : problems) text += (text.empty() ? "" : "; ") + p;
        throw ConfigError(text);
    }
    Eigen::setNbThreads(config_.threads);
    flush_subnormals_to_zero();
    Rng init_rng(config_.seed, Stream::Init);
    const Network initial = Network::initialise(data_->inputs, config_.hidden, data_->outputs, config_.head, init_rng);
    std::vector<int> widths;
    for (const auto& layer : config_.hidden) widths.push_back(layer.width);
    Rng feedback_rng(config_.seed, Stream::Feedback);
    auto feedback = std::make_shared<const FeedbackMatrices>(
        FeedbackMatrices::draw(widths, data_->outputs, config_.feedback_init, feedback_rng));
    for (const auto& rule : config_.rules) runs_.emplace_back(rule, initial, feedback, config_.optimizer, data_->train_y);
    loss_sum_.assign(runs_.size(), 0.0);
    seconds_.assign(runs_.size(), 0.0);
    divergence_reported_.assign(runs_.size(), false);
    order_.resize(static_cast<std::size_t>(data_->train_size()));
    start_epoch();
}

Index Comparison::batches_per_epoch() const {
    const Index n = data_->train_size(), b = config_.batch_size;
    return (n + b - 1) / b; // the last partial batch is kept
}

void Comparison::set_learning_rate(double lr) {
    config_.optimizer.learning_rate = lr;
    for (auto& run : runs_) run.set_learning_rate(lr);
}

void Comparison::start_epoch() {
    std::iota(order_.begin(), order_.end(), Index{0});
    shuffle_rng_.shuffle(order_);
    batch_ = 0;
    std::fill(loss_sum_.begin(), loss_sum_.end(), 0.0);
    std::fill(seconds_.begin(), seconds_.end(), 0.0);
}

bool Comparison::step(TrainingObserver* observer) {
    if (finished()) return false;
    const Index n = data_->train_size();
    const Index start = batch_ * config_.batch_size;
    const Index size = std::min<Index>(config_.batch_size, n - start);
    const std::span<const Index> samples(order_.data() + start, static_cast<std::size_t>(size));
    batch_x_.resize(size, data_->inputs);
    batch_y_.resize(size, data_->outputs);
    for (Index k = 0; k < size; ++k) {
        batch_x_.row(k) = data_->train_x.row(samples[static_cast<std::size_t>(k)]);
        batch_y_.row(k) = data_->train_y.row(samples[static_cast<std::size_t>(k)]);
    }
    BatchReport report;
    report.epoch = epoch_;
    report.batch = batch_;
    report.batches_per_epoch = batches_per_epoch();
    report.losses.resize(runs_.size(), std::numeric_limits<double>::quiet_NaN());
    for (std::size_t r = 0; r < runs_.size(); ++r) {
        Run& run = runs_[r];
        if (run.diverged()) continue;
        const auto t0 = std::chrono::steady_clock::now();
        const double loss = run.train_batch(batch_x_, batch_y_, samples);
        seconds_[r] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        report.losses[r] = loss;
        if (run.diverged()) {
            if (observer && !divergence_reported_[r])
                observer->on_diverged(to_string(run.rule()),
                                      "loss became " + std::string(std::isnan(loss) ? "NaN" : "infinite") + " in epoch " +
                                          std::to_string(epoch_) + ", batch " + std::to_string(batch_ + 1) +
                                          "; this rule stopped (try a smaller learning rate)");
            divergence_reported_[r] = true;
        } else {
            loss_sum_[r] += loss * static_cast<double>(size);
        }
    }
    if (observer) observer->on_batch(report);
    ++batch_;
    if (batch_ == batches_per_epoch()) finish_epoch(observer);
    return !finished();
}

void Comparison::finish_epoch(TrainingObserver* observer) {
    std::vector<EpochMetrics> metrics;
    const auto n = static_cast<double>(data_->train_size());
    for (std::size_t r = 0; r < runs_.size(); ++r) {
        const Run& run = runs_[r];
        EpochMetrics m;
        m.rule = to_string(run.rule());
        m.epoch = epoch_;
        m.steps = run.steps();
        m.train_seconds = seconds_[r];
        m.samples_per_s = seconds_[r] > 0.0 ? n / seconds_[r] : 0.0;
        if (run.diverged()) {
            m.diverged = true;
            m.message = "diverged: the loss is no longer finite; try a smaller learning rate";
        } else {
            m.train_loss = loss_sum_[r] / n;
            const Evaluation test = run.evaluate(data_->test_x, data_->test_y, data_->test_labels);
            m.test_loss = test.loss;
            m.test_mse = test.mse;
            if (data_->task == Task::Classification) m.test_accuracy = test.accuracy;
        }
        metrics.push_back(m);
        history_.push_back(m);
    }
    if (observer) observer->on_epoch(metrics);
    ++epoch_;
    if (!finished()) start_epoch();
}

bool Comparison::run(TrainingObserver* observer) {
    while (!finished()) {
        if (observer && observer->stop_requested()) return false;
        step(observer);
    }
    return true;
}

} // namespace f3
