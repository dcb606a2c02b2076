#include "main_window.hpp"

#include "attention_view.hpp"
#include "experiment_panel.hpp"
#include "lesson_panel.hpp"
#include "f3/platform/threads.hpp"
#include "f3/io/names.hpp"
#include "plots.hpp"
#include "rule_style.hpp"
#include "sweep_view.hpp"

#include "demos.hpp"
#include "f3/io/atomic_file.hpp"
#include "f3/observe/report.hpp"

#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QLockFile>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QSignalBlocker>
#include <QStandardPaths>
#include <QSvgGenerator>
#include <QTimer>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QEventLoop>
#include <QGridLayout>
#include <QLabel>
#include <QScreen>
#include <QScrollArea>
#include <QKeyEvent>
#include <QShortcut>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QTabWidget>
#include <QTextBrowser>
#include <QToolBar>
#include <QVBoxLayout>
#include <cmath>

namespace f3::gui {
namespace {

const char* kPlotHelp[] = {
    // Learning curves
    "<h3>Learning curves</h3><p><b>Loss</b>: solid lines are the training loss per batch, dashed lines with dots the "
    "test loss after each epoch. <b>Accuracy / MSE</b>: test set after each epoch.</p>"
    "<p><b>Update alignment</b>: the angle between each rule's weight update and the true backprop gradient on the same "
    "batch and weights, per hidden layer (solid: last hidden layer, dashed and dotted: lower layers). 0° is backprop itself, "
    "90° carries no information. Watch DFA and F³ start near 90° and fall as the output layer aligns with the feedback.</p>"
    "<p><b>F³ staleness</b>: how many optimizer steps old the stored errors are when F³ uses them, per epoch: the line "
    "is the mean over the sampled steps, the band runs from the lowest to the highest. One epoch on average, rising "
    "from half an epoch to one and a half within each epoch because the batch order is reshuffled. Epoch 1 uses "
    "the targets, so F³ equals DRTP there.</p>"
    "<p>Per-batch curves are smoothed (the <b>Smoothing</b> slider; raw values faint behind). Drag to pan, use the "
    "wheel to zoom, double-click to see the whole run again; click a legend entry to hide that series. Right-click a plot "
    "to collapse its legend (<b>View › Legends on the plots</b> does all of them).</p>",
    // Timeline
    "<h3>Update timeline</h3><p>One sampled training step (dark) and the next (light), for every rule and layer. Each layer "
    "is a worker; a bar starts when the layer is free and its inputs exist. <span style='color:#4678c8'>■</span> forward, "
    "<span style='color:#e69f00'>■</span> projection E·B, <span style='color:#c83c3c'>■</span> backward, "
    "<span style='color:#28a05a'>■</span> update, <span style='color:#8c8c8c'>■</span> F³ buffer write.</p>"
    "<p>BP and FA: the error walks back down layer by layer; layer 1 waits longest (update locking). DFA: every layer waits "
    "for the output error. DRTP and F³: a layer updates right after its own forward step and can take the next batch "
    "while the layers above are still busy.</p><p>Drag to pan, use the wheel to zoom, double-click to see both steps whole "
    "again; hover over a bar for its times.</p>",
    // Boundary
    "<h3>Decision regions</h3><p>For classes with two input features: the class each rule's network predicts at every point (pale = unsure), with "
    "the training points as filled dots. For 1-D regression: each rule's fitted curve over the data. <b>Show test data</b> adds "
    "the test points as rings: where a rule's regions are wrong on points it never trained on.</p><p>Drag to pan and use the wheel "
    "to zoom: every rule's map follows, so all show the same region. Double-click to see the whole data set again.</p>",
    // Network
    "<h3>Network</h3><p>Weights of one rule's network: red positive, blue negative, stronger colour and width = larger "
    "magnitude. Shallow learning's hidden weights never change.</p><p>With two inputs (the toy data sets) each hidden "
    "unit is drawn as a small map of its activation over the input plane, as TensorFlow Playground draws its neurons: red "
    "positive, blue negative, white zero, on one scale per layer. The first layer's units cut the plane along lines; "
    "the later ones combine those cuts. Zoom in to see a map larger.</p><p>A transformer is drawn as one block per stage "
    "(orange: transformer blocks, blue: dense stages) with what each holds and its parameter count; the Matrices and "
    "Attention views show what is inside.</p><p>Drag to pan, use the wheel to zoom, double-click to see the whole "
    "network again.</p>",
    // Matrices
    "<h3>Weight and feedback matrices</h3><p>A weight matrix W or a fixed random feedback matrix B. With DFA and F³, the "
    "output weights come to mirror the feedback matrix (with opposite sign, as e = y − ŷ is sent): that is how the random "
    "feedback starts to carry information.</p><p>A transformer stage has many parameter tensors; each is listed by "
    "stage and name (Wqkv: the query, key and value projections of every head; Wo: their output projection; MLP W1, "
    "W2: the MLP; LN: layer norm gains and shifts).</p><p>Hover over a cell for its value; drag to pan, use the wheel "
    "to zoom, double-click to see the whole matrix again.</p>",
    // Attention
    "<h3>Attention</h3><p>For one test image (pick it with the spin box or slider), one forward pass of every rule's "
    "network: the attention maps of the chosen block, rules as columns and heads as rows. The first stage maps the "
    "whole image linearly to D features and splits them into T tokens, so a token is a slice of that embedding, not "
    "a patch of the picture (the published code reorders the pixels patch by patch first, which changes nothing "
    "before a map of all of them). In each map, row <i>q</i> is how token <i>q</i> spreads its attention over "
    "all tokens (columns); every row sums to 1. All maps share one colour scale, so dark means the same everywhere.</p>"
    "<p>At the start every rule has the same weights, so the maps agree. As training goes on, compare how BP, DFA, "
    "DRTP and F³ reshape them; shallow learning never trains the blocks, so its maps stay as they began. The maps are "
    "computed only while this view is on screen.</p><p>Drag to pan, use the wheel to zoom, double-click to see the whole "
    "picture again.</p>",
    // Sweep
    "<h3>Sweep</h3><p>The experiment in the panel trained at every value of one or two hyperparameters, several seeds "
    "each, one run per core. <b>One parameter</b>: the chosen metric after the last epoch against the value, the line "
    "through the mean over seeds and the band ± one standard deviation; ✕ marks values where a rule diverged on some "
    "seeds. <b>Two parameters</b>: one heat map per rule on a shared colour scale. Click a point to see its learning "
    "curves (mean ± std per epoch) and its gap closed; double-click or <i>Open this configuration</i> loads that run into "
    "the panel, where Run trains it again with the same numbers. Drag to pan and use the wheel to zoom; double-click "
    "beside the data (on an axis) to see the whole sweep again.</p><p>Does a difference survive other seeds? If the "
    "bands of two rules overlap, the seeds disagree more than the rules do.</p>"};

// The Matrices view's choices encode stage and parameter in one positive number.
constexpr int kParametersPerStage = 64;

Qt::PenStyle layer_style(int layer, int hidden) {
    const int from_top = hidden - 1 - layer;
    return from_top == 0 ? Qt::SolidLine : (from_top == 1 ? Qt::DashLine : Qt::DotLine);
}

} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(tr("F3 Studio"));
    session_ = new TrainingSession(this);
    panel_ = new ExperimentPanel;
    auto* scroll = new QScrollArea;
    scroll->setWidget(panel_);
    scroll->setWidgetResizable(true);
    scroll->setMinimumWidth(330);
    auto* dock = new QDockWidget(tr("Experiment"), this);
    dock->setObjectName("experimentDock");
    dock->setWidget(scroll);
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    addDockWidget(Qt::LeftDockWidgetArea, dock);

