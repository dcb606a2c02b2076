// Lessons followed in the app (issue 15): the help panel shows one step at a time with Back / Next,
// a button performs the step's action, the command-line note starts collapsed, another lesson
// starts at its first step, and every tab a lesson names is one of the app's tabs. Offscreen.
#include "demos.hpp"
#include "experiment_panel.hpp"
#include "gui_test_support.hpp"
#include "lesson_panel.hpp"
#include "main_window.hpp"
#include "plots.hpp"
#include "sweep_view.hpp"

#include <QDockWidget>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTextBrowser>
#include <QToolButton>
#include <QtTest>

using namespace f3;
using namespace f3::gui;
using test::kWaitMs;

namespace {

QAction* action_named(QWidget* window, const QString& text) {
    for (QAction* a : window->findChildren<QAction*>())
        if (a->text().remove('&') == text) return a;
    return nullptr;
}

void open_lesson(MainWindow& window, const QString& name) {
    QAction* lesson = action_named(&window, QString::fromStdString(demo(name)->name));
    QVERIFY2(lesson, qPrintable(name));
    lesson->trigger();
}

template <class W> W* part(MainWindow& window, const char* name) { return window.lesson_panel()->findChild<W*>(name); }
QString progress(MainWindow& window) { return part<QLabel>(window, "lessonProgress")->text(); }
QString step_text(MainWindow& window) { return part<QTextBrowser>(window, "lessonStep")->toPlainText(); }

QStringList tab_titles(MainWindow& window) {
    QStringList titles;
    for (int i = 0; i < window.tabs()->count(); ++i) titles << window.tabs()->tabText(i).remove('&');
    return titles;
}

// Goes to the lesson's step with this heading, through the Next button.
void go_to_step(MainWindow& window, const std::string& heading) {
    const Lesson& lesson = *window.lesson_panel()->lesson();
    for (int k = 0; k < static_cast<int>(lesson.steps.size()); ++k) {
        if (lesson.steps[static_cast<std::size_t>(k)].heading == heading) return;
        part<QPushButton>(window, "lessonNext")->click();
    }
    QFAIL(("no step " + heading).c_str());
}

} // namespace

