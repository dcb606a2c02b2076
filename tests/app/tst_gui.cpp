// The desktop app, offscreen: build a network through the widgets, run, pause, step, reset, keys,
// presenter mode; the GUI thread keeps handling events while training runs. Saves a screenshot of
// every main view to F3_ARTIFACTS_DIR.
#include "attention_view.hpp"
#include "demos.hpp"
#include "gui_test_support.hpp"
#include "experiment_panel.hpp"
#include "main_window.hpp"
#include "plots.hpp"
#include "sweep_view.hpp"

#include <QCheckBox>
#include <QMenuBar>
#include <QMenu>
#include <QDockWidget>
#include <QComboBox>
#include <QLineEdit>
#include <QSignalSpy>
#include <QDir>
#include <QDoubleSpinBox>
#include <QStatusBar>
#include <QToolBar>
#include <QElapsedTimer>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableWidget>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QWheelEvent>
#include <QtTest>

#include "f3/io/experiment.hpp"
#include "f3/io/names.hpp"
#include "f3/observe/report.hpp"
#include "f3/train/sweep_runner.hpp"

using namespace f3;
using namespace f3::gui;

namespace {

// Sanitizer builds (tools/dev.sh test runs the suite under ASan + UBSan) train about ten times
// slower; the tests that wait for whole epochs train less there, so every wait stays within its
// limit. What they check is the same.
#ifdef F3_SANITIZED // cmake/sanitizers.cmake
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

using test::kWaitMs;
using test::quick_spiral;

// Follows the GUI-side session (never the worker object, which lives in another thread).
struct StepWatcher {
    std::int64_t step = -1;
    int snapshots = 0;
    bool idle = false; // the worker said it stopped training (paused, nothing pending)
    explicit StepWatcher(TrainingSession* session) {
        QObject::connect(session, &TrainingSession::snapshotReceived, session, [this](const SnapshotPtr& s) {
            step = s->step;
            idle = s->idle;
            ++snapshots;
        });
    }
};

// Fills the Sweep tab's controls as a user would: pick parameters, type values, set seeds.
void set_sweep_controls(SweepView* view, const QStringList& parameters, const QStringList& values, int seeds) {
    for (int a = 0; a < 2; ++a) {
        auto* combo = view->findChild<QComboBox*>(QStringLiteral("sweepParameter%1").arg(a + 1));
        combo->setCurrentIndex(a < parameters.size() ? combo->findData(parameters[a]) : 0);
        if (a < parameters.size()) {
            auto* edit = view->findChild<QLineEdit*>(QStringLiteral("sweepValues%1").arg(a + 1));
            edit->selectAll();
            QTest::keyClicks(edit, values[a]);
        }
    }
    view->findChild<QSpinBox*>("sweepSeeds")->setValue(seeds);
}

// Lays out and draws what is pending now, instead of waiting some milliseconds for it: posted
// events (layouts of a tab just shown) and every plot's queued replot.
void settle(QWidget* widget) {
    QCoreApplication::sendPostedEvents();
    QCoreApplication::processEvents();
    for (QCustomPlot* plot : widget->findChildren<QCustomPlot*>()) plot->replot();
}

void save(QWidget* widget, const QString& name) {
    settle(widget);
    const QString dir = QStringLiteral(F3_ARTIFACTS_DIR);
    QDir().mkpath(dir);
    QVERIFY(widget->grab().save(dir + "/" + name + ".png"));
}

} // namespace

