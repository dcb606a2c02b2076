// The desktop app, offscreen, on what used to crash it or change or lose a user's work (issue 18):
// data the Decision regions view cannot draw, memory running out while training, experiments that
// the form must run exactly as saved, and autosaves of several instances.
#include "demos.hpp"
#include "experiment_panel.hpp"
#include "main_window.hpp"
#include "plots.hpp"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLockFile>
#include <QMessageBox>
#include <QPushButton>
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

constexpr int kMinutes = 20 * 60 * 1000; // waits are on states; the bound only stops a hung test

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


QString autosave_folder() { return QFileInfo(MainWindow::autosave_path()).absolutePath(); }

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
        window.tabs()->setCurrentWidget(window.boundary_plot());
        window.run();
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, kMinutes);
        QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
        QCOMPARE(window.completed_epochs(), 1);
        QVERIFY2(boundary_message(window.boundary_plot()).contains("not available for 1-feature classification data"),
                 qPrintable(boundary_message(window.boundary_plot())));
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
        QTRY_VERIFY_WITH_TIMEOUT(!snapshots.isEmpty() && snapshots.last().first().value<SnapshotPtr>()->step == 1, kMinutes);
        g_fail_next_worker_allocation = true;
        window.run();
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 1, kMinutes);
        QVERIFY(!g_fail_next_worker_allocation); // the injected failure happened
        QCOMPARE(failed.count(), 1);
        QVERIFY2(failed.first().first().toString().contains("not enough memory"), qPrintable(failed.first().first().toString()));
        window.run(); // a new run after the failure trains normally
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 2, kMinutes);
        QCOMPARE(failed.count(), 1);
        QCOMPARE(window.completed_epochs(), 3);
    }
};

QTEST_MAIN(GuiReliabilityTest)
#include "tst_gui_reliability.moc"
