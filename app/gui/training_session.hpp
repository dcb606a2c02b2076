#pragma once
// Training off the GUI thread. A worker object in a QThread runs the lock-step comparison and sends
// small value snapshots (at most ~30 a second); the session, on the GUI thread, owns the thread and
// re-emits what arrives so widgets and tests connect to a GUI-side object only.
#include "f3/train/comparison.hpp"
#include "f3/data/dataset.hpp"
#include "f3/io/experiment.hpp"
#include "data_points.hpp"

#include <QElapsedTimer>
#include <QObject>
#include <QStringList>
#include <QThread>
#include <atomic>
#include <memory>
#include <vector>

namespace f3::gui {


// What the views need to know about a started run.
struct SessionInfo {
    QStringList rules;
    QString dataset_name;
    QString task_note;                // a CSV's inferred task and why (empty when chosen)
    Task task = Task::Classification;
    int inputs = 0, outputs = 0;
    std::vector<int> widths;          // n_0 .. n_{L+1}
    Network network;                  // the initial network every rule starts from (its stages' shapes)
    int attention_blocks = 0;         // transformer stages (0: nothing for the Attention view)
    Index test_size = 0;
    std::vector<std::string> class_names;
    Index batches_per_epoch = 0;
    Index train_size = 0;
    int epochs = 0;
    DataPoints points, test_points;   // for the Decision regions view (2-D or 1-D inputs)
    double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
    // The Decision regions view draws class regions over two input features or a regression's fit
    // over one: other data (one feature with classes, 1×1 images, two regression inputs) has none.
    bool has_decision_view() const { return task == Task::Classification ? inputs == 2 : inputs == 1; }
};

// Fills what the views show of the data itself (name, task, shape, up to 1500 training and test points).
void describe_points(const Dataset& data, SessionInfo& info);

// Heavy state a snapshot may carry. The worker produces, every few hundred milliseconds, only what
// the view on screen shows; everything when training pauses or ends, so hidden views and exports
// show the current networks then (an export during training asks for it: request_state).
enum StatePart : unsigned { kNetworks = 1u, kBoundaries = 2u, kAllState = kNetworks | kBoundaries };

struct TrainingSnapshot {
    int epoch = 1;                    // epoch in progress (1-based), epochs+1 when finished
    Index batch = 0;                  // batches done in that epoch
    std::int64_t step = 0;            // optimizer steps so far
    std::int64_t samples = 0;         // training samples each rule has seen so far
    // Delivered rate: samples each rule trained since the run started or last resumed, and the
    // wall-clock seconds since then (evaluation, instruments and waiting for the GUI included).
    std::int64_t resumed_samples = 0;
    double resumed_seconds = 0.0;
    bool finished = false;
    bool idle = false;                // paused and waiting: no training until the next command
    // New since the previous snapshot:
    std::vector<double> loss_x;                   // fractional epochs
    std::vector<std::vector<double>> loss_y;      // per point: one batch loss per rule (NaN when diverged)
    std::vector<EpochMetrics> epochs;             // completed epochs (all rules)
    std::vector<InstrumentReport> instruments;    // sampled steps
    QStringList messages;                         // divergence and other notices
    // Live learning-rate changes applied: (fractional epoch of the first batch trained with it, value).
    std::vector<std::pair<double, double>> learning_rates;
    // Latest state, sent every few hundred milliseconds (empty otherwise), as StatePart says:
    std::vector<Network> networks;                // per rule (kNetworks)
    std::shared_ptr<const FeedbackMatrices> feedback;
    std::vector<Matrix> boundary;                 // per rule (kBoundaries): class index + confidence grid, or 1-D fit
    // The Attention view's test image (only while it is on screen): the image as the networks see
    // it (1 × inputs), its label, and per rule, per transformer block the (heads·T) × T attention
    // probabilities of one forward pass on it.
    int attention_sample = -1;
    Matrix attention_image;
    int attention_label = -1;
    std::vector<std::vector<Matrix>> attention;
};
using SnapshotPtr = std::shared_ptr<const TrainingSnapshot>;

class TrainingWorker : public QObject, private TrainingObserver {
    Q_OBJECT
public:
    // Thread-safe controls, read by the training loop between batches.
    void stop() { stop_ = true; }
    void set_paused(bool paused) { paused_ = paused; }
    void step_batches(int n) { pending_batches_ += n; }
    void step_epochs(int n) { pending_epochs_ += n; } // to the end of the epoch in progress, then n - 1 more
    void set_delay_ms(int ms) { delay_ms_ = ms; }
    void set_learning_rate(double lr) { learning_rate_ = lr; }
    // Back-pressure: the GUI calls this once it has drawn a snapshot. Until then the worker keeps
    // merging news into the next one, so a slow screen never builds a queue (pausing stays instant).
    void snapshot_consumed() { consumed_ = true; }
    // The test sample whose attention maps every state snapshot carries; -1: none (view hidden).
    void set_attention_sample(int sample) { attention_sample_ = sample; }
    // The StateParts the view on screen shows: sent every few hundred milliseconds.
    void set_state_on_screen(unsigned parts) { state_on_screen_ = parts; }
    // StateParts wanted once, as soon as possible (an export of a hidden view).
    void request_state(unsigned parts) { state_requested_ |= parts; }

public slots:
    void run(const f3::Experiment& setup);

signals:
    void prepared(const f3::gui::SessionInfo& info);
    void snapshot(const f3::gui::SnapshotPtr& snapshot);
    void failed(const QString& message);
    void done();

private:
    void train(const Experiment& setup);
    void on_batch(const BatchReport& report) override;
    void on_epoch(const std::vector<EpochMetrics>& metrics) override;
    void on_diverged(const std::string& rule, const std::string& message) override;
    void on_instruments(const InstrumentReport& report) override;
    void send(bool force_state, bool final = false);
    void add_state(TrainingSnapshot& s, unsigned parts, int attention_sample);
    void compute_boundaries(TrainingSnapshot& s) const;
    void compute_attention(TrainingSnapshot& s, int sample) const;
    std::int64_t samples_trained() const;

