#pragma once
#include "training_session.hpp"
#include "f3/io/lesson.hpp"

#include <QMainWindow>
#include <QMap>
#include <QPointer>

class QAction;
class QCustomPlot;
class QMenu;
class QTimer;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSlider;
class QSpinBox;
class QTabWidget;
class QTextBrowser;

namespace f3::gui {

class AttentionView;
class BoundaryPlot;
class CurvePlot;
class ExperimentPanel;
class LessonPanel;
class MatrixHeatmap;
class NetworkDiagram;
class SweepView;
class TimelinePlot;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    ExperimentPanel* experiment_panel() const { return panel_; }
    TrainingSession* session() const { return session_; }
    // `lesson`: name of a built-in lesson whose text is shown beside it ("" for none). Also shows
    // the setup's saved sweep, if any, in the Sweep tab.
    void load_setup(const Experiment& setup, const QString& lesson = {});

    // Files. Each returns false (after telling the user why) when nothing was opened or saved.
    bool open_file(const QString& path);
    bool save_to(const QString& path);
    bool save();
    bool save_as();
    QString current_file() const { return current_path_; }
    bool has_unsaved_changes() const { return dirty_; }
    // The experiment as it would be saved now: the form plus the metrics of the run shown.
    Experiment current_experiment() const;
    // Exports: a plot (PNG, SVG or PDF by extension), the window, and CSV tables.
    bool export_plot(QCustomPlot* plot, const QString& path);
    bool export_text(const QString& path, const std::string& text);
    const std::vector<InstrumentReport>& instrument_history() const { return instrument_history_; }
    // Crash recovery: the experiment is saved here every few seconds while it has unsaved changes;
    // one file per running instance (its process id and start time), locked while the instance lives.
    static QString autosave_path();
    void autosave();
    // Asks whether to restore an autosave left by an instance that did not end normally.
    void offer_restore();
    // Skips questions (screenshots and tests): unsaved changes are kept in the autosave only.
    void set_interactive(bool on);
    // The last problem shown to the user (a failed open, save or export).
    const QString& last_problem() const { return last_problem_; }

    // Controls (also bound to the toolbar and keys).
    void run();
    void pause();
    void toggle_run();
    void step_batch();
    void step_epoch();
    void step_batches(int batches); // then pause
    void step_epochs(int epochs);   // to the end of the epoch in progress and epochs - 1 more, then pause
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
    AttentionView* attention_view() const { return attention_; }
    QWidget* attention_page() const { return attention_page_; }
    QTabWidget* tabs() const { return tabs_; }
    SweepView* sweep_view() const { return sweep_view_; }
    LessonPanel* lesson_panel() const { return lesson_panel_; }
    // What a lesson step's button does (load the lesson, open a tab, train, change one setting).
    void perform_lesson_action(const LessonAction& action);
    // Makes one run of the sweep the current (untitled) experiment, showing that run's curves.
    void open_sweep_run(const Experiment& experiment, const std::vector<EpochMetrics>& history, const QString& what);
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

protected:
    void closeEvent(QCloseEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    void build_menus();
    void build_view_and_help_menus();
    void report_problem(const QString& title, const QString& text);
    void update_title();
    void remember_recent(const QString& path);
    void rebuild_recent_menu();
    bool maybe_save();
    void show_recorded_metrics(const std::vector<EpochMetrics>& metrics);
    void restore_settings();
    void save_settings() const;
    void build_views();
    void build_toolbar();
    void on_prepared(const SessionInfo& info);
    void on_snapshot(const SnapshotPtr& snapshot);
    void on_failed(const QString& message);
    void clear_views();
    // Draws the state views on screen (and those still empty); `forced` is drawn even when hidden.
    void update_state_views(QCustomPlot* forced = nullptr);
    // The panel's data set in the Decision regions view, before any training.
    void show_data_preview();
    void on_setup_changed();
    void add_staleness(const QString& rule, int epoch, double age);
    void update_explanation();
    void update_actions();
    void start(bool paused);
    void change_learning_rate_live();
    void show_delivered_rate(const TrainingSnapshot& s);
    void request_view_state();
    void fetch_state(unsigned parts);
    void show_presenter_panels();
    // The status line: set_status is the run's state, show_message a passing note (saved, opened,
    // presenter mode's keys) that covers it for `ms`. Not QStatusBar::showMessage: that hides the
    // line's label, and Qt shows the label again over the message after the bar's layout is redone
    // (presenter mode's font change does that), so both were drawn on top of each other.
    void set_status(const QString& text);
    void show_message(const QString& text, int ms);

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
    AttentionView* attention_ = nullptr;
    QWidget* attention_page_ = nullptr;
    QSpinBox* attention_sample_ = nullptr;
    QSlider* attention_slider_ = nullptr;
    QComboBox* attention_block_ = nullptr;
    SweepView* sweep_view_ = nullptr;
    QComboBox* network_rule_ = nullptr;
    QComboBox* matrix_rule_ = nullptr;
    QComboBox* matrix_choice_ = nullptr;
    QCheckBox* measured_clock_ = nullptr;
    QTextBrowser* explanation_ = nullptr;
    LessonPanel* lesson_panel_ = nullptr;
    QLabel* status_ = nullptr;
    QString status_text_;              // the run's state, shown again when a message ends
    QTimer* message_timer_ = nullptr;  // running while a message covers the status
    QLabel* notice_ = nullptr;
    QAction* run_action_ = nullptr;
    QAction* step_action_ = nullptr;
    QAction* epoch_action_ = nullptr;
    QAction* reset_action_ = nullptr;
    QAction* log_action_ = nullptr;
    QAction* presenter_action_ = nullptr;
    QSlider* speed_ = nullptr;

    SessionInfo info_;
    Experiment run_setup_; // what the panel said when the run started, with live learning-rate changes
    bool running_ = false;   // a session exists and is not paused
    bool finished_ = false;
    bool presenter_ = false;
    int completed_epochs_ = 0;
    std::vector<Network> networks_;
    std::vector<Matrix> boundaries_; // latest, not yet drawn
    std::shared_ptr<const FeedbackMatrices> feedback_;
    std::vector<RuleTimeline> timelines_;
    qint64 last_timeline_draw_ms_ = -1000;
    // Whether the Network and Matrices views show networks_ as they are now: snapshots arrive many
    // times a second, new networks a few times, and a 500-unit diagram takes ~15 ms to draw.
    bool network_shown_ = false;
    bool matrix_shown_ = false;
    struct EpochSpread {
        int epoch = 0;
        double sum = 0.0;
        int count = 0;
        double low = 0.0, high = 0.0;
    };
    QMap<QString, EpochSpread> staleness_spread_; // per rule: the epoch in progress
    QSlider* smoothing_ = nullptr;
    SessionInfo preview_;           // the panel's data set as last loaded for the preview
    std::string preview_key_;       // what it was loaded from
    QString last_samples_per_s_;   // delivered (wall clock), see show_delivered_rate
    double compute_samples_per_s_ = 0.0;
    QMap<QString, ReplotStats> replot_stats_;
    std::vector<EpochMetrics> history_;
    std::vector<InstrumentReport> instrument_history_;
    QString current_path_;
    QString lesson_;
    QString last_problem_;
    bool dirty_ = false;
    bool interactive_ = true;
    QMenu* recent_menu_ = nullptr;
    QTimer* autosave_timer_ = nullptr;
};

} // namespace f3::gui