class TestGuiLessons : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void every_tab_a_lesson_names_exists() {
        MainWindow window;
        const QStringList titles = tab_titles(window);
        int named = 0;
        for (const QString& name : demo_names())
            for (const std::string& tab : tabs_named(*demo_lesson(name))) {
                QVERIFY2(titles.contains(QString::fromStdString(tab)), qPrintable(name + " names a tab that does not exist: " + QString::fromStdString(tab)));
                ++named;
            }
        QVERIFY(named >= 10);
    }

    void next_and_back_walk_the_steps() {
        MainWindow window;
        window.set_interactive(false);
        window.show();
        open_lesson(window, "xor-needs-a-hidden-layer");
        const Lesson xor_lesson = *demo_lesson("xor-needs-a-hidden-layer");
        const int steps = static_cast<int>(xor_lesson.steps.size());
        QVERIFY(window.lesson_panel()->isVisible());
        QVERIFY(progress(window).startsWith(QString("Step 1 of %1").arg(steps)));
        QVERIFY(step_text(window).contains("XOR's two classes sit in opposite quadrants")); // the introduction, with step 1
        auto* back = part<QPushButton>(window, "lessonBack");
        auto* next = part<QPushButton>(window, "lessonNext");
        QVERIFY(!back->isEnabled());
        next->click();
        QVERIFY(progress(window).startsWith(QString("Step 2 of %1").arg(steps)));
        QVERIFY(!step_text(window).contains("XOR's two classes"));
        QVERIFY(back->isEnabled());
        back->click();
        QVERIFY(progress(window).startsWith("Step 1 of"));
        for (int k = 1; k < steps; ++k) next->click();
        QVERIFY(progress(window).startsWith(QString("Step %1 of %1").arg(steps)));
        QVERIFY(!next->isEnabled());

        // The command line is a note, collapsed until asked for.
        auto* toggle = part<QToolButton>(window, "lessonCommandLineToggle");
        auto* note = part<QTextBrowser>(window, "lessonCommandLine");
        QVERIFY(toggle->isVisible() && !note->isVisible());
        QVERIFY(!step_text(window).contains("f3studio-cli"));
        toggle->click();
        QVERIFY(note->isVisible());
        QVERIFY(note->toPlainText().contains("f3studio-cli train --config resources/lessons/xor-needs-a-hidden-layer.json --layers 8"));

        // Another lesson: its first step at once, the note collapsed again.
        open_lesson(window, "sine-regression");
        QVERIFY(progress(window).startsWith(QString("Step 1 of %1").arg(demo_lesson("sine-regression")->steps.size())));
        QVERIFY(part<QLabel>(window, "lessonTitle")->text().contains("Fitting a sine"));
        QVERIFY(!step_text(window).contains("XOR"));
        QVERIFY(!note->isVisible());
        QVERIFY(note->toPlainText().contains("sine-regression.json"));

        // A file that is no lesson: no lesson panel.
        window.load_setup(test::quick_spiral(1));
        QVERIFY(!window.lesson_panel()->isVisible());
    }

    void an_action_opens_the_tab_it_names() {
        MainWindow window;
        window.set_interactive(false);
        window.show();
        open_lesson(window, "update-locking-timeline");
        QCOMPARE(window.tabs()->currentIndex(), 0);
        go_to_step(window, "Open the timeline");
        part<QPushButton>(window, "lessonNext")->click(); // and back: the button follows the step
        part<QPushButton>(window, "lessonBack")->click();
        auto* action = part<QPushButton>(window, "lessonAction");
        QVERIFY(action->isVisible());
        QCOMPARE(action->text(), QString("Open the Update timeline tab"));
        action->click();
        QCOMPARE(window.tabs()->tabText(window.tabs()->currentIndex()), QString("Update timeline"));
    }

    void an_action_changes_one_setting_and_load_undoes_it() {
        MainWindow window;
        window.set_interactive(false);
        window.show();
        open_lesson(window, "xor-needs-a-hidden-layer");
        QVERIFY(window.experiment_panel()->setup().training.hidden.empty());
        go_to_step(window, "Add a hidden layer of 8 units");
        const int step = window.lesson_panel()->step();
        part<QPushButton>(window, "lessonAction")->click();
        const auto hidden = window.experiment_panel()->setup().training.hidden;
        QCOMPARE(hidden.size(), std::size_t(1));
        QCOMPARE(hidden[0].width, 8);
        QCOMPARE(hidden[0].activation, Activation::Tanh);
        QCOMPARE(window.lesson_panel()->step(), step);
        go_to_step(window, "Start again");
        part<QPushButton>(window, "lessonAction")->click();
        QVERIFY(window.experiment_panel()->setup().training.hidden.empty());
        QVERIFY(progress(window).contains("Start again")); // the class stays on its step
    }

    void run_n_epochs_trains_that_many_then_pauses() {
        MainWindow window;
        window.set_interactive(false);
        window.show();
        window.load_setup(test::quick_spiral(5));
        window.perform_lesson_action(*parse_lesson("# T\n## S\nAction: run 2 epochs\n", "test").steps[0].action);
        QTRY_COMPARE_WITH_TIMEOUT(window.completed_epochs(), 2, kWaitMs);
        QCOMPARE(window.metric_plot()->point_count("bp"), 2);
        // The spiral lesson's first step, through its button: five epochs of a 30-epoch run.
        auto finished = false;
        connect(&window, &MainWindow::runFinished, this, [&] { finished = true; });
        open_lesson(window, "spiral-bp-dfa-f3");
        QCOMPARE(part<QPushButton>(window, "lessonAction")->text(), QString("Run 5 epochs"));
        part<QPushButton>(window, "lessonAction")->click();
        QTRY_COMPARE_WITH_TIMEOUT(window.completed_epochs(), 5, kWaitMs);
        QCOMPARE(window.metric_plot()->point_count("f3"), 5);
        QVERIFY(!finished);
    }

    // A teacher presenting a lesson keeps its steps: presenter mode hides every other panel and the
    // help on the view, and shows the lesson in a quarter of the screen; leaving it restores both.
    void presenter_mode_keeps_the_lesson_steps() {
        MainWindow window;
        window.set_interactive(false);
        window.show();
        open_lesson(window, "spiral-bp-dfa-f3");
        auto* experiment = window.findChild<QDockWidget*>("experimentDock");
        auto* help = window.findChild<QDockWidget*>("helpDock");
        auto* explanation = window.findChild<QTextBrowser*>("explanation");
        QVERIFY(experiment->isVisible() && help->isVisible() && explanation->isVisible());
        window.set_presenter_mode(true);
        QVERIFY(!experiment->isVisible());
        QVERIFY(window.lesson_panel()->isVisible());
        QVERIFY(part<QPushButton>(window, "lessonAction")->isVisible() && part<QPushButton>(window, "lessonNext")->isVisible());
        QVERIFY(!explanation->isVisible()); // the steps get the panel's height
        QTRY_VERIFY_WITH_TIMEOUT(help->width() <= window.width() / 3, kWaitMs); // the plots keep most of the screen
        QVERIFY(window.tabs()->width() >= window.width() / 2);

        // A file without a lesson: nothing left at the side; a lesson opened now shows its steps.
        window.load_setup(test::quick_spiral(1));
        QVERIFY(!help->isVisible());
        open_lesson(window, "xor-needs-a-hidden-layer");
        QVERIFY(help->isVisible() && window.lesson_panel()->isVisible());
        for (QAction* a : window.findChildren<QAction*>()) // Help's entry (View's of the same name toggles the panel)
            if (a->text().remove('&') == "What am I looking at?" && !a->isCheckable()) a->trigger();
        QVERIFY(explanation->isVisible()); // asked for, the help on the view comes back

        window.set_presenter_mode(false);
        QVERIFY(experiment->isVisible() && help->isVisible() && explanation->isVisible());
        QVERIFY(window.lesson_panel()->isVisible());
    }

    // The Sweep tab beside a lesson in presenter mode at 1280x720: after a sweep it still fits the
    // room the lesson leaves (its status line once widened the window past the screen), and the
    // summary's long title wraps instead of being cut.
    void sweep_tab_fits_beside_a_lesson_in_presenter_mode() {
        MainWindow window;
        window.set_interactive(false);
        window.show();
        open_lesson(window, "learning-rate-sweep");
        window.set_presenter_mode(true);
        SweepView* sweep = window.sweep_view();
        QSignalSpy finished(sweep, &SweepView::sweepFinished);
        go_to_step(window, "Run the sweep");
        part<QPushButton>(window, "lessonAction")->click();
        QVERIFY(finished.wait(kWaitMs));
        QCOMPARE(sweep->runs().size(), std::size_t(21));
        const int room = 1280 - 1280 / 4; // a 1280x720 projector less the lesson's quarter
        QVERIFY2(sweep->minimumSizeHint().width() <= room, qPrintable(QString("the Sweep tab needs %1 px").arg(sweep->minimumSizeHint().width())));
        QCustomPlot* summary = sweep->summary_plot();
        fit_ticks_to_size(summary, room / 2);
        for (QCPLayoutElement* element : summary->plotLayout()->elements(true))
            if (auto* title = qobject_cast<QCPTextElement*>(element)) {
                const QFontMetrics metrics(title->font());
                QVERIFY(title->text().contains('\n'));
                for (const QString& line : title->text().split('\n')) QVERIFY(metrics.horizontalAdvance(line) <= room / 2);
            }
        window.set_presenter_mode(false);
    }

    // The step "Run the sweep" trains the sweep the lesson set up, every run of it, in the Sweep tab.
    void run_the_sweep_step_trains_the_lessons_sweep() {
        MainWindow window;
        window.set_interactive(false);
        window.show();
        open_lesson(window, "learning-rate-sweep");
        SweepView* sweep = window.sweep_view();
        QVERIFY(sweep->runs().empty());
        QSignalSpy finished(sweep, &SweepView::sweepFinished);
        go_to_step(window, "Run the sweep");
        auto* action = part<QPushButton>(window, "lessonAction");
        QCOMPARE(action->text(), QString("Run the sweep"));
        action->click();
        QCOMPARE(window.tabs()->currentWidget(), sweep);
        QVERIFY(sweep->running());
        QVERIFY(finished.wait(kWaitMs));
        QVERIFY(sweep->problem().isEmpty());
        QCOMPARE(sweep->spec().run_count(), std::size_t(21)); // "this runs its 21 trainings"
        QCOMPARE(sweep->runs_trained(), std::size_t(21));
        for (const SweepRun& run : sweep->runs()) QCOMPARE(static_cast<int>(run.history.size()), 20 * 4); // 20 epochs, 4 rules
        QCOMPARE(window.lesson_panel()->step(), 0); // the class stays on its step
    }

    // Beside any shipped lesson in presenter mode, no view makes the window wider than a 1280x720
    // projector (the transformer's "Decision regions are not available…" line once needed 1122 px).
    void every_lesson_fits_a_projector_in_presenter_mode() {
        MainWindow window;
        window.set_interactive(false);
        window.show();
        window.set_presenter_mode(true);
        for (const QString& name : demo_names()) {
            if (!demo_lesson(name)) continue;
            open_lesson(window, name);
            QVERIFY(window.lesson_panel()->isVisible());
            QVERIFY2(window.minimumSizeHint().width() <= 1280,
                     qPrintable(QString("%1: the window needs %2 px").arg(name).arg(window.minimumSizeHint().width())));
        }
        window.set_presenter_mode(false);
    }
};

QTEST_MAIN(TestGuiLessons)
#include "tst_gui_lessons.moc"
