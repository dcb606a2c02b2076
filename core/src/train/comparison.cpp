#include "f3/train/comparison.hpp"

#include "f3/platform/fpu.hpp"
#include "f3/platform/allocator.hpp"
#include "f3/io/names.hpp"
#include "f3/platform/memory.hpp"
#include "f3/platform/threads.hpp"

#include <Eigen/Core>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

namespace f3 {
namespace {

// Every problem a transformer has with images of `inputs` pixels, naming the CLI option.
std::vector<std::string> check_transformer(const TransformerSpec& spec, int inputs) {
    std::vector<std::string> problems;
    auto problem = [&](std::string text) { problems.push_back(std::move(text)); };
    const int side = image_side(inputs);
    if (side == 0) {
        problem("the transformer needs square images; this data has " + std::to_string(inputs) + " features per sample");
        return problems;
    }
    for (const auto& [value, name] : {std::pair{spec.dim, "dim"}, {spec.heads, "heads"}, {spec.dim_head, "dim-head"},
                                      {spec.mlp_dim, "mlp-dim"}})
        if (value < 1 || value > limits::kMaxTransformerSize)
            problem(std::string("--") + name + " must be between 1 and " + std::to_string(limits::kMaxTransformerSize) +
                    ", not " + std::to_string(value));
    if (spec.depth < 2 || spec.depth > limits::kMaxHiddenLayers)
        problem("--depth must be between 2 (one block and the dense stage) and " + std::to_string(limits::kMaxHiddenLayers) +
                ", not " + std::to_string(spec.depth));
    if (spec.patch < 1 || side % spec.patch != 0) {
        problem("--patch " + std::to_string(spec.patch) + " does not divide the image side of " + std::to_string(side) + " pixels");
        return problems;
    }
    const int tokens = (side / spec.patch) * (side / spec.patch);
    if (spec.dim >= 1 && spec.dim % tokens != 0)
        problem("--dim " + std::to_string(spec.dim) + " is not a multiple of the " + std::to_string(tokens) +
                " tokens that --patch " + std::to_string(spec.patch) + " gives");
    return problems;
}

} // namespace

std::vector<std::string> check_rules_fit(const std::vector<RuleSpec>& rules, const Network& network) {
    std::vector<std::string> problems;
    for (const auto& rule : rules) {
        const RuleEntry* entry = nullptr;
        try {
            entry = &rule_entry(rule.algorithm);
        } catch (const NameError&) {
            continue; // reported by check_config
        }
        if (!entry->info.traits.replaces_weights) continue;
        for (int s = 1; s < network.stage_count(); ++s)
            if (!network.stage(s).transported_weights()) {
                problems.push_back("rule '" + to_string(rule) + "' replaces each stage's weights with a fixed random matrix in the "
                                   "backward chain; a " + network.stage(s).kind() + " stage has no single weight matrix to replace");
                break;
            }
    }
    return problems;
}

Network initial_network(const TrainingConfig& config, const Dataset& data) {
    Rng rng(config.seed, Stream::Init);
    if (config.architecture == Architecture::Transformer)
        return Network::vision_transformer(data.inputs, config.transformer, data.outputs, config.head, rng);
    return Network::initialise(data.inputs, config.hidden, data.outputs, config.head, rng);
}

std::vector<std::string> check_config(const TrainingConfig& config, const Dataset& data) {
    std::vector<std::string> problems;
    auto problem = [&](std::string text) { problems.push_back(std::move(text)); };
    if (config.rules.empty()) problem("choose at least one training rule");
    for (std::size_t i = 0; i < config.rules.size(); ++i)
        for (std::size_t j = i + 1; j < config.rules.size(); ++j)
            if (to_string(config.rules[i]) == to_string(config.rules[j])) problem("rule '" + to_string(config.rules[i]) + "' is listed twice");
    using namespace limits;
    const bool transformer = config.architecture == Architecture::Transformer;
    // A stand-in data set with no inputs (an experiment file read before its data) skips the checks
    // that need the data's shape.
    const bool shape_known = data.inputs > 0;
    if (transformer) {
        if (shape_known)
            for (auto& text : check_transformer(config.transformer, data.inputs)) problem(std::move(text));
    } else {
        for (std::size_t i = 0; i < config.hidden.size(); ++i)
            if (config.hidden[i].width < 1 || config.hidden[i].width > kMaxWidth)
                problem("hidden layer " + std::to_string(i + 1) + " has width " + std::to_string(config.hidden[i].width) +
                        " (allowed: 1 to " + std::to_string(kMaxWidth) + ")");
        if (config.hidden.size() > static_cast<std::size_t>(kMaxHiddenLayers))
            problem("at most " + std::to_string(kMaxHiddenLayers) + " hidden layers are supported");
    }
    auto check_learning_rate = [&](double lr, const std::string& whose) {
        if (!std::isfinite(lr) || lr <= 0.0 || lr > kMaxLearningRate)
            problem(whose + "learning rate must be a positive number up to " + std::to_string(static_cast<int>(kMaxLearningRate)) + ", not " +
                    std::to_string(lr));
    };
    check_learning_rate(config.optimizer.learning_rate, "");
    for (const auto& rule : config.rules)
        if (rule.learning_rate) check_learning_rate(*rule.learning_rate, "rule '" + to_string(rule) + "': ");
    if (config.optimizer.kind == OptimizerKind::Momentum && !(config.optimizer.momentum >= 0.0 && config.optimizer.momentum < 1.0))
        problem("momentum must be in [0, 1)");
    auto check_range = [&](int value, int max, const char* what) {
        if (value < 1 || value > max) problem(std::string(what) + " must be between 1 and " + std::to_string(max));
    };
    check_range(config.batch_size, kMaxBatch, "batch size");
    check_range(config.epochs, kMaxEpochs, "epochs");
    check_range(config.threads, kMaxThreads, "threads");
    if (data.train_size() < 1) problem("the data set has no training samples");
    if (data.task == Task::Regression && config.head != Head::LinearMse)
        problem("regression data needs the linear_mse output head, not " + to_string(config.head));
    const bool has_hidden = transformer || !config.hidden.empty();
    for (const auto& rule : config.rules) {
        const RuleEntry* entry = nullptr;
        try {
            entry = &rule_entry(rule.algorithm);
        } catch (const NameError& e) {
            problem(e.what());
            continue;
        }
        if (entry->check)
            for (auto& text : entry->check(rule, config, data)) problem(std::move(text));
        const RuleTraits& traits = entry->info.traits;
        if (!has_hidden && traits.trains_hidden && !traits.true_gradient())
            problem("rule '" + to_string(rule) + "' only differs from bp in hidden layers; add one");
    }
    if (problems.empty() && shape_known)
        if (std::string text = memory_problem(training_memory_bytes(config, data), training_sizes(config, data)); !text.empty())
            problem(std::move(text));
    // Whether each rule can train each stage kind: asked of the network itself, once it is sound.
    // Dense stages all have weights a rule can replace, and a large dense network is not built twice.
    if (problems.empty() && shape_known && transformer)
        for (auto& text : check_rules_fit(config.rules, initial_network(config, data))) problem(std::move(text));
    return problems;
}

GapClosed gap_closed(double baseline_error, double bp_error, double rule_error) {
    GapClosed gap;
    if (!std::isfinite(baseline_error) || !std::isfinite(bp_error) || !std::isfinite(rule_error)) {
        gap.note = "undefined: an error is not finite";
        return gap;
    }
    const double span = baseline_error - bp_error;
    if (span <= kGapMargin * bp_error || span <= 0.0) {
        char text[200];
        if (span < 0.0)
            std::snprintf(text, sizeof text, "undefined: the baseline's error %.4g is below BP's %.4g, so there is no gap to close",
                          baseline_error, bp_error);
        else
            std::snprintf(text, sizeof text, "undefined: the baseline's error %.4g is not more than %g%% above BP's %.4g",
                          baseline_error, 100.0 * kGapMargin, bp_error);
        gap.note = text;
        return gap;
    }
    gap.value = (baseline_error - rule_error) / span + 0.0; // + 0.0: no -0 in the output
    return gap;
}

double test_error(const EpochMetrics& m) { return std::isnan(m.test_accuracy) ? m.test_mse : 1.0 - m.test_accuracy; }

void fill_gap_closed(std::vector<EpochMetrics>& epoch, const RuleSpec& baseline) {
    const std::string base_name = to_string(baseline);
    const EpochMetrics *bp = nullptr, *base = nullptr;
    for (const auto& m : epoch) {
        if (m.rule == reference_rule().info().name) bp = &m;
        if (m.rule == base_name) base = &m;
    }
    if (!bp || !base) return; // nothing to compare with: no value and nothing to explain
    for (auto& m : epoch) {
        if (m.diverged) continue;
        if (bp->diverged || base->diverged) {
            m.gap_note = "undefined: " + (bp->diverged ? bp->rule : base->rule) + " diverged";
            continue;
        }
        const GapClosed gap = gap_closed(test_error(*base), test_error(*bp), test_error(m));
        m.gap_closed = gap.value;
        m.gap_note = gap.note;
    }
}

Comparison::Comparison(std::shared_ptr<const Dataset> data, TrainingConfig config)
    : data_(std::move(data)), config_(std::move(config)), shuffle_rng_(config_.seed, Stream::Shuffle) {
    if (const auto problems = check_config(config_, *data_); !problems.empty()) {
        std::string text;
        for (const auto& p : problems) text += (text.empty() ? "" : "; ") + p;
        throw ConfigError(text);
    }
    prepare_this_thread();
    const Network initial = initial_network(config_, *data_);
    Rng feedback_rng(config_.seed, Stream::Feedback);
    auto feedback = std::make_shared<const FeedbackMatrices>(FeedbackMatrices::draw(initial, config_.feedback_init, feedback_rng));
    for (const auto& rule : config_.rules) runs_.emplace_back(rule, initial, feedback, config_.optimizer, data_->train_y);
    loss_sum_.assign(runs_.size(), 0.0);
    seconds_.assign(runs_.size(), 0.0);
    divergence_reported_.assign(runs_.size(), false);
    probes_.resize(runs_.size());
    sums_.resize(runs_.size());
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
    timed_samples_ = 0;
    const auto hidden = static_cast<std::size_t>(runs_.front().network().hidden_count());
    for (auto& s : sums_) {
        s = InstrumentSums{};
        s.update.assign(hidden, 0.0);
        s.signal.assign(hidden, 0.0);
        s.weight.assign(hidden, 0.0);
        s.update_n.assign(hidden, 0);
        s.signal_n.assign(hidden, 0);
        s.weight_n.assign(hidden, 0);
    }
}

void Comparison::record_instruments(std::size_t run, const StepInstruments& instruments) {
    InstrumentSums& s = sums_[run];
    auto add = [](double value, double& sum, int& n) {
        if (std::isnan(value)) return;
        sum += value;
        ++n;
    };
    for (std::size_t i = 0; i < instruments.layers.size(); ++i) {
        add(instruments.layers[i].update_angle_deg, s.update[i], s.update_n[i]);
        add(instruments.layers[i].signal_angle_mean_deg, s.signal[i], s.signal_n[i]);
        add(instruments.layers[i].weight_angle_deg, s.weight[i], s.weight_n[i]);
    }
    add(instruments.staleness.mean_age_steps, s.age, s.age_n);
    add(instruments.staleness.relative_distance, s.distance, s.distance_n);
}

// Eigen's products and the optimizer take their thread count from the calling thread's OpenMP
// setting (Eigen::setNbThreads would set one count for the whole process), so comparisons on
// different threads -- a sweep's jobs, the app's worker -- share no mutable state. The subnormal
// flush is per thread as well. Done again whenever another thread takes over the comparison.
void Comparison::prepare_this_thread() {
    const std::thread::id id = std::this_thread::get_id();
    if (id == prepared_thread_) return;
    reuse_freed_memory();
    limit_openmp_teams_of_this_thread(config_.threads);
    flush_subnormals_to_zero();
    prepared_thread_ = id;
}

std::span<const Index> Comparison::gather_batch() {
    const Index start = batch_ * config_.batch_size;
    const Index size = std::min<Index>(config_.batch_size, data_->train_size() - start);
    const std::span<const Index> samples(order_.data() + start, static_cast<std::size_t>(size));
    batch_x_.resize(size, data_->inputs);
    batch_y_.resize(size, data_->outputs);
    for (Index k = 0; k < size; ++k) {
        batch_x_.row(k) = data_->train_x.row(samples[static_cast<std::size_t>(k)]);
        batch_y_.row(k) = data_->train_y.row(samples[static_cast<std::size_t>(k)]);
    }
    return samples;
}

double Comparison::train_run(std::size_t r, std::span<const Index> samples, bool sampled) {
    StepProbe* probe = nullptr;
    if (sampled) {
        probe = &probes_[r];
        probe->alignment = instruments_.alignment;
        probe->timing = instruments_.timeline;
    }
    const auto t0 = std::chrono::steady_clock::now();
    const double loss = runs_[r].train_batch(batch_x_, batch_y_, samples, probe);
    // Instrumented steps do extra work; their time is not the rule's training speed.
    if (!sampled) seconds_[r] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return loss;
}

void Comparison::report_divergence(std::size_t r, double loss, TrainingObserver* observer) {
    if (observer && !divergence_reported_[r])
        observer->on_diverged(to_string(runs_[r].spec()),
                              "loss became " + std::string(std::isnan(loss) ? "NaN" : "infinite") + " in epoch " +
                                  std::to_string(epoch_) + ", batch " + std::to_string(batch_ + 1) +
                                  "; this rule stopped (try a smaller learning rate)");
    divergence_reported_[r] = true;
}

RuleTimeline Comparison::schedule(std::size_t r, const OpCost& logical) const {
    const RuleTraits& traits = runs_[r].rule().traits();
    const int hidden = runs_[r].network().hidden_count();
    const OpDurations& durations = probes_[r].durations;
    const OpCost measured = [&durations](int lane, OpKind kind) { return durations.seconds(lane, kind); };
    RuleTimeline t;
    t.rule = to_string(runs_[r].spec());
    t.logical = schedule_steps(traits, hidden, logical, 2);
    t.measured = schedule_steps(traits, hidden, measured, 2);
    t.critical_path_logical = critical_path(traits, hidden, logical);
    t.critical_path_measured = critical_path(traits, hidden, measured);
    t.pipelines = pipelines_next_batch(traits, hidden);
    return t;
}

void Comparison::report_instruments(Index batch_size, TrainingObserver* observer) {
    InstrumentReport report;
    report.epoch = epoch_;
    report.batch = batch_;
    report.step = global_step_;
    const OpCost logical = multiply_add_cost(runs_.front().network(), batch_size);
    for (std::size_t r = 0; r < runs_.size(); ++r) {
        const bool diverged = runs_[r].diverged();
        report.rules.push_back(to_string(runs_[r].spec()));
        report.instruments.push_back(diverged ? StepInstruments{} : probes_[r].instruments);
        if (instruments_.alignment && !diverged) record_instruments(r, probes_[r].instruments);
        if (instruments_.timeline) report.timelines.push_back(schedule(r, logical));
    }
    if (observer) observer->on_instruments(report);
}

bool Comparison::step(TrainingObserver* observer) {
    if (finished()) return false;
    prepare_this_thread();
    const std::span<const Index> samples = gather_batch();
    const auto size = static_cast<Index>(samples.size());
    BatchReport report;
    report.epoch = epoch_;
    report.batch = batch_;
    report.batches_per_epoch = batches_per_epoch();
    report.losses.resize(runs_.size(), std::numeric_limits<double>::quiet_NaN());
    const bool sampled = (instruments_.alignment || instruments_.timeline) &&
                         global_step_ % std::max(1, instruments_.every_steps) == 0;
    for (std::size_t r = 0; r < runs_.size(); ++r) {
        if (runs_[r].diverged()) continue;
        const double loss = report.losses[r] = train_run(r, samples, sampled);
        if (runs_[r].diverged()) report_divergence(r, loss, observer);
        else loss_sum_[r] += loss * static_cast<double>(size);
    }
    if (sampled) report_instruments(size, observer);
    else timed_samples_ += size;
    ++global_step_;
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
        m.rule = to_string(run.spec());
        m.epoch = epoch_;
        m.steps = run.steps();
        m.train_seconds = seconds_[r];
        m.samples_per_s = seconds_[r] > 0.0 ? static_cast<double>(timed_samples_) / seconds_[r] : 0.0;
        if (instruments_.alignment) {
            const InstrumentSums& s = sums_[r];
            auto means = [](const std::vector<double>& sum, const std::vector<int>& count) {
                std::vector<double> out;
                for (std::size_t i = 0; i < sum.size(); ++i) out.push_back(count[i] ? sum[i] / count[i] : kNoValue);
                return out;
            };
            m.update_angle_deg = means(s.update, s.update_n);
            m.signal_angle_deg = means(s.signal, s.signal_n);
            m.weight_angle_deg = means(s.weight, s.weight_n);
            if (s.age_n) m.staleness_steps = s.age / s.age_n;
            if (s.distance_n) m.staleness_distance = s.distance / s.distance_n;
        }
        if (run.diverged()) {
            m.diverged = true;
            m.message = kDivergedMessage;
        } else {
            m.train_loss = loss_sum_[r] / n;
            const Evaluation test = run.evaluate(data_->test_x, data_->test_y, data_->test_labels);
            m.test_loss = test.loss;
            m.test_mse = test.mse;
            if (data_->task == Task::Classification) m.test_accuracy = test.accuracy;
        }
        metrics.push_back(m);
    }
    fill_gap_closed(metrics, instruments_.gap_baseline);
    history_.insert(history_.end(), metrics.begin(), metrics.end());
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