    explanation_ = new QTextBrowser;
    explanation_->setObjectName("explanation");
    explanation_->setOpenExternalLinks(false);
    // The lesson's step above the help on the view shown; the divider moves.
    lesson_panel_ = new LessonPanel;
    auto* help = new QSplitter(Qt::Vertical);
    help->addWidget(lesson_panel_);
    help->addWidget(explanation_);
    help->setStretchFactor(0, 3);
    help->setStretchFactor(1, 1);
    help->setChildrenCollapsible(false);
    auto* help_dock = new QDockWidget(tr("What am I looking at?"), this);
    help_dock->setObjectName("helpDock");
    help_dock->setWidget(help);
    help_dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable | QDockWidget::DockWidgetClosable);
    addDockWidget(Qt::RightDockWidgetArea, help_dock);
    resizeDocks({help_dock}, {300}, Qt::Horizontal); // room for a lesson step's text and buttons

    build_views();
    build_toolbar();
    status_ = new QLabel(tr("Ready: choose an experiment and press Run (Space)."));
    notice_ = new QLabel;
    notice_->setObjectName("notice");
    notice_->setStyleSheet("QLabel { color: #b00020; }");
    // Long status lines are cut, never widen the window past a projector's screen.
    for (QLabel* label : {status_, notice_}) label->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    statusBar()->addWidget(status_, 1);
    status_->setObjectName("status");
    status_text_ = status_->text();
    message_timer_ = new QTimer(this);
    message_timer_->setSingleShot(true);
    connect(message_timer_, &QTimer::timeout, this, [this] { status_->setText(status_text_); });
    statusBar()->addPermanentWidget(notice_);

    connect(lesson_panel_, &LessonPanel::actionRequested, this, &MainWindow::perform_lesson_action);
    connect(lesson_panel_, &LessonPanel::lessonChanged, this, [this] {
        if (presenter_) show_presenter_panels();
    });
    connect(session_, &TrainingSession::prepared, this, &MainWindow::on_prepared);
    connect(session_, &TrainingSession::snapshotReceived, this, &MainWindow::on_snapshot);
    connect(session_, &TrainingSession::failed, this, &MainWindow::on_failed);
    connect(session_, &TrainingSession::finished, this, [this] {
        running_ = false;
        finished_ = true;
        update_actions();
        emit runFinished();
    });
    connect(panel_, &ExperimentPanel::learningRateEdited, this, &MainWindow::change_learning_rate_live);
    connect(panel_, &ExperimentPanel::changed, this, [this] {
        sweep_view_->set_current_setup(panel_->setup());
        dirty_ = true;
        on_setup_changed();
        update_title();
        update_actions();
        update_explanation();
    });
    connect(tabs_, &QTabWidget::currentChanged, this, [this] {
        update_state_views();
        update_explanation();
    });
    build_menus();
    // Never larger than the screen: on a 1280x720 projector the window must fit, docks and all.
    resize(QSize(1500, 920).boundedTo(screen()->availableSize()));
    restore_settings();
    autosave_timer_ = new QTimer(this);
    autosave_timer_->setInterval(10000);
    connect(autosave_timer_, &QTimer::timeout, this, &MainWindow::autosave);
    autosave_timer_->start();
    dirty_ = false;
    show_data_preview();
    update_title();
    update_actions();
    update_explanation();
}

// ---------------------------------------------------------------- files

void MainWindow::build_menus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&New"), QKeySequence::New, this, [this] {
        if (!maybe_save()) return;
        load_setup(*demo("default"), "default");
        current_path_.clear();
        update_title();
    });
    file->addAction(tr("&Open…"), QKeySequence::Open, this, [this] {
        if (!maybe_save()) return;
        QSettings settings;
        const QString path = QFileDialog::getOpenFileName(this, tr("Open experiment"), settings.value("folders/experiments").toString(),
                                                          tr("F3 Studio experiments (*.json);;All files (*)"));
        if (!path.isEmpty()) open_file(path);
    });
    QMenu* lessons = file->addMenu(tr("&Lessons"));
    for (const QString& name : demo_names()) {
        const auto lesson = demo(name);
        lessons->addAction(lesson && !lesson->name.empty() ? QString::fromStdString(lesson->name) : name, this, [this, name] {
            if (!maybe_save()) return;
            load_setup(*demo(name), name);
            current_path_.clear();
            update_title();
        });
    }
    recent_menu_ = file->addMenu(tr("Open &recent"));
    rebuild_recent_menu();
    file->addSeparator();
    file->addAction(tr("&Save"), QKeySequence::Save, this, &MainWindow::save);
    file->addAction(tr("Save &as…"), QKeySequence::SaveAs, this, &MainWindow::save_as);
    file->addSeparator();
    QMenu* exports = file->addMenu(tr("&Export"));
    const std::pair<QString, QCustomPlot*> plots[] = {
        {tr("Loss plot"), loss_},          {tr("Accuracy / MSE plot"), metric_}, {tr("Alignment plot"), alignment_},
        {tr("Staleness plot"), staleness_}, {tr("Timeline"), timeline_},          {tr("Decision regions"), boundary_},
        {tr("Network diagram"), network_}, {tr("Matrix heat map"), heatmap_}, {tr("Sweep plot"), sweep_view_->summary_plot()},
        {tr("Sweep curves"), sweep_view_->curves_plot()}};
    for (const auto& [title, plot] : plots)
        exports->addAction(tr("%1 (PNG, SVG or PDF)…").arg(title), this, [this, title = title, plot = plot] {
            QSettings settings;
            const QString path = QFileDialog::getSaveFileName(this, tr("Export %1").arg(title), settings.value("folders/exports").toString(),
                                                              tr("PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"));
            if (!path.isEmpty()) export_plot(plot, path);
        });
    exports->addSeparator();
    exports->addAction(tr("Whole dashboard (PNG)…"), this, [this] {
        const QString path = QFileDialog::getSaveFileName(this, tr("Export dashboard"), QSettings().value("folders/exports").toString(),
                                                          tr("PNG image (*.png)"));
        if (!path.isEmpty() && !grab().save(path, "PNG"))
            report_problem(tr("Export failed"), tr("Could not write %1.").arg(path));
    });
    auto table_export = [this, exports](const QString& title, std::function<std::string()> make) {
        exports->addAction(title, this, [this, title, make] {
            const QString path = QFileDialog::getSaveFileName(this, title, QSettings().value("folders/exports").toString(), tr("CSV table (*.csv)"));
            if (!path.isEmpty()) export_text(path, make());
        });
    };
    table_export(tr("Metrics per rule and epoch (CSV)…"), [this] { return metrics_csv(history_); });
    table_export(tr("Instruments per sampled step (CSV)…"), [this] { return instruments_csv(instrument_history_); });
    table_export(tr("Update timeline of sampled steps (CSV)…"), [this] {
        std::string text = timeline_csv_header();
        for (const auto& report : instrument_history_) text += timeline_csv_rows(report);
        return text;
    });
    table_export(tr("Sweep runs per rule and epoch (CSV)…"), [this] { return sweep_csv(sweep_view_->spec(), sweep_view_->runs()); });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    build_view_and_help_menus();
}

// Panels and the toolbar come back from View (Qt's own toggle actions), not only from a right-click.
void MainWindow::build_view_and_help_menus() {
    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (QDockWidget* dock : findChildren<QDockWidget*>()) view->addAction(dock->toggleViewAction());
    for (QToolBar* bar : findChildren<QToolBar*>()) view->addAction(bar->toggleViewAction());
    view->addSeparator();
    view->addAction(log_action_);
    // All plots' legends at once (a plot's right-click menu does one): room for the axes on a projector.
    QAction* legends = view->addAction(tr("Legends on the plots"));
    legends->setCheckable(true);
    legends->setChecked(true);
    connect(legends, &QAction::toggled, this, [this](bool on) {
        for (ZoomablePlot* plot : findChildren<ZoomablePlot*>()) plot->set_legend_shown(on);
    });
    view->addAction(presenter_action_);
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&What am I looking at?"), QKeySequence::HelpContents, this, [this] {
        auto* dock = findChild<QDockWidget*>("helpDock");
        explanation_->show(); // presenter mode hides it beside a lesson; asked for, it comes back
        dock->show();
        dock->raise();
    });
    help->addAction(tr("&About F3 Studio"), this, [this] {
        QMessageBox::about(this, tr("About F3 Studio"),
                           tr("<p><b>F3 Studio</b> %1</p><p>Watch neural networks learn with backprop, FA, DFA, DRTP, "
                              "F³ and shallow learning, side by side.</p><p>F³: Flügel et al., \"Feed-Forward "
                              "Optimization With Delayed Feedback for Neural Network Training\", ICONIP 2024.</p>")
                               .arg(QApplication::applicationVersion()));
    });
}

