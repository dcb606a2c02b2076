// The f3studio-cli contract: JSON lines per rule per epoch, one-line errors, exit codes.
#include "cli.hpp"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>
#include <sstream>

namespace {

struct Result {
    int code = 0;
    std::string out, err;
    QStringList lines() const { return QString::fromStdString(out).split('\n', Qt::SkipEmptyParts); }
};

Result cli(std::vector<std::string> args) {
    std::ostringstream out, err;
    Result r;
    r.code = f3::cli::run(args, out, err, false);
    r.out = out.str();
    r.err = err.str();
    return r;
}

} // namespace

class TestCli : public QObject {
    Q_OBJECT
private slots:
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

    void same_arguments_give_the_same_numbers() {
        const std::vector<std::string> args = {"train", "--dataset", "moons", "--layers", "8", "--algorithms", "dfa,f3",
                                               "--epochs", "2", "--seed", "5"};
        auto strip_timing = [](const Result& r) {
            QStringList kept;
            for (const QString& line : r.lines()) {
                QJsonObject o = QJsonDocument::fromJson(line.toUtf8()).object();
                o.remove("samples_per_s");
                o.remove("train_seconds");
                kept << QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
            }
            return kept;
        };
        QCOMPARE(strip_timing(cli(args)), strip_timing(cli(args)));
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
        QTest::newRow("zero train limit") << (base + QStringList{"--train-limit", "0"}) << "--train-limit";
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

    void instruments_add_per_layer_angles() {
        const Result r = cli({"train", "--dataset", "spiral", "--layers", "8,8,8", "--algorithms", "bp,drtp,f3", "--epochs", "2",
                              "--instruments", "--instrument-every", "3", "--size", "300", "--lr", "0.02"});
        QVERIFY2(r.code == 0, r.err.c_str());
        for (const QString& line : r.lines()) {
            const QJsonObject o = QJsonDocument::fromJson(line.toUtf8()).object();
            QCOMPARE(o["update_angle_deg"].toArray().size(), 3);
            QCOMPARE(o["signal_angle_deg"].toArray().size(), 3);
            QCOMPARE(o.contains("staleness_steps"), o["algorithm"].toString() == "f3");
            // bp and the default baseline drtp are both present (gap_closed is left out when they tie)
            if (o["epoch"].toInt() == 2) QVERIFY(o["gap_closed"].isDouble());
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