    std::atomic<bool> stop_{false}, paused_{false}, consumed_{true};
    bool state_due_ = false;
    bool idle_announced_ = false;
    std::atomic<int> pending_batches_{0}, pending_epochs_{0}, delay_ms_{0}, attention_sample_{-1};
    std::atomic<unsigned> state_on_screen_{0}, state_requested_{0};
    int attention_sent_ = -1;
    unsigned on_screen_sent_ = 0;     // the parts on screen when state was last sent
    std::atomic<double> learning_rate_{0.0};
    std::unique_ptr<Comparison> comparison_;
    std::shared_ptr<const Dataset> data_;
    std::shared_ptr<TrainingSnapshot> pending_;
    SessionInfo info_;
    qint64 last_send_ms_ = -1000, last_state_ms_ = -1000;
    Index loss_bucket_ = 1, bucket_count_ = 0;
    std::vector<double> bucket_sum_;
    QElapsedTimer since_resume_;      // invalid while paused
    std::int64_t samples_at_resume_ = 0;
};

// GUI-thread owner of the worker thread.
class TrainingSession : public QObject {
    Q_OBJECT
public:
    explicit TrainingSession(QObject* parent = nullptr);
    ~TrainingSession() override;

    void start(const Experiment& setup, bool paused);
    void stop();                       // returns once the worker has stopped (within one batch)
    bool running() const { return worker_ != nullptr; }
    bool paused() const { return paused_; }
    void set_paused(bool paused);
    void step_batch(int batches = 1);
    void step_epoch(int epochs = 1);
    void set_delay_ms(int ms);
    void set_learning_rate(double lr);
    void set_attention_sample(int sample);
    void set_state_on_screen(unsigned parts);
    void request_state(unsigned parts);
    const SessionInfo& info() const { return info_; }

signals:
    void prepared(const f3::gui::SessionInfo& info);
    void snapshotReceived(const f3::gui::SnapshotPtr& snapshot);
    void failed(const QString& message);
    void finished();

private:
    QThread thread_;
    TrainingWorker* worker_ = nullptr;
    SessionInfo info_;
    bool paused_ = false;
    int delay_ms_ = 0;
    int attention_sample_ = -1;
    unsigned state_on_screen_ = 0;
    int generation_ = 0;
};

} // namespace f3::gui

Q_DECLARE_METATYPE(f3::Experiment)
Q_DECLARE_METATYPE(f3::gui::SessionInfo)
Q_DECLARE_METATYPE(f3::gui::SnapshotPtr)