void MainWindow::set_interactive(bool on) {
    interactive_ = on;
    sweep_view_->set_interactive(on);
}

void MainWindow::report_problem(const QString& title, const QString& text) {
    last_problem_ = text;
    notice_->setText(text.section('\n', 0, 0));
    if (interactive_) QMessageBox::warning(this, title, text);
    else qWarning("%s: %s", qPrintable(title), qPrintable(text));
}

Experiment MainWindow::current_experiment() const {
    Experiment e = panel_->setup();
    e.recorded_metrics = history_;
    sweep_view_->add_to(e);
    return e;
}

bool MainWindow::open_file(const QString& path) {
    std::vector<std::string> warnings;
    Experiment e;
    try {
        e = load_experiment(path.toStdString(), &warnings);
    } catch (const std::exception& error) {
        report_problem(tr("Cannot open experiment"), QString::fromStdString(error.what()));
        return false;
    }
    load_setup(e);
    show_recorded_metrics(e.recorded_metrics);
    current_path_ = path;
    dirty_ = false;
    remember_recent(path);
    QSettings().setValue("folders/experiments", QFileInfo(path).absolutePath());
    update_title();
    if (!warnings.empty() && interactive_) {
        QStringList lines;
        for (const auto& w : warnings) lines << QString::fromStdString(w);
        QMessageBox::information(this, tr("Opened with notes"), tr("The file was opened; please check:\n\n• %1").arg(lines.join("\n• ")));
    }
    return true;
}

bool MainWindow::save_to(const QString& path) {
    try {
        save_experiment_atomically(current_experiment(), path.toStdString());
    } catch (const std::exception& error) {
        report_problem(tr("Not saved"), QString::fromStdString(error.what()) + tr("\n\nThe previous file, if any, is unchanged."));
        return false;
    }
    current_path_ = path;
    dirty_ = false;
    remember_recent(path);
    QSettings().setValue("folders/experiments", QFileInfo(path).absolutePath());
    QFile::remove(autosave_path());
    update_title();
    show_message(tr("Saved %1").arg(path), 4000);
    return true;
}

bool MainWindow::save() { return current_path_.isEmpty() ? save_as() : save_to(current_path_); }

bool MainWindow::save_as() {
    QString path = QFileDialog::getSaveFileName(this, tr("Save experiment"), QSettings().value("folders/experiments").toString(),
                                                tr("F3 Studio experiments (*.json)"));
    if (path.isEmpty()) return false;
    if (!path.endsWith(".json", Qt::CaseInsensitive)) path += ".json";
    return save_to(path);
}

bool MainWindow::maybe_save() {
    if (!dirty_ || !interactive_) return true;
    const auto answer = QMessageBox::question(this, tr("Unsaved changes"), tr("Save the changes to this experiment first?"),
                                              QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    if (answer == QMessageBox::Cancel) return false;
    return answer == QMessageBox::Discard || save();
}

bool MainWindow::export_plot(QCustomPlot* plot, const QString& path) {
    // A view that is not on screen may hold an older picture: draw the current state first.
    if (auto* curves = qobject_cast<CurvePlot*>(plot)) curves->rescale();
    else {
        if (plot == boundary_ && info_.has_decision_view()) fetch_state(kBoundaries);
        if (plot == network_ || plot == heatmap_) fetch_state(kNetworks);
        update_state_views(plot);
    }
    bool ok = false;
    // One size whatever is on screen: a hidden tab's plot has no size of its own yet. A first
    // rendering lays the plot out at that size, so ticks and legend are fitted to it.
    const int w = 1200, h = 750;
    plot->toPixmap(w, h);
    fit_ticks_to_size(plot, w);
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == "pdf") {
        ok = plot->savePdf(path, w, h);
    } else if (suffix == "svg") {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(QSize(w, h));
        svg.setViewBox(QRect(0, 0, w, h));
        svg.setTitle(windowTitle());
        QCPPainter painter;
        ok = painter.begin(&svg);
        if (ok) {
            plot->toPainter(&painter, w, h);
            ok = painter.end();
        }
    } else {
        ok = plot->savePng(suffix == "png" ? path : path + ".png", w, h);
    }
    plot->replot(QCustomPlot::rpQueuedReplot); // back to the size on screen
    if (!ok) report_problem(tr("Export failed"), tr("Could not write %1.").arg(path));
    else QSettings().setValue("folders/exports", QFileInfo(path).absolutePath());
    return ok;
}

// While training runs, the worker sends only the state of the view on screen: an export of another
// view asks for its state and waits for it (a batch at most; a minute bounds a stalled run, which
// then exports the state it last sent).
void MainWindow::fetch_state(unsigned parts) {
    if (!running_) return; // paused or ended: the worker has sent every view's state
    QEventLoop loop;
    connect(session_, &TrainingSession::snapshotReceived, &loop, [&loop, parts](const SnapshotPtr& s) {
        if (((parts & kNetworks) && !s->networks.empty()) || ((parts & kBoundaries) && !s->boundary.empty())) loop.quit();
    });
    connect(session_, &TrainingSession::finished, &loop, &QEventLoop::quit);
    connect(session_, &TrainingSession::failed, &loop, &QEventLoop::quit);
    QTimer::singleShot(60000, &loop, &QEventLoop::quit);
    session_->request_state(parts);
    loop.exec();
}

bool MainWindow::export_text(const QString& path, const std::string& text) {
    try {
        write_file_atomically(path.toStdString(), text);
    } catch (const std::exception& error) {
        report_problem(tr("Export failed"), QString::fromStdString(error.what()));
        return false;
    }
    QSettings().setValue("folders/exports", QFileInfo(path).absolutePath());
    return true;
}

namespace {

QString autosave_folder() { return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation); }

// Held from this process's first autosave to its exit: other instances see its file as in use.
// Owners are told apart by process id only (no age limit: a long session's lock is not stale).
QLockFile& own_autosave_lock() {
    static QLockFile lock(MainWindow::autosave_path() + ".lock");
    lock.setStaleLockTime(0);
    return lock;
}

// True when no running instance holds the lock (left by a crash, or none). A lock naming this
// process's id that is not this instance's own was left by a crashed instance whose id this one
// got: QLockFile counts it as alive, so it is removed when no open lock holds its file.
bool autosave_lock_is_free(const QString& lock_path) {
    QLockFile lock(lock_path);
    lock.setStaleLockTime(0);
    if (lock.tryLock(0)) return true;
    qint64 pid = 0;
    QString host, app;
    if (lock.error() != QLockFile::LockFailedError || !lock.getLockInfo(&pid, &host, &app) || pid != QCoreApplication::applicationPid())
        return false;
    return lock.removeStaleLockFile() && lock.tryLock(0);
}

} // namespace

// Each running instance has its own file, so one instance never overwrites or deletes another's.
// The process id alone does not tell instances apart: a new one may get the id of one that crashed,
// whose autosave must still be offered, not taken over. The time of the first use (at start) makes
// the name this start's.
QString MainWindow::autosave_path() {
    static const qint64 started_ms = QDateTime::currentMSecsSinceEpoch();
    return autosave_folder() + QStringLiteral("/autosave-%1-%2.json").arg(QCoreApplication::applicationPid()).arg(started_ms);
}

