// The desktop app, offscreen, on what used to crash it or change or lose a user's work (issue 18):
// data the Decision regions view cannot draw, memory running out while training, experiments that
// the form must run exactly as saved, and autosaves of several instances.
#include "demos.hpp"
#include "experiment_panel.hpp"
#include "gui_test_support.hpp"
#include "main_window.hpp"
#include "plots.hpp"
#include "sweep_view.hpp"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLockFile>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QTimer>

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <cstdlib>
#include <new>
#include <thread>

#include "f3/io/experiment.hpp"
#include "f3/io/names.hpp"
#include "f3/platform/threads.hpp"

using namespace f3;
using namespace f3::gui;

// Fault injection for "memory runs out during training": once armed, the next allocation through
// operator new on any thread but the GUI thread throws std::bad_alloc, exactly as a failed large
// allocation does. Every form of new and delete is replaced together so that sanitizer builds see
// matching pairs (malloc/free).
namespace {
std::atomic<bool> g_fail_next_worker_allocation{false};
const std::thread::id g_gui_thread = std::this_thread::get_id();

void* allocate(std::size_t size) {
    if (g_fail_next_worker_allocation.load(std::memory_order_relaxed) && std::this_thread::get_id() != g_gui_thread &&
        g_fail_next_worker_allocation.exchange(false))
        throw std::bad_alloc();
    if (void* p = std::malloc(size ? size : 1)) return p;
    throw std::bad_alloc();
}
} // namespace

void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return std::malloc(size ? size : 1); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return std::malloc(size ? size : 1); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

using test::kWaitMs;

void write_bytes(const QString& path, const QByteArray& bytes) {
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    QCOMPARE(file.write(bytes), bytes.size());
}

QByteArray big_endian(quint32 v) {
    const char bytes[] = {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
    return QByteArray(bytes, 4);
}

// An IDX folder of n 1×1 images in two classes (the smallest images the format allows).
void write_one_pixel_idx(const QString& dir, int n) {
    QByteArray images = big_endian(0x803) + big_endian(n) + big_endian(1) + big_endian(1), labels = big_endian(0x801) + big_endian(n);
    for (int i = 0; i < n; ++i) {
        images += char(i % 2 ? 200 : 30);
        labels += char(i % 2);
    }
    for (const char* prefix : {"train", "t10k"}) {
        write_bytes(dir + "/" + prefix + "-images-idx3-ubyte", images);
        write_bytes(dir + "/" + prefix + "-labels-idx1-ubyte", labels);
    }
}

Experiment small_run(const std::string& source) {
    Experiment e = *demo("default");
    e.dataset.source = source;
    e.training.hidden = {{8, Activation::Tanh}};
    e.training.epochs = 1;
    e.training.batch_size = 10;
    return e;
}

// The text the Decision regions view shows in place of a plot ("" when it shows a plot).
QString boundary_message(BoundaryPlot* plot) {
    auto* text = plot->plotLayout()->elementCount() > 0 ? qobject_cast<QCPTextElement*>(plot->plotLayout()->elementAt(0)) : nullptr;
    return text ? text->text() : QString();
}


// Experiments whose values the form's widgets cannot all show: out of a slider's range, finer
// than a spin box's decimals, above 2^31, a data seed of its own, two F³ variants, rules in their
// own order.
std::vector<Experiment> edge_experiments() {
    Experiment wide = *demo("default");
    wide.dataset.toy.size = 20000;
    wide.dataset.toy.noise = 0.125;
    wide.dataset.toy.seed = 7;
    wide.training.seed = 9007199254740991ULL; // 2^53 - 1
    wide.training.optimizer.learning_rate = 1.2345678e-7;
    wide.train_limit = 12345678901;
    wide.training.batch_size = 500000;
    wide.instruments.every_steps = 50000;
    wide.training.rules = {parse_rule("dfa"), parse_rule("bp"), parse_rule("f3:delayed_error"), parse_rule("f3:delayed_loss")};
    Experiment narrow = *demo("default");
    narrow.dataset.toy.size = 4;
    narrow.dataset.toy.noise = 3.5;
    narrow.training.optimizer.learning_rate = 50.0;
    narrow.training.seed = narrow.dataset.toy.seed = 4000000000ULL;
    narrow.training.rules = {parse_rule("f3:delayed_loss")};
    narrow.instruments.alignment = false;
    narrow.instruments.timeline = false;
    return {wide, narrow};
}

// Answers the app's message boxes as a user would, Yes to a question and OK to a warning, and
// keeps their texts.
struct DialogAnswerer {
    QTimer timer;
    QStringList texts;
    DialogAnswerer() {
        timer.setInterval(20);
        QObject::connect(&timer, &QTimer::timeout, [this] {
            auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
            if (!box) return;
            texts << box->text();
            QAbstractButton* yes = box->button(QMessageBox::Yes);
            (yes ? yes : box->buttons().first())->click();
        });
        timer.start();
    }
};

QString autosave_folder() { return QFileInfo(MainWindow::autosave_path()).absolutePath(); }

Experiment described(const std::string& description) {
    Experiment e = small_run("moons");
    e.description = description;
    return e;
}
} // namespace

class GuiReliabilityTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        // Autosaves of this run only: other tests (and earlier runs) use other folders.
        QCoreApplication::setApplicationName(QString("tst_gui_reliability-%1").arg(QCoreApplication::applicationPid()));
        QVERIFY(QDir().mkpath(autosave_folder()));
    }
    void cleanupTestCase() {
        for (const QFileInfo& file : QDir(autosave_folder()).entryInfoList({"autosave*.json*"}, QDir::Files))
            if (file.suffix() != "lock") QFile::remove(file.filePath()); // this process's lock goes at its exit
    }

    // One input feature with classes (a CSV column, or 1×1 images) has no decision regions: the
    // app trains it and says so in that view, instead of reading targets that do not exist.
    void one_feature_classification_trains_without_decision_regions_data() {
        QTest::addColumn<QString>("kind");
        QTest::newRow("csv") << "csv";
        QTest::newRow("1x1 idx") << "idx";
    }
    void one_feature_classification_trains_without_decision_regions() {
        QFETCH(QString, kind);
        QTemporaryDir dir;
        std::string source;
        if (kind == "csv") {
            QByteArray csv = "x,label\n";
            for (int i = 0; i < 200; ++i) csv += QByteArray::number(i * 0.01) + "," + (i < 100 ? "a" : "b") + "\n";
            write_bytes(dir.filePath("one.csv"), csv);
            source = "csv:" + dir.filePath("one.csv").toStdString();
        } else {
            write_one_pixel_idx(dir.path(), 200);
            source = "idx:" + dir.path().toStdString();
        }
        MainWindow window;
        window.set_interactive(false);
        window.show();
        window.load_setup(small_run(source));
        QSignalSpy finished(&window, &MainWindow::runFinished);
        QSignalSpy failed(window.session(), &TrainingSession::failed);
        window.tabs()->setCurrentWidget(window.boundary_plot()->parentWidget());
        window.run();
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, kWaitMs);
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
        QCOMPARE(window.completed_epochs(), 1);
        QVERIFY2(boundary_message(window.boundary_plot()).contains("not available for 1-feature classification data"),
                 qPrintable(boundary_message(window.boundary_plot())));
    }

    // Opening an experiment changes nothing: the panel gives back what the core's reader gives
    // for the file (the experiment `f3studio-cli train --config` runs), for every lesson and for
    // files whose values the widgets cannot show exactly. The app's Run adds only its instruments.
    void opened_experiments_run_as_saved() {
        QTemporaryDir dir;
        QStringList paths;
        for (const QFileInfo& lesson : QDir(F3_LESSONS_DIR).entryInfoList({"*.json"}, QDir::Files)) paths << lesson.filePath();
        QVERIFY(paths.size() >= 5);
        int n = 0;
        for (const Experiment& e : edge_experiments()) {
            paths << dir.filePath(QString("edge%1.json").arg(++n));
            save_experiment_atomically(e, paths.last().toStdString());
        }
        // Written by hand: no data seed (it is the seed), keys in another order.
        paths << dir.filePath("hand.json");
        write_bytes(paths.last(), R"({"format": "f3studio-experiment", "version": 2, "seed": 123456789, "rules": ["f3:delayed_loss_one_hot", "bp"],
                                      "dataset": {"source": "moons", "noise": 0.333, "size": 777}, "epochs": 3,
                                      "network": {"hidden": [{"width": 8, "activation": "relu"}]},
                                      "optimizer": {"kind": "sgd", "learning_rate": 0.0000001}})");
        for (const QString& path : std::as_const(paths)) {
            const Experiment file = load_experiment(path.toStdString(), nullptr);
            MainWindow window;
            window.set_interactive(false);
            QVERIFY2(window.open_file(path), qPrintable(window.last_problem()));
            QCOMPARE(QString::fromStdString(to_json(window.experiment_panel()->setup())), QString::fromStdString(to_json(file)));
            QCOMPARE(QString::fromStdString(to_json(window.current_experiment())), QString::fromStdString(to_json(file)));
            QVERIFY2(!window.has_unsaved_changes(), qPrintable(path));
        }
    }

    // What the form cannot show is named, and an edit of a field makes that field run as edited.
    void edits_replace_the_values_from_the_file() {
        ExperimentPanel panel;
        const Experiment wide = edge_experiments().front();
        panel.set_setup(wide);
        const QString note = panel.findChild<QLabel*>("fromFile")->text();
        for (const char* shown : {"samples 20000", "noise 0.125", "learning rate 1.2345678e-07", "data seed 7", "f3:delayed_loss"})
            QVERIFY2(note.contains(shown), qPrintable(note));
        panel.findChild<QDoubleSpinBox*>("learningRate")->setValue(0.01);
        panel.findChild<QDoubleSpinBox*>("seed")->setValue(5);
        panel.findChild<QComboBox*>("f3Error")->setCurrentText("delayed_error_one_hot"); // the boxes' one F³ variant
        const Experiment edited = panel.setup();
        QCOMPARE(edited.training.optimizer.learning_rate, 0.01);
        QCOMPARE(edited.training.seed, std::uint64_t{5});
        QCOMPARE(edited.dataset.toy.seed, std::uint64_t{7}); // the file's own data seed stays
        QCOMPARE(edited.dataset.toy.noise, 0.125);            // untouched fields keep the file's values
        QCOMPARE(QString::fromStdString(to_string(edited.training.rules.back())), QString("f3:delayed_error_one_hot"));
        QCOMPARE(edited.training.rules.size(), std::size_t{3});
    }

    // A tuned experiment's per-rule learning rates have no field: the note names them, the panel
    // runs them as saved, and a rule still ticked after an edit keeps its own.
    void own_learning_rates_are_shown_and_kept() {
        Experiment tuned;
        tuned.training.hidden = {{8, Activation::Tanh}};
        tuned.training.rules = {parse_rule("bp@0.03"), parse_rule("dfa@0.001"), parse_rule("f3:delayed_loss@3e-4")};
        ExperimentPanel panel;
        panel.set_setup(tuned);
        const QString note = panel.findChild<QLabel*>("fromFile")->text();
        QVERIFY2(note.contains("own learning rate") && note.contains("bp@0.03, dfa@0.001, f3:delayed_loss@3e-04"), qPrintable(note));
        QCOMPARE(QString::fromStdString(to_json(panel.setup())), QString::fromStdString(to_json(tuned)));
        panel.findChild<QCheckBox*>("rule_dfa")->setChecked(false);
        const Experiment edited = panel.setup();
        QCOMPARE(edited.training.rules.size(), std::size_t{2});
        QCOMPARE(QString::fromStdString(rule_setting(edited.training.rules[0])), QString("bp@0.03"));
        QCOMPARE(QString::fromStdString(rule_setting(edited.training.rules[1])), QString("f3:delayed_loss@3e-04"));
    }

    // The autosave is the experiment as it is, its description too; its file is this instance's.
    void autosave_keeps_the_description() {
        MainWindow window;
        window.set_interactive(false);
        window.load_setup(described("My notes for the class"));
        window.experiment_panel()->add_layer(4);
        window.autosave();
        const QString name = QFileInfo(MainWindow::autosave_path()).fileName(); // one file per process
        QVERIFY2(name.contains(QString::number(QCoreApplication::applicationPid())), qPrintable(name));
        QCOMPARE(load_experiment(MainWindow::autosave_path().toStdString(), nullptr).description, std::string("My notes for the class"));
        QVERIFY(QFile::remove(MainWindow::autosave_path()));
    }

    // Another running instance's autosave (its lock held) is neither offered nor deleted, and
    // closing this instance deletes only its own.
    void another_instances_autosave_is_left_alone() {
        const QString other = autosave_folder() + "/autosave-424242.json";
        save_experiment_atomically(described("other instance"), other.toStdString());
        QLockFile other_lock(other + ".lock"); // held as that instance would hold it
        QVERIFY(other_lock.tryLock(0));
        DialogAnswerer answers;
        {
            MainWindow window;
            window.load_setup(described("this instance"));
            window.experiment_panel()->add_layer(4);
            window.offer_restore();
            QVERIFY2(answers.texts.isEmpty(), qPrintable(answers.texts.join('|')));
            window.autosave();
            QVERIFY(QFile::exists(MainWindow::autosave_path()));
            window.set_interactive(false);
            window.close();
        }
        QVERIFY(QFile::exists(other));
        QCOMPARE(load_experiment(other.toStdString(), nullptr).description, std::string("other instance"));
        QVERIFY(QFile::remove(MainWindow::autosave_path()));
        other_lock.unlock();
        QVERIFY(QFile::remove(other));
    }

    // An autosave whose instance is gone is offered; restored, it is this instance's autosave.
    void a_crashed_instances_autosave_is_restored() {
        const QString left = autosave_folder() + "/autosave-434343.json";
        save_experiment_atomically(described("left by a crash"), left.toStdString());
        DialogAnswerer answers;
        MainWindow window;
        window.offer_restore();
        QCOMPARE(answers.texts.size(), 1);
        QCOMPARE(window.experiment_panel()->setup().description, std::string("left by a crash"));
        QVERIFY(window.has_unsaved_changes());
        QVERIFY(!QFile::exists(left));
        QCOMPARE(load_experiment(MainWindow::autosave_path().toStdString(), nullptr).description, std::string("left by a crash"));
        window.set_interactive(false);
        QVERIFY(QFile::remove(MainWindow::autosave_path()));
    }

    // A new instance may get the process id of one that crashed: that one's autosave, and its lock
    // naming this id, are offered and restored, never taken for this instance's own (overwritten,
    // or deleted without a question). Names of this version and of versions before it.
    void an_autosave_of_a_crashed_instance_with_this_pid_is_offered_data() {
        QTest::addColumn<QString>("name");
        const QString pid = QString::number(QCoreApplication::applicationPid());
        QTest::newRow("an earlier start") << "autosave-" + pid + "-1.json";
        QTest::newRow("older versions") << "autosave-" + pid + ".json";
    }
    void an_autosave_of_a_crashed_instance_with_this_pid_is_offered() {
        QFETCH(QString, name);
        const QString left = autosave_folder() + "/" + name;
        QVERIFY(left != MainWindow::autosave_path());
        save_experiment_atomically(described("left by a crash with this pid"), left.toStdString());
        QByteArray lock_bytes; // a lock naming this process, as the crash left it: no one holds it
        {
            QLockFile lock(left + ".lock");
            QVERIFY(lock.tryLock(0));
            QFile file(left + ".lock");
            QVERIFY(file.open(QIODevice::ReadOnly));
            lock_bytes = file.readAll();
        }
        write_bytes(left + ".lock", lock_bytes);
        DialogAnswerer answers;
        MainWindow window;
        window.offer_restore();
        QCOMPARE(answers.texts.size(), 1);
        QCOMPARE(window.experiment_panel()->setup().description, std::string("left by a crash with this pid"));
        QVERIFY(!QFile::exists(left));
        QVERIFY(!QFile::exists(left + ".lock"));
        QCOMPARE(load_experiment(MainWindow::autosave_path().toStdString(), nullptr).description, std::string("left by a crash with this pid"));
        window.set_interactive(false);
        QVERIFY(QFile::remove(MainWindow::autosave_path()));
    }

    // An autosave that cannot be read is renamed aside and named in a message, never deleted.
    void an_unreadable_autosave_is_kept() {
        const QString broken = autosave_folder() + "/autosave-454545.json";
        write_bytes(broken, "{\"format\": \"f3studio-experiment\", \"epochs\": [");
        DialogAnswerer answers;
        MainWindow window;
        window.offer_restore();
        QCOMPARE(answers.texts.size(), 2); // the question, then the problem
        const QStringList kept = QDir(autosave_folder()).entryList({"autosave-454545.json*.unreadable"}, QDir::Files);
        QCOMPARE(kept.size(), 1);
        QVERIFY2(window.last_problem().contains(kept.first()), qPrintable(window.last_problem()));
        QFile file(autosave_folder() + "/" + kept.first());
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), QByteArray("{\"format\": \"f3studio-experiment\", \"epochs\": ["));
        window.set_interactive(false);
    }

    // Memory running out in the middle of training ends the run with a message, as in the CLI;
    // the app stays up and can train again.
    void out_of_memory_during_training_is_reported() {
        MainWindow window;
        window.set_interactive(false);
        window.show();
        Experiment e = small_run("spiral");
        e.training.threads = 1; // no OpenMP pool: the only worker thread is the session's
        e.training.epochs = 3;
        window.load_setup(e);
        QSignalSpy snapshots(window.session(), &TrainingSession::snapshotReceived);
        QSignalSpy failed(window.session(), &TrainingSession::failed);
        QSignalSpy finished(&window, &MainWindow::runFinished);
        window.step_batch(); // loaded and one batch trained: the worker is inside its training loop
        QTRY_VERIFY_WITH_TIMEOUT(!snapshots.isEmpty() && snapshots.last().first().value<SnapshotPtr>()->step == 1, kWaitMs);
        g_fail_next_worker_allocation = true;
        window.run();
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, kWaitMs);
        QVERIFY(!g_fail_next_worker_allocation); // the injected failure happened
        QCOMPARE(failed.count(), 1);
        QVERIFY2(failed.first().first().toString().contains("not enough memory"), qPrintable(failed.first().first().toString()));
        window.run(); // a new run after the failure trains normally
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 2, kWaitMs);
        QCOMPARE(failed.count(), 1);
        QCOMPARE(window.completed_epochs(), 3);
    }

    // A sweep that would leave out stored runs made with other settings asks first, naming how many
    // and what changed: Cancel keeps every run; without questions it goes on and says the same.
    void a_sweep_asks_before_leaving_out_stored_runs() {
        MainWindow window;
        window.set_interactive(false);
        window.load_setup(small_run("spiral"));
        SweepView* view = window.sweep_view();
        QSignalSpy done(view, &SweepView::sweepFinished);
        QVERIFY2(view->start(window.experiment_panel()->setup()), qPrintable(view->problem()));
        QTRY_VERIFY_WITH_TIMEOUT(done.count() == 1, kWaitMs);
        const std::vector<SweepRun> stored = view->runs();
        QVERIFY(!stored.empty());
        Experiment changed = window.experiment_panel()->setup();
        changed.training.epochs = 2;
        const QString expected = QString("%1 of %1 stored sweep runs were made with other settings (epochs); running this sweep "
                                         "leaves them out. The file keeps them until you save.")
                                     .arg(stored.size());

        view->set_interactive(true);
        QStringList asked;
        QTimer cancel_asked;
        cancel_asked.setInterval(20);
        connect(&cancel_asked, &QTimer::timeout, [&asked] {
            auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
            if (!box) return;
            asked << box->text();
            box->button(QMessageBox::Cancel)->click();
        });
        cancel_asked.start();
        QVERIFY(!view->start(changed));
        cancel_asked.stop();
        QCOMPARE(asked, QStringList{expected});
        QVERIFY(!view->running());
        QCOMPARE(view->runs().size(), stored.size());
        Experiment saved = window.current_experiment();
        QCOMPARE(saved.sweep_runs.size(), stored.size());

        view->set_interactive(false);
        QVERIFY2(view->start(changed), qPrintable(view->problem()));
        QCOMPARE(view->findChild<QLabel*>("sweepLeftOut")->text(), expected);
        QTRY_VERIFY_WITH_TIMEOUT(done.count() == 2, kWaitMs);
        QCOMPARE(view->runs_trained(), view->runs().size()); // every point again, none kept
    }

    // Threads libgomp cannot start (here a stack of 100 GB each) would end the app: the run trains
    // on one thread and says why.
    void refused_openmp_threads_are_named() {
        MainWindow window;
        window.set_interactive(false);
        Experiment e = small_run("spiral");
        e.training.threads = 2;
        window.load_setup(e);
        QSignalSpy finished(&window, &MainWindow::runFinished);
        // CTest's gui_openmp_threads_refused starts this program with the variable, so libgomp uses
        // it too; run alone, the variable is set here, for the app's check only.
        const bool set_here = !qEnvironmentVariableIsSet("OMP_STACKSIZE");
        if (set_here) qputenv("OMP_STACKSIZE", "100G");
        window.run();
        const QString notice = window.findChild<QLabel*>("notice")->text();
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, kWaitMs);
        if (set_here) qunsetenv("OMP_STACKSIZE"); // only now: the worker reads it too
        QCOMPARE(notice, QString("the system refused 2 OpenMP threads with a stack of 100G each (OMP_STACKSIZE): training on one thread"));
        QCOMPARE(window.completed_epochs(), 1);
    }

    // The system refusing a thread ends a run, or a sweep (its own thread or its runs' threads),
    // with a message; the app stays up and trains once threads start again.
    void refused_threads_are_reported() {
        MainWindow window;
        window.set_interactive(false);
        window.show();
        window.load_setup(small_run("spiral"));
        QSignalSpy failed(window.session(), &TrainingSession::failed);
        QSignalSpy finished(&window, &MainWindow::runFinished);
        refuse_threads_after(0);
        window.run();
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, kWaitMs);
        refuse_threads_after(-1);
        QCOMPARE(failed.count(), 1);
        QVERIFY2(failed.first().first().toString().startsWith("Could not start a training thread"),
                 qPrintable(failed.first().first().toString()));
        window.run();
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 2, kWaitMs);
        QCOMPARE(failed.count(), 1);
        QCOMPARE(window.completed_epochs(), 1);

        SweepView* view = window.sweep_view();
        view->findChild<QSpinBox*>("sweepSeeds")->setValue(2);
        view->set_jobs(2);
        for (const auto& [allowed, message] : {std::pair{0, "Could not start the sweep's thread"}, {1, "could not start the sweep's 2 threads"}}) {
            QSignalSpy done(view, &SweepView::sweepFinished);
            refuse_threads_after(allowed);
            QVERIFY2(view->start(window.experiment_panel()->setup()), qPrintable(view->problem()));
            QTRY_VERIFY_WITH_TIMEOUT(done.count() == 1, kWaitMs);
            refuse_threads_after(-1);
            QVERIFY2(view->problem().startsWith(message), qPrintable(view->problem()));
            QCOMPARE(view->runs().size(), std::size_t{0});
        }
    }
};

QTEST_MAIN(GuiReliabilityTest)
#include "tst_gui_reliability.moc"
