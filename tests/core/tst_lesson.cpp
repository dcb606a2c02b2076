// Lessons in steps (f3/io/lesson.hpp): title, introduction, steps with one optional action each,
// the command-line note; errors name the lesson and the step; the shipped lessons all parse, speak
// app actions only outside their command-line note, and their settings fit their experiments.
#include "f3/io/experiment.hpp"
#include "f3/io/lesson.hpp"
#include "f3/io/names.hpp"

#include <QDir>
#include <QFile>
#include <QtTest>

#include <functional>

using namespace f3;
using Kind = LessonAction::Kind;

namespace {

const char* kSample = R"(# A small lesson

Why this matters.

## Run it
Press **Run** and watch the **Learning curves** tab.
Action: press Run

## Look closer
Open the timeline.
Action: open the Update timeline tab
Then read it.

## Think
No action here.

## From the command line
    f3studio-cli train --config x.json
Action: not an action here, only text
)";

QString error_of(const std::string& markdown, const char* name = "sample") {
    try {
        parse_lesson(markdown, name);
    } catch (const LessonError& e) {
        return QString::fromStdString(e.what());
    }
    return {};
}

LessonAction only_action(const std::string& phrase) {
    const Lesson lesson = parse_lesson("# T\n## S\nAction: " + phrase + "\n", "one");
    if (!lesson.steps[0].action) throw std::logic_error("no action: " + phrase);
    return *lesson.steps[0].action;
}

QString read(const QString& path) {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

} // namespace

class TestLesson : public QObject {
    Q_OBJECT
private slots:
    void splits_a_lesson_into_steps() {
        const Lesson lesson = parse_lesson(kSample, "sample");
        QCOMPARE(lesson.title, std::string("A small lesson"));
        QCOMPARE(lesson.introduction, std::string("Why this matters."));
        QCOMPARE(lesson.steps.size(), std::size_t(3));
        QCOMPARE(lesson.steps[0].heading, std::string("Run it"));
        QCOMPARE(lesson.steps[0].text, std::string("Press **Run** and watch the **Learning curves** tab."));
        QVERIFY(lesson.steps[0].action && lesson.steps[0].action->kind == Kind::PressRun);
        // The action line leaves the text; the lines around it stay.
        QCOMPARE(lesson.steps[1].text, std::string("Open the timeline.\nThen read it."));
        QCOMPARE(lesson.steps[1].action->tab, std::string("Update timeline"));
        QCOMPARE(lesson.steps[1].action->text, std::string("open the Update timeline tab"));
        QVERIFY(!lesson.steps[2].action);
        // The note is kept as written, "Action:" lines too: it is not a step.
        QCOMPARE(lesson.command_line, std::string("f3studio-cli train --config x.json\nAction: not an action here, only text"));
        QCOMPARE(tabs_named(lesson), (std::vector<std::string>{"Learning curves", "Update timeline"}));
    }

    void reads_every_action() {
        QCOMPARE(only_action("load the lesson").kind, Kind::LoadLesson);
        QCOMPARE(only_action("run the sweep").kind, Kind::RunSweep);
        const LessonAction epochs = only_action("run 2 epochs");
        QCOMPARE(epochs.kind, Kind::RunEpochs);
        QCOMPARE(epochs.count, 2);
        QCOMPARE(only_action("run 1 epoch").count, 1);
        const LessonAction batches = only_action("run 3 batches");
        QCOMPARE(batches.kind, Kind::RunBatches);
        QCOMPARE(batches.count, 3);
        QCOMPARE(only_action("run 1 batch").kind, Kind::RunBatches);
        QCOMPARE(only_action("set the epochs to 40").count, 40);
        QCOMPARE(only_action("set the hidden layers to 64,64, 64").widths, (std::vector<int>{64, 64, 64}));
        QVERIFY(only_action("set the hidden layers to none").widths.empty());
        QCOMPARE(only_action("set the rules to bp,f3:delayed_loss").rules,
                 (std::vector<RuleSpec>{parse_rule("bp"), parse_rule("f3:delayed_loss")}));
    }

    void an_unknown_action_names_the_lesson_and_the_step() {
        const QString error = error_of("# T\n## First\nAction: press Run\n## Add a layer\nAction: add a layer\n", "xor-lesson");
        QVERIFY2(error.contains("lesson \"xor-lesson\"") && error.contains("step \"Add a layer\"") && error.contains("\"add a layer\""),
                 qPrintable(error));
        QVERIFY2(error.contains("open the NAME tab"), qPrintable(error)); // and lists what is known
    }

