// The f3studio-cli contract: JSON lines per rule per epoch, one-line errors, exit codes.
#include "cli.hpp"
#include "f3/platform/threads.hpp"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>
#include <sstream>
#include <atomic>
#include <chrono>
#include <csignal>
#include <thread>
#include <signal.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>

#include "f3/io/atomic_file.hpp"
#include "f3/io/experiment.hpp"
#include "f3/train/sweep.hpp"

#include <sys/resource.h>
#include <sys/wait.h>

namespace {

// The test's SIGINT handler around an interrupted sweep: counts signals the sweep did not catch.
std::atomic<int> stray_interrupts{0};
void count_stray_interrupt(int) { ++stray_interrupts; }

struct Result {
    int code = 0;
    std::string out, err;
    QStringList lines() const { return QString::fromStdString(out).split('\n', Qt::SkipEmptyParts); }
};

// An unbuffered output that counts its lines: another thread may wait on the count.
struct LineCountingBuffer : std::streambuf {
    std::string text;
    std::atomic<int> lines{0};
    int_type overflow(int_type c) override {
        if (c == traits_type::eof()) return traits_type::not_eof(c);
        text += traits_type::to_char_type(c);
        if (c == '\n') ++lines;
        return c;
    }
};

Result cli(std::vector<std::string> args) {
    std::ostringstream out, err;
    Result r;
    r.code = f3::cli::run(args, out, err, false);
    r.out = out.str();
    r.err = err.str();
    return r;
}

// The output lines without the fields that measure time, for comparing runs.
QStringList withoutTiming(const Result& r) {
    QStringList kept;
    for (const QString& line : r.lines()) {
        QJsonObject o = QJsonDocument::fromJson(line.toUtf8()).object();
        o.remove("samples_per_s");
        o.remove("train_seconds");
        kept << QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
    }
    return kept;
}

// A sweep of 6 runs (3 learning rates x 2 seeds) to split into shards.
const std::vector<std::string> kShardedSweep = {"sweep", "--dataset", "xor", "--layers", "4", "--algorithms", "bp,f3", "--epochs", "2",
                                                "--param", "lr=1e-3:1e-1:log:3", "--seeds", "2", "--jobs", "2"};

QByteArray readBytes(const std::string& path) {
    QFile file(QString::fromStdString(path));
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// A saved sweep without the times its runs took (the one thing that differs between two machines).
std::string withoutSeconds(const std::string& path) {
    f3::Experiment e = f3::load_experiment(path, nullptr);
    for (auto& run : e.sweep_runs) run.seconds = 0.0;
    return f3::to_json(e);
}

void writeText(const QString& path, const QByteArray& text) {
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(text);
}

// An experiment file saying what the flags of `moonsFlags` say.
const QByteArray kMoonsExperiment = R"({"format": "f3studio-experiment", "version": 1, "seed": 5,
  "dataset": {"source": "moons"}, "network": {"hidden": [{"width": 8}]}, "rules": ["dfa", "f3"], "epochs": 2})";
const std::vector<std::string> moonsFlags = {"train", "--dataset", "moons", "--layers", "8", "--algorithms", "dfa,f3",
                                             "--epochs", "2", "--seed", "5"};

