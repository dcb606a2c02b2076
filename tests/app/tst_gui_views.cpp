// Every view shows the current experiment (issue 15): a lesson, a data set, a file, Reset or a
// changed setup redraws every view at once, the data appear in the Decision regions view before
// training, and exports draw the current state of views that are not on screen. Driven through
// the menus, toolbar and panel widgets, offscreen.
#include "attention_view.hpp"
#include "demos.hpp"
#include "gui_test_support.hpp"
#include "experiment_panel.hpp"
#include "lesson_panel.hpp"
#include "main_window.hpp"
#include "plots.hpp"
#include "rule_style.hpp"
#include "training_session.hpp"

#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QLabel>
#include <QScreen>
#include <QScrollArea>
#include <QScrollBar>
#include <QSlider>
#include <QWheelEvent>
#include <QMenuBar>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QtTest>
#include <map>
#include <tuple>

#include "f3/io/names.hpp"
#include "f3/nn/random.hpp"
#include "f3/observe/decision_grid.hpp"

using namespace f3;
using namespace f3::gui;

namespace {

QAction* action_named(QWidget* window, const QString& text) {
    for (QAction* a : window->findChildren<QAction*>())
        if (a->text().remove('&') == text) return a;
    return nullptr;
}

// Everything the help panel shows: the lesson's step, title and the help on the view.
QString help_text(MainWindow& window) {
    QString text;
    for (const QTextBrowser* browser : window.findChildren<QTextBrowser*>()) text += browser->toPlainText() + '\n';
    for (const QLabel* label : window.lesson_panel()->findChildren<QLabel*>()) text += label->text() + '\n';
    return text;
}

// The Decision regions view's data range (its first axis rect), as drawn.
QCPRange shown_x_range(BoundaryPlot* plot) { return plot->axisRects().front()->axis(QCPAxis::atBottom)->range(); }

using test::kWaitMs;
using test::quick_spiral;

void run_to_the_end(MainWindow& window) {
    bool finished = false;
    QObject::connect(&window, &MainWindow::runFinished, &window, [&] { finished = true; });
    window.run();
    QTRY_VERIFY_WITH_TIMEOUT(finished, kWaitMs);
}

bool same_image(const QString& a, const QString& b) { return QImage(a) == QImage(b) && !QImage(a).isNull(); }

// Mouse gestures as a user makes them: wheel notches (positive: zoom in) and a left-button drag.
void wheel(QWidget* plot, QPointF at, int notches) {
    QWheelEvent event(at, plot->mapToGlobal(at), {}, QPoint(0, 120 * notches), Qt::NoButton, {}, Qt::NoScrollPhase, false);
    QApplication::sendEvent(plot, &event);
}

void drag(QWidget* plot, QPoint from, QPoint to) {
    QTest::mousePress(plot, Qt::LeftButton, {}, from);
    QMouseEvent move(QEvent::MouseMove, to, plot->mapToGlobal(to), Qt::NoButton, Qt::LeftButton, {});
    QApplication::sendEvent(plot, &move);
    QTest::mouseRelease(plot, Qt::LeftButton, {}, to);
}

// A plot on screen at a fixed size, laid out, as a user sees it.
void show_alone(QCustomPlot* plot) {
    plot->resize(800, 600);
    plot->show();
    QVERIFY(QTest::qWaitForWindowExposed(plot));
    plot->replot();
}

// The first text item of `plot` whose text contains `part`, or nullptr.
QCPItemText* text_item(QCustomPlot* plot, const QString& part) {
    for (int i = 0; i < plot->itemCount(); ++i)
        if (auto* text = qobject_cast<QCPItemText*>(plot->item(i)); text && text->text().contains(part)) return text;
    return nullptr;
}

bool inside(const QCPRange& inner, const QCPRange& outer) { return inner.lower >= outer.lower && inner.upper <= outer.upper; }

// Two rules' sampled steps on a network with one hidden layer, ending at `end` multiply-adds.
std::vector<Timeline> two_timelines(double end) {
    Timeline t;
    for (int layer = 1; layer <= 2; ++layer) t.ops.push_back({0, layer, OpKind::Forward, (layer - 1) * end / 4, layer * end / 4});
    t.ops.push_back({0, 2, OpKind::Update, end / 2, end});
    return {t, t};
}

} // namespace

class TestGuiViews : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void a_lesson_shows_its_data_and_text_at_once() {
        MainWindow window;
        window.set_interactive(false);
        window.show();
        const QString xor_lesson = "xor-needs-a-hidden-layer";
        QAction* lesson = action_named(&window, QString::fromStdString(demo(xor_lesson)->name));
        QVERIFY(lesson);
        lesson->trigger();
        const Dataset xor_data = load_experiment_data(*demo(xor_lesson));
        QCOMPARE(window.boundary_plot()->data_point_count(), static_cast<int>(std::min<Index>(1500, xor_data.train_size())));
        QCOMPARE(shown_x_range(window.boundary_plot()).lower, padded_box(xor_data).x_min);
        QVERIFY(!window.boundary_plot()->has_content()); // data only: nothing trained yet
        QVERIFY(help_text(window).contains("XOR's two classes sit in opposite quadrants"));

        // Another data set in the panel: its points, at once, before any training.
        auto* dataset = window.experiment_panel()->findChild<QComboBox*>("dataset");
        dataset->setCurrentText("circles");
        const Dataset circles = load_experiment_data(window.experiment_panel()->setup());
        QCOMPARE(circles.name.substr(0, 7), std::string("circles"));
        QCOMPARE(window.boundary_plot()->data_point_count(), static_cast<int>(std::min<Index>(1500, circles.train_size())));
        QCOMPARE(shown_x_range(window.boundary_plot()).lower, padded_box(circles).x_min);