void MainWindow::autosave() {
    if (!dirty_) return;
    QDir().mkpath(autosave_folder());
    if (!own_autosave_lock().isLocked()) own_autosave_lock().tryLock(0);
    try {
        save_experiment_atomically(current_experiment(), autosave_path().toStdString()); // as it is, description too
    } catch (const std::exception& error) {
        show_message(tr("Autosave failed: %1").arg(QString::fromStdString(error.what())), 6000);
    }
}

// Offers the newest autosave whose instance is gone (its lock is free): a crash left it behind.
// An autosave that cannot be read is kept beside, renamed, never deleted.
void MainWindow::offer_restore() {
    for (const QFileInfo& file : QDir(autosave_folder()).entryInfoList({"autosave*.json"}, QDir::Files, QDir::Time)) {
        const QString path = file.absoluteFilePath();
        if (path == QFileInfo(autosave_path()).absoluteFilePath()) continue;
        if (!autosave_lock_is_free(path + ".lock")) continue; // its instance is still running
        const auto answer = QMessageBox::question(this, tr("Restore experiment?"),
                                                  tr("F3 Studio did not close normally last time. Restore the experiment it was "
                                                     "working on?"),
                                                  QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes);
        if (answer != QMessageBox::Yes) {
            QFile::remove(path);
            return;
        }
        Experiment e;
        try {
            e = load_experiment(path.toStdString(), nullptr);
        } catch (const std::exception& error) {
            const QString aside = path + QDateTime::currentDateTime().toString(".yyyyMMdd-hhmmss") + ".unreadable";
            QFile::rename(path, aside);
            report_problem(tr("Autosave not restored"),
                           tr("%1\n\nThe autosave is kept as %2.").arg(QString::fromStdString(error.what()), aside));
            return;
        }
        load_setup(e);
        show_recorded_metrics(e.recorded_metrics);
        current_path_.clear(); // the autosave is not the user's file
        dirty_ = true;
        update_title();
        autosave(); // this instance's autosave holds it now
        if (QFile::exists(autosave_path())) QFile::remove(path);
        return;
    }
}

// Space runs or pauses, Right steps one batch, but only when the focused widget has no use for the
// key: a key press reaches the window only if no child took it. (A shortcut would take Space from a
// focused check box or button, so pressing Space on a rule's box started training.)
void MainWindow::keyPressEvent(QKeyEvent* event) {
    if (event->modifiers() != Qt::NoModifier) return QMainWindow::keyPressEvent(event);
    if (event->key() == Qt::Key_Space) toggle_run();
    else if (event->key() == Qt::Key_Right) step_batch();
    else QMainWindow::keyPressEvent(event);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (!maybe_save()) {
        event->ignore();
        return;
    }
    session_->stop();
    save_settings();
    // A normal exit: nothing to restore (unsaved changes the user discarded stay discarded).
    if (interactive_) QFile::remove(autosave_path());
    event->accept();
}

void MainWindow::update_title() {
    const QString name = current_path_.isEmpty() ? (lesson_.isEmpty() ? tr("Untitled") : lesson_) : QFileInfo(current_path_).fileName();
    setWindowTitle(tr("%1[*] — F3 Studio").arg(name));
    setWindowModified(dirty_);
}

void MainWindow::remember_recent(const QString& path) {
    QSettings settings;
    QStringList recent = settings.value("recentFiles").toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    while (recent.size() > 8) recent.removeLast();
    settings.setValue("recentFiles", recent);
    rebuild_recent_menu();
}

void MainWindow::rebuild_recent_menu() {
    recent_menu_->clear();
    const QStringList recent = QSettings().value("recentFiles").toStringList();
    for (const QString& path : recent)
        recent_menu_->addAction(QFileInfo(path).fileName(), this, [this, path] {
            if (maybe_save()) open_file(path);
        })->setToolTip(path);
    recent_menu_->setEnabled(!recent.isEmpty());
}

void MainWindow::show_recorded_metrics(const std::vector<EpochMetrics>& metrics) {
    if (metrics.empty()) return;
    for (const EpochMetrics& m : metrics) {
        const QString rule = QString::fromStdString(m.rule);
        const QColor c = rule_colour(rule);
        loss_->series("test:" + rule, rule_title(rule) + tr(" (recorded)"), c, true)->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 6));
        metric_->series(rule, rule_title(rule) + tr(" (recorded)"), c)->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 6));
        loss_->append("test:" + rule, m.epoch, m.test_loss);
        metric_->append(rule, m.epoch, std::isnan(m.test_accuracy) ? m.test_mse : m.test_accuracy);
    }
    history_ = metrics;
    loss_->refresh();
    metric_->refresh();
}

void MainWindow::restore_settings() {
    QSettings settings;
    restoreGeometry(settings.value("window/geometry").toByteArray());
    restoreState(settings.value("window/state").toByteArray());
    if (settings.value("window/presenter", false).toBool()) presenter_action_->setChecked(true);
}

void MainWindow::save_settings() const {
    QSettings settings;
    if (!presenter_) { // presenter mode's full screen and hidden panels are not the window to restore
        settings.setValue("window/geometry", saveGeometry());
        settings.setValue("window/state", saveState());
    }
    settings.setValue("window/presenter", presenter_);
}

MainWindow::~MainWindow() { session_->stop(); }

