// f3studio: the desktop app. `--demo NAME --epochs N --screenshot FILE.png` runs a built-in demo and
// saves the whole window (works with QT_QPA_PLATFORM=offscreen); `--list-demos` prints the names.
#include "demos.hpp"
#include "experiment_panel.hpp"
#include "f3/kernels.hpp"
#include "main_window.hpp"

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
    f3::use_fastest_build(argv);
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
    QApplication::setDesktopFileName("f3studio");

    QCommandLineParser parser;
    parser.setApplicationDescription("Watch neural networks learn with and without backpropagation.");
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption demo_option("demo", "Open the built-in demo NAME.", "NAME");
    QCommandLineOption epochs_option("epochs", "Train the demo for N epochs.", "N");
    QCommandLineOption screenshot_option("screenshot", "Run the demo, save the window to FILE.png and exit.", "FILE");
    QCommandLineOption list_option("list-demos", "Print the built-in demos, one a line.");
    QCommandLineOption presenter_option("presenter", "Start in presenter mode (large fonts, full screen).");
    parser.addOptions({demo_option, epochs_option, screenshot_option, list_option, presenter_option});
    parser.process(app);

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
    window.load_setup(*setup);
    window.show();
    if (parser.isSet(presenter_option)) window.set_presenter_mode(true);

    if (parser.isSet(screenshot_option)) {
        const QString path = parser.value(screenshot_option);
        QObject::connect(&window, &f3::gui::MainWindow::runFinished, &app, [&window, path] {
            // Let the last queued replots happen before grabbing the window.
            QTimer::singleShot(400, &window, [&window, path] {
                if (!window.grab().save(path)) {
                    std::fprintf(stderr, "error: cannot write the screenshot to '%s'\n", qPrintable(path));
                    QApplication::exit(1);
                    return;
                }
                QApplication::exit(0);
            });
        });
        QTimer::singleShot(0, &window, [&window] { window.run(); });
    }
    return app.exec();
}