    void a_known_action_with_a_bad_value_says_which_value() {
        QVERIFY2(error_of("# T\n## S\nAction: run 0 epochs\n").contains("from 1"), qPrintable(error_of("# T\n## S\nAction: run 0 epochs\n")));
        const QString width = error_of("# T\n## Wide\nAction: set the hidden layers to 8,x\n");
        QVERIFY2(width.contains("step \"Wide\"") && width.contains("\"x\" is not a layer width"), qPrintable(width));
        const QString rule = error_of("# T\n## S\nAction: set the rules to bp,backdrop\n");
        QVERIFY2(rule.contains("backdrop"), qPrintable(rule));
    }

    void malformed_lessons_are_refused_with_the_reason() {
        QVERIFY(error_of("No title\n## S\n").contains("title"));
        QVERIFY(error_of("# T\nOnly text.\n").contains("no steps"));
        QVERIFY(error_of("# T\nAction: press Run\n## S\n").contains("introduction"));
        QVERIFY(error_of("# T\n## Two\nAction: press Run\nAction: run the sweep\n").contains("step \"Two\""));
    }

    void settings_change_one_thing() {
        Experiment e;
        e.training.hidden = {{64, Activation::Relu}, {64, Activation::Relu}};
        e.training.epochs = 30;
        const Experiment before = e;
        apply_setting(only_action("set the hidden layers to 8"), e);
        QCOMPARE(e.training.hidden.size(), std::size_t(1));
        QCOMPARE(e.training.hidden[0].width, 8);
        QCOMPARE(e.training.hidden[0].activation, Activation::Relu); // the layers' shared activation
        QCOMPARE(to_json(e).size() < to_json(before).size(), true);
        apply_setting(only_action("set the hidden layers to none"), e);
        QVERIFY(e.training.hidden.empty());
        apply_setting(only_action("set the hidden layers to 8"), e);
        QCOMPARE(e.training.hidden[0].activation, Activation::Tanh); // nothing to keep
        apply_setting(only_action("set the epochs to 5"), e);
        QCOMPARE(e.training.epochs, 5);
        apply_setting(only_action("set the rules to fa,dfa"), e);
        QCOMPARE(e.training.rules, (std::vector<RuleSpec>{parse_rule("fa"), parse_rule("dfa")}));
        const std::string settled = to_json(e);
        apply_setting(only_action("open the Network tab"), e);
        QCOMPARE(to_json(e), settled);
    }

    // Every shipped lesson: steps, a command-line note holding every CLI command, and settings
    // that still fit the lesson's data.
    void shipped_lessons_are_steps_of_app_actions() {
        const QDir lessons(QStringLiteral(F3_LESSONS_DIR));
        const QStringList files = lessons.entryList({"*.md"}, QDir::Files, QDir::Name);
        QVERIFY(files.size() >= 9);
        for (const QString& file : files) {
            const QString name = file.chopped(3);
            Lesson lesson;
            try {
                lesson = parse_lesson(read(lessons.filePath(file)).toStdString(), name.toStdString());
            } catch (const LessonError& e) {
                QFAIL(e.what());
            }
            QVERIFY2(lesson.steps.size() >= 2, qPrintable(name));
            QVERIFY2(lesson.command_line.find("f3studio-cli") != std::string::npos, qPrintable(name + ": no command-line note"));
            const Experiment shipped = load_experiment(lessons.filePath(name + ".json").toStdString(), nullptr);
            const Dataset data = load_experiment_data(shipped);
            for (const LessonStep& step : lesson.steps) {
                const QString where = name + ", step " + QString::fromStdString(step.heading);
                QVERIFY2(!QString::fromStdString(step.text).contains(QRegularExpression("f3studio-cli|--[a-z]")),
                         qPrintable(where + ": command-line text belongs in the note"));
                if (!step.action) continue;
                Experiment changed = shipped;
                apply_setting(*step.action, changed);
                const std::vector<std::string> problems = check_config(training_config_for(changed, data), data);
                QVERIFY2(problems.empty(), qPrintable(where + ": " + QString::fromStdString(problems.empty() ? "" : problems[0])));
            }
        }
    }
};

QTEST_APPLESS_MAIN(TestLesson)
#include "tst_lesson.moc"