void MainWindow::build_views() {
    tabs_ = new QTabWidget;
    auto* curves = new QWidget;
    auto* grid = new QGridLayout(curves);
    loss_ = new CurvePlot(tr("Loss"), tr("epoch"), tr("loss"));
    metric_ = new CurvePlot(tr("Test accuracy"), tr("epoch"), tr("accuracy"));
    alignment_ = new CurvePlot(tr("Update alignment with backprop (per hidden layer)"), tr("epoch"), tr("angle (degrees)"));
    staleness_ = new CurvePlot(tr("F³ staleness: age of the errors used"), tr("epoch"), tr("optimizer steps"));
    staleness_->set_placeholder(tr("Compare F³ to see how old its stored errors are.\n"
                                   "During epoch 1 it uses the targets (like DRTP); ages appear from epoch 2."));
    alignment_->set_placeholder(tr("Angles appear once a rule other than BP and Shallow runs."));
    auto* smoothing_row = new QHBoxLayout;
    smoothing_row->addWidget(new QLabel(tr("Smoothing")));
    smoothing_ = new QSlider(Qt::Horizontal);
    smoothing_->setObjectName("smoothing");
    smoothing_->setRange(0, 99);
    smoothing_->setValue(qRound(loss_->smoothing() * 100));
    smoothing_->setMaximumWidth(220);
    smoothing_->setToolTip(tr("Moving average of the per-batch curves (0: raw values). The raw values stay faint behind.\n"
                              "In a plot: drag to pan, wheel to zoom, double-click for the whole run, click a legend entry to hide it,\n"
                              "right-click to collapse the legend."));
    auto* smoothing_value = new QLabel(QString::number(loss_->smoothing(), 'f', 2));
    smoothing_row->addWidget(smoothing_);
    smoothing_row->addWidget(smoothing_value);
    smoothing_row->addStretch(1);
    connect(smoothing_, &QSlider::valueChanged, this, [this, smoothing_value](int v) {
        smoothing_value->setText(QString::number(v / 100.0, 'f', 2));
        loss_->set_smoothing(v / 100.0);
        alignment_->set_smoothing(v / 100.0);
    });
    grid->addLayout(smoothing_row, 0, 0, 1, 2);
    grid->addWidget(loss_, 1, 0);
    grid->addWidget(metric_, 1, 1);
    grid->addWidget(alignment_, 2, 0);
    grid->addWidget(staleness_, 2, 1);
    grid->setRowStretch(1, 1);
    grid->setRowStretch(2, 1);
    tabs_->addTab(curves, tr("Learning curves"));

    auto* timeline_page = new QWidget;
    auto* tl_layout = new QVBoxLayout(timeline_page);
    measured_clock_ = new QCheckBox(tr("Measured time instead of multiply-adds"));
    tl_layout->addWidget(measured_clock_);
    timeline_ = new TimelinePlot;
    tl_layout->addWidget(timeline_, 1);
    connect(measured_clock_, &QCheckBox::toggled, this, [this] {
        last_timeline_draw_ms_ = -1000;
        update_state_views();
    });
    tabs_->addTab(timeline_page, tr("Update timeline"));

    auto* boundary_page = new QWidget;
    auto* boundary_layout = new QVBoxLayout(boundary_page);
    auto* test_points = new QCheckBox(tr("Show test data"));
    test_points->setObjectName("showTestPoints");
    test_points->setToolTip(tr("Draws the test set as rings over every rule's regions (the training points are the filled "
                               "dots): where a rule is wrong on data it never trained on."));
    boundary_layout->addWidget(test_points);
    boundary_ = new BoundaryPlot;
    boundary_layout->addWidget(boundary_, 1);
    connect(test_points, &QCheckBox::toggled, boundary_, &BoundaryPlot::set_test_points_shown);
    tabs_->addTab(boundary_page, tr("Decision regions"));

    auto* network_page = new QWidget;
    auto* net_layout = new QVBoxLayout(network_page);
    network_rule_ = new QComboBox;
    network_rule_->setObjectName("networkRule");
    net_layout->addWidget(network_rule_);
    network_ = new NetworkDiagram;
    net_layout->addWidget(network_, 1);
    tabs_->addTab(network_page, tr("Network"));

    auto* matrix_page = new QWidget;
    auto* m_layout = new QVBoxLayout(matrix_page);
    auto* m_row = new QHBoxLayout;
    matrix_rule_ = new QComboBox;
    matrix_choice_ = new QComboBox;
    matrix_choice_->setObjectName("matrixChoice");
    m_row->addWidget(matrix_rule_);
    m_row->addWidget(matrix_choice_);
    m_layout->addLayout(m_row);
    heatmap_ = new MatrixHeatmap;
    m_layout->addWidget(heatmap_, 1);
    tabs_->addTab(matrix_page, tr("Matrices"));

    attention_page_ = new QWidget;
    auto* a_layout = new QVBoxLayout(attention_page_);
    auto* a_row = new QHBoxLayout;
    a_row->addWidget(new QLabel(tr("Test image")));
    attention_sample_ = new QSpinBox;
    attention_sample_->setObjectName("attentionSample");
    attention_sample_->setRange(0, 0);
    attention_sample_->setToolTip(tr("Which test image every rule's network looks at"));
    attention_slider_ = new QSlider(Qt::Horizontal);
    attention_slider_->setRange(0, 0);
    attention_slider_->setToolTip(attention_sample_->toolTip());
    attention_block_ = new QComboBox;
    attention_block_->setObjectName("attentionBlock");
    attention_block_->setToolTip(tr("Which transformer block's attention to show"));
    a_row->addWidget(attention_sample_);
    a_row->addWidget(attention_slider_, 1);
    a_row->addWidget(new QLabel(tr("  Block")));
    a_row->addWidget(attention_block_);
    a_layout->addLayout(a_row);
    attention_ = new AttentionView;
    a_layout->addWidget(attention_, 1);
    tabs_->addTab(attention_page_, tr("Attention"));
    connect(attention_sample_, &QSpinBox::valueChanged, this, [this](int v) {
        const QSignalBlocker block(attention_slider_);
        attention_slider_->setValue(v);
        request_view_state();
    });
    connect(attention_slider_, &QSlider::valueChanged, attention_sample_, &QSpinBox::setValue);
    connect(attention_block_, &QComboBox::currentIndexChanged, this, [this](int i) { attention_->set_block(std::max(0, i)); });
    connect(tabs_, &QTabWidget::currentChanged, this, [this] { request_view_state(); });
    sweep_view_ = new SweepView;
    tabs_->addTab(sweep_view_, tr("Sweep"));
    connect(sweep_view_, &SweepView::startRequested, this, [this] {
        if (!panel_->problems().isEmpty()) {
            notice_->setText(tr("Fix the problems listed in the experiment panel first."));
            return;
        }
        sweep_view_->start(panel_->setup());
    });
    connect(sweep_view_, &SweepView::resultsChanged, this, [this] {
        dirty_ = true;
        update_title();
    });
    connect(sweep_view_, &SweepView::openRequested, this, [this](const Experiment& e, const std::vector<EpochMetrics>& history, const QString& what) {
        if (maybe_save()) open_sweep_run(e, history, what);
    });
    // Replot cost of every view, for the status of issue-level speed goals (see --print-metrics).
    const std::pair<QString, QCustomPlot*> views[] = {{"loss", loss_},         {"metric", metric_},   {"alignment", alignment_},
                                                      {"staleness", staleness_}, {"timeline", timeline_}, {"regions", boundary_},
                                                      {"network", network_},     {"matrix", heatmap_},      {"sweep", sweep_view_->summary_plot()}};
    for (const auto& [name, plot] : views)
        connect(plot, &QCustomPlot::afterReplot, this, [this, name = name, plot = plot] {
            ReplotStats& s = replot_stats_[name];
            const double ms = plot->replotTime(false);
            ++s.count;
            s.total_ms += ms;
            s.max_ms = std::max(s.max_ms, ms);
        });
    for (auto* combo : {network_rule_, matrix_rule_, matrix_choice_})
        connect(combo, &QComboBox::currentIndexChanged, this, [this] {
            network_shown_ = matrix_shown_ = false;
            update_state_views();
        });
    for (QCustomPlot* plot : tabs_->findChildren<QCustomPlot*>())
        connect(plot, &QCustomPlot::beforeReplot, plot, [plot] { fit_ticks_to_size(plot); });
    setCentralWidget(tabs_);
}

void MainWindow::build_toolbar() {
    QToolBar* bar = addToolBar(tr("Training"));
    bar->setObjectName("trainingToolbar");
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    run_action_ = bar->addAction(style()->standardIcon(QStyle::SP_MediaPlay), tr("Run"), this, &MainWindow::toggle_run);
    step_action_ = bar->addAction(style()->standardIcon(QStyle::SP_MediaSeekForward), tr("Step batch"), this, &MainWindow::step_batch);
    epoch_action_ = bar->addAction(style()->standardIcon(QStyle::SP_MediaSkipForward), tr("Step epoch"), this, &MainWindow::step_epoch);
    reset_action_ = bar->addAction(style()->standardIcon(QStyle::SP_BrowserReload), tr("Reset"), this, &MainWindow::reset);
    run_action_->setToolTip(tr("Run or pause all checked rules in lock-step (Space)"));
    step_action_->setToolTip(tr("Train one batch, then pause (Right arrow)"));
    bar->addSeparator();
    bar->addWidget(new QLabel(tr(" Speed ")));
    speed_ = new QSlider(Qt::Horizontal);
    speed_->setRange(0, 100);
    speed_->setValue(100);
    speed_->setMaximumWidth(140);
    speed_->setToolTip(tr("Slow training down for demonstrations (full speed at the right)"));
    connect(speed_, &QSlider::valueChanged, this, [this](int v) { session_->set_delay_ms(v >= 100 ? 0 : (100 - v) * 3); });
    bar->addWidget(speed_);
    bar->addSeparator();
    log_action_ = bar->addAction(tr("Log loss"));
    log_action_->setCheckable(true);
    connect(log_action_, &QAction::toggled, this, [this](bool on) { loss_->set_log_y(on); });
    presenter_action_ = bar->addAction(tr("Presenter mode"));
    presenter_action_->setCheckable(true);
    presenter_action_->setShortcut(QKeySequence(Qt::Key_F11));
    connect(presenter_action_, &QAction::toggled, this, &MainWindow::set_presenter_mode);

    auto* escape = new QShortcut(QKeySequence(Qt::Key_Escape), this);
    connect(escape, &QShortcut::activated, this, [this] {
        if (presenter_) presenter_action_->setChecked(false);
    });
}

void MainWindow::load_setup(const Experiment& setup, const QString& lesson) {
    reset();
    lesson_ = lesson;
    panel_->set_setup(setup);
    sweep_view_->show_saved(setup);
    lesson_panel_->show_lesson(lesson.isEmpty() ? std::nullopt : demo_lesson(lesson));
    dirty_ = false;
    update_title();
    update_explanation();
}