        // Another lesson: its own text only.
        action_named(&window, QString::fromStdString(demo("sine-regression")->name))->trigger();
        QVERIFY(!help_text(window).contains("XOR's two classes"));
        QVERIFY(help_text(window).contains(demo_text("sine-regression").section('\n', 0, 0).remove('#').trimmed()));
        const Dataset sine = load_experiment_data(*demo("sine-regression"));
        QCOMPARE(window.boundary_plot()->data_point_count(), static_cast<int>(std::min<Index>(1500, sine.train_size())));
    }

    // "Show test data" draws the test set as rings on every rule's regions, at the test samples'
    // places in their classes' colours; unchecked, only the training dots remain.
    void test_points_toggle_on_the_decision_regions() {
        MainWindow window;
        window.set_interactive(false);
        window.show();
        const Experiment setup = quick_spiral(1);
        window.load_setup(setup);
        const Dataset spiral = load_experiment_data(setup);
        BoundaryPlot* plot = window.boundary_plot();
        const int tests = static_cast<int>(std::min<Index>(1500, spiral.test_size()));
        QVERIFY(tests > 0);
        QCOMPARE(plot->test_point_count(), tests);
        auto shown_test_points = [plot] {
            std::vector<std::tuple<double, double, QRgb>> shown;
            for (int i = 0; i < plot->graphCount(); ++i) {
                QCPGraph* g = plot->graph(i);
                if (!g->property("testPoints").toBool() || !g->visible() || g->keyAxis()->axisRect() != plot->axisRects().front()) continue;
                const QImage marker = g->scatterStyle().pixmap().toImage();
                for (auto it = g->data()->constBegin(); it != g->data()->constEnd(); ++it)
                    shown.emplace_back(it->key, it->value, marker.pixel(0, marker.height() / 2 - 1) | 0xff000000u);
            }
            return shown;
        };
        QVERIFY(shown_test_points().empty()); // hidden until asked for
        auto* toggle = window.findChild<QCheckBox*>("showTestPoints");
        QVERIFY(toggle && !toggle->isChecked());
        toggle->click();
        QVERIFY(plot->test_points_shown());
        auto shown = shown_test_points();
        QCOMPARE(static_cast<int>(shown.size()), tests);
        // Every test sample is there, with the ring colour of its own class.
        std::map<int, QRgb> ring_of_class;
        for (Index i = 0; i < tests; ++i) {
            const auto at = std::find_if(shown.begin(), shown.end(), [&](const auto& p) {
                return std::get<0>(p) == spiral.test_x(i, 0) && std::get<1>(p) == spiral.test_x(i, 1);
            });
            QVERIFY(at != shown.end());
            const int label = spiral.test_labels[static_cast<std::size_t>(i)];
            const auto [known, added] = ring_of_class.emplace(label, std::get<2>(*at));
            if (!added) QCOMPARE(std::get<2>(*at), known->second);
        }
        QCOMPARE(ring_of_class.size(), std::size_t{3});
        QCOMPARE(plot->data_point_count(), static_cast<int>(std::min<Index>(1500, spiral.train_size()))); // training dots stay
        // Trained regions keep them, and unchecking hides them again.
        run_to_the_end(window);
        QCOMPARE(static_cast<int>(shown_test_points().size()), tests);
        toggle->click();
        QVERIFY(shown_test_points().empty());
    }

    void reset_returns_every_view_to_the_start() {
        MainWindow window;
        window.set_interactive(false);
        window.show();
        window.load_setup(quick_spiral(3));
        run_to_the_end(window);
        QVERIFY(window.loss_plot()->point_count("train:bp") > 0);
        QVERIFY(window.network_diagram()->edge_count() > 0);
        QVERIFY(window.timeline_plot()->bar_count() > 0);
        QVERIFY(window.boundary_plot()->has_content());
        QVERIFY(window.matrix_heatmap()->has_content());
        const int points = window.boundary_plot()->data_point_count();

        action_named(&window, "Reset")->trigger();
        QCOMPARE(window.loss_plot()->point_count("train:bp"), 0);
        QCOMPARE(window.loss_plot()->graphCount(), 0);
        QCOMPARE(window.loss_plot()->xAxis->range().upper, 1.0); // not the last run's three epochs
        QCOMPARE(window.metric_plot()->graphCount(), 0);
        QCOMPARE(window.network_diagram()->edge_count(), 0);
        QCOMPARE(window.timeline_plot()->bar_count(), 0);
        QVERIFY(!window.matrix_heatmap()->has_content());
        QVERIFY(!window.boundary_plot()->has_content()); // no trained regions
        QCOMPARE(window.boundary_plot()->data_point_count(), points); // the data stay
        QCOMPARE(window.completed_epochs(), 0);
    }

    void a_changed_network_after_a_run_clears_its_results() {
        MainWindow window;
        window.set_interactive(false);
        window.show();
        window.load_setup(quick_spiral(2));
        run_to_the_end(window);
        QVERIFY(window.metric_plot()->point_count("bp") == 2);
        auto* table = window.experiment_panel()->findChild<QTableWidget*>("layers");
        auto* width = qobject_cast<QSpinBox*>(table->cellWidget(0, 0));
        width->setValue(width->value() + 4);
        QCOMPARE(window.metric_plot()->point_count("bp"), 0); // those curves belong to the old network
        QCOMPARE(window.network_diagram()->edge_count(), 0);
        QVERIFY(!window.boundary_plot()->has_content());
        QVERIFY(window.boundary_plot()->data_point_count() > 0);
    }

    void opening_a_file_shows_that_file_only() {
        QTemporaryDir dir;
        Experiment saved = quick_spiral(2);
        saved.recorded_metrics = {EpochMetrics{}, EpochMetrics{}};
        for (int e = 0; e < 2; ++e) {
            saved.recorded_metrics[static_cast<std::size_t>(e)].rule = "bp";
            saved.recorded_metrics[static_cast<std::size_t>(e)].epoch = e + 1;
            saved.recorded_metrics[static_cast<std::size_t>(e)].test_loss = 0.5 - 0.1 * e;
            saved.recorded_metrics[static_cast<std::size_t>(e)].test_accuracy = 0.6 + 0.1 * e;
        }
        const QString path = dir.filePath("spiral.json");
        save_experiment_atomically(saved, path.toStdString());

        MainWindow window;
        window.set_interactive(false);
        window.show();
        Experiment xor_lesson = *demo("xor-needs-a-hidden-layer");
        xor_lesson.training.epochs = 2;
        window.load_setup(xor_lesson, "xor-needs-a-hidden-layer");
        run_to_the_end(window);
        QVERIFY(window.loss_plot()->point_count("train:bp") > 0);

        QVERIFY(window.open_file(path));
        QVERIFY(!help_text(window).contains("XOR's two classes"));
        QCOMPARE(window.loss_plot()->point_count("train:bp"), 0); // the XOR run is gone
        QCOMPARE(window.metric_plot()->point_count("bp"), 2);      // the file's recorded curve
        const Dataset spiral = load_experiment_data(saved);
        QCOMPARE(shown_x_range(window.boundary_plot()).lower, padded_box(spiral).x_min);
        QVERIFY(!window.boundary_plot()->has_content());
        QCOMPARE(window.network_diagram()->edge_count(), 0);
    }

    // An export of a tab that is not on screen equals the export after showing it.
    void exports_draw_views_that_are_not_on_screen() {
        QTemporaryDir dir;
        MainWindow window;
        window.set_interactive(false);
        window.show();
        const int epochs = 8;
        window.load_setup(quick_spiral(epochs));
        window.tabs()->setCurrentIndex(1); // the timeline: curves, regions and network are hidden
        run_to_the_end(window);
        QVERIFY(window.export_plot(window.loss_plot(), dir.filePath("loss-hidden.png")));
        QVERIFY(window.export_plot(window.network_diagram(), dir.filePath("network-hidden.png")));
        QVERIFY(window.export_plot(window.boundary_plot(), dir.filePath("regions-hidden.png")));
        QVERIFY(window.loss_plot()->xAxis->range().upper >= epochs); // the whole run, not its start

        window.tabs()->setCurrentIndex(0);
        QVERIFY(window.export_plot(window.loss_plot(), dir.filePath("loss-shown.png")));
        window.tabs()->setCurrentIndex(2);
        QVERIFY(window.export_plot(window.boundary_plot(), dir.filePath("regions-shown.png")));
        window.tabs()->setCurrentIndex(3);
        QVERIFY(window.export_plot(window.network_diagram(), dir.filePath("network-shown.png")));
        QVERIFY(same_image(dir.filePath("loss-hidden.png"), dir.filePath("loss-shown.png")));
        QVERIFY(same_image(dir.filePath("network-hidden.png"), dir.filePath("network-shown.png")));
        QVERIFY(same_image(dir.filePath("regions-hidden.png"), dir.filePath("regions-shown.png")));
    }

    // Networks and decision regions are copied and computed while training runs only for the view
    // on screen; pausing sends every view's state, and an export of a hidden view asks for its own.
    void heavy_state_only_for_the_view_on_screen() {
        QTemporaryDir dir;
        MainWindow window;
        window.set_interactive(false);
        window.show();
        window.load_setup(quick_spiral(100000)); // never ends within the test
        window.tabs()->setCurrentIndex(0);       // learning curves: no heavy state
        int networks_while_running = 0, boundaries_while_running = 0, networks_at_rest = 0, boundaries_at_rest = 0;
        connect(window.session(), &TrainingSession::snapshotReceived, this, [&](const SnapshotPtr& s) {
            const bool at_rest = s->idle || s->finished;
            (at_rest ? networks_at_rest : networks_while_running) += s->networks.empty() ? 0 : 1;
            (at_rest ? boundaries_at_rest : boundaries_while_running) += s->boundary.empty() ? 0 : 1;
        });
        window.run();
        QTRY_VERIFY_WITH_TIMEOUT(window.completed_epochs() >= 3, kWaitMs);
        QCOMPARE(networks_while_running, 0);
        QCOMPARE(boundaries_while_running, 0);

        window.tabs()->setCurrentWidget(window.boundary_plot()->parentWidget());
        QTRY_VERIFY_WITH_TIMEOUT(boundaries_while_running > 0, kWaitMs);
        QCOMPARE(networks_while_running, 0);

        QVERIFY(window.export_plot(window.network_diagram(), dir.filePath("network.png")));
        QVERIFY(networks_while_running > 0); // the export waited for the current networks
        QVERIFY(window.network_diagram()->has_content());

        window.pause();
        QTRY_VERIFY_WITH_TIMEOUT(networks_at_rest > 0 && boundaries_at_rest > 0, kWaitMs);
    }

    // With two inputs each hidden unit is a map of its activation over the plane (TensorFlow
    // Playground's neurons): the sign of every cell is the unit's own, shallow learning's maps stay
    // as they started, and a zoom draws them larger.
    void network_view_maps_hidden_units_over_the_plane() {
        MainWindow window;
        window.set_interactive(false);
        window.show();
        Experiment setup = quick_spiral(3);
        setup.training.rules = {RuleSpec{}, parse_rule("shallow")};
        window.load_setup(setup);
        std::vector<Network> first, last;
        connect(window.session(), &TrainingSession::snapshotReceived, this, [&](const SnapshotPtr& s) {
            if (s->networks.empty()) return;
            if (first.empty()) first = s->networks;
            last = s->networks;
        });
        window.tabs()->setCurrentWidget(window.network_diagram()->parentWidget());
        run_to_the_end(window);
        QTRY_VERIFY_WITH_TIMEOUT(!last.empty() && window.network_diagram()->unit_map_count() > 0, kWaitMs);
        NetworkDiagram* diagram = window.network_diagram();
        QCOMPARE(diagram->unit_map_count(), 2 * NetworkDiagram::kMaxNodesShown); // two hidden layers of 16: 14 shown each

        const SessionInfo& info = window.session()->info();
        const PlaneBox plane{info.x_min, info.x_max, info.y_min, info.y_max};
        const int n = NetworkDiagram::kUnitMapCells;
        auto check_signs = [&](const Network& network) {
            const std::vector<Matrix> grids = hidden_unit_grids(network, plane, n);
            int both_signs = 0;
            for (int k = 0; k < diagram->unit_map_count(); ++k) {
                const int layer = k / NetworkDiagram::kMaxNodesShown, unit = k % NetworkDiagram::kMaxNodesShown;
                const QImage map = diagram->unit_map(k);
                bool red = false, blue = false;
                for (int iy = 0; iy < n; ++iy)
                    for (int ix = 0; ix < n; ++ix) {
                        const QColor c = map.pixelColor(ix, n - 1 - iy); // row 0 of the picture is the top of the plane
                        const float v = grids[static_cast<std::size_t>(layer)](iy * n + ix, unit);
                        if (c.red() > c.blue()) QVERIFY(v > 0.0f);
                        if (c.blue() > c.red()) QVERIFY(v < 0.0f);
                        red = red || c.red() > c.blue();
                        blue = blue || c.blue() > c.red();
                    }
                both_signs += red && blue ? 1 : 0;
            }
            QVERIFY(both_signs > 0); // some unit's zero crossing lies inside the data's box
        };
        check_signs(last.front()); // BP, the rule shown first
        auto* rule = window.findChild<QComboBox*>("networkRule");
        QVERIFY(rule);
        auto heading = [diagram] {
            const QCPItemText* text = text_item(diagram, "positive weight");
            return text ? text->text() : QString();
        };
        QVERIFY(heading().startsWith("BP"));
        rule->setCurrentIndex(1); // shallow learning
        QTRY_VERIFY_WITH_TIMEOUT(heading().startsWith("Shallow"), kWaitMs);
        QCOMPARE(diagram->unit_map_count(), 2 * NetworkDiagram::kMaxNodesShown);
        check_signs(last[1]);
        check_signs(first[1]); // its hidden layers never learn: the maps of the start

        diagram->replot();
        const int side = diagram->unit_map_side(0);
        QVERIFY(side >= 12);
        diagram->yAxis->scaleRange(0.5); // zoomed in twice
        diagram->xAxis->scaleRange(0.5);
        diagram->replot();
        QVERIFY2(diagram->unit_map_side(0) > side, qPrintable(QString("%1 -> %2 pixels").arg(side).arg(diagram->unit_map_side(0))));
    }

    // The maps cost a forward pass on the GUI thread: a network too wide for that is drawn without
    // them, and says so, instead of freezing the window each time new networks arrive.
    void a_network_too_wide_to_map_says_so() {
        NetworkDiagram diagram;
        show_alone(&diagram);
        const PlaneBox plane{-1.0, 1.0, -1.0, 1.0};
        Rng rng(1);
        diagram.show_network(Network::initialise(2, {{600, Activation::Tanh}, {600, Activation::Tanh}}, 3, Head::SoftmaxCe, rng), "wide", &plane);
        QCOMPARE(diagram.unit_map_count(), 0);
        QVERIFY(diagram.edge_count() > 0);
        QVERIFY(text_item(&diagram, "too wide to map"));
        diagram.show_network(Network::initialise(2, {{400, Activation::Tanh}, {400, Activation::Tanh}}, 3, Head::SoftmaxCe, rng), "mapped", &plane);
        QCOMPARE(diagram.unit_map_count(), 2 * NetworkDiagram::kMaxNodesShown);
    }

    // Snapshots arrive many times a second, new networks a few times: the diagram (about 15 ms for
    // 500 units) is drawn only when its networks change.
    void network_diagram_drawn_only_for_new_networks() {
        MainWindow window;
        window.set_interactive(false);
        window.show();
        Experiment setup = quick_spiral(1000); // paused long before its end
        setup.dataset.toy.size = 20000;       // with a pause after each batch, epochs take seconds:
        window.load_setup(setup);             // many snapshots between two networks
        window.session()->set_delay_ms(2);
        window.tabs()->setCurrentWidget(window.network_diagram()->parentWidget());
        QCoreApplication::processEvents();
        int snapshots = 0, with_networks = 0, draws = 0;
        bool idle = false;
        connect(window.session(), &TrainingSession::snapshotReceived, this, [&](const SnapshotPtr& s) {
            ++snapshots;
            with_networks += s->networks.empty() ? 0 : 1;
            idle = s->idle;
        });
        connect(window.network_diagram(), &QCustomPlot::afterReplot, this, [&] { ++draws; });
        window.run();
        QTRY_VERIFY_WITH_TIMEOUT(snapshots >= 2 * with_networks + 10 && with_networks >= 2, kWaitMs);
        window.pause();
        QTRY_VERIFY_WITH_TIMEOUT(idle, kWaitMs);
        QCoreApplication::processEvents();
        QVERIFY2(draws >= with_networks - 1, qPrintable(QString("%1 draws, %2 network snapshots").arg(draws).arg(with_networks)));
        QVERIFY2(draws <= with_networks + 2, qPrintable(QString("%1 draws for %2 snapshots, %3 with networks").arg(draws).arg(snapshots).arg(with_networks)));
    }

    // Plots as TensorBoard users expect them: smoothing, legend clicks, zoom and reset, per-epoch staleness.
    void plots_smooth_hide_zoom_and_reset() {
        MainWindow window;
        window.set_interactive(false);
        window.show();
        Experiment setup = quick_spiral(3);
        setup.training.rules = {RuleSpec{}, parse_rule("f3")};
        window.load_setup(setup);
        run_to_the_end(window);
        CurvePlot* loss = window.loss_plot();
        QCPGraph* raw = loss->graph(0);
        for (int i = 0; i < loss->graphCount(); ++i)
            if (loss->graph(i)->name() == "BP (raw)") raw = loss->graph(i);
        QCPGraph* smooth = loss->smoothed("train:bp");
        QVERIFY(smooth);
        QCOMPARE(smooth->dataCount(), raw->dataCount());

        // The slider sets TensorBoard's weight: the last smoothed value is the debiased average.
        auto* slider = window.findChild<QSlider*>("smoothing");
        slider->setValue(90);
        double biased = 0.0, expected = 0.0;
        int n = 0;
        for (const QCPGraphData& p : *raw->data()) {
            biased = 0.9 * biased + 0.1 * p.value;
            expected = biased / (1.0 - std::pow(0.9, ++n));
        }
        QVERIFY(std::abs((smooth->data()->constEnd() - 1)->value - expected) < 1e-9);
        slider->setValue(0);
        QCOMPARE((smooth->data()->constEnd() - 1)->value, (raw->data()->constEnd() - 1)->value);

        // Clicking the legend entry hides the series and its raw values; again shows them.
        loss->replot();
        QCPPlottableLegendItem* entry = loss->legend->itemWithPlottable(smooth);
        QVERIFY(entry);
        QVERIFY(!loss->axisRect()->rect().intersects(entry->rect())); // the legend is outside the data
        QTest::mouseClick(loss, Qt::LeftButton, {}, entry->rect().center());
        QVERIFY(!smooth->visible());
        QVERIFY(!raw->visible());
        QTest::mouseClick(loss, Qt::LeftButton, {}, entry->rect().center());
        QVERIFY(smooth->visible() && raw->visible());

        // The wheel zooms; live data then leave the view alone until a double-click.
        const QCPRange whole = loss->xAxis->range();
        const QPointF centre = loss->axisRect()->rect().center();
        QWheelEvent wheel(centre, loss->mapToGlobal(centre), {}, QPoint(0, 480), Qt::NoButton, {}, Qt::NoScrollPhase, false);
        QApplication::sendEvent(loss, &wheel);
        QVERIFY(loss->xAxis->range().size() < 0.9 * whole.size());
        QVERIFY(!loss->follows_data());
        loss->refresh();
        QVERIFY(loss->xAxis->range().size() < 0.9 * whole.size());
        QTest::mouseDClick(loss, Qt::LeftButton, {}, centre.toPoint());
        QVERIFY(loss->follows_data());
        QCOMPARE(loss->xAxis->range().upper, whole.upper);

        // Staleness: one point per epoch (not per sampled step), inside its band.
        CurvePlot* staleness = window.staleness_plot();
        const int epochs_with_ages = staleness->point_count("f3");
        QVERIFY(epochs_with_ages >= 1 && epochs_with_ages <= 3);
        QCOMPARE(staleness->point_count("low:f3"), epochs_with_ages);
        QCOMPARE(staleness->point_count("high:f3"), epochs_with_ages);
        for (int i = 0; i < staleness->graphCount(); ++i)
            for (const QCPGraphData& p : *staleness->graph(i)->data()) QCOMPARE(p.key, std::round(p.key)); // whole epochs
    }

    // The timeline, decision regions and matrices pan and zoom as the curves do: a drag or the wheel
    // makes the view the user's, new data keep it, a double-click shows the whole picture again.
    void timeline_zooms_pans_and_resets() {
        TimelinePlot plot;
        plot.show_timelines({"bp", "f3"}, two_timelines(1000.0), 1, false);
        show_alone(&plot);
        const QCPRange whole_x = plot.xAxis->range(), whole_y = plot.yAxis->range();
        const QPointF centre = plot.axisRect()->rect().center();
        QTest::mouseClick(&plot, Qt::LeftButton, {}, centre.toPoint()); // a click alone leaves the view following
        QVERIFY(plot.follows_data());
        wheel(&plot, centre, 4);
        QVERIFY(plot.xAxis->range().size() < 0.8 * whole_x.size());
        QVERIFY(plot.yAxis->range().size() < 0.8 * whole_y.size());
        QVERIFY(!plot.follows_data());
        const QCPRange zoomed = plot.xAxis->range();
        drag(&plot, centre.toPoint(), centre.toPoint() + QPoint(100, 0));
        QVERIFY(plot.xAxis->range().lower < zoomed.lower); // dragged to the right: earlier times come in
        const QCPRange panned = plot.xAxis->range();
        plot.show_timelines({"bp", "f3"}, two_timelines(3000.0), 1, false); // the next sampled step
        QCOMPARE(plot.xAxis->range(), panned);
        QTest::mouseDClick(&plot, Qt::LeftButton, {}, centre.toPoint());
        QVERIFY(plot.follows_data());
        QCOMPARE(plot.xAxis->range().upper, 3000.0 * 1.02); // the whole of the newest step
        QCOMPARE(plot.yAxis->range(), whole_y);
        // Another clock: a zoom into multiply-adds means nothing in microseconds.
        wheel(&plot, centre, 4);
        plot.show_timelines({"bp", "f3"}, two_timelines(2e-6), 1, true);
        QVERIFY(plot.follows_data());
        QCOMPARE(plot.xAxis->range().upper, 2.0 * 1.02);
    }

    void decision_regions_zoom_and_pan_together_and_reset() {
        SessionInfo info;
        info.rules = {"bp", "f3"};
        info.inputs = 2;
        info.outputs = 2;
        info.x_min = info.y_min = -2.0;
        info.x_max = info.y_max = 2.0;
        info.points = {Matrix{{-1.0f, -1.0f}, {1.0f, 1.0f}}, {0, 1}, {}};
        BoundaryPlot plot;
        plot.prepare(info);
        const std::vector<Matrix> grids(2, Matrix::Constant(8, 8, 0.5f));
        plot.show_boundaries(grids);
        show_alone(&plot);
        const QList<QCPAxisRect*> rects = plot.axisRects();
        QCOMPARE(rects.size(), 2);
        const QCPRange whole(-2.0, 2.0);
        wheel(&plot, rects[0]->rect().center(), 4);
        for (QCPAxisRect* rect : rects) // every rule's map shows the region zoomed into
            for (QCPAxis* axis : {rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft)}) {
                QVERIFY(axis->range().size() < 0.8 * whole.size());
                QCOMPARE(axis->range(), rects[0]->axis(axis->axisType())->range());
            }
        const QCPRange zoomed = rects[1]->axis(QCPAxis::atBottom)->range();
        drag(&plot, rects[1]->rect().center(), rects[1]->rect().center() + QPoint(-60, 0)); // the second rule's map
        QVERIFY(rects[1]->axis(QCPAxis::atBottom)->range().lower > zoomed.lower);
        QCOMPARE(rects[0]->axis(QCPAxis::atBottom)->range(), rects[1]->axis(QCPAxis::atBottom)->range());
        const QCPRange panned = rects[0]->axis(QCPAxis::atBottom)->range();
        plot.show_boundaries(grids); // the next snapshot
        QCOMPARE(rects[0]->axis(QCPAxis::atBottom)->range(), panned);
        QTest::mouseDClick(&plot, Qt::LeftButton, {}, rects[0]->rect().center());
        QVERIFY(plot.follows_data());
        for (QCPAxisRect* rect : rects)
            for (QCPAxis* axis : {rect->axis(QCPAxis::atBottom), rect->axis(QCPAxis::atLeft)}) QCOMPARE(axis->range(), whole);
        // Another experiment starts from its whole data box.
        wheel(&plot, plot.axisRects()[0]->rect().center(), 4);
        info.x_max = 3.0;
        plot.prepare(info);
        QVERIFY(plot.follows_data());
        QCOMPARE(plot.axisRects()[0]->axis(QCPAxis::atBottom)->range(), QCPRange(-2.0, 3.0));
    }

    void matrix_heatmap_zooms_pans_and_resets() {
        MatrixHeatmap plot;
        Matrix m(10, 20);
        for (Index r = 0; r < m.rows(); ++r)
            for (Index c = 0; c < m.cols(); ++c) m(r, c) = static_cast<float>(r - c);
        plot.show_matrix(m, "W1");
        show_alone(&plot);
        const QCPRange whole_x = plot.xAxis->range(), whole_y = plot.yAxis->range();
        const QPointF centre = plot.axisRect()->rect().center();
        wheel(&plot, centre, 4);
        QVERIFY(plot.xAxis->range().size() < 0.8 * whole_x.size());
        QVERIFY(inside(plot.yAxis->range(), whole_y) && plot.yAxis->range().size() < 0.8 * whole_y.size());
        drag(&plot, centre.toPoint(), centre.toPoint() + QPoint(0, 80));
        const QCPRange panned_x = plot.xAxis->range(), panned_y = plot.yAxis->range();
        QVERIFY(panned_y != whole_y);
        plot.show_matrix(2.0f * m, "W1"); // the same matrix, trained further
        QCOMPARE(plot.xAxis->range(), panned_x);
        QCOMPARE(plot.yAxis->range(), panned_y);
        QTest::mouseDClick(&plot, Qt::LeftButton, {}, centre.toPoint());
        QCOMPARE(plot.xAxis->range(), whole_x);
        QCOMPARE(plot.yAxis->range(), whole_y);
        // Another matrix is shown whole.
        wheel(&plot, centre, 4);
        plot.show_matrix(Matrix::Ones(4, 4), "B1");
        QVERIFY(plot.follows_data());
        QVERIFY(plot.xAxis->range().upper < whole_x.upper);
    }

    // The network diagram pans and zooms as the other views do; the next weights keep the view, a
    // double-click shows the whole network, another shape of network is shown whole.
    void network_diagram_zooms_pans_and_resets() {
        Rng rng(1);
        const Network net = Network::initialise(2, {{6, Activation::Tanh}, {4, Activation::Tanh}}, 3, Head::SoftmaxCe, rng);
        NetworkDiagram plot;
        plot.show_network(net, "BP");
        show_alone(&plot);
        const QCPRange whole_x = plot.xAxis->range(), whole_y = plot.yAxis->range();
        const QPointF centre = plot.axisRect()->rect().center();
        wheel(&plot, centre, 4);
        QVERIFY(plot.xAxis->range().size() < 0.8 * whole_x.size());
        QVERIFY(plot.yAxis->range().size() < 0.8 * whole_y.size());
        drag(&plot, centre.toPoint(), centre.toPoint() + QPoint(100, 0));
        const QCPRange panned = plot.xAxis->range();
        QVERIFY(!plot.follows_data());
        plot.show_network(net, "BP"); // the next snapshot's weights
        QCOMPARE(plot.xAxis->range(), panned);
        QTest::mouseDClick(&plot, Qt::LeftButton, {}, centre.toPoint());
        QCOMPARE(plot.xAxis->range(), whole_x);
        QCOMPARE(plot.yAxis->range(), whole_y);
        wheel(&plot, centre, 4);
        plot.show_network(Network::initialise(2, {{6, Activation::Tanh}}, 3, Head::SoftmaxCe, rng), "BP"); // one layer fewer
        QVERIFY(plot.follows_data());
        QVERIFY(plot.xAxis->range().upper < whole_x.upper);
    }

    // The Attention view zooms and pans its picture as the other views do; a redraw keeps the view,
    // a double-click or another run shows it whole.
    void attention_view_zooms_pans_and_resets() {
        AttentionView view;
        show_alone(&view);
        const QCPRange whole(0.0, 1.0);
        QCOMPARE(view.xAxis->range(), whole);
        const QPointF centre = view.axisRect()->rect().center();
        QCOMPARE(view.resolution(), 1);
        wheel(&view, centre, 4);
        QVERIFY(view.xAxis->range().size() < 0.8 && view.yAxis->range().size() < 0.8);
        for (int i = 0; i < 10 && view.xAxis->range().size() > 1.0 / 3.5; ++i) wheel(&view, centre, 4);
        QCOMPARE(view.resolution(), 4); // painted again with the zoom's pixels: text stays sharp
        drag(&view, centre.toPoint(), centre.toPoint() + QPoint(100, 0));
        QVERIFY(!view.follows_data());
        const QCPRange panned = view.xAxis->range();
        view.set_block(0); // drawn again
        QCOMPARE(view.xAxis->range(), panned);
        QTest::mouseDClick(&view, Qt::LeftButton, {}, centre.toPoint());
        QCOMPARE(view.xAxis->range(), whole);
        QCOMPARE(view.resolution(), 1);
        wheel(&view, centre, 4);
        view.prepare({"bp"}, {}, 1);
        QVERIFY(view.follows_data());
        QCOMPARE(view.yAxis->range(), whole);
    }

    // Live training keeps a zoom into the decision regions while it redraws them.
    void a_zoom_survives_live_snapshots() {
        MainWindow window;
        window.set_interactive(false);
        window.show();
        window.load_setup(quick_spiral(3));
        window.tabs()->setCurrentIndex(2);
        window.step_epochs(1);
        QTRY_COMPARE_WITH_TIMEOUT(window.completed_epochs(), 1, kWaitMs);
        BoundaryPlot* plot = window.boundary_plot();
        QTRY_VERIFY_WITH_TIMEOUT(plot->has_content(), kWaitMs);
        plot->replot();
        QCPAxisRect* rect = plot->axisRects().front();
        auto* map = qobject_cast<QCPColorMap*>(plot->plottable(0));
        QVERIFY(map);
        const double before = map->data()->cell(3, 3) + map->data()->cell(10, 20);
        wheel(plot, rect->rect().center(), 4);
        const QCPRange zoomed = rect->axis(QCPAxis::atBottom)->range();
        window.step_epochs(1);
        QTRY_COMPARE_WITH_TIMEOUT(window.completed_epochs(), 2, kWaitMs);
        QTRY_VERIFY_WITH_TIMEOUT(map->data()->cell(3, 3) + map->data()->cell(10, 20) != before, kWaitMs); // redrawn
        QCOMPARE(rect->axis(QCPAxis::atBottom)->range(), zoomed);
    }

    // A curve plot's legend row collapses (its right-click menu, or View for all of them) and the
    // axes get its room; shown again, it takes that room back.
    void legends_collapse_to_give_the_axes_room() {
        MainWindow window;
        window.set_interactive(false);
        window.resize(1280, 720);
        window.show();
        Experiment setup = quick_spiral(1);
        setup.training.rules = {RuleSpec{}, parse_rule("dfa"), parse_rule("f3")};
        window.load_setup(setup);
        run_to_the_end(window);
        CurvePlot* loss = window.loss_plot();
        loss->replot();
        const int with_legend = loss->axisRect()->rect().height();
        const int legend_height = loss->legend->outerRect().height();
        QVERIFY(legend_height > 0);
        QCOMPARE(loss->contextMenuPolicy(), Qt::ActionsContextMenu);
        QVERIFY(loss->actions().contains(loss->legend_action()));
        loss->legend_action()->trigger(); // "Show legend" unchecked
        loss->replot();
        QVERIFY(!loss->legend_shown());
        QVERIFY2(loss->axisRect()->rect().height() >= with_legend + legend_height,
                 qPrintable(QString("axes %1 px high, %2 with a legend of %3").arg(loss->axisRect()->rect().height()).arg(with_legend).arg(legend_height)));
        QVERIFY(window.metric_plot()->legend_shown()); // the others keep theirs
        loss->legend_action()->trigger();
        loss->replot();
        QCOMPARE(loss->axisRect()->rect().height(), with_legend);

        QAction* all = action_named(&window, "Legends on the plots");
        QVERIFY(all);
        all->trigger();
        for (CurvePlot* plot : {window.loss_plot(), window.metric_plot(), window.alignment_plot(), window.staleness_plot()}) {
            QVERIFY(!plot->legend_shown());
            QVERIFY(!plot->legend_action()->isChecked());
        }
        window.metric_plot()->replot();
        QVERIFY(window.metric_plot()->axisRect()->rect().height() > with_legend);
        all->trigger();
        for (CurvePlot* plot : {window.loss_plot(), window.metric_plot(), window.alignment_plot(), window.staleness_plot()})
            QVERIFY(plot->legend_shown());
    }

    // Every rule and every F³ error variant has a colour of its own, far enough from the others to
    // tell apart on a projector: the shipped sweeps show all six variants beside BP, DRTP and shallow.
    void every_rule_and_f3_variant_has_its_own_colour() {
        QStringList labels;
        for (const std::string& name : rule_names()) labels << QString::fromStdString(name);
        for (const std::string& variant : all_names<F3Error>())
            if (parse_rule("f3:" + variant).f3_error != F3Error::DelayedError) labels << QString::fromStdString("f3:" + variant);
        QCOMPARE(rule_colour("f3:delayed_error"), rule_colour("f3")); // F³'s default variant is F³
        for (qsizetype a = 0; a < labels.size(); ++a)
            for (qsizetype b = a + 1; b < labels.size(); ++b) {
                const QColor p = rule_colour(labels[a]), q = rule_colour(labels[b]);
                const double distance = std::hypot(p.red() - q.red(), p.green() - q.green(), p.blue() - q.blue());
                QVERIFY2(distance > 60, qPrintable(QString("%1 and %2: %3 apart").arg(labels[a], labels[b]).arg(distance)));
            }
    }

    // The experiment panel fits its dock at 1280x720 (a "Down" button once read "Dov" and the panel
    // scrolled sideways): no horizontal scrolling, every button as wide as its text needs.
    void experiment_panel_fits_at_1280x720() {
        MainWindow window;
        window.set_interactive(false);
        window.resize(1280, 720);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        auto* scroll = window.findChild<QDockWidget*>("experimentDock")->findChild<QScrollArea*>();
        QVERIFY(scroll);
        QTRY_VERIFY_WITH_TIMEOUT(window.experiment_panel()->isVisible(), kWaitMs);
        QVERIFY2(scroll->horizontalScrollBar()->maximum() == 0,
                 qPrintable(QString("panel %1 px wide in a %2 px view").arg(window.experiment_panel()->width()).arg(scroll->viewport()->width())));
        for (QAbstractButton* button : window.experiment_panel()->findChildren<QAbstractButton*>()) {
            if (!button->isVisible()) continue;
            const QRect shown = button->geometry().translated(button->parentWidget()->mapTo(scroll->viewport(), QPoint()));
            QVERIFY2(button->width() >= button->sizeHint().width() && shown.right() < scroll->viewport()->width(),
                     qPrintable(QString("%1: %2 px of %3, right edge at %4 of %5").arg(button->text()).arg(button->width())
                                    .arg(button->sizeHint().width()).arg(shown.right()).arg(scroll->viewport()->width())));
        }
    }

    // A placeholder wraps to its plot's width (beside a lesson at 1280x720 the Sweep tab's was cut
    // off at both ends), and unwraps when the plot is wide again.
    void placeholders_wrap_to_the_plot() {
        CurvePlot plot("Learning curves", "epoch", "loss");
        const QString text = "Click a point of the sweep to see its learning curves\n(mean ± std over seeds).";
        plot.set_placeholder(text);
        QCPItemText* placeholder = text_item(&plot, "Click a point of the sweep");
        QVERIFY(placeholder);
        plot.resize(260, 300);
        plot.show();
        QVERIFY(QTest::qWaitForWindowExposed(&plot));
        plot.replot();
        fit_ticks_to_size(&plot);
        const QFontMetrics metrics(placeholder->font());
        for (const QString& line : placeholder->text().split('\n'))
            QVERIFY2(metrics.horizontalAdvance(line) <= plot.axisRect()->width(), qPrintable(line));
        QVERIFY(placeholder->text().count('\n') > 1);
        plot.resize(1200, 300);
        plot.replot();
        fit_ticks_to_size(&plot);
        QCOMPARE(placeholder->text(), text);
    }

    // Before any data, the curves get the room they get with data (an empty legend row once took
    // all but 50 pixels of the Loss and Test accuracy plots at 1280x720, their tick labels colliding).
    void empty_plots_get_their_room() {
        MainWindow window;
        window.set_interactive(false);
        window.load_setup(quick_spiral(2));
        window.resize(1280, 720);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        for (CurvePlot* plot : {window.loss_plot(), window.metric_plot(), window.alignment_plot(), window.staleness_plot()}) {
            plot->replot();
            const QRect data = plot->axisRect()->rect();
            const QString title = qobject_cast<QCPTextElement*>(plot->plotLayout()->element(0, 0))->text();
            QVERIFY2(data.width() > plot->width() / 2 && data.height() > plot->height() / 3,
                     qPrintable(QString("%1: axes %2x%3 in a %4x%5 plot").arg(title).arg(data.width()).arg(data.height())
                                    .arg(plot->width()).arg(plot->height())));
        }
    }

    // Presenter mode: the window fits the screen, the panels give their room to the plots, every
    // text scales and no two tick labels overlap.
    void presenter_mode_fits_the_screen() {
        MainWindow window;
        window.set_interactive(false);
        window.show();
        window.load_setup(quick_spiral(2));
        run_to_the_end(window);
        auto* rule_box = window.experiment_panel()->findChild<QCheckBox*>("rule_bp");
        auto* lesson_title = window.lesson_panel()->findChild<QLabel*>("lessonTitle");
        const qreal normal = window.font().pointSizeF(), box_normal = rule_box->font().pointSizeF(),
                    title_normal = lesson_title->font().pointSizeF();
        window.set_presenter_mode(true);
        const QRect screen = window.screen()->geometry();
        QTRY_VERIFY2_WITH_TIMEOUT(screen.contains(window.geometry()),
                                  qPrintable(QString("window %1x%2 at %3,%4 on a %5x%6 screen")
                                                 .arg(window.width()).arg(window.height()).arg(window.x()).arg(window.y())
                                                 .arg(screen.width()).arg(screen.height())),
                                  60000);
        // Its hint is the status line's text, never a QStatusBar message: Qt showed the line's label again
        // over such a message once the font change had relaid the bar out, and both were drawn as one smear.
        auto* status = window.statusBar()->findChild<QLabel*>("status");
        QVERIFY(status);
        QVERIFY(status->isVisible() && status->text().startsWith("Presenter mode"));
        QVERIFY(window.statusBar()->currentMessage().isEmpty());
        for (QDockWidget* dock : window.findChildren<QDockWidget*>()) QVERIFY(!dock->isVisible());
        QVERIFY(rule_box->font().pointSizeF() > 1.4 * box_normal); // the panel's check boxes scale too
        QVERIFY(lesson_title->font().pointSizeF() > 1.4 * title_normal); // and the lesson's title
        QVERIFY(lesson_title->font().bold());
        const QList<QCustomPlot*> plots = {window.loss_plot(), window.metric_plot(), window.alignment_plot(), window.staleness_plot()};
        for (QCustomPlot* plot : plots) {
            plot->replot();
            for (QCPLayoutElement* element : plot->plotLayout()->elements(true))
                if (auto* title = qobject_cast<QCPTextElement*>(element)) QVERIFY(title->font().pointSizeF() > 1.4 * normal);
            QVERIFY(plot->legend->font().pointSizeF() > 1.4 * normal);
            for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) {
                QVERIFY(axis->tickLabelFont().pointSizeF() > 1.4 * normal);
                // Each label's extent along the axis, in pixels: none may reach into the next.
                const QFontMetrics metrics(axis->tickLabelFont());
                std::vector<std::pair<double, double>> extents;
                const QVector<double> ticks = axis->tickVector();
                const QVector<QString> labels = axis->tickVectorLabels();
                for (int i = 0; i < ticks.size(); ++i) {
                    if (!axis->range().contains(ticks[i])) continue;
                    const double at = axis->coordToPixel(ticks[i]);
                    const double half = axis->orientation() == Qt::Horizontal ? metrics.horizontalAdvance(labels[i]) / 2.0 : metrics.height() / 2.0;
                    extents.emplace_back(at - half, at + half);
                }
                std::sort(extents.begin(), extents.end());
                QVERIFY(extents.size() >= 2);
                for (std::size_t i = 1; i < extents.size(); ++i) QVERIFY2(extents[i].first > extents[i - 1].second, qPrintable(plot->objectName()));
            }
        }
        QVERIFY(window.timeline_plot()->yAxis->tickLabelFont().pointSizeF() > 1.4 * normal);
        window.set_presenter_mode(false);
        QVERIFY(window.findChild<QDockWidget*>("experimentDock")->isVisible()); // the panels come back
        QCOMPARE(rule_box->font().pointSizeF(), box_normal);
        QCOMPARE(lesson_title->font().pointSizeF(), title_normal);
    }
};

QTEST_MAIN(TestGuiViews)
#include "tst_gui_views.moc"
