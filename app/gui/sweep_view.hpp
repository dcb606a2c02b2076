#pragma once
// The Sweep tab: runs a core SweepRunner on a background thread and shows the results as they
// arrive: the chosen metric against the swept value with mean ± std over seeds (one parameter),
// one heat map per rule (two), and the mean ± std curves of the selected point. The runner does all
// the work; this file only draws and forwards clicks.
#include "f3/io/experiment.hpp"
#include "plots.hpp"

#include <QWidget>
#include <qcustomplot.h>

#include <memory>
#include <mutex>
#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QThread;
class QTimer;

namespace f3 {
class SweepRunner;
struct SweepResume;
}

namespace f3::gui {

// Final metric against the swept value(s). Clicking selects a point, double-clicking opens it;
// the wheel zooms and a drag pans as on the other plots, a double-click beside the data shows it whole.
class SweepPlot : public ZoomablePlot {
    Q_OBJECT
public:
    explicit SweepPlot(QWidget* parent = nullptr);
    void show_results(const SweepSpec& spec, const std::vector<SweepRun>& runs, SweepMetric metric, std::size_t selected);
    // The point drawn nearest to a widget position, if the position is on a plot.
    std::optional<std::size_t> point_at(const QPointF& pos) const;
    // Where point `point` is drawn (for tests: a click there selects it).
    QPointF position_of(std::size_t point) const;

signals:
    void pointClicked(std::size_t point);
    void pointDoubleClicked(std::size_t point);

protected:
    void mousePressEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void fit_view() override { set_ranges(whole_); }

private:
    void show_line(const SweepSpec& spec, const std::vector<SweepRun>& runs, SweepMetric metric, std::size_t selected);
    void show_heat_maps(const SweepSpec& spec, const std::vector<SweepRun>& runs, SweepMetric metric, std::size_t selected);
    SweepSpec spec_;
    std::vector<QCPAxisRect*> rects_;
    QList<QCPRange> whole_; // every axis's range as drawn: all results
};

class SweepView : public QWidget {
    Q_OBJECT
public:
    explicit SweepView(QWidget* parent = nullptr);
    ~SweepView() override; // cancels a running sweep and waits for it

    // The sweep the controls describe (throws SweepError naming the problem).
    SweepSpec spec_from_controls() const;
    void set_controls(const SweepSpec& spec);
    // Starts sweeping `base` as the controls say. Runs already made with the same settings are
    // kept. Returns false, with the reason shown, when the controls do not describe a sweep.
    bool start(const Experiment& base);
    void cancel();
    bool running() const { return thread_ != nullptr; }
    void set_jobs(int jobs);
    // Skips questions (tests, screenshots): a sweep that leaves stored runs out says so instead.
    void set_interactive(bool on) { interactive_ = on; }

    // Shows the sweep saved in `experiment` (none: an empty view); cancels a running sweep.
    void show_saved(const Experiment& experiment);
    // Adds the sweep and its runs to `experiment` when they were made with its settings.
    void add_to(Experiment& experiment) const;
    // Tells the view what the experiment panel holds now (results of other settings are marked).
    void set_current_setup(const Experiment& setup);

    const SweepSpec& spec() const { return spec_; }
    const std::vector<SweepRun>& runs() const { return runs_; }
    // Runs trained by the last start (the others were kept from before).
    std::size_t runs_trained() const { return runs_.size() - kept_runs_; }
    std::size_t selected_point() const { return selected_; }
    void select_point(std::size_t point);
    // The experiment of one run of the sweep (point, seed index): what "Open" loads.
    Experiment run_experiment(std::size_t point, int seed_index) const;
    SweepPlot* summary_plot() const { return summary_; }
    CurvePlot* curves_plot() const { return curves_; }
    QString details_text() const;
    QString problem() const;

signals:
    void startRequested();              // the Run button: the window supplies the experiment
    void resultsChanged();              // a run arrived (the experiment has unsaved results)
    void sweepFinished();               // done, cancelled or failed
    // The user asked to open one run's configuration; `what` says which (for the status bar).
    void openRequested(const Experiment& experiment, const std::vector<EpochMetrics>& history, const QString& what);

protected:
    void changeEvent(QEvent* event) override;

private:
    void build_controls();
    void update_controls();
    void validate_controls();
    void add_run(const SweepRun& run, int generation);
    void finish(int generation, const QString& problem);
    void update_progress();
    void update_stale_note();
    bool confirm_left_out(const SweepResume& resume);
    void refresh();
    void schedule_refresh();
    void request_open(int seed_index);
    SweepMetric metric() const;
    std::size_t point_where_rules_differ_most() const;

    QComboBox* parameter_[2] = {nullptr, nullptr};
    QLineEdit* values_[2] = {nullptr, nullptr};
    QSpinBox* seeds_ = nullptr;
    QSpinBox* jobs_ = nullptr;
    QComboBox* metric_ = nullptr;
    QPushButton* run_ = nullptr;
    QPushButton* cancel_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QLabel* status_ = nullptr;
    QLabel* problem_ = nullptr;
    QLabel* stale_note_ = nullptr;
    QLabel* left_out_note_ = nullptr;
    SweepPlot* summary_ = nullptr;
    CurvePlot* curves_ = nullptr;
    QLabel* details_ = nullptr;
    QComboBox* open_seed_ = nullptr;
    QPushButton* open_ = nullptr;
    QTimer* progress_timer_ = nullptr;
    QTimer* refresh_timer_ = nullptr;

    Experiment base_;            // the experiment the results belong to
    SweepSpec spec_;
    std::vector<SweepRun> runs_; // in arrival order
    std::size_t selected_ = 0;
    bool interactive_ = true;
    bool user_selected_ = false; // until the user clicks, a finished sweep selects its most telling point
    std::optional<Experiment> panel_setup_; // what the experiment panel holds, when known
    int generation_ = 0;         // results of an older start are ignored
    QThread* thread_ = nullptr;
    qint64 started_ms_ = 0;
    std::size_t kept_runs_ = 0;
    // Shared with the worker thread: the runner exists once the data is loaded.
    std::mutex runner_mutex_;
    std::shared_ptr<SweepRunner> runner_;
    bool cancel_requested_ = false;
};

} // namespace f3::gui