void MainWindow::perform_lesson_action(const LessonAction& action) {
    using Kind = LessonAction::Kind;
    switch (action.kind) {
    case Kind::LoadLesson: {
        const int step = lesson_panel_->step(); // the class stays on the step it is at
        if (const auto setup = demo(lesson_)) load_setup(*setup, lesson_);
        lesson_panel_->show_step(step);
        break;
    }
    case Kind::OpenTab:
        for (int i = 0; i < tabs_->count(); ++i)
            if (tabs_->tabText(i).remove('&') == QString::fromStdString(action.tab)) tabs_->setCurrentIndex(i);
        break;
    case Kind::PressRun:
        if (!running_) run();
        break;
    case Kind::RunEpochs: step_epochs(action.count); break;
    case Kind::RunBatches: step_batches(action.count); break;
    case Kind::RunSweep:
        tabs_->setCurrentWidget(sweep_view_);
        emit sweep_view_->startRequested();
        break;
    case Kind::SetHiddenLayers:
    case Kind::SetEpochs:
    case Kind::SetRules: {
        // One setting changed in the panel, as if typed there: the runs of the old setup are cleared.
        Experiment setup = panel_->setup();
        apply_setting(action, setup);
        reset();
        panel_->set_setup(setup);
        sweep_view_->set_current_setup(setup);
        dirty_ = true;
        on_setup_changed();
        update_title();
        update_actions();
        update_explanation();
        show_message(tr("Lesson: %1").arg(QString::fromStdString(action.text)), 6000);
        break;
    }
    }
}

// The worker copies networks, computes decision regions and attention maps only for the view on
// screen (attention for the chosen image): training keeps the cores.
void MainWindow::request_view_state() {
    QWidget* page = tabs_->currentWidget();
    unsigned parts = 0;
    if (page && page->isAncestorOf(boundary_)) parts |= kBoundaries;
    if (page && (page->isAncestorOf(network_) || page->isAncestorOf(heatmap_))) parts |= kNetworks;
    session_->set_state_on_screen(parts);
    session_->set_attention_sample(page == attention_page_ ? attention_sample_->value() : -1);
}

// The panel's learning rate is the one control: a run in progress (or paused) takes it from its next
// batch, and the curves mark where (see on_snapshot). Saving and the next Run read the panel.
void MainWindow::change_learning_rate_live() {
    if (!session_->running() || finished_) return;
    const double lr = panel_->setup().training.optimizer.learning_rate;
    run_setup_.training.optimizer.learning_rate = lr;
    session_->set_learning_rate(lr);
}

void MainWindow::open_sweep_run(const Experiment& experiment, const std::vector<EpochMetrics>& history, const QString& what) {
    reset();
    lesson_.clear();
    lesson_panel_->show_lesson(std::nullopt);
    panel_->set_setup(experiment);
    sweep_view_->set_current_setup(experiment); // the sweep stays in its tab, marked as other settings'
    current_path_.clear();         // a new experiment: Save must not overwrite the sweep's file
    show_recorded_metrics(history);
    dirty_ = true;
    update_title();
    update_explanation();
    tabs_->setCurrentIndex(0);
    show_message(tr("Opened %1 — Run trains it again").arg(what), 8000);
}

void MainWindow::start(bool paused) {
    if (!panel_->problems().isEmpty()) {
        notice_->setText(tr("Fix the problems listed in the experiment panel first."));
        return;
    }
    clear_views();
    finished_ = false;
    Experiment setup = panel_->setup();
    // Threads libgomp cannot start would end the app: the run takes one (Comparison) and says so.
    if (const std::string problem = openmp_threads_problem(setup.training.threads); !problem.empty())
        notice_->setText(QString::fromStdString(problem));
    run_setup_ = setup;
    setup.instruments.alignment = true; // every view is live in the app (measuring changes no numbers)
    setup.instruments.timeline = true;
    set_status(tr("Loading %1…").arg(QString::fromStdString(setup.dataset.source)));
    session_->start(setup, paused);
}

void MainWindow::run() {
    if (!session_->running() || finished_) start(false);
    else session_->set_paused(false);
    running_ = session_->running();
    update_actions();
}

void MainWindow::pause() {
    session_->set_paused(true);
    running_ = false;
    update_actions();
}

void MainWindow::toggle_run() {
    if (running_) pause();
    else run();
}

void MainWindow::step_batch() { step_batches(1); }

void MainWindow::step_epoch() { step_epochs(1); }

void MainWindow::step_batches(int batches) {
    if (!session_->running() || finished_) start(true);
    session_->set_paused(true);
    session_->step_batch(batches);
    running_ = false;
    update_actions();
}

void MainWindow::step_epochs(int epochs) {
    if (!session_->running() || finished_) start(true);
    session_->set_paused(true);
    session_->step_epoch(epochs);
    running_ = false;
    update_actions();
}

void MainWindow::reset() {
    session_->stop();
    running_ = false;
    finished_ = false;
    clear_views();
    set_status(tr("Reset. Press Run (Space) or Step (→)."));
    update_actions();
}

