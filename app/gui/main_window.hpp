#pragma once
#include "training_session.hpp"

#include <QMainWindow>
#include <QMap>
#include <QPointer>

class QAction;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSlider;
class QTabWidget;
class QTextBrowser;

namespace f3::gui {

class BoundaryPlot;
class CurvePlot;
class ExperimentPanel;
class MatrixHeatmap;
class NetworkDiagram;
class TimelinePlot;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    ExperimentPanel* experiment_panel() const { return panel_; }
    TrainingSession* session() const { return session_; }
    void load_setup(const RunSetup& setup);

    // Controls (also bound to the toolbar and keys).
    void run();
    void pause();
    void toggle_run();
    void step_batch();
    void step_epoch();
    void reset();
    void set_presenter_mode(bool on);
    bool presenter_mode() const { return presenter_; }

    // The views, for tests and screenshots.
    CurvePlot* loss_plot() const { return loss_; }
    CurvePlot* metric_plot() const { return metric_; }
    CurvePlot* alignment_plot() const { return alignment_; }
    CurvePlot* staleness_plot() const { return staleness_; }
    TimelinePlot* timeline_plot() const { return timeline_; }
    BoundaryPlot* boundary_plot() const { return boundary_; }
    NetworkDiagram* network_diagram() const { return network_; }
    MatrixHeatmap* matrix_heatmap() const { return heatmap_; }
    QTabWidget* tabs() const { return tabs_; }
    int completed_epochs() const { return completed_epochs_; }
    // Replot cost per view over the run so far: name -> (replots, mean ms, max ms).
    struct ReplotStats {
        int count = 0;
        double total_ms = 0.0, max_ms = 0.0;
    };
    const QMap<QString, ReplotStats>& replot_stats() const { return replot_stats_; }
    const std::vector<EpochMetrics>& epoch_history() const { return history_; }

signals:
    void runFinished();

private:
    void build_views();
    void build_toolbar();
    void on_prepared(const SessionInfo& info);
    void on_snapshot(const SnapshotPtr& snapshot);
    void on_failed(const QString& message);
    void clear_views();
    void update_state_views();
    void update_explanation();
    void update_actions();
    void start(bool paused);

    TrainingSession* session_ = nullptr;
    ExperimentPanel* panel_ = nullptr;
    QTabWidget* tabs_ = nullptr;
    CurvePlot* loss_ = nullptr;
    CurvePlot* metric_ = nullptr;
    CurvePlot* alignment_ = nullptr;
    CurvePlot* staleness_ = nullptr;
    TimelinePlot* timeline_ = nullptr;
    BoundaryPlot* boundary_ = nullptr;
    NetworkDiagram* network_ = nullptr;
    MatrixHeatmap* heatmap_ = nullptr;
    QComboBox* network_rule_ = nullptr;
    QComboBox* matrix_rule_ = nullptr;
    QComboBox* matrix_choice_ = nullptr;
    QCheckBox* measured_clock_ = nullptr;
    QTextBrowser* explanation_ = nullptr;
    QLabel* status_ = nullptr;
    QLabel* notice_ = nullptr;
    QAction* run_action_ = nullptr;
    QAction* step_action_ = nullptr;
    QAction* epoch_action_ = nullptr;
    QAction* reset_action_ = nullptr;
    QAction* log_action_ = nullptr;
    QAction* presenter_action_ = nullptr;
    QSlider* speed_ = nullptr;
    QDoubleSpinBox* live_lr_ = nullptr;

    SessionInfo info_;
    bool running_ = false;   // a session exists and is not paused
    bool finished_ = false;
    bool presenter_ = false;
    int completed_epochs_ = 0;
    std::vector<Network> networks_;
    std::vector<Matrix> boundaries_; // latest, not yet drawn
    std::shared_ptr<const FeedbackMatrices> feedback_;
    std::vector<RuleTimeline> timelines_;
    qint64 last_timeline_draw_ms_ = -1000;
    bool heatmap_has_data_ = false;
    QString last_samples_per_s_;
    QMap<QString, ReplotStats> replot_stats_;
    std::vector<EpochMetrics> history_;
};

} // namespace f3::gui
