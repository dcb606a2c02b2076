// f3studio: the desktop app. `f3studio [FILE]` opens an experiment file; `--demo NAME --epochs N
// --screenshot FILE.png` runs a built-in demo (or the file; with --sweep, its sweep) and saves the
// whole window (works with QT_QPA_PLATFORM=offscreen); `--list-demos` prints the names.
#include "demos.hpp"
#include "experiment_panel.hpp"
#include "f3/io/json_writer.hpp"
#include "f3/platform/kernels.hpp"
#include "main_window.hpp"
#include "sweep_view.hpp"

#include <QApplication>
#include <QCommandLineParser>
#include <QTabWidget>
#include <QTimer>
#include <cstdio>
#include <cstring>

namespace {

// Each epoch's results as JSON lines (both tasks' values, null where not measured), then one line per view's replots.
void print_run_report(const f3::gui::MainWindow& window) {
    for (const f3::EpochMetrics& m : window.epoch_history()) {
        f3::JsonLine line;
        line.add("algorithm", m.rule).add("epoch", m.epoch);
        f3::for_each_metric(f3::MetricGroup::Result, [&](const f3::MetricField& field) { line.add(field.name, m.*field.member); });
        line.add("samples_per_s", m.samples_per_s);
        std::printf("%s\n", line.str().c_str());
    }
    if (const f3::gui::SweepView* sweep = window.sweep_view(); !sweep->runs().empty()) {
        f3::JsonLine line;
        line.add("sweep_runs", static_cast<long long>(sweep->runs().size()));
        line.add("sweep_runs_trained", static_cast<long long>(sweep->runs_trained()));
        std::printf("%s\n", line.str().c_str());
    }
    for (auto it = window.replot_stats().begin(); it != window.replot_stats().end(); ++it) {
        f3::JsonLine line;
        line.add("view", it.key().toStdString()).add("replots", it->count).add("mean_replot_ms", it->total_ms / it->count);
        line.add("max_replot_ms", it->max_ms);
        std::printf("%s\n", line.str().c_str());
    }
    std::fflush(stdout);
}

} // namespace