void MainWindow::update_actions() {
    const bool ok = panel_->problems().isEmpty();
    run_action_->setText(running_ ? tr("Pause") : tr("Run"));
    run_action_->setIcon(style()->standardIcon(running_ ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
    run_action_->setEnabled(ok || running_);
    step_action_->setEnabled(ok);
    epoch_action_->setEnabled(ok);
}

void MainWindow::clear_views() {
    for (CurvePlot* p : {loss_, metric_, alignment_, staleness_}) {
        p->clear_series();
        p->replot();
    }
    timeline_->clear();
    network_->clear();
    heatmap_->clear();
    show_data_preview();
    networks_.clear();
    boundaries_.clear();
    timelines_.clear();
    staleness_spread_.clear();
    network_shown_ = matrix_shown_ = false;
    attention_->clear();
    feedback_.reset();
    completed_epochs_ = 0;
    compute_samples_per_s_ = 0.0;
    last_samples_per_s_.clear();
    status_->setToolTip(QString());
    history_.clear();
    instrument_history_.clear();
    replot_stats_.clear();
    notice_->clear();
}

void MainWindow::on_prepared(const SessionInfo& info) {
    info_ = info;
    const bool regression = info.task == Task::Regression;
    metric_->set_title(regression ? tr("Test MSE") : tr("Test accuracy"));
    metric_->yAxis->setLabel(regression ? tr("mean squared error") : tr("accuracy"));
    const int hidden = static_cast<int>(info.widths.size()) - 2;
    for (const QString& rule : info.rules) {
        const QColor c = rule_colour(rule);
        // Per-batch training losses are noisy: their moving average strong, the raw values faint.
        loss_->smoothed_series("train:" + rule, rule_title(rule), c);
        loss_->series("test:" + rule, rule_title(rule) + tr(" (test)"), c, true)->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 6));
        loss_->graph(loss_->graphCount() - 1)->removeFromLegend();
        metric_->series(rule, rule_title(rule), c)->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 6));
        const RuleTraits traits = rule_traits(rule);
        if (traits.trains_hidden && !traits.true_gradient()) // alignment with BP means nothing for BP itself
            for (int layer = 0; layer < hidden; ++layer) {
                QCPGraph* g = alignment_->smoothed_series(QString("%1/%2").arg(rule).arg(layer), QString("%1 L%2").arg(rule_title(rule)).arg(layer + 1), c);
                QPen pen = g->pen();
                pen.setStyle(layer_style(layer, hidden));
                g->setPen(pen);
            }
        if (traits.stores_error) staleness_->band_series(rule, rule_title(rule), c);
    }
    network_rule_->blockSignals(true);
    matrix_rule_->blockSignals(true);
    matrix_choice_->blockSignals(true);
    network_rule_->clear();
    matrix_rule_->clear();
    matrix_choice_->clear();
    for (const QString& rule : info.rules) {
        network_rule_->addItem(rule_title(rule), rule);
        matrix_rule_->addItem(rule_title(rule), rule);
    }
    // Every parameter of every stage by its name ("W", "b"; a transformer stage's "Wqkv", "LN1 gain"...).
    int output_weights = 0;
    for (int st = 0; st < info.network.stage_count(); ++st) {
        const std::vector<Parameter> parameters = info.network.stage(st).parameters();
        const bool output = st + 1 == info.network.stage_count();
        for (std::size_t p = 0; p < parameters.size() && p < static_cast<std::size_t>(kParametersPerStage); ++p) {
            const QString name = QString::fromStdString(parameters[p].name);
            const QString shape = QString("%1×%2").arg(parameters[p].rows).arg(parameters[p].cols);
            QString text = name.size() <= 1 ? tr("%1%2  %3").arg(name).arg(st + 1).arg(shape) : tr("stage %1: %2  %3").arg(st + 1).arg(name, shape);
            if (output && p == 0) {
                text += tr(" (output weights)");
                output_weights = matrix_choice_->count();
            }
            matrix_choice_->addItem(text, st * kParametersPerStage + static_cast<int>(p) + 1);
        }
    }
    for (int i = 1; i <= hidden; ++i) matrix_choice_->addItem(tr("B%1 (feedback to stage %1, DFA/DRTP/F³)").arg(i), -i);
    if (hidden > 0) matrix_choice_->setCurrentIndex(output_weights); // the output weights: where alignment shows
    network_rule_->blockSignals(false);
    matrix_rule_->blockSignals(false);
    matrix_choice_->blockSignals(false);
    boundary_->prepare(info);
    {
        const QSignalBlocker block_spin(attention_sample_), block_slider(attention_slider_), block_combo(attention_block_);
        const int last = static_cast<int>(std::max<Index>(0, info.test_size - 1));
        attention_sample_->setRange(0, last);
        attention_slider_->setRange(0, last);
        attention_slider_->setValue(attention_sample_->value());
        const int previous = attention_block_->currentIndex();
        attention_block_->clear();
        for (int b = 0; b < info.attention_blocks; ++b) attention_block_->addItem(tr("%1 of %2").arg(b + 1).arg(info.attention_blocks));
        attention_block_->setCurrentIndex(std::clamp(previous, 0, std::max(0, info.attention_blocks - 1)));
        attention_->set_block(attention_block_->currentIndex());
    }
    attention_->prepare(info.rules, info.class_names, info.attention_blocks);
    attention_->set_placeholder(info.attention_blocks > 0 ? tr("Computing the attention maps…")
                                                          : tr("This network has no attention: choose Transformer in the experiment panel."));
    request_view_state();
    set_status(tr("%1: %2 training samples per epoch in %3 batches").arg(info.dataset_name).arg(info.train_size).arg(info.batches_per_epoch) +
               (info.task_note.isEmpty() ? QString() : tr(" · %1 (change it in Task)").arg(info.task_note)));
    update_explanation();
}

void MainWindow::on_snapshot(const SnapshotPtr& snapshot) {
    const TrainingSnapshot& s = *snapshot;
    const int rules = static_cast<int>(info_.rules.size());
    for (std::size_t k = 0; k < s.loss_x.size(); ++k)
        for (int r = 0; r < rules; ++r) loss_->append("train:" + info_.rules[r], s.loss_x[k], s.loss_y[k][static_cast<std::size_t>(r)]);
    history_.insert(history_.end(), s.epochs.begin(), s.epochs.end());
    for (const EpochMetrics& m : s.epochs) {
        const QString rule = QString::fromStdString(m.rule);
        loss_->append("test:" + rule, m.epoch, m.test_loss);
        metric_->append(rule, m.epoch, info_.task == Task::Classification ? m.test_accuracy : m.test_mse);
        completed_epochs_ = std::max(completed_epochs_, m.epoch);
        if (m.samples_per_s > 0) compute_samples_per_s_ = m.samples_per_s;
    }
    if (s.resumed_seconds > 0.0 && s.resumed_samples > 0) show_delivered_rate(s);
    const double per_epoch = static_cast<double>(std::max<Index>(1, info_.batches_per_epoch));
    for (const InstrumentReport& report : s.instruments) {
        const double x = static_cast<double>(report.step + 1) / per_epoch;
        for (std::size_t r = 0; r < report.instruments.size(); ++r) {
            const QString rule = QString::fromStdString(report.rules[r]);
            const auto& layers = report.instruments[r].layers;
            for (std::size_t layer = 0; layer < layers.size(); ++layer)
                alignment_->append(QString("%1/%2").arg(rule).arg(layer), x, layers[layer].update_angle_deg);
            add_staleness(rule, static_cast<int>(report.step / std::max<Index>(1, info_.batches_per_epoch)) + 1,
                          report.instruments[r].staleness.mean_age_steps);
        }
        if (!report.timelines.empty()) timelines_ = report.timelines;
        if (instrument_history_.size() < 200000) instrument_history_.push_back(report); // bounded on long runs
    }
    for (const QString& message : s.messages) notice_->setText(message);
    for (const auto& [x, lr] : s.learning_rates)
        for (CurvePlot* p : {loss_, metric_, alignment_, staleness_}) p->add_marker(x, tr("lr %1").arg(lr, 0, 'g', 6));
    for (CurvePlot* p : {loss_, metric_, alignment_, staleness_}) p->refresh();
    if (!s.networks.empty()) {
        networks_ = s.networks;
        feedback_ = s.feedback;
        network_shown_ = matrix_shown_ = false;
    }
    if (!s.boundary.empty()) boundaries_ = s.boundary;
    if (!s.attention.empty()) attention_->show_attention(s);
    update_state_views();
    const int epoch = std::min(s.epoch, info_.epochs);
    set_status(tr("%1 · epoch %2 of %3 · batch %4 of %5 · %6%7")
                   .arg(info_.dataset_name)
                   .arg(epoch)
                   .arg(info_.epochs)
                   .arg(s.finished ? info_.batches_per_epoch : s.batch)
                   .arg(info_.batches_per_epoch)
                   .arg(last_samples_per_s_)
                   .arg(s.finished ? tr(" · finished") : (running_ ? QString() : tr(" · paused"))));
}

// What a class waits for: samples per rule over wall-clock time, not the training steps' own rate.
void MainWindow::show_delivered_rate(const TrainingSnapshot& s) {
    const QLocale locale;
    const double delivered = static_cast<double>(s.resumed_samples) / s.resumed_seconds;
    last_samples_per_s_ = tr("%1 samples/s per rule").arg(locale.toString(delivered, 'f', 0));
    const QString seconds = s.resumed_seconds >= 10.0 ? locale.toString(s.resumed_seconds, 'f', 1) : locale.toString(s.resumed_seconds, 'g', 3);
    QString tip = tr("Delivered: %1 samples per rule trained in %2 s of wall-clock time since the run started or resumed "
                     "(evaluation, instruments and drawing included).")
                      .arg(locale.toString(static_cast<qlonglong>(s.resumed_samples)), seconds);
    if (compute_samples_per_s_ > 0.0)
        tip += tr("\nThe training steps alone (compute only, last epoch): %1 samples/s per rule.").arg(locale.toString(compute_samples_per_s_, 'f', 0));
    status_->setToolTip(tip);
}

// A finished or paused run belongs to the experiment it was started with: once the panel says
// otherwise, every view goes back to the new experiment's start. A run in progress keeps its views.
void MainWindow::on_setup_changed() {
    if (running_) return;
    const bool live_change = session_->running() && !finished_ && to_json(panel_->setup()) == to_json(run_setup_);
    if (live_change) return; // a learning rate the paused run took: it goes on
    if (session_->running()) reset();
    else show_data_preview();
}