class TestGui : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); } // settings and autosave in a test location

    void build_a_network_through_the_widgets() {
        MainWindow window;
        window.show();
        ExperimentPanel* panel = window.experiment_panel();
        auto* remove = panel->findChild<QPushButton*>("removeLayer");
        auto* add = panel->findChild<QPushButton*>("addLayer");
        while (panel->layer_count() > 0) QTest::mouseClick(remove, Qt::LeftButton);
        for (int i = 0; i < 3; ++i) QTest::mouseClick(add, Qt::LeftButton);
        QCOMPARE(panel->layer_count(), 3);
        auto* table = panel->findChild<QTableWidget*>("layers");
        auto* width = qobject_cast<QSpinBox*>(table->cellWidget(1, 0));
        width->selectAll();
        QTest::keyClicks(width, "48");
        QCOMPARE(panel->setup().training.hidden[1].width, 48);
        // Rules are toggles: turn all off, the panel explains, Run refuses.
        for (auto* box : panel->findChildren<QCheckBox*>())
            if (box->objectName().startsWith("rule_") && box->isChecked()) QTest::mouseClick(box, Qt::LeftButton, {}, QPoint(8, box->height() / 2));
        QVERIFY(panel->setup().training.rules.empty());
        auto* problems = panel->findChild<QLabel*>("problems");
        QVERIFY(problems->text().contains("at least one training rule"));
        for (const char* name : {"rule_f3", "rule_bp"}) {
            auto* box = panel->findChild<QCheckBox*>(name);
            QTest::mouseClick(box, Qt::LeftButton, {}, QPoint(8, box->height() / 2));
        }
        QCOMPARE(panel->setup().training.rules.size(), std::size_t{2});
        QVERIFY(problems->text().isEmpty());
    }

    void run_pause_step_reset() {
        MainWindow window;
        window.show();
        window.load_setup(quick_spiral(400));
        StepWatcher watcher(window.session());
        window.run();
        QTRY_VERIFY_WITH_TIMEOUT(window.loss_plot()->point_count("train:bp") > 5, kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(window.alignment_plot()->point_count("dfa/1") > 0, kWaitMs);
        window.pause();
        QTRY_VERIFY_WITH_TIMEOUT(watcher.idle, kWaitMs); // the batch in flight has finished and been reported
        // Paused, nothing trains: each manual step then adds exactly one (a step taken while paused
        // would show as more), checked on the reported states, not by waiting a while.
        const std::int64_t paused_at = watcher.step;
        for (std::int64_t n = 1; n <= 2; ++n) {
            watcher.idle = false;
            window.step_batch();
            QTRY_VERIFY_WITH_TIMEOUT(watcher.idle && watcher.step > paused_at + n - 1, kWaitMs);
            QCOMPARE(watcher.step, paused_at + n);
        }
        window.reset();
        QCOMPARE(window.loss_plot()->point_count("train:bp"), 0);
        QVERIFY(!window.session()->running());
    }

    // One learning-rate control, the panel's: a paused run takes a new value from its next batch
    // without starting over, the curves mark where with the value, and saving and the next Run use it.
    void a_live_learning_rate_change_is_marked_and_kept() {
        QTemporaryDir dir;
        MainWindow window;
        window.set_interactive(false);
        window.show();
        window.load_setup(quick_spiral(2));
        QVERIFY(window.findChild<QToolBar*>("trainingToolbar")->findChildren<QDoubleSpinBox*>().isEmpty());
        auto* learning_rate = window.experiment_panel()->findChild<QDoubleSpinBox*>("learningRate");
        StepWatcher watcher(window.session());
        window.step_batch();
        QTRY_VERIFY_WITH_TIMEOUT(watcher.idle && watcher.step == 1, kWaitMs);
        const int points = window.loss_plot()->point_count("train:bp");
        QVERIFY(points > 0);
        learning_rate->setValue(0.0123);
        QVERIFY(window.session()->running()); // the paused run goes on with the new value
        QCOMPARE(window.loss_plot()->point_count("train:bp"), points);
        bool finished = false;
        connect(&window, &MainWindow::runFinished, this, [&] { finished = true; });
        window.run();
        QTRY_VERIFY_WITH_TIMEOUT(finished, kWaitMs);
        QCOMPARE(watcher.step, std::int64_t{2 * window.session()->info().batches_per_epoch});
        for (CurvePlot* plot : {window.loss_plot(), window.metric_plot(), window.alignment_plot()})
            QCOMPARE(plot->marker_texts(), QStringList{"lr 0.0123"});
        QCOMPARE(window.current_experiment().training.optimizer.learning_rate, 0.0123);
        const QString path = dir.filePath("changed.json");
        QVERIFY(window.save_to(path));
        QCOMPARE(load_experiment(path.toStdString(), nullptr).training.optimizer.learning_rate, 0.0123);
        finished = false;
        window.run(); // a new run starts with the value shown: nothing to mark
        QTRY_VERIFY_WITH_TIMEOUT(finished, kWaitMs);
        QVERIFY(window.loss_plot()->marker_texts().isEmpty());
    }

    // The status bar's rate is what the run delivered, samples per rule over wall-clock time, not the
    // training steps' own rate: the tooltip gives both, and the shown number is samples over seconds.
    void status_shows_the_delivered_rate() {
        MainWindow window;
        window.set_interactive(false);
        window.show();
        window.load_setup(quick_spiral(2));
        bool finished = false;
        connect(&window, &MainWindow::runFinished, this, [&] { finished = true; });
        window.run();
        QTRY_VERIFY_WITH_TIMEOUT(finished, kWaitMs);
        QLabel* status = nullptr;
        for (QLabel* label : window.statusBar()->findChildren<QLabel*>())
            if (label->text().contains("samples/s per rule")) status = label;
        QVERIFY(status);
        const QLocale locale;
        auto number = [&locale](const QString& text, const QString& pattern) {
            const QRegularExpressionMatch match = QRegularExpression(pattern).match(text);
            return match.hasMatch() ? locale.toDouble(match.captured(1)) : -1.0;
        };
        const double shown = number(status->text(), "([\\d.,]+) samples/s per rule");
        const QString tip = status->toolTip();
        const double samples = number(tip, "Delivered: ([\\d.,]+) samples per rule");
        const double seconds = number(tip, "trained in ([\\d.,]+) s of wall-clock");
        const double compute = number(tip, "compute only, last epoch\\): ([\\d.,]+) samples/s");
        QVERIFY2(shown > 0 && seconds > 0 && compute > 0, qPrintable(status->text() + "\n" + tip));
        QCOMPARE(samples, 2.0 * static_cast<double>(window.session()->info().train_size)); // ran without a pause
        QVERIFY2(std::abs(shown - samples / seconds) <= 0.02 * shown + 1.0, qPrintable(status->text() + "\n" + tip));
        QCOMPARE(compute, std::round(window.epoch_history().back().samples_per_s));
        QVERIFY2(shown < compute, qPrintable(tip)); // wall clock includes evaluation and instruments
    }

    void keys_drive_the_run() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.load_setup(quick_spiral(400));
        StepWatcher watcher(window.session());
        window.activateWindow();
        window.tabs()->setFocus();
        QTest::keyClick(window.tabs(), Qt::Key_Right); // step one batch (starts paused)
        QTRY_COMPARE_WITH_TIMEOUT(watcher.step, std::int64_t{1}, kWaitMs);
        QTest::keyClick(window.tabs(), Qt::Key_Space); // run
        QTRY_VERIFY_WITH_TIMEOUT(watcher.step > 5, kWaitMs);
        QTest::keyClick(window.tabs(), Qt::Key_Space); // pause
        QTRY_VERIFY_WITH_TIMEOUT(watcher.idle, kWaitMs);
        const std::int64_t paused_at = watcher.step;
        watcher.idle = false;
        QTest::keyClick(window.tabs(), Qt::Key_Right); // paused: one step, exactly
        QTRY_VERIFY_WITH_TIMEOUT(watcher.idle && watcher.step > paused_at, kWaitMs);
        QCOMPARE(watcher.step, paused_at + 1);
    }

    // Space on a focused check box toggles it; it does not start training (it used to: a shortcut).
    void space_on_a_check_box_is_the_check_box_s() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        window.load_setup(quick_spiral(400));
        window.activateWindow();
        QCheckBox* box = nullptr;
        for (QCheckBox* candidate : window.experiment_panel()->findChildren<QCheckBox*>())
            if (candidate->isVisible() && candidate->isEnabled()) box = candidate;
        QVERIFY(box);
        box->setFocus();
        const bool was = box->isChecked();
        QTest::keyClick(box, Qt::Key_Space);
        QCOMPARE(box->isChecked(), !was);
        QVERIFY(!window.session()->running());
        QCOMPARE(window.completed_epochs(), 0);
    }

    // A closed panel comes back from the View menu (it used to need a right-click on the toolbar).
    void view_menu_brings_a_closed_panel_back() {
        MainWindow window;
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* help = window.findChild<QDockWidget*>("helpDock");
        QVERIFY(help);
        help->close();
        QVERIFY(!help->isVisible());
        QMenu* view = nullptr;
        for (QAction* menu : window.menuBar()->actions())
            if (menu->text() == "&View") view = menu->menu();
        QVERIFY(view);
        QVERIFY(view->actions().contains(help->toggleViewAction()));
        help->toggleViewAction()->trigger();
        QVERIFY(help->isVisible());
    }

    // While the worker trains, the GUI thread must keep serving its event loop. Measures the largest
    // gap between 5 ms timer ticks (reported, not asserted: tests do not assert wall-clock times) and
    // checks that many ticks ran while training was still in progress.
    void gui_stays_responsive_while_training() {
        MainWindow window;
        window.show();
        Experiment heavy = quick_spiral(60);
        heavy.dataset.toy.size = kSanitized ? 2000 : 4000;
        const int width = kSanitized ? 64 : 256; // the decision regions' 72 x 72 grid costs width^2 a cell
        heavy.training.hidden = {{width, Activation::Tanh}, {width, Activation::Tanh}};
        window.load_setup(heavy);
        QElapsedTimer clock;
        qint64 last = -1, worst = 0;
        int ticks_while_training = 0;
        QTimer ticker;
        ticker.setInterval(5);
        connect(&ticker, &QTimer::timeout, this, [&] {
            const qint64 now = clock.elapsed();
            if (last >= 0) worst = std::max(worst, now - last);
            last = now;
            if (window.session()->running() && window.completed_epochs() < 60) ++ticks_while_training;
        });
        bool finished = false;
        connect(&window, &MainWindow::runFinished, this, [&] { finished = true; });
        clock.start();
        ticker.start();
        window.run();
        QTRY_VERIFY_WITH_TIMEOUT(window.completed_epochs() >= 3, kWaitMs);
        window.pause();
        qInfo("largest event-loop gap while training: %lld ms over %d ticks", worst, ticks_while_training);
        QVERIFY(ticks_while_training > 20);
        QVERIFY(!finished);
    }

    void save_open_export_and_autosave() {
        QTemporaryDir dir;
        MainWindow window;
        window.set_interactive(false);
        window.show();
        window.load_setup(quick_spiral(2));
        QVERIFY(!window.has_unsaved_changes());
        window.experiment_panel()->add_layer(8); // any edit marks the experiment changed
        QVERIFY(window.has_unsaved_changes());
        QVERIFY(window.windowTitle().contains("[*]") || window.isWindowModified());
        bool finished = false;
        connect(&window, &MainWindow::runFinished, this, [&] { finished = true; });
        window.run();
        QTRY_VERIFY_WITH_TIMEOUT(finished, kWaitMs);

        window.autosave();
        QVERIFY(QFile::exists(MainWindow::autosave_path()));
        QVERIFY(load_experiment(MainWindow::autosave_path().toStdString(), nullptr).training.hidden.size() == 3);

        const QString path = dir.filePath("run.json");
        QVERIFY(window.save_to(path));
        QVERIFY(!window.has_unsaved_changes());
        QVERIFY(!QFile::exists(MainWindow::autosave_path())); // saved: nothing left to restore
        const Experiment saved = load_experiment(path.toStdString(), nullptr);
        QCOMPARE(saved.recorded_metrics.size(), window.epoch_history().size());
        QCOMPARE(saved.training.hidden.size(), std::size_t{3});

        MainWindow reopened;
        reopened.set_interactive(false);
        QVERIFY(reopened.open_file(path));
        QCOMPARE(reopened.experiment_panel()->setup().training.hidden.size(), std::size_t{3});
        QCOMPARE(reopened.metric_plot()->point_count("bp"), 2); // the recorded curve is shown
        QVERIFY(!reopened.open_file(dir.filePath("missing.json")));
        QVERIFY(reopened.last_problem().contains("missing.json"));
        QVERIFY(!window.save_to(dir.filePath("no/such/dir/x.json")));
        QVERIFY(window.last_problem().contains("cannot save"));

        for (const char* name : {"loss.png", "loss.svg", "loss.pdf"}) {
            QVERIFY(window.export_plot(window.loss_plot(), dir.filePath(name)));
            QVERIFY2(QFileInfo(dir.filePath(name)).size() > 1000, name);
        }
        QVERIFY(window.export_text(dir.filePath("metrics.csv"), metrics_csv(window.epoch_history())));
        QFile csv(dir.filePath("metrics.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QCOMPARE(csv.readAll().count('\n'), static_cast<qsizetype>(window.epoch_history().size() + 1));
        QVERIFY(!window.instrument_history().empty());
    }

    // The app and the headless runner (core, as f3studio-cli uses it) give the same numbers.
    void app_matches_the_headless_run_of_the_same_file() {
        Experiment e = *demo("spiral-bp-dfa-f3");
        e.training.epochs = 3;
        MainWindow window;
        window.set_interactive(false);
        window.show();
        window.load_setup(e);
        bool finished = false;
        connect(&window, &MainWindow::runFinished, this, [&] { finished = true; });
        window.run();
        QTRY_VERIFY_WITH_TIMEOUT(finished, kWaitMs);
        const Experiment as_run = window.current_experiment();
        auto data = std::make_shared<const Dataset>(load_experiment_data(as_run));
        Comparison headless(data, training_config_for(as_run, *data));
        headless.run();
        QCOMPARE(window.epoch_history().size(), headless.history().size());
        for (std::size_t i = 0; i < headless.history().size(); ++i) {
            QCOMPARE(window.epoch_history()[i].rule, headless.history()[i].rule);
            QCOMPARE(window.epoch_history()[i].test_loss, headless.history()[i].test_loss);
            QCOMPARE(window.epoch_history()[i].test_accuracy, headless.history()[i].test_accuracy);
        }
    }

    // A sweep set up through the widgets runs in the background; its runs equal the core's (and
    // so the CLI's) for the same seeds; clicking a point shows it; the sweep is saved with the
    // experiment; a run opened from it trains again to the same numbers.
    void sweep_through_the_widgets_matches_the_core() {
        QTemporaryDir dir;
        MainWindow window;
        window.set_interactive(false);
        window.show();
        Experiment e = quick_spiral(3);
        e.training.rules = {parse_rule("bp"), parse_rule("drtp"), parse_rule("f3")};
        window.load_setup(e);
        SweepView* view = window.sweep_view();
        window.tabs()->setCurrentWidget(view);
        set_sweep_controls(view, {"lr"}, {"1e-3:1e-1:log:3"}, 2);
        view->set_jobs(2);
        QVERIFY2(view->problem().isEmpty(), qPrintable(view->problem()));
        QSignalSpy finished(view, &SweepView::sweepFinished);
        QTest::mouseClick(view->findChild<QPushButton*>("sweepRun"), Qt::LeftButton);
        QVERIFY(view->running());
        QVERIFY(finished.wait(kWaitMs));
        QCOMPARE(view->runs().size(), std::size_t{6});
        QVERIFY(window.has_unsaved_changes());

        SweepRunner core(window.experiment_panel()->setup(), view->spec());
        const auto expected = core.run(1);
        for (const SweepRun& run : view->runs()) {
            const SweepRun& same = expected[run.point * 2 + static_cast<std::size_t>(run.seed_index)];
            QCOMPARE(run.seed, same.seed);
            QCOMPARE(run.history.size(), same.history.size());
            for (std::size_t i = 0; i < run.history.size(); ++i) QCOMPARE(run.history[i].test_loss, same.history[i].test_loss);
        }

        SweepPlot* plot = view->summary_plot();
        settle(plot); // the queued replot lays the plot out
        // The legend sits below the data as on the curve plots, never over a point.
        QVERIFY(plot->legend && plot->legend->visible());
        QVERIFY(!plot->legend->outerRect().intersects(plot->axisRects().front()->rect()));
        // Its right-click menu collapses the legend to give the axes its row, and a redraw (another
        // point selected) keeps it collapsed until it is asked back.
        QCOMPARE(plot->plotLayout()->rowCount(), 3); // title, axes, legend
        QVERIFY(plot->legend_action() && plot->actions().contains(plot->legend_action()));
        plot->legend_action()->trigger();
        view->select_point(1);
        settle(plot);
        QVERIFY(!plot->legend_shown());
        QCOMPARE(plot->plotLayout()->rowCount(), 2);
        plot->legend_action()->trigger();
        settle(plot);
        QCOMPARE(plot->plotLayout()->rowCount(), 3);
        QVERIFY(plot->legend && plot->legend->visible());
        QVERIFY(!plot->legend->outerRect().intersects(plot->axisRects().front()->rect()));
        // Wheel and drag explore the sweep as on the other plots; a double-click beside the data shows it whole.
        QCPAxis* x = plot->axisRects().front()->axis(QCPAxis::atBottom);
        const QCPRange whole = x->range();
        const QPoint centre = plot->axisRects().front()->rect().center();
        QWheelEvent wheel(centre, plot->mapToGlobal(QPointF(centre)), {}, QPoint(0, 480), Qt::NoButton, {}, Qt::NoScrollPhase, false);
        QApplication::sendEvent(plot, &wheel);
        QVERIFY(x->range().size() < whole.size() * 0.9); // logarithmic: the ratio shrinks
        QVERIFY(!plot->follows_data());
        QTest::mouseDClick(plot, Qt::LeftButton, {}, QPoint(centre.x(), plot->axisRects().front()->rect().bottom() + 5));
        QCOMPARE(x->range(), whole);
        QTest::mouseClick(plot, Qt::LeftButton, {}, plot->position_of(2).toPoint());
        QCOMPARE(view->selected_point(), std::size_t{2});
        QVERIFY2(view->details_text().contains("lr=0.1"), qPrintable(view->details_text()));
        QVERIFY(view->details_text().contains("2 of 2 seed(s) done"));
        QCOMPARE(view->curves_plot()->point_count("mean:f3"), 3);
        save(&window, "sweep-one-parameter");

        const QString path = dir.filePath("sweep.json");
        QVERIFY(window.save_to(path));
        const Experiment saved = load_experiment(path.toStdString(), nullptr);
        QVERIFY(saved.sweep && *saved.sweep == view->spec());
        QCOMPARE(saved.sweep_runs.size(), std::size_t{6});
        MainWindow reopened;
        reopened.set_interactive(false);
        QVERIFY(reopened.open_file(path));
        QCOMPARE(reopened.sweep_view()->runs().size(), std::size_t{6});
        // The panel holds the file's settings, so the sweep still belongs to them: saved again, and
        // one more seed trains only that seed.
        QCOMPARE(reopened.current_experiment().sweep_runs.size(), std::size_t{6});
        reopened.sweep_view()->findChild<QSpinBox*>("sweepSeeds")->setValue(3);
        QSignalSpy more(reopened.sweep_view(), &SweepView::sweepFinished);
        QVERIFY(reopened.sweep_view()->start(reopened.experiment_panel()->setup()));
        QVERIFY(more.wait(kWaitMs));
        QCOMPARE(reopened.sweep_view()->runs().size(), std::size_t{9});
        for (const SweepRun& run : reopened.sweep_view()->runs())
            if (run.seed_index < 2) QCOMPARE(run.history.back().test_loss, expected[run.point * 2 + static_cast<std::size_t>(run.seed_index)].history.back().test_loss);
        QCOMPARE(reopened.sweep_view()->findChild<QLineEdit*>("sweepValues1")->isEnabled(), true);

        // Open the second seed's run at lr = 0.1: an untitled experiment with that run's curves.
        view->findChild<QComboBox*>("sweepOpenSeed")->setCurrentIndex(1);
        QTest::mouseClick(view->findChild<QPushButton*>("sweepOpen"), Qt::LeftButton);
        QVERIFY(window.current_file().isEmpty());
        const Experiment opened = window.experiment_panel()->setup();
        QCOMPARE(opened.training.optimizer.learning_rate, 0.1);
        QCOMPARE(opened.training.seed, e.training.seed + 1);
        QCOMPARE(window.metric_plot()->point_count("f3"), 3);
        // The sweep stays visible but is not saved with an experiment of other settings.
        QCOMPARE(view->runs().size(), std::size_t{6});
        QVERIFY(!window.current_experiment().sweep.has_value());
        QVERIFY(view->findChild<QLabel*>("sweepStaleNote")->isVisibleTo(view));
        bool trained = false;
        connect(&window, &MainWindow::runFinished, this, [&] { trained = true; });
        window.run();
        QTRY_VERIFY_WITH_TIMEOUT(trained, kWaitMs);
        const SweepRun& swept = expected[2 * 2 + 1];
        QCOMPARE(window.epoch_history().size(), swept.history.size());
        for (std::size_t i = 0; i < swept.history.size(); ++i) QCOMPARE(window.epoch_history()[i].test_loss, swept.history[i].test_loss);
    }

    void two_parameter_sweep_draws_heat_maps_and_cancels() {
        MainWindow window;
        window.set_interactive(false);
        window.show();
        window.load_setup(quick_spiral(2));
        SweepView* view = window.sweep_view();
        window.tabs()->setCurrentWidget(view);
        set_sweep_controls(view, {"width", "lr"}, {"4,8,16", "0.001,0.01,0.1"}, 1);
        QSignalSpy finished(view, &SweepView::sweepFinished);
        QTest::mouseClick(view->findChild<QPushButton*>("sweepRun"), Qt::LeftButton);
        QVERIFY(finished.wait(kWaitMs));
        QCOMPARE(view->runs().size(), std::size_t{9});
        SweepPlot* plot = view->summary_plot();
        settle(plot);
        QCOMPARE(plot->point_at(plot->position_of(5)).value_or(99), std::size_t{5});
        QTest::mouseClick(plot, Qt::LeftButton, {}, plot->position_of(5).toPoint());
        QCOMPARE(view->selected_point(), std::size_t{5});
        QVERIFY2(view->details_text().contains("width=8, lr=0.1"), qPrintable(view->details_text()));
        save(&window, "sweep-two-parameters");

        // A long sweep stops on Cancel and keeps the runs that finished.
        window.experiment_panel()->setup(); // unchanged settings: the nine runs are kept
        view->findChild<QSpinBox*>("sweepSeeds")->setValue(40);
        QTest::mouseClick(view->findChild<QPushButton*>("sweepRun"), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(view->runs().size() > 12, kWaitMs);
        QTest::mouseClick(view->findChild<QPushButton*>("sweepCancel"), Qt::LeftButton);
        QVERIFY(finished.wait(kWaitMs));
        QVERIFY(!view->running());
        QVERIFY(view->runs().size() < 360);
        QCOMPARE(seed_statistics(view->spec(), view->runs(), 5, "bp", SweepMetric::TestAccuracy).n >= 1, true);
        QVERIFY(view->findChild<QPushButton*>("sweepRun")->isEnabled());
    }

    void bad_sweep_values_are_explained() {
        MainWindow window;
        window.show();
        SweepView* view = window.sweep_view();
        set_sweep_controls(view, {"lr"}, {"1e-3:1e-1:log"}, 2);
        QVERIFY2(view->problem().contains("is not A:B:log:N"), qPrintable(view->problem()));
        QVERIFY(!view->findChild<QPushButton*>("sweepRun")->isEnabled());
        set_sweep_controls(view, {"width", "width"}, {"4,8", "16"}, 2);
        QVERIFY(view->problem().contains("width is chosen twice"));
        // Typed to the last keystroke: 1e17:1e17 used to loop for ever (++v no longer changes v there).
        set_sweep_controls(view, {"width"}, {"1e17:1e17"}, 1);
        QVERIFY2(view->problem().contains("beyond what a whole-number setting holds"), qPrintable(view->problem()));
        QVERIFY(!view->findChild<QPushButton*>("sweepRun")->isEnabled());
        set_sweep_controls(view, {"batch"}, {"8,0"}, 1);
        QVERIFY(view->problem().isEmpty()); // per-point problems need the data: found when the sweep starts
        QSignalSpy finished(view, &SweepView::sweepFinished);
        QTest::mouseClick(view->findChild<QPushButton*>("sweepRun"), Qt::LeftButton);
        QVERIFY(finished.wait(kWaitMs));
        QVERIFY2(view->problem().contains("at batch=0: "), qPrintable(view->problem()));
        QVERIFY(view->runs().empty());
    }

    // A transformer set up through the panel's widgets: bad sizes and rules are explained, a few
    // batches train, and the views show stages as blocks, parameters by name and attention maps.
    void transformer_through_the_widgets() {
        QTemporaryDir dir;
        MainWindow window;
        window.set_interactive(false);
        window.resize(1280, 720);
        window.show();
        ExperimentPanel* panel = window.experiment_panel();
        auto* problems = panel->findChild<QLabel*>("problems");
        auto spin = [panel](const char* name) { return panel->findChild<QSpinBox*>(name); };
        panel->findChild<QComboBox*>("architecture")->setCurrentIndex(1);
        QCOMPARE(panel->setup().training.architecture, Architecture::Transformer);
        QVERIFY2(problems->text().contains("square images"), qPrintable(problems->text())); // the default spiral
        auto* dataset = panel->findChild<QComboBox*>("dataset");
        dataset->setCurrentText("fashion-mnist");
        QVERIFY2(problems->text().isEmpty(), qPrintable(problems->text()));
        QVERIFY(panel->speed_estimate().contains("per epoch per rule"));
        spin("transformerPatch")->setValue(5);
        QVERIFY2(problems->text().contains("does not divide"), qPrintable(problems->text()));
        spin("transformerPatch")->setValue(7);
        spin("transformerDim")->setValue(250);
        QVERIFY2(problems->text().contains("not a multiple of the 16 tokens"), qPrintable(problems->text()));
        spin("transformerDim")->setValue(64);
        spin("transformerHeads")->setValue(2);
        spin("transformerDimHead")->setValue(8);
        spin("transformerMlpDim")->setValue(32);
        QVERIFY2(problems->text().isEmpty(), qPrintable(problems->text()));
        // FA needs one weight matrix per stage: with two blocks (depth 3) it is greyed out with the reason.
        auto* fa = panel->findChild<QCheckBox*>("rule_fa");
        QCOMPARE(spin("transformerDepth")->value(), 3);
        QVERIFY(!fa->isEnabled());
        QVERIFY2(fa->toolTip().contains("no single weight matrix"), qPrintable(fa->toolTip()));
        spin("transformerDepth")->setValue(2);
        QVERIFY(fa->isEnabled());
        spin("transformerDepth")->setValue(3);
        for (const char* name : {"rule_drtp", "rule_shallow"}) panel->findChild<QCheckBox*>(name)->setChecked(true);
        Experiment e = panel->setup();
        e.train_limit = 300;
        e.training.batch_size = 50;
        e.training.epochs = 1;
        e.head_from_task = false;
        e.training.head = Head::SoftmaxCe;
        e.training.optimizer.learning_rate = 1e-3;
        window.load_setup(e);
        const Experiment loaded = window.experiment_panel()->setup();
        QVERIFY(loaded.training.transformer == e.training.transformer);
        QCOMPARE(loaded.training.architecture, Architecture::Transformer);
        QCOMPARE(loaded.training.rules.size(), std::size_t{5}); // the default's bp, dfa, f3, and drtp, shallow
        QCOMPARE(loaded.train_limit, Index{300});

        // The attention view asks for maps while on screen; a few batches, stepped.
        window.tabs()->setCurrentWidget(window.attention_page());
        StepWatcher watcher(window.session());
        for (int i = 0; i < 3; ++i) {
            window.step_batch();
            QTRY_VERIFY_WITH_TIMEOUT(watcher.step == i + 1 && watcher.idle, kWaitMs);
        }
        QTRY_VERIFY_WITH_TIMEOUT(window.attention_view()->has_content(), kWaitMs);
        const auto& maps = window.attention_view()->maps();
        QCOMPARE(maps.size(), loaded.training.rules.size());
        for (const auto& rule : maps) {
            QCOMPARE(rule.size(), std::size_t{2}); // depth 3: two blocks
            for (const Matrix& m : rule) {
                QCOMPARE(m.cols(), Index{16});
                QCOMPARE(m.rows(), Index{2 * 16});
                for (Index r = 0; r < m.rows(); ++r) QVERIFY(std::abs(m.row(r).sum() - 1.0f) < 1e-4f);
            }
        }
        // Another image: the maps follow it, also while paused.
        window.findChild<QSpinBox*>("attentionSample")->setValue(7);
        QTRY_VERIFY_WITH_TIMEOUT(window.attention_view()->sample() == 7, kWaitMs);
        save(&window, "transformer-attention");
        // After the last epoch the networks stay and still answer for other images.
        bool finished = false;
        connect(&window, &MainWindow::runFinished, this, [&] { finished = true; });
        window.run();
        QTRY_VERIFY_WITH_TIMEOUT(finished, kWaitMs);
        window.findChild<QSpinBox*>("attentionSample")->setValue(11);
        QTRY_VERIFY_WITH_TIMEOUT(window.attention_view()->sample() == 11, kWaitMs);

        window.tabs()->setCurrentIndex(3);
        QTRY_VERIFY_WITH_TIMEOUT(window.network_diagram()->block_count() == 5, kWaitMs); // input, 2 blocks, dense, output
        QVERIFY(window.network_diagram()->block_labels().join(' ').contains("transformer block"));
        QCOMPARE(window.network_diagram()->edge_count(), 0);
        save(&window, "transformer-network");
        window.tabs()->setCurrentIndex(4);
        auto* choice = window.findChild<QComboBox*>("matrixChoice");
        QVERIFY(choice->findText("stage 1: Wqkv", Qt::MatchStartsWith) >= 0);
        QVERIFY(choice->currentText().contains("output weights"));
        choice->setCurrentIndex(choice->findText("stage 1: Wqkv", Qt::MatchStartsWith));
        save(&window, "transformer-matrices");

        // Saved and opened again: the file's transformer is what the panel holds.
        const QString path = dir.filePath("transformer.json");
        QVERIFY(window.save_to(path));
        MainWindow reopened;
        reopened.set_interactive(false);
        QVERIFY2(reopened.open_file(path), qPrintable(reopened.last_problem()));
        const Experiment again = reopened.experiment_panel()->setup();
        QVERIFY(again.training.transformer == e.training.transformer);
        QCOMPARE(again.training.architecture, Architecture::Transformer);
        QVERIFY(to_json(again) == to_json(load_experiment(path.toStdString(), nullptr))); // every field as the file says
    }

    void presenter_mode_enlarges_text() {
        MainWindow window;
        window.show();
        const qreal normal = window.font().pointSizeF();
        window.set_presenter_mode(true);
        QVERIFY(window.font().pointSizeF() > 1.4 * normal);
        QVERIFY(window.presenter_mode());
        window.set_presenter_mode(false);
        QCOMPARE(window.font().pointSizeF(), normal);
    }

    void screenshots_of_every_view_data() {
        QTest::addColumn<QString>("demo");
        QTest::newRow("default") << "default";
        QTest::newRow("sine") << "sine-regression";
        QTest::newRow("timeline") << "update-locking-timeline";
    }
    void screenshots_of_every_view() {
        QFETCH(QString, demo);
        MainWindow window;
        window.show();
        Experiment setup = *f3::gui::demo(demo);
        const int epochs = kSanitized ? 3 : 8;
        setup.training.epochs = epochs;
        window.load_setup(setup);
        bool finished = false;
        connect(&window, &MainWindow::runFinished, this, [&] { finished = true; });
        window.run();
        QTRY_VERIFY_WITH_TIMEOUT(finished, kWaitMs);
        QCOMPARE(window.completed_epochs(), epochs);
        const QStringList names = {"curves", "timeline", "regions", "network", "matrices", "attention", "sweep"};
        for (int tab = 0; tab < window.tabs()->count(); ++tab) {
            window.tabs()->setCurrentIndex(tab);
            save(&window, demo + "-" + names[tab]);
        }
        QVERIFY(window.timeline_plot()->bar_count() > 0);
        QVERIFY(window.network_diagram()->edge_count() > 0);
        QVERIFY(window.boundary_plot()->has_content());
        QVERIFY(window.metric_plot()->point_count("bp") == epochs);
        for (auto it = window.replot_stats().begin(); it != window.replot_stats().end(); ++it)
            qInfo("%-10s %4d replots, mean %.2f ms, max %.2f ms", qPrintable(it.key()), it->count, it->total_ms / it->count, it->max_ms);
    }
};

QTEST_MAIN(TestGui)
#include "tst_gui.moc"