int main(int argc, char** argv) {
    f3::configure_process(argv);
    // Answer what needs no window before asking for a display; a headless screenshot needs none.
    bool wants_screenshot = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--list-demos") == 0) {
            for (const QString& name : f3::gui::demo_names()) std::printf("%s\n", qPrintable(name));
            return 0;
        }
        if (std::strncmp(argv[i], "--screenshot", 12) == 0) wants_screenshot = true;
    }
    if (wants_screenshot && qEnvironmentVariableIsEmpty("DISPLAY") && qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") &&
        qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setApplicationName("f3studio");
    QApplication::setOrganizationName("F3 Studio");
    QApplication::setApplicationVersion(F3_VERSION);
    QApplication::setDesktopFileName("io.github.f3studio.F3Studio"); // resources/desktop/<id>.desktop (Wayland app id)

    QCommandLineParser parser;
    parser.setApplicationDescription("Watch neural networks learn with and without backpropagation.");
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption demo_option("demo", "Open the built-in demo NAME.", "NAME");
    QCommandLineOption epochs_option("epochs", "Train the demo for N epochs.", "N");
    QCommandLineOption screenshot_option("screenshot", "Run the demo, save the window to FILE.png and exit.", "FILE");
    QCommandLineOption list_option("list-demos", "Print the built-in demos, one a line.");
    QCommandLineOption presenter_option("presenter", "Start in presenter mode (large fonts, full screen, panels hidden).");
    QCommandLineOption metrics_option("print-metrics",
                                      "With --screenshot: print each epoch's metrics, the sweep's run counts and the views' replot times as JSON lines.");
    QCommandLineOption tab_option("tab", "Show the view (tab) number N, 0 first.", "N");
    QCommandLineOption sweep_option("sweep", "With --screenshot: run the sweep of the Sweep tab (the demo's, if it has one) instead of training.");
    parser.addOptions({demo_option, epochs_option, screenshot_option, list_option, presenter_option, metrics_option, sweep_option, tab_option});
    parser.addPositionalArgument("file", "An experiment file (.json) to open instead of a demo.", "[FILE]");
    parser.process(app);
    const QStringList files = parser.positionalArguments();
    if (files.size() > 1) {
        std::fprintf(stderr, "error: give one experiment file, not %lld\n", static_cast<long long>(files.size()));
        return 2;
    }

    const QString demo_name = parser.isSet(demo_option) ? parser.value(demo_option) : QStringLiteral("default");
    auto setup = f3::gui::demo(demo_name);
    if (!setup) {
        std::fprintf(stderr, "error: unknown demo '%s' (see --list-demos)\n", qPrintable(demo_name));
        return 2;
    }
    if (parser.isSet(epochs_option)) {
        bool ok = false;
        const int epochs = parser.value(epochs_option).toInt(&ok);
        if (!ok || epochs < 1 || epochs > 100000) {
            std::fprintf(stderr, "error: --epochs expects a whole number from 1 to 100000\n");
            return 2;
        }
        setup->training.epochs = epochs;
    }

    f3::gui::MainWindow window;
    const bool screenshot = parser.isSet(screenshot_option);
    window.set_interactive(!screenshot);
    window.load_setup(*setup, demo_name);
    window.show();
    if (!files.isEmpty() && !window.open_file(files.first())) {
        // Interactive: the user was told why and keeps the demo. A screenshot would be of the wrong thing.
        if (screenshot) {
            std::fprintf(stderr, "error: %s\n", qPrintable(window.last_problem()));
            return 2;
        }
    } else if (files.isEmpty() && !screenshot && !parser.isSet(demo_option)) {
        window.offer_restore();
    }
    if (parser.isSet(presenter_option)) window.set_presenter_mode(true);
    if (parser.isSet(tab_option)) {
        bool ok = false;
        const int tab = parser.value(tab_option).toInt(&ok);
        if (!ok || tab < 0 || tab >= window.tabs()->count()) {
            std::fprintf(stderr, "error: --tab expects a whole number from 0 to %d\n", window.tabs()->count() - 1);
            return 2;
        }
        window.tabs()->setCurrentIndex(tab);
    }

    if (parser.isSet(screenshot_option)) {
        const QString path = parser.value(screenshot_option);
        const bool print_metrics = parser.isSet(metrics_option);
        auto grab_and_exit = [&window, path, print_metrics] {
            // Let the last queued replots happen before grabbing the window.
            QTimer::singleShot(400, &window, [&window, path, print_metrics] {
                if (print_metrics) print_run_report(window);
                // A run that failed finishes too: the screenshot is then of an error, not a result.
                if (!window.last_problem().isEmpty()) {
                    std::fprintf(stderr, "error: %s\n", qPrintable(window.last_problem()));
                    QApplication::exit(1);
                    return;
                }
                if (!window.grab().save(path)) {
                    std::fprintf(stderr, "error: cannot write the screenshot to '%s'\n", qPrintable(path));
                    QApplication::exit(1);
                    return;
                }
                QApplication::exit(0);
            });
        };
        if (parser.isSet(sweep_option)) {
            f3::gui::SweepView* sweep = window.sweep_view();
            window.tabs()->setCurrentWidget(sweep);
            QObject::connect(sweep, &f3::gui::SweepView::sweepFinished, &app, grab_and_exit);
            QTimer::singleShot(0, &window, [&window, sweep] {
                if (!sweep->start(window.experiment_panel()->setup())) {
                    std::fprintf(stderr, "error: %s\n", qPrintable(sweep->problem()));
                    QApplication::exit(2);
                }
            });
        } else {
            QObject::connect(&window, &f3::gui::MainWindow::runFinished, &app, grab_and_exit);
            QTimer::singleShot(0, &window, [&window] { window.run(); });
        }
    }
    return app.exec();
}