void MainWindow::show_data_preview() {
    const Experiment setup = panel_->setup();
    const DatasetSpec& d = setup.dataset;
    const std::string source = d.source;
    const bool toy = is_toy_source(source);
    // Toy sets are drawn in microseconds and CSV files are small; image sets are never 2-D.
    const std::string key = source + '\n' + d.target + '\n' + std::to_string(d.csv_task ? static_cast<int>(*d.csv_task) : -1) + '\n' +
                            std::to_string(d.toy.size) + '\n' + std::to_string(d.toy.noise) + '\n' + std::to_string(d.toy.seed) + '\n' +
                            std::to_string(d.toy.test_fraction) + '\n' + std::to_string(setup.train_limit);
    if (key != preview_key_) {
        preview_ = SessionInfo{};
        if (toy || source.rfind("csv:", 0) == 0) {
            try {
                describe_points(load_experiment_data(setup), preview_);
            } catch (const std::exception&) {
                preview_ = SessionInfo{}; // the panel lists the problem; the view says it has no 2-D data
            }
        }
        preview_key_ = key;
    }
    preview_.rules.clear();
    for (const auto& rule : setup.training.rules) preview_.rules << QString::fromStdString(to_string(rule));
    boundary_->prepare(preview_);
}

// Staleness rises and falls within every epoch (the batch order is reshuffled): one point per epoch,
// the mean of its sampled steps, with a band from the lowest to the highest.
void MainWindow::add_staleness(const QString& rule, int epoch, double age) {
    if (!std::isfinite(age)) return;
    EpochSpread& s = staleness_spread_[rule];
    if (s.epoch != epoch) s = EpochSpread{epoch, 0.0, 0, age, age};
    s.sum += age;
    ++s.count;
    s.low = std::min(s.low, age);
    s.high = std::max(s.high, age);
    staleness_->set_band_point(rule, epoch, s.sum / s.count, s.low, s.high);
}

void MainWindow::update_state_views(QCustomPlot* forced) {
    const int tab = tabs_->currentIndex();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const int hidden = static_cast<int>(info_.widths.size()) - 2;
    // Redraw the timeline at most twice a second: it is read, not watched.
    if ((tab == 1 || forced == timeline_ || timeline_->bar_count() == 0) && !timelines_.empty() &&
        (forced == timeline_ || now - last_timeline_draw_ms_ > 500)) {
        QStringList names;
        std::vector<Timeline> shown;
        for (const auto& t : timelines_) {
            names << QString::fromStdString(t.rule);
            shown.push_back(measured_clock_->isChecked() ? t.measured : t.logical);
        }
        timeline_->show_timelines(names, shown, hidden, measured_clock_->isChecked());
        last_timeline_draw_ms_ = now;
    }
    // Hidden views are only redrawn when they come into sight (or once, so each has content).
    if (!boundaries_.empty() && (tab == 2 || forced == boundary_ || !boundary_->has_content())) {
        boundary_->show_boundaries(boundaries_);
        boundaries_.clear();
    }
    if (networks_.empty()) return;
    if ((tab == 3 && !network_shown_) || forced == network_ || !network_->has_content()) {
        network_shown_ = true;
        const int r = std::max(0, network_rule_->currentIndex());
        const PlaneBox plane{info_.x_min, info_.x_max, info_.y_min, info_.y_max};
        if (r < static_cast<int>(networks_.size()))
            network_->show_network(networks_[static_cast<std::size_t>(r)], rule_title(info_.rules[r]), info_.inputs == 2 ? &plane : nullptr);
    }
    if ((tab == 4 && !matrix_shown_) || forced == heatmap_ || (!matrix_shown_ && !heatmap_->has_content())) {
        matrix_shown_ = true;
        const int r = std::max(0, matrix_rule_->currentIndex());
        const int choice = matrix_choice_->currentData().toInt();
        if (r >= static_cast<int>(networks_.size())) return;
        const Network& network = networks_[static_cast<std::size_t>(r)];
        const int stage = (choice - 1) / kParametersPerStage, parameter = (choice - 1) % kParametersPerStage;
        if (choice > 0 && stage < network.stage_count()) {
            const std::vector<Parameter> parameters = network.stage(stage).parameters();
            if (parameter < static_cast<int>(parameters.size()))
                heatmap_->show_matrix(parameters[static_cast<std::size_t>(parameter)].matrix(),
                                      tr("%1: %2").arg(rule_title(info_.rules[r]), matrix_choice_->currentText()));
        }
        else if (choice < 0 && feedback_ && -choice <= static_cast<int>(feedback_->direct.size()))
            heatmap_->show_matrix(feedback_->direct[static_cast<std::size_t>(-choice - 1)], tr("B%1 (fixed, shared by all rules)").arg(-choice));
    }
}

void MainWindow::on_failed(const QString& message) {
    running_ = false;
    last_problem_ = message; // a run that could not start is a problem: --screenshot exits with it
    notice_->setText(message);
    set_status(tr("Stopped: %1").arg(message));
    update_actions();
}

void MainWindow::update_explanation() {
    // The lesson's steps are in the lesson panel above.
    QString html = kPlotHelp[std::clamp(tabs_->currentIndex(), 0, static_cast<int>(std::size(kPlotHelp)) - 1)];
    html += tr("<h3>The rules</h3>");
    const Experiment setup = panel_->setup();
    for (const auto& rule : setup.training.rules) {
        const QString name = QString::fromStdString(to_string(rule));
        html += QString("<p><b style='color:%1'>%2</b>: %3</p>").arg(rule_colour(name).name(), rule_title(name), rule_explanation(name));
    }
    explanation_->setHtml(html);
}

// A teacher presenting a lesson keeps its steps: the help panel shows them alone (the help on the
// view is hidden), in a quarter of the screen's width; without a lesson it stays hidden.
void MainWindow::show_presenter_panels() {
    auto* help_dock = findChild<QDockWidget*>("helpDock");
    const bool lesson = lesson_panel_->lesson().has_value();
    help_dock->setVisible(lesson);
    if (lesson) resizeDocks({help_dock}, {screen()->availableGeometry().width() / 4}, Qt::Horizontal);
}

void MainWindow::set_status(const QString& text) {
    status_text_ = text;
    if (!message_timer_->isActive()) status_->setText(text);
}

void MainWindow::show_message(const QString& text, int ms) {
    status_->setText(text);
    message_timer_->start(ms);
}

void MainWindow::set_presenter_mode(bool on) {
    const bool changed = presenter_ != on; // the toolbar action calls back here once more
    presenter_ = on;
    QFont f = QApplication::font();
    f.setPointSizeF(f.pointSizeF() * (on ? 1.5 : 1.0));
    setFont(f);
    for (CurvePlot* p : {loss_, metric_, alignment_, staleness_, sweep_view_->curves_plot()}) p->set_line_width(on ? 3.2 : 1.6);
    for (QCustomPlot* p : findChildren<QCustomPlot*>()) set_plot_font(p, f);
    // The panels give their room to the plots; they come back as they were when presenter mode ends.
    for (QDockWidget* dock : findChildren<QDockWidget*>()) {
        if (!changed) break;
        if (on) {
            dock->setProperty("shownBeforePresenter", dock->isVisible());
            dock->setProperty("widthBeforePresenter", dock->width());
            dock->hide();
        } else if (dock->property("shownBeforePresenter").toBool()) {
            dock->show();
            resizeDocks({dock}, {dock->property("widthBeforePresenter").toInt()}, Qt::Horizontal);
        }
    }
    explanation_->setVisible(!on);
    if (on && changed) {
        show_presenter_panels();
        tabs_->setFocus(); // keys drive the run, not the lesson text that focus would fall to from a hidden panel
    }
    // The screen's available area first: full screen needs a window manager, a projector may have none.
    if (on) {
        setGeometry(screen()->availableGeometry());
        showFullScreen();
    } else {
        showNormal();
    }
    if (on) show_message(tr("Presenter mode: panels hidden (a lesson's steps stay), Esc or F11 to leave"), 8000);
    if (presenter_action_->isChecked() != on) presenter_action_->setChecked(on);
}


} // namespace f3::gui