std::vector<std::string> operator+(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT
private slots:
    // RULE@LR gives a rule its own learning rate; a malformed one is refused with its option named.
    void rules_take_their_own_learning_rate() {
        QTemporaryDir dir;
        const std::string saved = dir.filePath("tuned.json").toStdString();
        const Result ok = cli({"train", "--dataset", "xor", "--layers", "4", "--algorithms", "bp@0.1,f3:delayed_loss@3e-4", "--epochs", "1",
                               "--save-config", saved});
        QVERIFY2(ok.code == 0, ok.err.c_str());
        QVERIFY(readBytes(saved).contains("\"rules\": [\"bp@0.1\", \"f3:delayed_loss@3e-04\"]"));
        // Training at bp@0.1 is training bp with --lr 0.1.
        const Result shared = cli({"train", "--dataset", "xor", "--layers", "4", "--algorithms", "bp", "--lr", "0.1", "--epochs", "1"});
        QCOMPARE(withoutTiming(ok).first(), withoutTiming(shared).first());
        // --f3-error on a file's rules keeps their rates.
        const Result variant = cli({"train", "--config", saved, "--f3-error", "delayed_loss_softmax", "--save-config", saved + ".2"});
        QVERIFY2(variant.code == 0, variant.err.c_str());
        QVERIFY(readBytes(saved + ".2").contains("\"rules\": [\"bp@0.1\", \"f3:delayed_loss@3e-04\"]"));
        for (const std::string rules : {"bp@", "bp@fast", "bp@-1", "bp@0", "bp@1000", "bp@inf", "dfa,bp@0.1x"}) {
            const Result bad = cli({"train", "--dataset", "xor", "--layers", "4", "--algorithms", rules, "--epochs", "1"});
            QCOMPARE(bad.code, 2);
            QVERIFY2(QString::fromStdString(bad.err).startsWith("error: --algorithms: ") && bad.err.find("learning rate after '@'") != std::string::npos,
                     bad.err.c_str());
        }
        const Result twice = cli({"train", "--dataset", "xor", "--layers", "4", "--algorithms", "bp@0.1,bp@0.01", "--epochs", "1"});
        QCOMPARE(twice.code, 2);
        QVERIFY2(twice.err.find("rule 'bp' is listed twice") != std::string::npos, twice.err.c_str());
        const Result baseline = cli({"train", "--dataset", "xor", "--layers", "4", "--algorithms", "bp,drtp", "--baseline", "drtp@0.1", "--epochs", "1"});
        QCOMPARE(baseline.code, 2);
        QVERIFY2(baseline.err.find("--baseline: the gap baseline names a rule by its label") != std::string::npos, baseline.err.c_str());
    }

    // The chain tuning sweep -> tuned experiment -> its seeds, and --rerun reproducing the result.
    void best_lr_writes_each_rules_best_rate_and_rerun_reproduces() {
        QTemporaryDir dir;
        const std::string swept = dir.filePath("sweep.json").toStdString(), tuned = dir.filePath("tuned.json").toStdString(),
                          seeds = dir.filePath("seeds.json").toStdString();
        std::vector<std::string> args = kShardedSweep;
        args.insert(args.end(), {"--save", swept});
        QCOMPARE(cli(args).code, 0);
        const Result picked = cli({"best-lr", swept, tuned});
        QVERIFY2(picked.code == 0, picked.err.c_str());
        const f3::Experiment sweep_file = f3::load_experiment(swept, nullptr);
        const auto best = f3::best_learning_rates(*sweep_file.sweep, sweep_file.sweep_runs, f3::SweepMetric::TestAccuracy);
        const f3::Experiment tuned_file = f3::load_experiment(tuned, nullptr);
        QVERIFY(!tuned_file.sweep && tuned_file.sweep_runs.empty());
        QCOMPARE(tuned_file.training.rules.size(), best.size());
        for (std::size_t r = 0; r < best.size(); ++r) {
            QCOMPARE(tuned_file.training.rules[r].learning_rate.value_or(0.0), best[r].learning_rate);
            QVERIFY2(picked.out.find(best[r].rule + ": lr ") != std::string::npos, picked.out.c_str());
        }
        // An existing OUT is kept; a file without a sweep and an unknown metric are refused.
        const Result again = cli({"best-lr", swept, tuned});
        QCOMPARE(again.code, 2);
        QVERIFY2(again.err.find("exists; it is kept") != std::string::npos, again.err.c_str());
        QCOMPARE(cli({"best-lr", tuned, dir.filePath("x.json").toStdString()}).code, 2);
        QCOMPARE(cli({"best-lr", swept, dir.filePath("y.json").toStdString(), "--metric", "speed"}).code, 2);
        QVERIFY(!QFile::exists(dir.filePath("x.json")) && !QFile::exists(dir.filePath("y.json")));

        QCOMPARE(cli({"sweep", "--config", tuned, "--seeds", "2", "--jobs", "2", "--save", seeds}).code, 0);
        const Result rerun = cli({"sweep", "--config", seeds, "--rerun", "--jobs", "2"});
        QVERIFY2(rerun.code == 0, rerun.err.c_str());
        QVERIFY2(rerun.err.find("rerun: 2 of 2 runs gave the stored numbers bit for bit") != std::string::npos, rerun.err.c_str());
        // A stored number that training does not give again is reported, with exit code 1.
        f3::Experiment tampered = f3::load_experiment(seeds, nullptr);
        tampered.sweep_runs[1].history.back().test_loss += 1e-9;
        const std::string tampered_path = dir.filePath("tampered.json").toStdString();
        f3::save_experiment_atomically(tampered, tampered_path);
        const Result differs = cli({"sweep", "--config", tampered_path, "--rerun", "--jobs", "1"});
        QCOMPARE(differs.code, 1);
        QVERIFY2(differs.err.find("run 1 (seed 2) differs from the stored run") != std::string::npos, differs.err.c_str());
        QVERIFY2(differs.err.find("rerun: 1 of 2 runs") != std::string::npos, differs.err.c_str());
        for (const std::vector<std::string>& refused : {std::vector<std::string>{"--seeds", "3"}, {"--epochs", "3"}, {"--save", seeds}}) {
            std::vector<std::string> rerun_args = {"sweep", "--config", seeds, "--rerun"};
            rerun_args.insert(rerun_args.end(), refused.begin(), refused.end());
            const Result r = cli(rerun_args);
            QCOMPARE(r.code, 2);
            QVERIFY2(r.err.find("--rerun") != std::string::npos, r.err.c_str());
        }
        QCOMPARE(cli({"sweep", "--config", tuned, "--rerun"}).code, 2); // no runs to reproduce
    }

    void prints_one_json_object_per_rule_per_epoch() {
        const Result r = cli({"train", "--dataset", "spiral", "--layers", "16,16", "--algorithms", "bp,f3,f3:delayed_loss",
                              "--epochs", "2", "--lr", "0.01", "--batch", "16", "--size", "300"});
        QCOMPARE(r.code, 0);
        QVERIFY2(r.err.empty(), r.err.c_str());
        const QStringList lines = r.lines();
        QCOMPARE(lines.size(), 6);
        const QStringList expected_rules = {"bp", "f3", "f3:delayed_loss", "bp", "f3", "f3:delayed_loss"};
        for (int i = 0; i < lines.size(); ++i) {
            QJsonParseError error;
            const QJsonObject o = QJsonDocument::fromJson(lines[i].toUtf8(), &error).object();
            QCOMPARE(error.error, QJsonParseError::NoError);
            QCOMPARE(o["algorithm"].toString(), expected_rules[i]);
            QCOMPARE(o["epoch"].toInt(), i / 3 + 1);
            for (const char* key : {"train_loss", "test_loss", "test_accuracy", "samples_per_s"})
                QVERIFY2(o[key].isDouble(), key);
            QVERIFY(o["test_accuracy"].toDouble() >= 0.0 && o["test_accuracy"].toDouble() <= 1.0);
        }
    }

    void regression_reports_mse() {
        const Result r = cli({"train", "--dataset", "sine", "--layers", "8", "--algorithms", "drtp", "--epochs", "1"});
        QCOMPARE(r.code, 0);
        const QJsonObject o = QJsonDocument::fromJson(r.lines().at(0).toUtf8()).object();
        QVERIFY(o["test_mse"].isDouble());
        QVERIFY(!o.contains("test_accuracy"));
    }

    // DRTP in a linear network pushes its hidden weights the same way every step until the loss
    // overflows (within 3 epochs for every seed tried), while backprop on the same net and data
    // converges. (--lr 100 makes every rule diverge, bp too, so it cannot show the others going on.)
    void a_diverging_rule_warns_and_the_others_go_on() {
        const Result r = cli({"train", "--dataset", "sine", "--layers", "16,16", "--activation", "linear", "--optimizer", "sgd",
                              "--lr", "0.1", "--algorithms", "bp,drtp", "--head", "linear_mse", "--epochs", "4"});
        QCOMPARE(r.code, 0);
        const QStringList warnings = QString::fromStdString(r.err).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(warnings.size(), 1); // once, when it happens, not every epoch after
        QVERIFY2(warnings[0].startsWith("warning: drtp: loss became ") && warnings[0].contains("smaller learning rate"),
                 qPrintable(warnings[0]));
        const QStringList lines = r.lines();
        QCOMPARE(lines.size(), 8);
        int diverged_lines = 0;
        for (int i = 0; i < lines.size(); ++i) {
            QJsonParseError error;
            const QJsonObject o = QJsonDocument::fromJson(lines[i].toUtf8(), &error).object();
            QCOMPARE(error.error, QJsonParseError::NoError); // null for the lost numbers: still JSON
            QCOMPARE(o["algorithm"].toString(), QString(i % 2 ? "drtp" : "bp"));
            QCOMPARE(o["epoch"].toInt(), i / 2 + 1);
            if (o["algorithm"].toString() == "bp") {
                QVERIFY2(!o.contains("diverged") && !o.contains("message"), qPrintable(lines[i]));
                for (const char* key : {"train_loss", "test_loss", "test_mse"})
                    QVERIFY2(o[key].isDouble() && o[key].toDouble() < 1.0, qPrintable(lines[i]));
                QCOMPARE(o["steps"].toInt(), 16 * (i / 2 + 1)); // 800 samples in batches of 50, every epoch
            } else if (o["diverged"].toBool()) {
                ++diverged_lines;
                QVERIFY2(o["message"].toString().contains("diverged"), qPrintable(lines[i]));
                QVERIFY(o["train_loss"].isNull() && o["test_mse"].isNull());
            } else {
                QVERIFY2(!o.contains("message"), qPrintable(lines[i]));
            }
        }
        QVERIFY2(diverged_lines >= 1, "drtp did not diverge");
        const QJsonObject last = QJsonDocument::fromJson(lines.last().toUtf8()).object();
        QVERIFY2(last["diverged"].toBool(), qPrintable(lines.last())); // and stays diverged
    }

    void same_arguments_give_the_same_numbers() {
        QCOMPARE(withoutTiming(cli(moonsFlags)), withoutTiming(cli(moonsFlags)));
    }

    void config_file_gives_the_same_numbers_as_flags() {
        QTemporaryDir dir;
        const QString path = dir.filePath("moons.json");
        writeText(path, kMoonsExperiment);
        const Result from_file = cli({"train", "--config", path.toStdString()});
        QVERIFY2(from_file.code == 0, from_file.err.c_str());
        QVERIFY2(from_file.err.empty(), from_file.err.c_str());
        QCOMPARE(from_file.lines().size(), 4);
        QCOMPARE(withoutTiming(from_file), withoutTiming(cli(moonsFlags)));
    }

    void command_line_overrides_the_file() {
        QTemporaryDir dir;
        const QString path = dir.filePath("moons.json");
        writeText(path, kMoonsExperiment);
        const std::vector<std::string> overrides = {"--epochs", "1", "--train-limit", "100", "--lr", "0.01", "--algorithms", "bp,f3"};
        const Result overridden = cli(std::vector<std::string>{"train", "--config", path.toStdString()} + overrides);
        QVERIFY2(overridden.code == 0, overridden.err.c_str());
        const QStringList lines = withoutTiming(overridden);
        QCOMPARE(lines.size(), 2);
        const QJsonObject first = QJsonDocument::fromJson(lines[0].toUtf8()).object();
        QCOMPARE(first["algorithm"].toString(), QString("bp"));
        QCOMPARE(first["steps"].toInt(), 2); // 100 samples in batches of 50
        QCOMPARE(lines, withoutTiming(cli(moonsFlags + overrides)));
    }

    // --layers keeps the activation the file's layers share, as a lesson's "set the hidden layers" does
    // (core's apply_setting), and --activation still sets them.
    void layers_keep_the_files_shared_activation() {
        QTemporaryDir dir;
        const QString path = dir.filePath("relu.json");
        writeText(path, R"({"format": "f3studio-experiment", "version": 1, "dataset": {"source": "xor"},
  "network": {"hidden": [{"width": 8, "activation": "relu"}, {"width": 8, "activation": "relu"}]}, "rules": ["bp"], "epochs": 1})");
        auto saved_activations = [&](const std::vector<std::string>& flags) {
            const std::string saved = dir.filePath("saved.json").toStdString();
            const Result r = cli(std::vector<std::string>{"train", "--config", path.toStdString(), "--save-config", saved} + flags);
            QStringList activations;
            if (r.code != 0) return QStringList{QString::fromStdString(r.err)};
            QFile file(QString::fromStdString(saved));
            if (!file.open(QIODevice::ReadOnly)) return activations;
            for (const QJsonValue layer : QJsonDocument::fromJson(file.readAll()).object()["network"].toObject()["hidden"].toArray())
                activations << layer.toObject()["activation"].toString();
            return activations;
        };
        QCOMPARE(saved_activations({"--layers", "4,4,4"}), (QStringList{"relu", "relu", "relu"}));
        QCOMPARE(saved_activations({"--layers", "4,4", "--activation", "tanh,sigmoid"}), (QStringList{"tanh", "sigmoid"}));
    }

    void save_config_writes_the_effective_experiment() {
        QTemporaryDir dir;
        const std::string saved = dir.filePath("saved.json").toStdString();
        const Result original = cli(moonsFlags + std::vector<std::string>{"--lr", "0.02", "--save-config", saved});
        QVERIFY2(original.code == 0, original.err.c_str());
        QFile file(QString::fromStdString(saved));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonObject o = QJsonDocument::fromJson(file.readAll()).object();
        QCOMPARE(o["format"].toString(), QString("f3studio-experiment"));
        QCOMPARE(o["optimizer"].toObject()["learning_rate"].toDouble(), 0.02);
        QCOMPARE(o["rules"].toArray().size(), 2);
        const Result again = cli({"train", "--config", saved});
        QVERIFY2(again.err.empty(), again.err.c_str());
        QCOMPARE(withoutTiming(again), withoutTiming(original));
    }

    void config_warnings_go_to_stderr() {
        QTemporaryDir dir;
        const QString path = dir.filePath("extra.json");
        QByteArray text = kMoonsExperiment;
        text.replace("\"epochs\": 2", "\"epochs\": 1, \"colour\": \"red\", \"instruments\": {\"timeline\": true}");
        writeText(path, text);
        const Result r = cli({"train", "--config", path.toStdString()});
        QVERIFY2(r.code == 0, r.err.c_str());
        QCOMPARE(r.lines().size(), 2);
        const QStringList warnings = QString::fromStdString(r.err).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(warnings.size(), 2);
        QCOMPARE(warnings[0], "warning: " + path + ": colour: unknown key, ignored");
        QVERIFY2(warnings[1].startsWith("warning: ") && warnings[1].contains("--timeline"), qPrintable(warnings[1]));
    }

    void bad_config_gives_one_line_error_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QString>("mentions");
        QByteArray absurd = kMoonsExperiment;
        absurd.replace("\"width\": 8", "\"width\": 1000000000");
        QTest::newRow("absurd width") << absurd << "network.hidden[0].width: 1000000000 is out of range";
        QByteArray newer = kMoonsExperiment;
        newer.replace("\"version\": 1", "\"version\": 7");
        QTest::newRow("newer version") << newer << "newer F3 Studio";
        QTest::newRow("broken JSON") << QByteArray("{\"format\": \"f3studio-experiment\",\n  \"version\": 1,,}") << ":2:16: expected a key";
        QTest::newRow("not an experiment") << QByteArray("{\"algorithm\": \"bp\"}") << "format: not an F3 Studio experiment";
        QTest::newRow("missing file") << QByteArray() << "no such file";
    }
    void bad_config_gives_one_line_error() {
        QFETCH(QByteArray, text);
        QFETCH(QString, mentions);
        QTemporaryDir dir;
        const QString path = dir.filePath("lesson.json");
        if (!text.isEmpty()) writeText(path, text);
        const Result r = cli({"train", "--config", path.toStdString()});
        QCOMPARE(r.code, 2);
        QVERIFY(r.out.empty());
        const QString err = QString::fromStdString(r.err);
        QVERIFY2(err.startsWith("error: " + path), qPrintable(err));
        QCOMPARE(err.count('\n'), 1);
        QVERIFY2(err.contains(mentions), qPrintable(err));
    }

    void bad_input_gives_one_line_error_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        const QStringList base = {"train", "--dataset", "xor", "--layers", "4", "--epochs", "1"};
        QTest::newRow("unknown command") << QStringList{"fly"} << "unknown command";
        QTest::newRow("unknown option") << (base + QStringList{"--colour", "red"}) << "--colour";
        QTest::newRow("missing epochs") << QStringList{"train", "--dataset", "xor", "--layers", "4"} << "--epochs";
        QTest::newRow("missing value") << (base + QStringList{"--lr"}) << "--lr";
        QTest::newRow("bad number") << (base + QStringList{"--batch", "ten"}) << "ten";
        QTest::newRow("nan learning rate") << (base + QStringList{"--lr", "nan"}) << "--lr";
        QTest::newRow("negative learning rate") << (base + QStringList{"--lr", "-0.1"}) << "learning rate";
        QTest::newRow("unknown algorithm") << (base + QStringList{"--algorithms", "bp,magic"}) << "magic";
        QTest::newRow("variant on non-f3") << (base + QStringList{"--algorithms", "dfa:delayed_loss"}) << "only f3";
        QTest::newRow("unknown activation") << (base + QStringList{"--activation", "swish"}) << "swish";
        QTest::newRow("absurd width") << QStringList{"train", "--dataset", "xor", "--layers", "1000000000", "--epochs", "1"} << "width";
        QTest::newRow("unknown dataset") << QStringList{"train", "--dataset", "mnist2", "--layers", "4", "--epochs", "1"} << "mnist2";
        QTest::newRow("missing csv") << QStringList{"train", "--dataset", "csv:/nonexistent/x.csv", "--layers", "4", "--epochs", "1"} << "x.csv";
        QTest::newRow("missing idx") << QStringList{"train", "--dataset", "idx:/nonexistent", "--layers", "4", "--epochs", "1"} << "nonexistent";
        QTest::newRow("zero memory limit") << (base + QStringList{"--max-memory", "0"}) << "--max-memory must be a positive number";
        QTest::newRow("zero train limit") << (base + QStringList{"--train-limit", "0"}) << "--train-limit";
        // Experiment files store numbers as doubles: above 2^53 a saved seed would come back changed.
        QTest::newRow("seed above 2^53") << (base + QStringList{"--seed", "9007199254740993"})
                                         << "--seed must be at most 9007199254740992 (2^53, the largest whole number an experiment file stores exactly)";
        QTest::newRow("train limit above 2^53") << (base + QStringList{"--train-limit", "18446744073709551615"}) << "--train-limit must be at most 9007199254740992";
        QTest::newRow("sweep seeds past 2^53") << QStringList{"sweep", "--dataset", "xor", "--layers", "4", "--epochs", "1", "--seed", "9007199254740992", "--seeds", "2"}
                                               << "the last seed, 9007199254740993, is beyond what an experiment file stores exactly";
        QTest::newRow("sweep width 1e17:1e17") << QStringList{"sweep", "--dataset", "xor", "--layers", "4", "--epochs", "1", "--param", "width=1e17:1e17"}
                                               << "--param width: 100000000000000000 is beyond what a whole-number setting holds";
        const QStringList sweep = {"sweep", "--dataset", "xor", "--layers", "4", "--epochs", "1"};
        QTest::newRow("sweep without param") << sweep << "--param NAME=VALUES is required";
        QTest::newRow("sweep bad param") << (sweep + QStringList{"--param", "lr=1e-3:1e-1:log"}) << "--param lr: '1e-3:1e-1:log' is not A:B:log:N";
        QTest::newRow("sweep bad point") << (sweep + QStringList{"--param", "batch=10,0"}) << "at batch=0: ";
        QTest::newRow("sweep zero seeds") << (sweep + QStringList{"--seeds", "0"}) << "seeds must be 1 to 1000";
        QTest::newRow("sweep zero jobs") << (sweep + QStringList{"--seeds", "2", "--jobs", "0"}) << "--jobs must be 1 to";
        QTest::newRow("sweep with instruments") << (sweep + QStringList{"--instruments"}) << "--instruments is an option of 'train', not of 'sweep'";
        // 100,000 runs of 2 rules x 20 epochs: several hundred MiB; refused before anything trains.
        QTest::newRow("sweep too big to save") << (sweep + QStringList{"--algorithms", "bp,f3", "--epochs", "20", "--param", "width=1:1000",
                                                                       "--param", "batch=1:50", "--seeds", "2", "--save",
                                                                       (QDir::tempPath() + "/f3-sweep-too-big.json")})
                                               << "--save: 100000 runs could take up to";
        // Estimated before anything is allocated: 2 x 16 M parameters with Adam is about 0.5 GiB.
        QTest::newRow("beyond the memory limit") << (base + QStringList{"--layers", "4000,4000", "--algorithms", "bp,f3", "--max-memory", "0.25"})
                                                 << "training 2 rules of a 1.6e+07-parameter network on 1000 samples of 2 features and 2 outputs needs about";
        // One run of 2 x 16 M parameters fits 1 GiB; four at a time do not.
        QTest::newRow("sweep jobs beyond the memory limit")
            << (sweep + QStringList{"--layers", "4000,4000", "--algorithms", "bp", "--seeds", "4", "--jobs", "4", "--max-memory", "1"})
            << "4 sweep runs at a time (jobs), the largest training 1 rules of a 1.6e+07-parameter network";
        QTest::newRow("train with param") << (base + QStringList{"--param", "lr=0.1"}) << "--param is an option of 'sweep', not of 'train'";
    }
    // The system refusing a thread ends the sweep with a message and a failure code, not a crash.
    void refused_threads_end_the_sweep_with_a_message() {
        f3::refuse_threads_after(0);
        const Result r = cli({"sweep", "--dataset", "xor", "--layers", "4", "--epochs", "1", "--seeds", "2", "--jobs", "2"});
        f3::refuse_threads_after(-1);
        QCOMPARE(r.code, 2);
        QVERIFY2(QString::fromStdString(r.err).contains("error: could not start the sweep's 2 threads"), r.err.c_str());
        QVERIFY(r.out.empty());
    }

    void bad_input_gives_one_line_error() {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        std::vector<std::string> argv;
        for (const auto& a : args) argv.push_back(a.toStdString());
        const Result r = cli(argv);
        QVERIFY(r.code != 0);
        QVERIFY(r.out.empty());
        const QString err = QString::fromStdString(r.err);
        QVERIFY2(err.startsWith("error: "), qPrintable(err));
        QCOMPARE(err.count('\n'), 1);
        QVERIFY2(err.contains(mentions), qPrintable(err));
    }

    void csv_target_column_is_used() {
        QTemporaryDir dir;
        const QString path = dir.filePath("data.csv");
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        for (int i = 0; i < 60; ++i)
            file.write(i == 0 ? "a,label,b\n" : QByteArray::number(i % 7) + "," + (i % 2 ? "yes" : "no") + "," + QByteArray::number(i % 3) + "\n");
        file.close();
        const Result r = cli({"train", "--dataset", "csv:" + path.toStdString(), "--target", "label", "--layers", "4",
                              "--epochs", "1", "--batch", "8"});
        QVERIFY2(r.code == 0, r.err.c_str());
        QCOMPARE(r.lines().size(), 1);
    }

    // A whole-number target with 200 values is a quantity: regression, and stderr says why;
    // --task classification still reads it as classes.
    void csv_task_is_inferred_and_said() {
        QTemporaryDir dir;
        const QString path = dir.filePath("counts.csv");
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("x,count\n");
        for (int i = 0; i < 200; ++i) file.write(QByteArray::number(i % 7) + "," + QByteArray::number(i) + "\n");
        file.close();
        const std::vector<std::string> args{"train", "--dataset", "csv:" + path.toStdString(), "--layers", "4", "--epochs", "1"};
        const Result r = cli(args);
        QVERIFY2(r.code == 0, r.err.c_str());
        QVERIFY2(r.err.find("regression inferred: target 'count' has 200 distinct whole numbers") != std::string::npos, r.err.c_str());
        QVERIFY(r.err.find("--task overrides") != std::string::npos);
        QVERIFY(QJsonDocument::fromJson(r.lines().first().toUtf8()).object().contains("test_mse"));
        const Result chosen = cli(args + std::vector<std::string>{"--task", "classification", "--algorithms", "bp"});
        QVERIFY2(chosen.code == 0, chosen.err.c_str());
        QVERIFY(chosen.err.find("inferred") == std::string::npos);
        QVERIFY(QJsonDocument::fromJson(chosen.lines().first().toUtf8()).object().contains("test_accuracy"));
    }

    void instruments_add_per_layer_angles() {
        const Result r = cli({"train", "--dataset", "spiral", "--layers", "8,8,8", "--algorithms", "bp,drtp,f3", "--epochs", "2",
                              "--instruments", "--instrument-every", "3", "--size", "300", "--lr", "0.02"});
        QVERIFY2(r.code == 0, r.err.c_str());
        for (const QString& line : r.lines()) {
            const QJsonObject o = QJsonDocument::fromJson(line.toUtf8()).object();
            QCOMPARE(o["update_angle_deg"].toArray().size(), 3);
            QCOMPARE(o["signal_angle_deg"].toArray().size(), 3);
            QCOMPARE(o.contains("staleness_steps"), o["algorithm"].toString() == "f3");
            // bp and the default baseline drtp are both present: a value, or null and the reason
            if (o["epoch"].toInt() == 2) QVERIFY(o["gap_closed"].isDouble() || (o["gap_closed"].isNull() && o.contains("gap_note")));
            if (o["algorithm"].toString() == "bp")
                for (const auto& angle : o["update_angle_deg"].toArray()) QVERIFY(angle.toDouble() < 1e-3);
        }
    }

    void timeline_is_written_as_csv_or_json() {
        QTemporaryDir dir;
        for (const QString& name : {QString("t.csv"), QString("t.json")}) {
            const std::string path = dir.filePath(name).toStdString();
            const Result r = cli({"train", "--dataset", "xor", "--layers", "4,4", "--algorithms", "bp,f3", "--epochs", "1",
                                  "--timeline", path, "--instrument-every", "10"});
            QVERIFY2(r.code == 0, r.err.c_str());
            QFile file(QString::fromStdString(path));
            QVERIFY(file.open(QIODevice::ReadOnly));
            const QList<QByteArray> lines = file.readAll().split('\n');
            if (name.endsWith(".csv")) {
                QVERIFY(lines[0].startsWith("step,epoch,batch,algorithm"));
                QVERIFY(lines.size() > 10);
            } else {
                const QJsonObject o = QJsonDocument::fromJson(lines[0]).object();
                QCOMPARE(o["algorithm"].toString(), QString("bp"));
                QVERIFY(o["critical_path"].toDouble() > 0.0);
                QVERIFY(!o["ops"].toArray().isEmpty());
            }
        }
        const Result bad = cli({"train", "--dataset", "xor", "--layers", "4", "--epochs", "1", "--timeline", "/nonexistent/dir/t.csv"});
        QVERIFY(bad.code != 0);
        QVERIFY(QString::fromStdString(bad.err).contains("timeline"));
    }

    void sweep_prints_one_line_per_run_whatever_the_job_count() {
        const std::vector<std::string> args = {"sweep", "--dataset", "moons", "--layers", "8", "--algorithms", "bp,drtp,f3",
                                               "--epochs", "2", "--param", "lr=1e-3:1e-1:log:3", "--param", "width=4,16", "--seeds", "2"};
        const Result one = cli(args + std::vector<std::string>{"--jobs", "1"});
        const Result two = cli(args + std::vector<std::string>{"--jobs", "2"});
        QCOMPARE(one.code, 0);
        QCOMPARE(two.code, 0);
        auto by_run = [](const Result& r) {
            QMap<int, QJsonObject> runs;
            for (const QString& line : r.lines()) {
                QJsonObject o = QJsonDocument::fromJson(line.toUtf8()).object();
                o.remove("seconds");
                runs[o["run"].toInt()] = o;
            }
            return runs;
        };
        const auto a = by_run(one), b = by_run(two);
        QCOMPARE(one.lines().size(), 12); // 3 rates x 2 widths x 2 seeds
        QCOMPARE(a.keys(), (QList<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
        QCOMPARE(a, b);
        const QJsonObject run7 = a[7]; // point 3 (lr 0.01, width 16), second seed
        QCOMPARE(run7["point"].toInt(), 3);
        QCOMPARE(run7["width"].toInt(), 16);
        QCOMPARE(run7["lr"].toDouble(), 0.01);
        QCOMPARE(run7["seed"].toInt(), 2);
        QCOMPARE(run7["results"].toArray().size(), 3);
        QCOMPARE(run7["results"].toArray()[2].toObject()["algorithm"].toString(), QString("f3"));
        QVERIFY(run7["results"].toArray()[2].toObject().contains("gap_closed"));
        QVERIFY2(QString::fromStdString(one.err).contains("lr=0.01, width=16:  bp "), one.err.c_str());

        // A sweep's run gives the numbers `train` gives for that configuration and seed.
        const Result alone = cli({"train", "--dataset", "moons", "--layers", "16", "--algorithms", "bp,drtp,f3", "--epochs", "2",
                                  "--lr", "0.01", "--seed", "2"});
        QCOMPARE(alone.code, 0);
        const QJsonArray swept = run7["results"].toArray(); // lr 0.01, width 16, seed 2
        const QStringList trained = alone.lines();
        for (int r = 0; r < 3; ++r) {
            const QJsonObject t = QJsonDocument::fromJson(trained[3 + r].toUtf8()).object(); // epoch 2
            QCOMPARE(swept[r].toObject()["test_loss"].toDouble(), t["test_loss"].toDouble());
            QCOMPARE(swept[r].toObject()["test_accuracy"].toDouble(), t["test_accuracy"].toDouble());
        }
    }

    void sweep_saves_exports_and_resumes() {
        QTemporaryDir dir;
        const std::string saved = (dir.path() + "/sweep.json").toStdString(), csv = (dir.path() + "/sweep.csv").toStdString();
        const std::vector<std::string> args = {"sweep", "--dataset", "xor", "--layers", "4", "--algorithms", "bp,f3", "--epochs", "1",
                                               "--param", "f3_error=delayed_error,delayed_loss", "--seeds", "2"};
        const Result first = cli(args + std::vector<std::string>{"--save", saved, "--csv", csv});
        QCOMPARE(first.code, 0);
        QCOMPARE(first.lines().size(), 4);
        QFile file(QString::fromStdString(csv));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QStringList rows = QString::fromUtf8(file.readAll()).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(rows.size(), 1 + 4 * 2);
        QVERIFY(rows[0].startsWith("f3_error,seed,rule,epoch,"));
        QVERIFY2(rows.last().startsWith("delayed_loss,2,f3:delayed_loss,1,"), qPrintable(rows.last()));

        // Started again from the saved file with one more seed: only the new seed's runs train.
        const Result resumed = cli({"sweep", "--config", saved, "--seeds", "3", "--save", saved});
        QCOMPARE(resumed.code, 0);
        QVERIFY2(QString::fromStdString(resumed.err).contains("resuming: 4 of 6 runs are in the file"), resumed.err.c_str());
        QCOMPARE(resumed.lines().size(), 2);
        for (const QString& line : resumed.lines()) QCOMPARE(QJsonDocument::fromJson(line.toUtf8()).object()["seed"].toInt(), 3);
        QVERIFY(QString::fromStdString(resumed.err).contains("(n=3)"));
        // Other settings make the stored runs useless: everything runs again, with a warning.
        const Result changed = cli({"sweep", "--config", saved, "--epochs", "2"});
        QCOMPARE(changed.code, 0);
        QCOMPARE(changed.lines().size(), 6);
        QVERIFY(QString::fromStdString(changed.err).contains("made with other settings"));
    }

    // Saves go to regular files only; "--csv -" is the standard output.
    void saves_refuse_what_is_not_a_regular_file() {
        QTemporaryDir dir;
        const std::string fifo = (dir.path() + "/pipe.csv").toStdString(), to_null = (dir.path() + "/null.json").toStdString();
        QVERIFY(::mkfifo(fifo.c_str(), 0600) == 0);
        QVERIFY(::symlink("/dev/null", to_null.c_str()) == 0);
        const std::vector<std::string> sweep = {"sweep", "--dataset", "xor", "--layers", "4", "--epochs", "1", "--seeds", "2"};
        const Result to_fifo = cli(sweep + std::vector<std::string>{"--csv", fifo});
        QCOMPARE(to_fifo.code, 2);
        QCOMPARE(to_fifo.err, "error: " + fifo + ": cannot save: it is a FIFO (named pipe), not a regular file\n");
        const Result config = cli({"train", "--dataset", "xor", "--layers", "4", "--epochs", "1", "--save-config", to_null});
        QCOMPARE(config.code, 2);
        QVERIFY2(QString::fromStdString(config.err).contains("it is a symbolic link to a character device (/dev/null)"), config.err.c_str());
        QCOMPARE(std::filesystem::read_symlink(to_null).string(), std::string("/dev/null"));
        const Result dash = cli(sweep + std::vector<std::string>{"--save", "-"});
        QCOMPARE(dash.code, 2);
        QVERIFY2(QString::fromStdString(dash.err).contains("--save writes an experiment file, not a stream"), dash.err.c_str());

        const Result csv = cli(sweep + std::vector<std::string>{"--csv", "-"});
        QCOMPARE(csv.code, 0);
        const QStringList rows = csv.lines();
        QCOMPARE(rows.size(), 1 + 2); // the header, then one row per seed (one rule, one epoch)
        QVERIFY2(rows[0].startsWith("seed,rule,epoch,"), qPrintable(rows[0]));
        QVERIFY(rows[2].startsWith("2,bp,1,"));
    }

    // No stored run is dropped unasked: a resume with other settings does not save over the file
    // that holds the old runs, and a second sweep saving to a file in use is refused.
    void sweep_never_drops_stored_runs() {
        QTemporaryDir dir;
        const std::string saved = (dir.path() + "/sweep.json").toStdString(), other = (dir.path() + "/other.json").toStdString();
        const std::vector<std::string> args = {"sweep", "--dataset", "xor", "--layers", "4", "--epochs", "1", "--seeds", "2"};
        QCOMPARE(cli(args + std::vector<std::string>{"--save", saved}).code, 0);
        QFile file(QString::fromStdString(saved));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray before = file.readAll();
        file.close();

        const Result over = cli({"sweep", "--config", saved, "--epochs", "2", "--save", saved});
        QCOMPARE(over.code, 2);
        QVERIFY2(QString::fromStdString(over.err).contains(QString::fromStdString("2 of 2 stored sweep runs were made with other settings (epochs); saving over " + saved +
                                                                            " would lose them: save to another file")),
                 over.err.c_str());
        QVERIFY(over.out.empty()); // refused before anything trained
        const Result elsewhere = cli({"sweep", "--config", saved, "--lr", "0.01", "--save", other});
        QCOMPARE(elsewhere.code, 0);
        QVERIFY2(QString::fromStdString(elsewhere.err).contains("were made with other settings (optimizer.learning_rate); running every point again"),
                 elsewhere.err.c_str());
        QCOMPARE(f3::load_experiment(other, nullptr).sweep_runs.size(), std::size_t{2});
        QVERIFY(file.open(QIODevice::ReadOnly));
        QCOMPARE(file.readAll(), before); // the old runs are still there

        {
            const f3::SaveLock running(saved); // as a sweep saving to it holds it
            const Result second = cli(args + std::vector<std::string>{"--save", saved});
            QCOMPARE(second.code, 2);
            QVERIFY2(QString::fromStdString(second.err).contains(QString::fromStdString(saved + ": cannot save: another program is saving to it")), second.err.c_str());
        }
        QCOMPARE(cli(args + std::vector<std::string>{"--save", saved}).code, 0); // released: saving works again
        QVERIFY(!QFile::exists(QString::fromStdString(saved + ".lock")));
    }

    // A save that fails once training runs (a full disk, simulated by a file size limit that the
    // first, empty save fits under) does not end the sweep: every run still reaches --csv.
    void failed_sweep_save_keeps_the_runs() {
        QTemporaryDir dir;
        const std::string saved = (dir.path() + "/sweep.json").toStdString();
        int pipe_fds[2];
        QVERIFY(::pipe(pipe_fds) == 0);
        const pid_t child = ::fork();
        QVERIFY(child >= 0);
        if (child == 0) {
            ::close(pipe_fds[0]);
            ::signal(SIGXFSZ, SIG_IGN); // writes past the limit fail with EFBIG instead of killing
            const rlimit limit{4096, 4096};
            ::setrlimit(RLIMIT_FSIZE, &limit);
            const Result r = cli({"sweep", "--dataset", "xor", "--layers", "4", "--algorithms", "bp,f3", "--epochs", "3", "--seeds", "10",
                                  "--save", saved, "--csv", "-"});
            const std::string report = std::to_string(r.code) + "\n" + r.err + "\n" + r.out;
            const bool written = ::write(pipe_fds[1], report.data(), report.size()) == static_cast<ssize_t>(report.size());
            ::_exit(written ? 0 : 1);
        }
        ::close(pipe_fds[1]);
        std::string report;
        char buffer[4096];
        for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) report.append(buffer, static_cast<std::size_t>(n));
        ::close(pipe_fds[0]);
        int status = 0;
        QCOMPARE(::waitpid(child, &status, 0), child);
        QVERIFY(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        const QString text = QString::fromStdString(report);
        QVERIFY2(text.startsWith("1\n"), qPrintable(text)); // the exit code says the save failed
        QVERIFY2(text.contains("error: " + QString::fromStdString(saved) + ": cannot save: File too large; the runs were not saved"), qPrintable(text));
        QCOMPARE(text.count(QRegularExpression("\n\\d+,(bp|f3),\\d,")), 10 * 2 * 3); // every run's rows, seed by seed
        QVERIFY(f3::load_experiment(saved, nullptr).sweep_runs.empty()); // the last good save is intact
    }

    // Ctrl-C during a sweep: the runs' current batch finishes, the finished runs are printed and
    // saved, the exit code says it was interrupted, and the saved file resumes.
    void interrupting_a_sweep_keeps_the_finished_runs() {
        QTemporaryDir dir;
        const std::string saved = (dir.path() + "/sweep.json").toStdString();
        // The test's own handler: if SIGINT came after the sweep restored it, nothing is killed.
        const auto previous = std::signal(SIGINT, &count_stray_interrupt);
        // Interrupted once the sweep's handler is installed and a run has finished (printed its
        // line): states polled, however long a loaded machine takes to reach them.
        LineCountingBuffer printed_lines;
        std::atomic<bool> returned{false}; // the sweep ended by itself: nothing to interrupt (the checks fail)
        std::thread interrupter([&printed_lines, &returned] {
            for (struct sigaction current {}; !returned; std::this_thread::sleep_for(std::chrono::milliseconds(10))) {
                sigaction(SIGINT, nullptr, &current);
                if (current.sa_handler != &count_stray_interrupt && printed_lines.lines > 0) {
                    std::raise(SIGINT);
                    return;
                }
            }
        });
        std::ostream out(&printed_lines);
        std::ostringstream err;
        Result r;
        r.code = f3::cli::run({"sweep", "--dataset", "moons", "--layers", "16", "--algorithms", "bp,f3", "--epochs", "20",
                               "--param", "lr=1e-3:1e-1:log:10", "--seeds", "40", "--jobs", "1", "--save", saved},
                              out, err, false);
        returned = true;
        interrupter.join();
        r.out = printed_lines.text;
        r.err = err.str();
        QVERIFY(!r.lines().isEmpty());
        std::signal(SIGINT, previous);
        QCOMPARE(stray_interrupts.load(), 0);
        QCOMPARE(r.code, 130);
        QVERIFY2(QString::fromStdString(r.err).contains("interrupted: "), r.err.c_str());
        const int printed = static_cast<int>(r.lines().size());
        QVERIFY(printed < 400);
        QCOMPARE(static_cast<int>(f3::load_experiment(saved, nullptr).sweep_runs.size()), printed);
    }

    // Shards of a sweep, run one by one as on separate machines, merge into the file the whole
    // sweep saves (the times aside); status and merge count what is done and missing.
    void sharded_sweep_merges_into_the_whole_sweep() {
        QTemporaryDir dir;
        const auto path = [&](const std::string& name) { return (dir.path() + "/").toStdString() + name; };
        const Result whole = cli(kShardedSweep + std::vector<std::string>{"--save", path("whole.json")});
        QCOMPARE(whole.code, 0);
        std::vector<std::string> parts;
        for (int k = 2; k >= 0; --k) {
            parts.push_back(path("part-" + std::to_string(k) + ".json"));
            const Result shard = cli(kShardedSweep + std::vector<std::string>{"--shard", std::to_string(k) + "/3", "--save", parts.back()});
            QCOMPARE(shard.code, 0);
            QVERIFY2(QString::fromStdString(shard.err).contains(QString("shard %1/3: 2 of the sweep's 6 runs").arg(k)), shard.err.c_str());
            QCOMPARE(shard.lines().size(), 2);
            const f3::Experiment part = f3::load_experiment(parts.back(), nullptr);
            QVERIFY(part.sweep_part == (f3::SweepPart{k, 3}));
            for (const auto& run : part.sweep_runs) QCOMPARE(static_cast<int>(run_index(*part.sweep, run) % 3), k);
        }
        const Result merged = cli(std::vector<std::string>{"merge", path("all.json")} + parts);
        QCOMPARE(merged.code, 0);
        QVERIFY2(QString::fromStdString(merged.out).contains("runs: 6, done: 6, missing: 0, failed: 0"), merged.out.c_str());
        QCOMPARE(withoutSeconds(path("all.json")), withoutSeconds(path("whole.json")));
        // Again, the parts in another order, into the existing file: the same bytes.
        const QByteArray first = readBytes(path("all.json"));
        QCOMPARE(cli({"merge", path("all.json"), parts[1], parts[2], parts[0]}).code, 0);
        QCOMPARE(readBytes(path("all.json")), first);

        // Two of three shards: the missing runs are named, and the merged file resumes them.
        const Result status = cli({"status", parts[0], parts[2]});
        QCOMPARE(status.code, 0);
        QVERIFY2(QString::fromStdString(status.out).contains("runs: 6, done: 4, missing: 2, failed: 0"), status.out.c_str());
        QVERIFY2(QString::fromStdString(status.out).contains("missing run 1: lr=0.001, seed index 1"), status.out.c_str());
        QCOMPARE(cli({"merge", path("some.json"), parts[0], parts[2]}).code, 0);
        const Result rest = cli({"sweep", "--config", path("some.json"), "--save", path("some.json")});
        QCOMPARE(rest.code, 0);
        QVERIFY2(QString::fromStdString(rest.err).contains("resuming: 4 of 6 runs are in the file"), rest.err.c_str());
        QCOMPARE(rest.lines().size(), 2);
        QCOMPARE(withoutSeconds(path("some.json")), withoutSeconds(path("whole.json")));
    }

    // A shard started again with its --save file runs only what the file lacks; a file of another
    // shard or sweep is refused and left as it was.
    void a_shard_resumes_its_file_and_refuses_others() {
        QTemporaryDir dir;
        const std::string part = (dir.path() + "/part-1.json").toStdString();
        const auto shard = kShardedSweep + std::vector<std::string>{"--shard", "1/3", "--save", part};
        QCOMPARE(cli(shard).code, 0);
        f3::Experiment file = f3::load_experiment(part, nullptr);
        const std::string complete = withoutSeconds(part);
        file.sweep_runs.pop_back(); // as if the shard had been stopped before its last run
        f3::save_experiment_atomically(file, part);
        const Result resumed = cli(shard);
        QCOMPARE(resumed.code, 0);
        QVERIFY2(QString::fromStdString(resumed.err).contains("resuming: 1 of 2 runs are in the file"), resumed.err.c_str());
        QCOMPARE(resumed.lines().size(), 1);
        QCOMPARE(withoutSeconds(part), complete);

        const QByteArray before = readBytes(part);
        const Result other_shard = cli(kShardedSweep + std::vector<std::string>{"--shard", "2/3", "--save", part});
        QCOMPARE(other_shard.code, 2);
        QVERIFY2(QString::fromStdString(other_shard.err).contains("holds shard 1/3, not shard 2/3; it is kept"), other_shard.err.c_str());
        const Result other_sweep = cli(kShardedSweep + std::vector<std::string>{"--batch", "3", "--shard", "1/3", "--save", part});
        QCOMPARE(other_sweep.code, 2);
        QVERIFY2(QString::fromStdString(other_sweep.err).contains("holds another sweep (batch_size differs)"), other_sweep.err.c_str());
        QCOMPARE(readBytes(part), before);
        // The shard's own file resumes the shard without --shard.
        const Result again = cli({"sweep", "--config", part, "--save", part});
        QCOMPARE(again.code, 0);
        QVERIFY2(QString::fromStdString(again.err).contains("shard 1/3: 2 of the sweep's 6 runs"), again.err.c_str());
        QCOMPARE(again.lines().size(), 0);
        // ... and grows with the sweep. With 3 seeds the runs are numbered anew: of the shard's two
        // runs (point 0 seed 1, point 2 seed 0: runs 1 and 4 of 6), only the first is still in
        // shard 1 (run 1 of 9; the other is now run 6, of shard 0).
        const Result more_seeds = cli({"sweep", "--config", part, "--seeds", "3", "--save", part});
        QCOMPARE(more_seeds.code, 0);
        QVERIFY2(QString::fromStdString(more_seeds.err).contains("shard 1/3: 3 of the sweep's 9 runs"), more_seeds.err.c_str());
        QVERIFY2(QString::fromStdString(more_seeds.err).contains("resuming: 1 of 3 runs are in the file"), more_seeds.err.c_str());
        QCOMPARE(more_seeds.lines().size(), 2);
        // A whole sweep's file is not overwritten by a shard of it.
        const std::string whole = (dir.path() + "/whole.json").toStdString();
        QCOMPARE(cli(kShardedSweep + std::vector<std::string>{"--save", whole}).code, 0);
        const Result over_whole = cli({"sweep", "--config", whole, "--shard", "0/3", "--save", whole});
        QCOMPARE(over_whole.code, 2);
        QVERIFY2(QString::fromStdString(over_whole.err).contains("holds the whole sweep, not shard 0/3"), over_whole.err.c_str());
    }

    void shards_and_merges_explain_bad_input() {
        QTemporaryDir dir;
        const auto path = [&](const std::string& name) { return (dir.path() + "/").toStdString() + name; };
        const Result beyond = cli(kShardedSweep + std::vector<std::string>{"--shard", "3/3"});
        QCOMPARE(beyond.code, 2);
        QVERIFY2(QString::fromStdString(beyond.err).contains("--shard '3/3': K counts from 0 to N-1 (2)"), beyond.err.c_str());
        for (const char* name : {"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_STEP"}) qunsetenv(name);
        const Result outside = cli(kShardedSweep + std::vector<std::string>{"--shard", "slurm"});
        QCOMPARE(outside.code, 2);
        QVERIFY2(QString::fromStdString(outside.err).contains("--shard slurm: SLURM_ARRAY_TASK_ID is not set"), outside.err.c_str());
        qputenv("SLURM_ARRAY_TASK_ID", "6");
        qputenv("SLURM_ARRAY_TASK_MIN", "4");
        const Result no_count = cli(kShardedSweep + std::vector<std::string>{"--shard", "slurm"});
        QVERIFY2(QString::fromStdString(no_count.err).contains("SLURM_ARRAY_TASK_COUNT is not set"), no_count.err.c_str());
        qputenv("SLURM_ARRAY_TASK_COUNT", "3");
        const Result task = cli(kShardedSweep + std::vector<std::string>{"--shard", "slurm", "--save", path("slurm.json")});
        QCOMPARE(task.code, 0);
        QVERIFY2(QString::fromStdString(task.err).contains("shard 2/3: 2 of the sweep's 6 runs"), task.err.c_str());
        qputenv("SLURM_ARRAY_TASK_COUNT", "2");
        const Result gap = cli(kShardedSweep + std::vector<std::string>{"--shard", "slurm"});
        QVERIFY2(QString::fromStdString(gap.err).contains("needs an array of consecutive indices"), gap.err.c_str());
        // One task re-submitted alone (--array=2) is a whole sweep: it must not replace shard 2/3's file.
        qputenv("SLURM_ARRAY_TASK_ID", "2");
        qputenv("SLURM_ARRAY_TASK_MIN", "2");
        qputenv("SLURM_ARRAY_TASK_COUNT", "1");
        const QByteArray shard_file = readBytes(path("slurm.json"));
        const Result alone = cli(kShardedSweep + std::vector<std::string>{"--shard", "slurm", "--save", path("slurm.json")});
        QCOMPARE(alone.code, 2);
        QVERIFY2(QString::fromStdString(alone.err).contains("holds shard 2/3, not the whole sweep"), alone.err.c_str());
        QCOMPARE(readBytes(path("slurm.json")), shard_file);
        for (const char* name : {"SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_COUNT"}) qunsetenv(name);

        // Parts of different sweeps are not merged, and OUT is not touched.
        QCOMPARE(cli(kShardedSweep + std::vector<std::string>{"--shard", "0/2", "--save", path("a.json")}).code, 0);
        QCOMPARE(cli(kShardedSweep + std::vector<std::string>{"--lr", "0.5", "--shard", "1/2", "--save", path("b.json")}).code, 0);
        const Result mixed = cli({"merge", path("out.json"), path("a.json"), path("b.json")});
        QCOMPARE(mixed.code, 2);
        QVERIFY2(QString::fromStdString(mixed.err).contains(QString::fromStdString("not a part of the same sweep as " + path("a.json") + ": optimizer.learning_rate differs")),
                 mixed.err.c_str());
        QVERIFY(!QFile::exists(QString::fromStdString(path("out.json"))));
        QCOMPARE(cli({"merge", path("out.json"), path("b.json")}).code, 0);
        const QByteArray out = readBytes(path("out.json"));
        QCOMPARE(cli({"merge", path("out.json"), path("a.json")}).code, 2); // the existing OUT is of the other sweep
        QCOMPARE(readBytes(path("out.json")), out);
        writeText(QString::fromStdString(path("notes.txt")), "not a sweep");
        const Result over_notes = cli({"merge", path("notes.txt"), path("b.json")});
        QCOMPARE(over_notes.code, 2);
        QVERIFY2(QString::fromStdString(over_notes.err).contains("OUT " + QString::fromStdString(path("notes.txt")) + " exists and is not a sweep file"),
                 over_notes.err.c_str());
        QCOMPARE(readBytes(path("notes.txt")), QByteArray("not a sweep"));
        QVERIFY(QString::fromStdString(cli({"merge", path("out.json")}).err).contains("merge needs OUT.json and at least one PART.json"));
        QVERIFY(QString::fromStdString(cli({"status", path("none.json")}).err).contains("none.json"));
    }

    void version_and_help() {
        QVERIFY(QString::fromStdString(cli({"--version"}).out).startsWith("f3studio-cli "));
        const Result help = cli({"--help"});
        QCOMPARE(help.code, 0);
        QVERIFY(QString::fromStdString(help.out).contains("--algorithms"));
        QVERIFY(cli({}).code != 0);
    }
};

QTEST_APPLESS_MAIN(TestCli)
#include "tst_cli.moc"
