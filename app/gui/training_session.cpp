#include "training_session.hpp"

#include "f3/io/names.hpp"
#include "f3/nn/transformer_stage.hpp"
#include "f3/observe/decision_grid.hpp"
#include "f3/platform/threads.hpp"

#include <QElapsedTimer>
#include <algorithm>

namespace f3::gui {
namespace {

constexpr qint64 kSnapshotIntervalMs = 50;  // at most 20 snapshots a second: smooth, and the GUI
                                            // thread leaves the cores to training
constexpr qint64 kStateIntervalMs = 300;    // weights and boundaries: heavier, less often
constexpr int kBoundaryGrid = 72;
constexpr int kFitPoints = 200;
constexpr Index kMaxPoints = 1500;
constexpr Index kLossPointsPerEpoch = 150;

qint64 now_ms() {
    static QElapsedTimer clock = [] {
        QElapsedTimer t;
        t.start();
        return t;
    }();
    return clock.elapsed();
}

} // namespace

void describe_points(const Dataset& d, SessionInfo& info) {
    info.dataset_name = QString::fromStdString(d.name);
    info.task_note = QString::fromStdString(d.task_note);
    info.task = d.task;
    info.inputs = d.inputs;
    info.outputs = d.outputs;
    info.points = {};
    info.test_points = {};
    if (d.inputs == 2 || info.has_decision_view()) { // the Network view maps hidden units over the plane, too
        const PlaneBox box = padded_box(d);
        info.x_min = box.x_min;
        info.x_max = box.x_max;
        info.y_min = box.y_min;
        info.y_max = box.y_max;
    }
    if (!info.has_decision_view()) return;
    auto first_points = [&d](const Matrix& x, const Matrix& y, const std::vector<int>& labels) {
        DataPoints points;
        const Index n = std::min(kMaxPoints, x.rows());
        points.x = x.topRows(n);
        for (Index i = 0; i < n; ++i) {
            if (d.task == Task::Classification) points.labels.push_back(labels[static_cast<std::size_t>(i)]);
            else points.targets.push_back(y(i, 0));
        }
        return points;
    };
    info.points = first_points(d.train_x, d.train_y, d.train_labels);
    info.test_points = first_points(d.test_x, d.test_y, d.test_labels);
}

// The thread boundary: nothing thrown while loading or training may leave the worker (Qt would
// abort the app); it ends the run with a message instead, as the CLI does.
void TrainingWorker::run(const Experiment& setup) {
    try {
        train(setup);
        return;
    } catch (const std::bad_alloc&) {
        emit failed(comparison_ ? tr("Training stopped: not enough memory for this data set and network.")
                                : tr("Not enough memory for this data set and network."));
    } catch (const std::exception& e) {
        emit failed(QString::fromStdString(e.what()));
    }
    emit done();
}

void TrainingWorker::train(const Experiment& setup) {
    data_ = std::make_shared<const Dataset>(load_experiment_data(setup));
    comparison_ = std::make_unique<Comparison>(data_, training_config_for(setup, *data_));
    comparison_->set_instruments(setup.instruments);
    const Dataset& d = *data_;
    for (const auto& run : comparison_->runs()) info_.rules << QString::fromStdString(to_string(run.spec()));
    info_.network = comparison_->runs().front().network();
    info_.widths = info_.network.widths();
    for (int s = 0; s < info_.network.stage_count(); ++s)
        if (dynamic_cast<const TransformerStage*>(&info_.network.stage(s))) ++info_.attention_blocks;
    info_.test_size = d.test_size();
    info_.class_names = d.class_names;
    info_.batches_per_epoch = comparison_->batches_per_epoch();
    info_.train_size = d.train_size();
    info_.epochs = setup.training.epochs;
    describe_points(d, info_);
    emit prepared(info_);

    pending_ = std::make_shared<TrainingSnapshot>();
    loss_bucket_ = std::max<Index>(1, info_.batches_per_epoch / kLossPointsPerEpoch);
    bucket_sum_.assign(comparison_->runs().size(), 0.0);
    double applied_lr = setup.training.optimizer.learning_rate;
    learning_rate_ = applied_lr;
    send(true);
    while (!stop_ && !comparison_->finished()) {
        const bool manual = paused_;
        if (manual && pending_batches_ <= 0 && pending_epochs_ <= 0) {
            if (!idle_announced_) { // tell the GUI once that training really stopped
                idle_announced_ = true;
                pending_->idle = true;
                state_due_ = true;
            }
            since_resume_.invalidate();
            send(false);
            QThread::msleep(10);
            continue;
        }
        if (!since_resume_.isValid()) {
            since_resume_.start();
            samples_at_resume_ = samples_trained();
        }
        if (const double lr = learning_rate_; lr != applied_lr && lr > 0.0) {
            comparison_->set_learning_rate(lr);
            applied_lr = lr;
            const double x = comparison_->epoch() - 1 +
                             static_cast<double>(comparison_->batch_in_epoch()) / static_cast<double>(info_.batches_per_epoch);
            pending_->learning_rates.emplace_back(x, lr);
        }
        idle_announced_ = false;
        const int epoch_before = comparison_->epoch();
        comparison_->step(this);
        const bool epoch_ended = comparison_->epoch() != epoch_before;
        if (pending_batches_ > 0) --pending_batches_;
        if (epoch_ended && pending_epochs_ > 0) --pending_epochs_;
        // A manual step must show its result at once; so must an epoch's end.
        send(epoch_ended || (manual && pending_batches_ <= 0 && pending_epochs_ <= 0));
        if (const int delay = delay_ms_; delay > 0) QThread::msleep(static_cast<unsigned long>(delay));
    }
    pending_->finished = comparison_->finished();
    send(true, true);
    emit done();
    // Done training, the networks stay: the Attention view may still ask for other test images.
    while (!stop_) {
        if ((attention_sample_ != attention_sent_ || state_requested_ != 0) && consumed_) {
            pending_->finished = comparison_->finished();
            send(true);
        }
        QThread::msleep(10);
    }
}

void TrainingWorker::on_batch(const BatchReport& report) {
    for (std::size_t r = 0; r < bucket_sum_.size(); ++r) bucket_sum_[r] += report.losses[r];
    ++bucket_count_;
    if (bucket_count_ < loss_bucket_ && report.batch + 1 != report.batches_per_epoch) return;
    pending_->loss_x.push_back(report.epoch - 1 + static_cast<double>(report.batch + 1) / static_cast<double>(report.batches_per_epoch));
    std::vector<double> means(bucket_sum_.size());
    for (std::size_t r = 0; r < means.size(); ++r) means[r] = bucket_sum_[r] / static_cast<double>(bucket_count_);
    pending_->loss_y.push_back(std::move(means));
    std::fill(bucket_sum_.begin(), bucket_sum_.end(), 0.0);
    bucket_count_ = 0;
}

void TrainingWorker::on_epoch(const std::vector<EpochMetrics>& metrics) {
    pending_->epochs.insert(pending_->epochs.end(), metrics.begin(), metrics.end());
}

void TrainingWorker::on_diverged(const std::string& rule, const std::string& message) {
    pending_->messages << tr("%1: %2").arg(QString::fromStdString(rule), QString::fromStdString(message));
}

void TrainingWorker::on_instruments(const InstrumentReport& report) { pending_->instruments.push_back(report); }

void TrainingWorker::send(bool force_state, bool final) {
    const qint64 now = now_ms();
    TrainingSnapshot& s = *pending_;
    state_due_ = state_due_ || force_state;
    const int attention_sample = attention_sample_;
    const unsigned on_screen = state_on_screen_;
    // A new image or view on screen, or an export, shows the state at once.
    if (attention_sample != attention_sent_ || (on_screen & ~on_screen_sent_) != 0 || state_requested_ != 0) state_due_ = true;
    const bool has_news = !s.loss_x.empty() || !s.epochs.empty() || !s.instruments.empty() || !s.messages.isEmpty() ||
                          !s.learning_rates.empty();
    if (!final) {
        if (!consumed_) return;
        if (!state_due_ && (!has_news || now - last_send_ms_ < kSnapshotIntervalMs)) return;
    }
    force_state = state_due_;
    state_due_ = false;
    consumed_ = false;
    s.epoch = comparison_->epoch();
    s.batch = comparison_->batch_in_epoch();
    s.step = comparison_->runs().empty() ? 0 : comparison_->runs().front().steps();
    s.samples = samples_trained();
    if (since_resume_.isValid()) {
        s.resumed_samples = s.samples - samples_at_resume_;
        s.resumed_seconds = static_cast<double>(since_resume_.nsecsElapsed()) * 1e-9;
    }
    if (force_state || now - last_state_ms_ >= kStateIntervalMs) {
        // Once training pauses or ends, every view's state; while it runs, the view on screen's.
        const bool at_rest = final || s.idle || comparison_->finished();
        const unsigned requested = state_requested_.exchange(0); // served either way: a request left set would resend forever
        add_state(s, at_rest ? kAllState : on_screen | requested, attention_sample);
        on_screen_sent_ = on_screen;
        last_state_ms_ = now;
    }
    last_send_ms_ = now;
    emit snapshot(std::move(pending_));
    pending_ = std::make_shared<TrainingSnapshot>();
}

std::int64_t TrainingWorker::samples_trained() const {
    const Index n = data_->train_size();
    if (comparison_->finished()) return static_cast<std::int64_t>(comparison_->config().epochs * n);
    const Index in_epoch = std::min(n, comparison_->batch_in_epoch() * comparison_->config().batch_size);
    return static_cast<std::int64_t>((comparison_->epoch() - 1) * n + in_epoch);
}

void TrainingWorker::add_state(TrainingSnapshot& s, unsigned parts, int attention_sample) {
    if (parts & kNetworks) {
        for (const auto& run : comparison_->runs()) s.networks.push_back(run.network());
        if (!comparison_->runs().empty()) s.feedback = comparison_->runs().front().shared_feedback();
    }
    if (parts & kBoundaries) compute_boundaries(s);
    compute_attention(s, attention_sample);
    attention_sent_ = attention_sample;
}

void TrainingWorker::compute_boundaries(TrainingSnapshot& s) const {
    if (!info_.has_decision_view() || info_.points.x.rows() == 0) return;
    const PlaneBox box{info_.x_min, info_.x_max, info_.y_min, info_.y_max};
    for (const auto& run : comparison_->runs())
        s.boundary.push_back(info_.inputs == 2 ? decision_grid(run.network(), box, kBoundaryGrid)
                                               : fit_curve(run.network(), info_.x_min, info_.x_max, kFitPoints));
}

void TrainingWorker::compute_attention(TrainingSnapshot& s, int sample) const {
    if (sample < 0 || info_.attention_blocks == 0 || data_->test_size() == 0) return;
    const Index row = std::min<Index>(sample, data_->test_size() - 1);
    s.attention_sample = static_cast<int>(row);
    s.attention_image = data_->test_x.row(row);
    if (!data_->test_labels.empty()) s.attention_label = data_->test_labels[static_cast<std::size_t>(row)];
    ForwardPass pass;
    for (const auto& run : comparison_->runs()) {
        run.network().forward(s.attention_image, pass);
        std::vector<Matrix> maps;
        for (int st = 0; st < run.network().stage_count(); ++st)
            if (dynamic_cast<const TransformerStage*>(&run.network().stage(st)))
                maps.push_back(TransformerStage::attention_maps(pass.stages[static_cast<std::size_t>(st)]));
        s.attention.push_back(std::move(maps));
    }
}

TrainingSession::TrainingSession(QObject* parent) : QObject(parent) {
    qRegisterMetaType<Experiment>();
    qRegisterMetaType<SessionInfo>();
    qRegisterMetaType<SnapshotPtr>();
}

TrainingSession::~TrainingSession() { stop(); }

void TrainingSession::start(const Experiment& setup, bool paused) {
    stop();
    worker_ = new TrainingWorker;
    worker_->moveToThread(&thread_);
    paused_ = paused;
    worker_->set_paused(paused);
    worker_->set_delay_ms(delay_ms_);
    worker_->set_attention_sample(attention_sample_);
    worker_->set_state_on_screen(state_on_screen_);
    // Everything the worker sends is delivered on this (GUI) thread. Signals already queued by a
    // stopped worker may still arrive after a reset: the generation check drops them.
    const int generation = ++generation_;
    connect(worker_, &TrainingWorker::prepared, this, [this, generation](const SessionInfo& info) {
        if (generation != generation_) return;
        info_ = info;
        emit prepared(info);
    });
    connect(worker_, &TrainingWorker::snapshot, this, [this, generation](const SnapshotPtr& s) {
        if (generation != generation_) return;
        emit snapshotReceived(s);
        worker_->snapshot_consumed();
    });
    connect(worker_, &TrainingWorker::failed, this, [this, generation](const QString& m) {
        if (generation == generation_) emit failed(m);
    });
    connect(worker_, &TrainingWorker::done, this, [this, generation] {
        if (generation == generation_) emit finished();
    });
    if (!thread_start_refused()) thread_.start();
    if (!thread_.isRunning()) { // the system refused a thread (limits): say so instead of waiting forever
        delete worker_;
        worker_ = nullptr;
        QMetaObject::invokeMethod(this, [this, generation] {
            if (generation != generation_) return;
            emit failed(tr("Could not start a training thread: the system refused to create one (process or memory limits)."));
            emit finished();
        }, Qt::QueuedConnection);
        return;
    }
    QMetaObject::invokeMethod(worker_, [worker = worker_, setup] { worker->run(setup); }, Qt::QueuedConnection);
}

void TrainingSession::stop() {
    if (!worker_) return;
    ++generation_;
    worker_->stop();
    thread_.quit();
    thread_.wait();
    delete worker_;
    worker_ = nullptr;
}

void TrainingSession::set_paused(bool paused) {
    paused_ = paused;
    if (worker_) worker_->set_paused(paused);
}

void TrainingSession::step_batch(int batches) {
    if (worker_) worker_->step_batches(batches);
}

void TrainingSession::step_epoch(int epochs) {
    if (worker_) worker_->step_epochs(epochs);
}

void TrainingSession::set_delay_ms(int ms) {
    delay_ms_ = ms;
    if (worker_) worker_->set_delay_ms(ms);
}

void TrainingSession::set_attention_sample(int sample) {
    attention_sample_ = sample;
    if (worker_) worker_->set_attention_sample(sample);
}

void TrainingSession::set_state_on_screen(unsigned parts) {
    state_on_screen_ = parts;
    if (worker_) worker_->set_state_on_screen(parts);
}

void TrainingSession::request_state(unsigned parts) {
    if (worker_) worker_->request_state(parts);
}

void TrainingSession::set_learning_rate(double lr) {
    if (worker_) worker_->set_learning_rate(lr);
}

} // namespace f3::gui
