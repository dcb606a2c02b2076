// Experiment files: the strict JSON reader and writer, the file format (round trip, versions,
// unknown and missing keys, absurd values), crash-safe saving, and the shipped lessons.
#include "f3/io/experiment.hpp"
#include "f3/io/json.hpp"
#include "f3/io/names.hpp"
#include "f3/observe/metrics.hpp"
#include "f3/observe/report.hpp"

#include <QDir>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace f3;

namespace {

// The message of the exception of type E that `action` throws, or an empty string.
template <class E> std::string errorOf(const std::function<void()>& action) {
    try {
        action();
    } catch (const E& e) {
        return e.what();
    }
    return {};
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
int count_of(const std::string& text, const std::string& part) {
    int n = 0;
    for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++n;
    return n;
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void writeFile(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

// Names of the files in `dir` (to see that no temporary file is left behind).
QStringList filesIn(const QString& dir) { return QDir(dir).entryList(QDir::Files | QDir::Hidden); }

// Every field away from its default, so a round trip that drops one shows.
Experiment richExperiment(int metric_count) {
    Experiment e;
    e.name = "Spiral \"deluxe\"";
    e.description = "Line one\nline two, tab\there, é and 😀";
    e.dataset.source = "csv:/data/iris.csv";
    e.dataset.target = "species";
    e.dataset.csv_task = Task::Regression;
    e.dataset.toy = {321, 0.25, 7, 0.3};
    e.train_limit = 123;
    e.training.hidden = {{64, Activation::Relu}, {32, Activation::LeakyRelu}};
    e.training.head = Head::SoftmaxCe;
    e.head_from_task = false;
    e.training.rules = {{"bp", F3Error::DelayedError}, {"f3", F3Error::DelayedLossSoftmax}, {"drtp", F3Error::DelayedError}};
    e.training.feedback_init = FeedbackInit::Trinomial;
    e.training.optimizer = {OptimizerKind::Momentum, 0.1 + 0.2, 0.5, 0.8, 0.99, 1e-7};
    e.training.batch_size = 17;
    e.training.epochs = 3;
    e.training.seed = 9007199254740991ULL; // 2^53 - 1: the largest seed a file keeps exactly
    e.training.threads = 2;
    e.instruments = {true, true, 7, {"f3", F3Error::DelayedLoss}};
    for (int i = 0; i < metric_count; ++i) {
        EpochMetrics m;
        m.rule = i % 2 ? "bp" : "f3:delayed_loss_softmax";
        m.epoch = i / 2 + 1;
        m.train_loss = 1.0 / (i + 3);
        m.test_loss = 0.7 / (i + 2);
        m.test_accuracy = 0.5 + 0.4 * i / (metric_count + 1.0);
        m.train_seconds = 0.001 * i;
        m.samples_per_s = 12345.678 + i;
        m.steps = 10 * i;
        m.diverged = i == 5;
        if (m.diverged) m.message = "loss is not finite";
        m.update_angle_deg = {12.5, std::numeric_limits<double>::quiet_NaN(), 80.0 + i % 7};
        m.signal_angle_deg = {1e-300, 45.0};
        m.staleness_steps = i;
        m.gap_closed = 0.5;
        e.recorded_metrics.push_back(m);
    }
    return e;
}

// The canonical text of a small valid experiment, to make single-key edits on.
std::string validText() {
    Experiment e;
    e.training.hidden = {{16, Activation::Tanh}};
    e.training.rules = {{"bp", F3Error::DelayedError}, {"f3", F3Error::DelayedError}};
    return to_json(e);
}

// validText() with `from` (which must occur) replaced by `to`.
std::string edited(const std::string& from, const std::string& to) {
    std::string text = validText();
    const auto at = text.find(from);
    if (at == std::string::npos) throw std::logic_error("test text lacks " + from);
    return text.replace(at, from.size(), to);
}

} // namespace

class TestExperiment : public QObject {
    Q_OBJECT
private slots:
    // ---- JSON ----

    // One diff for every "which setting differs" message (sweep resume, shards, merge).
    void json_differences_name_their_paths() {
        const json::Value a = json::parse(R"({"lr": 1, "net": {"hidden": [{"w": 4}, {"w": 8}], "head": "auto"}, "only_a": 1})");
        const json::Value b = json::parse(R"({"lr": 2, "net": {"hidden": [{"w": 4}, {"w": 9}], "head": "auto"}, "only_b": 1})");
        QCOMPARE(json::differing_paths(a, b), (std::vector<std::string>{"lr", "net.hidden[1].w", "only_a", "only_b"}));
        QVERIFY(json::differing_paths(a, a).empty());
        const json::Value longer = json::parse(R"({"lr": 1, "net": {"hidden": [{"w": 4}], "head": "auto"}, "only_a": 1})");
        QCOMPARE(json::differing_paths(a, longer), std::vector<std::string>{"net.hidden"});
    }

    void json_reads_every_kind_of_value() {
        const json::Value v = json::parse("\xef\xbb\xbf {\"z\": [1, -0.5e-3, 0, -0, 1E+2, true, false, null],\r\n"
                                          " \"a\": \"q\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\", \"m\": {}, \"e\": []}\n");
        const json::Object& o = v.as_object();
        QCOMPARE(o.size(), std::size_t{4});
        QCOMPARE(o[0].first, std::string("z")); // document order, not sorted
        QCOMPARE(o[1].first, std::string("a"));
        const json::Array& z = o[0].second.as_array();
        QCOMPARE(z[0].as_number(), 1.0);
        QCOMPARE(z[1].as_number(), -0.5e-3);
        QVERIFY(std::signbit(z[3].as_number()));
        QCOMPARE(z[4].as_number(), 100.0);
        QCOMPARE(z[5].as_bool(), true);
        QCOMPARE(z[6].as_bool(), false);
        QVERIFY(z[7].is_null());
        QCOMPARE(v.find("a")->as_string(), std::string("q\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80"));
        QVERIFY(v.find("m")->as_object().empty());
        QVERIFY(v.find("e")->as_array().empty());
        QVERIFY(v.find("missing") == nullptr);
        QCOMPARE(json::parse("\"\xe2\x82\xac\"").as_string(), std::string("\xe2\x82\xac")); // raw UTF-8 passes
        QCOMPARE(json::parse("0.1").as_number(), 0.1);
        QCOMPARE(json::parse(" 17 ").as_number(), 17.0);
    }

    void json_errors_say_where_data() {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<int>("line");
        QTest::addColumn<int>("column");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("empty") << QByteArray("  ") << 1 << 3 << "empty document";
        QTest::newRow("trailing comma in object") << QByteArray("{\"a\": 1,}") << 1 << 9 << "trailing comma";
        QTest::newRow("trailing comma in array") << QByteArray("{\n  \"a\": [1,\n    2,\n  ]\n}") << 4 << 3 << "trailing comma";
        QTest::newRow("unclosed array") << QByteArray("[1, 2") << 1 << 6 << "end of input";
        QTest::newRow("missing colon") << QByteArray("{\"a\" 1}") << 1 << 6 << "':'";
        QTest::newRow("unquoted key") << QByteArray("{a: 1}") << 1 << 2 << "key in double quotes";
        QTest::newRow("single quotes") << QByteArray("['a']") << 1 << 2 << "expected a value";
        QTest::newRow("missing comma") << QByteArray("[1 2]") << 1 << 4 << "expected ',' or ']'";
        QTest::newRow("leading zero") << QByteArray("[01]") << 1 << 2 << "leading zeros";
        QTest::newRow("bare dot") << QByteArray("[1.]") << 1 << 2 << "'.'";
        QTest::newRow("lone minus") << QByteArray("[-]") << 1 << 2 << "'-'";
        QTest::newRow("plus sign") << QByteArray("[+1]") << 1 << 2 << "expected a value";
        QTest::newRow("empty exponent") << QByteArray("[1e]") << 1 << 2 << "exponent";
        QTest::newRow("NaN") << QByteArray("[NaN]") << 1 << 2 << "expected a value";
        QTest::newRow("huge number") << QByteArray("[1e400]") << 1 << 2 << "out of double range";
        QTest::newRow("bad literal") << QByteArray("[tru]") << 1 << 2 << "true";
        QTest::newRow("raw newline in string") << QByteArray("[\"a\nb\"]") << 1 << 4 << "control character";
        QTest::newRow("unterminated string") << QByteArray("{\"a\": \"abc") << 1 << 7 << "unterminated string";
        QTest::newRow("bad escape") << QByteArray("[\"\\x\"]") << 1 << 3 << "invalid escape";
        QTest::newRow("short unicode escape") << QByteArray("[\"\\u12\"]") << 1 << 3 << "four hex digits";
        QTest::newRow("lone high surrogate") << QByteArray("[\"\\ud800x\"]") << 1 << 3 << "surrogate";
        QTest::newRow("lone low surrogate") << QByteArray("[\"\\udc00\"]") << 1 << 3 << "surrogate";
        QTest::newRow("invalid UTF-8") << QByteArray("[\"a\xff\"]") << 1 << 4 << "UTF-8";
        QTest::newRow("overlong UTF-8") << QByteArray("[\"\xc0\xaf\"]") << 1 << 3 << "UTF-8";
        QTest::newRow("UTF-8 surrogate") << QByteArray("[\"\xed\xa0\x80\"]") << 1 << 3 << "UTF-8";
        QTest::newRow("duplicate key") << QByteArray("{\"a\": 1,\n \"b\": 2, \"a\": 3}") << 2 << 10 << "duplicate key 'a'";
        QTest::newRow("trailing garbage") << QByteArray("{} x") << 1 << 4 << "after the JSON value";
        QTest::newRow("two documents") << QByteArray("1 2") << 1 << 3 << "after the JSON value";
        QTest::newRow("comment") << QByteArray("{} // no") << 1 << 4 << "after the JSON value";
        // Columns count characters: "é" is two bytes but one column.
        QTest::newRow("column after UTF-8") << QByteArray("[\"\xc3\xa9\", x]") << 1 << 7 << "'x'";
        QTest::newRow("too deep") << QByteArray(65, '[') + QByteArray(65, ']') << 1 << 65 << "deeper than 64";
    }
    void json_errors_say_where() {
        QFETCH(QByteArray, text);
        QFETCH(int, line);
        QFETCH(int, column);
        QFETCH(QString, mentions);
        try {
            json::parse(std::string_view(text.constData(), static_cast<std::size_t>(text.size())));
            QFAIL("no ParseError");
        } catch (const json::ParseError& e) {
            const QString message = QString::fromStdString(e.what());
            QVERIFY2(message.startsWith(QStringLiteral("%1:%2: ").arg(line).arg(column)), qPrintable(message));
            QVERIFY2(message.contains(mentions), qPrintable(message));
            QCOMPARE(e.line(), line);
            QCOMPARE(e.column(), column);
        }
    }

    void json_limits_depth_and_size() {
        const std::string deepest = std::string(64, '[') + std::string(64, ']');
        QCOMPARE(json::parse(deepest).type(), json::Type::Array);
        const std::string nested_objects = [] {
            std::string text;
            for (int i = 0; i < 65; ++i) text += "{\"a\":";
            return text + "1" + std::string(65, '}');
        }();
        QVERIFY(contains(errorOf<json::ParseError>([&] { json::parse(nested_objects); }), "deeper than 64"));
        // One byte over the limit, of otherwise valid JSON: refused before parsing.
        std::string huge = "\"" + std::string(json::kMaxBytes - 1, 'x') + "\"";
        try {
            json::parse(huge);
            QFAIL("no ParseError");
        } catch (const json::ParseError& e) {
            QVERIFY2(contains(e.what(), "64 MiB"), e.what());
            QCOMPARE(e.line(), 0);
        }
        huge.resize(json::kMaxBytes - 1);
        huge += '"';
        QCOMPARE(json::parse(huge).as_string().size(), json::kMaxBytes - 2);
    }

    void json_writer_is_pretty_and_exact() {
        const json::Value v = json::Object{
            {"n", json::Array{0.1, 1.5e-4, 1e-8, 100, 1e6, 12345678901234567890.0, -0.0, 1e21, 2.5e21, std::numeric_limits<double>::quiet_NaN(),
                              std::numeric_limits<double>::infinity()}},
            {"s", "tab\there \"q\" \\ \x01 é"},
            {"flat", json::Object{{"w", 16}, {"a", "tanh"}}},
            {"list", json::Array{json::Object{{"x", true}}, json::Array{}}},
            {"empty", json::Object{}},
            {"null", nullptr},
        };
        const std::string expected = "{\n"
                                     "  \"n\": [0.1, 0.00015, 1e-08, 100, 1000000, 12345678901234567168, -0, 1e+21, 2.5e+21, null, null],\n"
                                     "  \"s\": \"tab\\there \\\"q\\\" \\\\ \\u0001 é\",\n"
                                     "  \"flat\": {\"w\": 16, \"a\": \"tanh\"},\n"
                                     "  \"list\": [\n"
                                     "    {\"x\": true},\n"
                                     "    []\n"
                                     "  ],\n"
                                     "  \"empty\": {},\n"
                                     "  \"null\": null\n"
                                     "}\n";
        QCOMPARE(json::write(v), expected);
        // Shortest round-trip numbers read back bit for bit.
        const json::Value numbers = json::Array{0.1 + 0.2, 1.0 / 3.0, 5e-324, 1.7976931348623157e308, 9007199254740993.0};
        QVERIFY(json::parse(json::write(numbers)) == numbers);
        // A long flat object gets one line per member.
        const json::Value long_object = json::Object{{"a_long_key_name", "a long value"}, {"another_long_key", "another long value"}};
        QCOMPARE(json::write(long_object), std::string("{\n  \"a_long_key_name\": \"a long value\",\n  \"another_long_key\": \"another long value\"\n}\n"));
    }

    // ---- Experiment format ----

    void round_trip_keeps_every_field() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("rich.json").toStdString();
        const Experiment original = richExperiment(12);
        save_experiment_atomically(original, path);
        std::vector<std::string> warnings;
        const Experiment loaded = load_experiment(path, &warnings);
        QVERIFY(warnings.empty());
        QCOMPARE(readFile(path), to_json(original));
        QCOMPARE(to_json(loaded), to_json(original));
        // Spot checks that the text compare cannot hide (the writer could drop a field both times).
        QCOMPARE(loaded.name, original.name);
        QCOMPARE(loaded.description, original.description);
        QCOMPARE(loaded.dataset.source, original.dataset.source);
        QCOMPARE(loaded.dataset.target, std::string("species"));
        QVERIFY(loaded.dataset.csv_task == Task::Regression);
        Experiment inferred = original; // a task left to inference is written as "auto" and read back so
        inferred.dataset.csv_task.reset();
        QVERIFY(to_json(inferred).find("\"task\": \"auto\"") != std::string::npos);
        QVERIFY(!parse_experiment(to_json(inferred), "auto.json", nullptr).dataset.csv_task);
        QCOMPARE(loaded.dataset.toy.size, 321);
        QCOMPARE(loaded.dataset.toy.seed, std::uint64_t{7});
        QCOMPARE(loaded.dataset.toy.test_fraction, 0.3);
        QCOMPARE(loaded.train_limit, Index{123});
        QCOMPARE(loaded.training.hidden.size(), std::size_t{2});
        QVERIFY(loaded.training.hidden[1].activation == Activation::LeakyRelu);
        QVERIFY(!loaded.head_from_task);
        QVERIFY(loaded.training.head == Head::SoftmaxCe);
        QVERIFY(loaded.training.rules == original.training.rules);
        QVERIFY(loaded.training.feedback_init == FeedbackInit::Trinomial);
        QVERIFY(loaded.training.optimizer.kind == OptimizerKind::Momentum);
        QCOMPARE(loaded.training.optimizer.learning_rate, 0.1 + 0.2);
        QCOMPARE(loaded.training.optimizer.epsilon, 1e-7);
        QCOMPARE(loaded.training.seed, original.training.seed);
        QCOMPARE(loaded.training.threads, 2);
        QCOMPARE(loaded.instruments.every_steps, 7);
        QVERIFY(loaded.instruments.timeline && loaded.instruments.alignment);
        QVERIFY(loaded.instruments.gap_baseline == original.instruments.gap_baseline);
        QCOMPARE(loaded.recorded_metrics.size(), std::size_t{12});
        const EpochMetrics& m = loaded.recorded_metrics[5];
        QVERIFY(m.diverged);
        QCOMPARE(m.message, std::string("loss is not finite"));
        QVERIFY(std::isnan(m.test_mse));
        QVERIFY(std::isnan(m.update_angle_deg[1]));
        QCOMPARE(m.signal_angle_deg[0], 1e-300);
        QCOMPARE(m.train_loss, original.recorded_metrics[5].train_loss);
        QCOMPARE(m.steps, std::int64_t{50});
    }

    // A row added to kMetricFields must reach every output without further edits.
    void every_metric_of_the_table_reaches_files_csv_and_lines() {
        EpochMetrics m;
        m.rule = "f3";
        m.epoch = 1;
        double value = 0.25;
        for (const MetricField& field : kMetricFields) m.*field.member = (value += 1.0);
        Experiment e;
        e.recorded_metrics = {m};
        SweepSpec spec;
        e.sweep = spec;
        e.sweep_runs = {SweepRun{0, 0, 1, {m}, 0.5}};
        const Experiment back = parse_experiment(to_json(e), "table.json", nullptr);
        std::istringstream csv(metrics_csv({m}));
        std::string header;
        std::getline(csv, header);
        const std::string lines[] = {metrics_line(m, Task::Classification, {.instruments = true}),
                                     metrics_line(m, Task::Regression, {.instruments = true})};
        for (const MetricField& field : kMetricFields) {
            const QByteArray name(field.name);
            QCOMPARE(back.recorded_metrics[0].*field.member, m.*field.member);
            const double swept = back.sweep_runs[0].history[0].*field.member;
            QVERIFY2(kept_in_sweeps(field) ? swept == m.*field.member : std::isnan(swept), name);
            QVERIFY2(("," + header + ",").find("," + std::string(field.name) + ",") != std::string::npos, name);
            QCOMPARE(lines[0].find('"' + std::string(field.name) + '"') != std::string::npos, shown_for(field, Task::Classification));
            QCOMPARE(lines[1].find('"' + std::string(field.name) + '"') != std::string::npos, shown_for(field, Task::Regression));
        }
        m.gap_closed = std::numeric_limits<double>::quiet_NaN(); // not measured: left out of the lines
        QVERIFY(metrics_line(m, Task::Classification).find("gap_closed") == std::string::npos);
    }

    void defaults_round_trip_and_head_follows_the_task() {
        const Experiment defaults;
        const Experiment loaded = parse_experiment(to_json(defaults), "defaults.json", nullptr);
        QCOMPARE(to_json(loaded), to_json(defaults));
        QVERIFY(loaded.head_from_task);
        QVERIFY(loaded.recorded_metrics.empty());
        QVERIFY(!contains(to_json(defaults), "metrics"));
        Experiment sine;
        sine.dataset.source = "sine";
        sine.training.hidden = {{8, Activation::Tanh}};
        const Dataset data = load_experiment_data(sine);
        QVERIFY(training_config_for(sine, data).head == Head::LinearMse);
        sine.dataset.source = "moons";
        sine.train_limit = 10;
        const Dataset moons = load_experiment_data(sine);
        QVERIFY(training_config_for(sine, moons).head == Head::SigmoidBce);
        QCOMPARE(moons.train_size(), Index{10});
    }

    // Version 3 writes a transformer as its stage list: only experiments that use one, read back exactly.
    void transformer_round_trips_as_a_stage_list() {
        Experiment e;
        e.training.architecture = Architecture::Transformer;
        e.training.transformer = {4, 98, 4, 2, 8, 32, Activation::Relu};
        const std::string text = to_json(e);
        QVERIFY(contains(text, "\"version\": 3"));
        QCOMPARE(count_of(text, "\"kind\": \"transformer_block\""), 3);
        QCOMPARE(count_of(text, "\"kind\": \"dense\""), 1);
        const Experiment back = parse_experiment(text, "t.json", nullptr);
        QVERIFY(back.training.architecture == Architecture::Transformer);
        QVERIFY(back.training.transformer == e.training.transformer);
        QVERIFY(back.training.hidden.empty());
        QCOMPARE(to_json(back), text);
        QVERIFY(contains(to_json(Experiment{}), "\"version\": 1"));
        QVERIFY(!contains(to_json(Experiment{}), "transformer"));
    }

    // What the previous version wrote (architecture + sizes) still opens as the same network.
    void version_2_transformer_still_opens() {
        const Experiment v2 = parse_experiment(R"({"format": "f3studio-experiment", "version": 2, "network": {"hidden": [],
            "architecture": "transformer", "transformer": {"patch": 4, "dim": 98, "depth": 4, "heads": 2, "dim_head": 8,
            "mlp_dim": 32, "activation": "relu"}}})", "v2.json", nullptr);
        QVERIFY(v2.training.architecture == Architecture::Transformer);
        QVERIFY((v2.training.transformer == TransformerSpec{4, 98, 4, 2, 8, 32, Activation::Relu}));
    }

    // A dense stage list is the same network as the hidden layers it names.
    void dense_stage_list_is_hidden_layers() {
        const Experiment e = parse_experiment(R"({"format": "f3studio-experiment", "version": 3, "network": {"stages": [
            {"kind": "dense", "width": 7, "activation": "relu"}, {"kind": "dense", "width": 5}]}})", "d.json", nullptr);
        QVERIFY(e.training.architecture == Architecture::Dense);
        QCOMPARE(e.training.hidden.size(), std::size_t{2});
        QCOMPARE(e.training.hidden[0].width, 7);
        QVERIFY(e.training.hidden[0].activation == Activation::Relu);
        QCOMPARE(e.training.hidden[1].width, 5);
    }

    // Stage lists this version cannot build are refused with the stage named, never bent into shape.
    void unbuildable_stage_lists_are_refused() {
        const std::string block = R"({"kind": "transformer_block", "dim": 64, "heads": 2, "dim_head": 8, "mlp_dim": 16})";
        const std::string dense64 = R"({"kind": "dense", "width": 64})";
        const std::vector<std::pair<std::string, std::string>> cases = {
            {"[" + block + "]", "network.stages: a transformer's blocks must be followed by exactly one dense stage"},
            {"[" + block + ", " + dense64 + ", " + dense64 + "]", "network.stages: a transformer's blocks"},
            {"[" + dense64 + ", " + block + ", " + dense64 + "]", "network.stages[1].kind: a transformer block after a dense stage"},
            {"[" + block + R"(, {"kind": "transformer_block", "dim": 64, "heads": 4, "dim_head": 8, "mlp_dim": 16}, )" + dense64 + "]",
             "network.stages[1]: sizes differ"},
            {R"([{"kind": "convolution"}])", "network.stages[0].kind: \"convolution\" is not a stage kind"},
            {R"([{"kind": "dense"}])", "network.stages[0].width: missing"},
        };
        for (const auto& [stages, expected] : cases) {
            const std::string text = R"({"format": "f3studio-experiment", "version": 3, "network": {"stages": )" + stages + "}}";
            const std::string m = errorOf<ExperimentError>([&] { parse_experiment(text, "s.json", nullptr); });
            QVERIFY2(contains(m, "s.json: " + expected), m.c_str());
        }
        const std::string both = R"({"format": "f3studio-experiment", "version": 3, "network": {"hidden": [], "stages": []}})";
        QVERIFY(contains(errorOf<ExperimentError>([&] { parse_experiment(both, "b.json", nullptr); }), "one or the other"));
    }

    void newer_version_is_refused() {
        const std::string message = errorOf<ExperimentError>([] { parse_experiment(edited("\"version\": 1", "\"version\": " + std::to_string(kExperimentVersion + 1)), "future.json", nullptr); });
        QVERIFY2(contains(message, "future.json: version: "), message.c_str());
        QVERIFY2(contains(message, "newer F3 Studio"), message.c_str());
        for (const auto& edit : std::vector<std::pair<std::string, std::string>>{
                 {"\"version\": 1", "\"version\": 0"},
                 {"\"version\": 1", "\"version\": \"1\""},
                 {"\"version\": 1,", ""},
                 {"\"format\": \"f3studio-experiment\"", "\"format\": \"something-else\""},
                 {"\"format\": \"f3studio-experiment\",", ""}}) {
            // (not a structured binding: Clang 14 cannot capture those in a lambda)
            const std::string m = errorOf<ExperimentError>([&] { parse_experiment(edited(edit.first, edit.second), "x.json", nullptr); });
            QVERIFY2(contains(m, "x.json: version") || contains(m, "x.json: format"), m.c_str());
        }
        QVERIFY(contains(errorOf<ExperimentError>([] { parse_experiment("[1, 2]", "list.json", nullptr); }), "list.json: expected an experiment object, found an array"));
    }

    void unknown_keys_are_warned_about() {
        std::string text = edited("\"epochs\": 1,", "\"epochs\": 1,\n  \"colour\": \"red\",");
        text.replace(text.find("\"head\": \"auto\""), 14, "\"head\": \"auto\", \"dropout\": 0.5");
        text.replace(text.find("\"beta1\""), 7, "\"betaone\": 3, \"beta1\"");
        std::vector<std::string> warnings;
        const Experiment e = parse_experiment(text, "extra.json", &warnings);
        QCOMPARE(warnings.size(), std::size_t{3});
        QCOMPARE(warnings[0], std::string("extra.json: network.dropout: unknown key, ignored"));
        QCOMPARE(warnings[1], std::string("extra.json: optimizer.betaone: unknown key, ignored"));
        QCOMPARE(warnings[2], std::string("extra.json: colour: unknown key, ignored"));
        QCOMPARE(to_json(e), validText()); // everything else read as usual
        // One warning per unknown key, however many metric entries repeat it.
        Experiment with_metrics = parse_experiment(validText(), "m.json", nullptr);
        with_metrics.recorded_metrics.resize(3);
        std::string metrics_text = to_json(with_metrics);
        for (std::size_t at = 0; (at = metrics_text.find("\"gap_closed\"", at)) != std::string::npos; at += 40)
            metrics_text.insert(at, "\"future_metric\": 1, ");
        warnings.clear();
        parse_experiment(metrics_text, "m.json", &warnings);
        QCOMPARE(warnings.size(), std::size_t{1});
        QCOMPARE(warnings[0], std::string("m.json: metrics[0].future_metric: unknown key, ignored"));
    }

    void missing_keys_take_defaults() {
        std::vector<std::string> warnings;
        const Experiment bare = parse_experiment(R"({"format": "f3studio-experiment", "version": 1})", "bare.json", &warnings);
        QCOMPARE(warnings.size(), std::size_t{3}); // only the keys that matter most
        QVERIFY(contains(warnings[0], "bare.json: dataset.source: missing, using \"spiral\""));
        QVERIFY(contains(warnings[1], "bare.json: rules: missing, using [\"bp\"]"));
        QVERIFY(contains(warnings[2], "bare.json: epochs: missing, using 1"));
        QCOMPARE(to_json(bare), to_json(Experiment{}));

        warnings.clear();
        const Experiment small = parse_experiment(R"({"format": "f3studio-experiment", "version": 1, "seed": 5,
            "dataset": {"source": "moons"}, "network": {"hidden": [{"width": 8}]}, "rules": ["dfa", "f3"], "epochs": 2})",
                                                  "small.json", &warnings);
        QVERIFY(warnings.empty());
        QCOMPARE(small.dataset.toy.seed, std::uint64_t{5}); // the data follows the run's seed unless given
        QCOMPARE(small.training.seed, std::uint64_t{5});
        QVERIFY(small.training.hidden[0].activation == Activation::Tanh);
        QCOMPARE(small.training.batch_size, 50);
        QCOMPARE(small.training.optimizer.learning_rate, 1.5e-4);
        QCOMPARE(small.instruments.every_steps, InstrumentOptions{}.every_steps);
    }

    void absurd_values_are_refused_data() {
        QTest::addColumn<QString>("from");
        QTest::addColumn<QString>("to");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("width 10^9") << "\"width\": 16" << "\"width\": 1000000000"
                                    << "bad.json: network.hidden[0].width: 1000000000 is out of range (1 to 100000)";
        QTest::newRow("width 10^30") << "\"width\": 16" << "\"width\": 1e30" << "network.hidden[0].width: 1e+30 is out of range";
        QTest::newRow("fractional width") << "\"width\": 16" << "\"width\": 2.5" << "network.hidden[0].width: expected a whole number, found 2.5";
        QTest::newRow("width as text") << "\"width\": 16" << "\"width\": \"wide\"" << "network.hidden[0].width: expected a number, found a string";
        QTest::newRow("layer without width") << "\"width\": 16, " << "" << "network.hidden[0].width: missing";
        QTest::newRow("unknown activation") << "\"activation\": \"tanh\"" << "\"activation\": \"swish\"" << "network.hidden[0].activation: unknown activation 'swish'";
        QTest::newRow("101 layers") << "\"hidden\": [" << "\"hidden\": [" + QString("{\"width\": 1}, ").repeated(100)
                                    << "network.hidden: 101 layers, more than the limit of 100";
        QTest::newRow("hidden not a list") << "\"hidden\": [" << "\"hidden\": 3, \"x\": [" << "network.hidden: expected an array, found a number";
        QTest::newRow("negative learning rate") << "\"learning_rate\": 0.00015" << "\"learning_rate\": -0.1"
                                                << "optimizer.learning_rate: -0.1 is out of range (more than 0, at most 100)";
        QTest::newRow("learning rate null") << "\"learning_rate\": 0.00015" << "\"learning_rate\": null"
                                            << "optimizer.learning_rate: expected a number, found null";
        QTest::newRow("beta1 of 1") << "\"beta1\": 0.9" << "\"beta1\": 1" << "optimizer.beta1: 1 is out of range";
        QTest::newRow("batch 0") << "\"batch_size\": 50" << "\"batch_size\": 0" << "batch_size: 0 is out of range (1 to 1000000)";
        QTest::newRow("epochs 0") << "\"epochs\": 1" << "\"epochs\": 0" << "epochs: 0 is out of range (1 to 100000)";
        QTest::newRow("epochs 100001") << "\"epochs\": 1" << "\"epochs\": 100001" << "epochs: 100001 is out of range";
        QTest::newRow("epochs as text") << "\"epochs\": 1" << "\"epochs\": \"1\"" << "epochs: expected a number, found a string";
        QTest::newRow("threads 0") << "\"threads\": 1" << "\"threads\": 0" << "threads: 0 is out of range";
        QTest::newRow("negative seed") << "\"seed\": 1,\n  \"threads\"" << "\"seed\": -1,\n  \"threads\"" << "bad.json: seed: -1 is out of range";
        QTest::newRow("seed beyond 2^53") << "\"seed\": 1,\n  \"threads\"" << "\"seed\": 18446744073709551615,\n  \"threads\"" << "seed: 18446744073709551616 is out of range (0 to 9007199254740992)";
        QTest::newRow("rules not a list") << "\"rules\": [\"bp\", \"f3\"]" << "\"rules\": \"bp\"" << "rules: expected an array, found a string";
        QTest::newRow("unknown rule") << "\"rules\": [\"bp\", \"f3\"]" << "\"rules\": [\"bp\", \"magic\"]" << "rules[1]: unknown algorithm 'magic'";
        QTest::newRow("variant on non-f3") << "\"rules\": [\"bp\", \"f3\"]" << "\"rules\": [\"bp\", \"dfa:delayed_loss\"]" << "rules[1]: only f3 takes";
        QTest::newRow("rule twice") << "\"rules\": [\"bp\", \"f3\"]" << "\"rules\": [\"f3\", \"f3\"]" << "bad.json: rule 'f3' is listed twice";
        QTest::newRow("no rules") << "\"rules\": [\"bp\", \"f3\"]" << "\"rules\": []" << "choose at least one training rule";
        QTest::newRow("unknown head") << "\"head\": \"auto\"" << "\"head\": \"softmax\"" << "network.head: unknown output head 'softmax'";
        QTest::newRow("dataset not an object") << "\"dataset\": {" << "\"dataset\": 1, \"x\": {" << "dataset: expected an object, found a number";
        QTest::newRow("empty source") << "\"source\": \"spiral\"" << "\"source\": \"\"" << "dataset.source: must not be empty";
        QTest::newRow("unknown task") << "\"task\": \"auto\"" << "\"task\": \"ranking\"" << "dataset.task: unknown task 'ranking'";
        QTest::newRow("test fraction 1") << "\"test_fraction\": 0.2" << "\"test_fraction\": 1" << "dataset.test_fraction: 1 is out of range (more than 0, less than 1)";
        QTest::newRow("toy size 2") << "\"size\": 1000" << "\"size\": 2" << "dataset.size: 2 is out of range (4 to 10000000)";
        QTest::newRow("negative noise") << "\"noise\": 0.1" << "\"noise\": -1" << "dataset.noise: -1 is out of range (at least 0)";
        QTest::newRow("negative train limit") << "\"train_limit\": 0" << "\"train_limit\": -5" << "train_limit: -5 is out of range";
        QTest::newRow("every 0 steps") << QString("\"every_steps\": %1").arg(InstrumentOptions{}.every_steps) << "\"every_steps\": 0" << "instruments.every_steps: 0 is out of range";
        QTest::newRow("alignment as number") << "\"alignment\": false" << "\"alignment\": 0" << "instruments.alignment: expected a boolean, found a number";
        QTest::newRow("fractional transformer dim") << "\"head\": \"auto\"" << "\"head\": \"auto\", \"architecture\": \"transformer\", \"transformer\": {\"dim\": 25.5}"
                                                   << "network.transformer.dim: expected a whole number, found 25.5";
        QTest::newRow("zero heads") << "\"head\": \"auto\"" << "\"head\": \"auto\", \"architecture\": \"transformer\", \"transformer\": {\"heads\": 0}"
                                    << "network.transformer.heads: 0 is out of range (1 to 4096)";
        QTest::newRow("unknown architecture") << "\"head\": \"auto\"" << "\"head\": \"auto\", \"architecture\": \"cnn\""
                                              << "network.architecture: unknown architecture 'cnn' (valid: dense, transformer)";
        QTest::newRow("bad JSON") << "\"epochs\": 1," << "\"epochs\": 1,," << "bad.json:33:15: expected a key in double quotes";
    }
    void absurd_values_are_refused() {
        QFETCH(QString, from);
        QFETCH(QString, to);
        QFETCH(QString, mentions);
        const std::string text = edited(from.toStdString(), to.toStdString());
        const std::string message = errorOf<ExperimentError>([&] { parse_experiment(text, "bad.json", nullptr); });
        QVERIFY2(!message.empty(), qPrintable("accepted: " + to));
        QVERIFY2(contains(message, mentions.toStdString()), message.c_str());
        QVERIFY2(message.rfind("bad.json", 0) == 0, message.c_str());
        QVERIFY(message.find('\n') == std::string::npos);
    }

    // Every cut of a valid file is refused with the file's name, never read as a shorter experiment.
    void truncated_files_are_refused() {
        const std::string text = validText();
        const std::size_t end = text.rfind('}');
        for (std::size_t n = 0; n < end; ++n) {
            const std::string message = errorOf<ExperimentError>([&] { parse_experiment(text.substr(0, n), "cut.json", nullptr); });
            QVERIFY2(message.rfind("cut.json:", 0) == 0, qPrintable(QStringLiteral("%1 bytes: '%2'").arg(n).arg(message.c_str())));
        }
    }

    void nan_learning_rate_is_written_as_null_and_refused() {
        Experiment e;
        e.training.optimizer.learning_rate = std::numeric_limits<double>::quiet_NaN();
        const std::string text = to_json(e);
        QVERIFY(contains(text, "\"learning_rate\": null"));
        QVERIFY(contains(errorOf<ExperimentError>([&] { parse_experiment(text, "nan.json", nullptr); }),
                         "nan.json: optimizer.learning_rate: expected a number, found null"));
    }

    void loading_names_the_file() {
        QVERIFY(contains(errorOf<ExperimentError>([] { load_experiment("/nonexistent/lesson.json", nullptr); }), "/nonexistent/lesson.json"));
        QTemporaryDir dir;
        const std::string path = dir.filePath("broken.json").toStdString();
        writeFile(path, "{\n  \"format\": \"f3studio-experiment\",\n  \"version\": 1\n  \"epochs\": 3\n}\n");
        const std::string message = errorOf<ExperimentError>([&] { load_experiment(path, nullptr); });
        QVERIFY2(contains(message, path + ":4:3: expected ',' or '}'"), message.c_str());
    }

    // A Linux file name may hold any bytes: the writer escapes those that are not UTF-8 (the file
    // stays valid UTF-8, which its own reader demands) and the reader gives back the same bytes.
    void names_that_are_not_utf8_come_back_exactly() {
        QTemporaryDir dir;
        const std::string folder = dir.path().toStdString() + "/data\xff\xfe\xc3";
        QVERIFY(std::filesystem::create_directory(folder));
        writeFile(folder + "/points.csv", "x,label\n0,a\n1,b\n2,a\n3,b\n4,a\n5,b\n6,a\n7,b\n8,a\n9,b\n");
        Experiment original;
        original.name = "caf\xe9 \xed\xa0\x80 \xc3\xa9"; // Latin-1, an encoded surrogate, then real UTF-8
        original.dataset.source = "csv:" + folder + "/points.csv";
        const std::string text = to_json(original);
        QVERIFY2(contains(text, "caf\\udce9 \\udced\\udca0\\udc80 \xc3\xa9"), text.c_str());
        const std::string path = dir.filePath("bytes.json").toStdString();
        save_experiment_atomically(original, path);
        const Experiment loaded = load_experiment(path, nullptr);
        QCOMPARE(loaded.name, original.name);
        QCOMPARE(loaded.dataset.source, original.dataset.source);
        QCOMPARE(to_json(loaded), text);
        QCOMPARE(load_experiment_data(loaded).train_x.rows() + load_experiment_data(loaded).test_x.rows(), Index{10});
    }

    // 200,000 unknown keys: twenty warnings and a count, not 200,000 lines (nor a key's newlines).
    void many_unknown_keys_give_a_bounded_warning_list() {
        std::string keys = R"(, "line\nbreak": 0)";
        for (int i = 0; i < 200000; ++i) keys += ", \"k" + std::to_string(i) + "\": 0";
        std::string text = to_json(Experiment{}); // complete: no "missing" warnings
        text.insert(text.rfind('}'), keys);
        std::vector<std::string> warnings;
        parse_experiment(text, "keys.json", &warnings);
        QCOMPARE(warnings.size(), std::size_t{21});
        QCOMPARE(warnings[0], std::string(R"(keys.json: "line\nbreak": unknown key, ignored)"));
        QCOMPARE(warnings.back(), std::string("keys.json: and 199981 more warnings"));
    }

    // A NUL escape would cut the path short where the file system reads it: refused.
    void nul_in_a_path_is_refused() {
        const std::string text = R"({"format": "f3studio-experiment", "version": 1, "dataset": {"source": "csv:a.csv\u0000.txt"}})";
        const std::string message = errorOf<ExperimentError>([&] { parse_experiment(text, "nul.json", nullptr); });
        QVERIFY2(contains(message, "nul.json: dataset.source: holds a NUL character (\\u0000)"), message.c_str());
    }

    // "csv:data.csv" in a file means beside the file, wherever the program was started.
    void relative_data_paths_start_at_the_files_folder() {
        QTemporaryDir dir;
        QVERIFY(QDir(dir.path()).mkpath("lesson/data"));
        writeFile(dir.filePath("lesson/data/line.csv").toStdString(), "x,y\n1,2\n2,4\n3,6\n4,8\n5,10\n");
        const std::string path = dir.filePath("lesson/line.json").toStdString();
        writeFile(path, R"({"format": "f3studio-experiment", "version": 1, "dataset": {"source": "csv:data/line.csv", "task": "regression"}})");
        const Experiment e = load_experiment(path, nullptr);
        QCOMPARE(e.dataset.source, std::string("csv:data/line.csv")); // kept as written
        QCOMPARE(load_experiment_data(e).train_size() + load_experiment_data(e).test_size(), Index{5});
        QVERIFY(!contains(to_json(e), dir.path().toStdString())); // and saved as written
        save_experiment_atomically(e, path);
        QCOMPARE(load_experiment(path, nullptr).dataset.source, std::string("csv:data/line.csv"));

        // Saved into another folder, the path is rewritten to reach the same data from there.
        QVERIFY(QDir(dir.path()).mkpath("copies/deeper"));
        const std::string copy = dir.filePath("copies/deeper/line.json").toStdString();
        save_experiment_atomically(e, copy);
        const Experiment moved = load_experiment(copy, nullptr);
        QCOMPARE(moved.dataset.source, std::string("csv:../../lesson/data/line.csv"));
        QCOMPARE(load_experiment_data(moved).train_y, load_experiment_data(e).train_y);
    }

    // ---- Saving ----

    void failed_save_leaves_the_old_file() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("kept.json").toStdString();
        writeFile(path, "old bytes");
        // A directory that does not exist.
        const std::string missing = dir.filePath("no/such/dir/kept.json").toStdString();
        QVERIFY(contains(errorOf<ExperimentError>([&] { save_experiment_atomically(Experiment{}, missing); }), missing + ": cannot save"));
        // The target is a directory: the rename fails after everything was written.
        QVERIFY(QDir(dir.path()).mkdir("taken.json"));
        QVERIFY(!errorOf<ExperimentError>([&] { save_experiment_atomically(Experiment{}, dir.filePath("taken.json").toStdString()); }).empty());
        QCOMPARE(readFile(path), std::string("old bytes"));
        QCOMPARE(filesIn(dir.path()), QStringList{"kept.json"});
        // Larger than any reader takes (a merge of many shards can be): refused, the old file kept.
        Experiment huge;
        huge.description.assign(json::kMaxBytes, 'x');
        QVERIFY(contains(errorOf<ExperimentError>([&] { save_experiment_atomically(huge, path); }), "more than an experiment file may hold"));
        QCOMPARE(readFile(path), std::string("old bytes"));
    }

    // A save never replaces a FIFO, a device or a directory (nor one behind a symbolic link) with a
    // regular file: it refuses, naming what the target is, and leaves it as it was.
    void save_refuses_what_is_not_a_regular_file() {
        namespace fs = std::filesystem;
        QTemporaryDir dir;
        const std::string fifo = dir.filePath("pipe").toStdString();
        QVERIFY(::mkfifo(fifo.c_str(), 0600) == 0);
        const std::string to_null = dir.filePath("null.json").toStdString(), to_fifo = dir.filePath("to-pipe.json").toStdString();
        fs::create_symlink("/dev/null", to_null);
        fs::create_symlink(fifo, to_fifo);
        QVERIFY(QDir(dir.path()).mkdir("folder.json"));
        const std::string folder = dir.filePath("folder.json").toStdString();
        const std::vector<std::pair<std::string, std::string>> cases = {
            {fifo, "it is a FIFO (named pipe), not a regular file"},
            {to_null, "it is a symbolic link to a character device (/dev/null), not a regular file"},
            {to_fifo, "it is a symbolic link to a FIFO (named pipe) (" + fifo + "), not a regular file"},
            {folder, "it is a directory, not a regular file"},
        };
        for (const auto& [target, problem] : cases) {
            const std::string& path = target; // Clang 14 cannot capture a structured binding in a lambda
            const std::string message = errorOf<ExperimentError>([&] { save_experiment_atomically(Experiment{}, path); });
            QVERIFY2(message == path + ": cannot save: " + problem, message.c_str());
        }
        QVERIFY(fs::is_fifo(fifo));
        QCOMPARE(fs::read_symlink(to_null).string(), std::string("/dev/null"));
        QCOMPARE(fs::read_symlink(to_fifo).string(), fifo);
        QVERIFY(fs::is_directory(folder));
        const QStringList left = QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot, QDir::Name);
        QCOMPARE(left, (QStringList{"folder.json", "null.json", "pipe", "to-pipe.json"})); // no temporary file left
        // A link to a regular file still saves into that file and stays a link.
        const std::string real = dir.filePath("real.json").toStdString(), link = dir.filePath("link.json").toStdString();
        writeFile(real, "old");
        fs::create_symlink(real, link);
        save_experiment_atomically(Experiment{}, link);
        QVERIFY(fs::is_symlink(link));
        QCOMPARE(readFile(real), to_json(Experiment{}));
    }

    // Root may write anywhere, so as root the save runs in a child that drops to user "nobody".
    void save_into_read_only_directory_fails() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("kept.json").toStdString();
        writeFile(path, "old bytes");
        QVERIFY(::chmod(dir.path().toLocal8Bit().constData(), 0555) == 0);
        const pid_t child = ::fork();
        QVERIFY(child >= 0);
        if (child == 0) {
            if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(3);
            try {
                save_experiment_atomically(Experiment{}, path);
            } catch (const ExperimentError& e) {
                ::_exit(std::string(e.what()).find(path + ": cannot save") != std::string::npos ? 0 : 2);
            }
            ::_exit(1);
        }
        int status = 0;
        ::waitpid(child, &status, 0);
        ::chmod(dir.path().toLocal8Bit().constData(), 0755);
        QVERIFY2(WIFEXITED(status) && WEXITSTATUS(status) == 0, qPrintable(QString("child status %1").arg(status)));
        QCOMPARE(readFile(path), std::string("old bytes"));
        QCOMPARE(filesIn(dir.path()), QStringList{"kept.json"});
    }

    // A write that fails half way (a full disk, simulated by a file size limit even for root).
    void interrupted_write_leaves_the_old_file() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("kept.json").toStdString();
        const Experiment old_experiment = richExperiment(1);
        save_experiment_atomically(old_experiment, path);
        const std::string old_text = readFile(path);
        const pid_t child = ::fork();
        QVERIFY(child >= 0);
        if (child == 0) {
            ::signal(SIGXFSZ, SIG_IGN); // the write then fails with EFBIG instead of killing
            const rlimit limit{16384, 16384};
            ::setrlimit(RLIMIT_FSIZE, &limit);
            try {
                save_experiment_atomically(richExperiment(500), path);
            } catch (const ExperimentError&) {
                ::_exit(0);
            }
            ::_exit(1);
        }
        int status = 0;
        QCOMPARE(::waitpid(child, &status, 0), child);
        QVERIFY2(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the save did not report the failed write");
        QCOMPARE(readFile(path), old_text);
        QCOMPARE(filesIn(dir.path()), QStringList{"kept.json"});
    }

    // SIGKILL at random moments of a save loop: the file is always complete, old or new.
    void killed_save_leaves_old_or_new() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("lesson.json").toStdString();
        const Experiment old_experiment = richExperiment(3000);
        Experiment new_experiment = old_experiment;
        new_experiment.name = "new";
        new_experiment.recorded_metrics.resize(4000);
        const std::string old_text = to_json(old_experiment), new_text = to_json(new_experiment);
        // Kill moments spread over about six saves (bounded), so some land before the first
        // rename, some during a later save.
        QElapsedTimer timer;
        timer.start();
        save_experiment_atomically(new_experiment, path);
        const int save_us = static_cast<int>(std::min<qint64>(timer.nsecsElapsed() / 1000, 100000));
        std::mt19937 rng(20240601);
        std::uniform_int_distribution<int> delay_us(0, 6 * save_us);
        int saw_old = 0, saw_new = 0;
        for (int iteration = 0; iteration < 30; ++iteration) {
            save_experiment_atomically(old_experiment, path);
            const pid_t child = ::fork();
            QVERIFY(child >= 0);
            if (child == 0) {
                try {
                    for (;;) save_experiment_atomically(new_experiment, path);
                } catch (...) {
                    ::_exit(1); // never back into the test runner from the child
                }
            }
            ::usleep(static_cast<useconds_t>(delay_us(rng)));
            ::kill(child, SIGKILL);
            int status = 0;
            QCOMPARE(::waitpid(child, &status, 0), child);
            QVERIFY(WIFSIGNALED(status));
            const std::string text = readFile(path);
            QVERIFY2(text == old_text || text == new_text, qPrintable(QStringLiteral("iteration %1: %2 bytes, neither old nor new").arg(iteration).arg(text.size())));
            (text == old_text ? saw_old : saw_new)++;
            QCOMPARE(to_json(load_experiment(path, nullptr)), text);
        }
        qInfo("one save: %d us; after 30 kills: %d old, %d new", save_us, saw_old, saw_new);
    }

    // ---- Lessons ----

    // A rule's own learning rate is stored as RULE@LR, exactly, in a version-4 file; files without
    // one keep the version older readers understand.
    void per_rule_learning_rates_round_trip() {
        Experiment e;
        e.training.hidden = {{16, Activation::Tanh}};
        e.training.rules = {{"bp", F3Error::DelayedError, 0.0316227766017}, {"f3", F3Error::DelayedLoss, 1.0 / 3.0}, {"drtp", F3Error::DelayedError}};
        const std::string text = to_json(e);
        QVERIFY(contains(text, "\"version\": 4"));
        QVERIFY2(contains(text, "\"rules\": [\"bp@0.0316227766017\", \"f3:delayed_loss@0.3333333333333333\", \"drtp\"]"), text.c_str());
        const Experiment back = parse_experiment(text, "tuned.json", nullptr);
        QVERIFY(back.training.rules == e.training.rules);
        QCOMPARE(to_json(back), text);
        e.training.rules[0].learning_rate.reset();
        e.training.rules[1].learning_rate.reset();
        QVERIFY(contains(to_json(e), "\"version\": 1"));
    }

    void bad_rule_learning_rates_are_refused() {
        for (const std::string rule : {"bp@", "bp@fast", "bp@-0.1", "bp@0", "bp@1e9", "bp@nan", "bp@0.1x"}) {
            const std::string m = errorOf<ExperimentError>([&] { parse_experiment(edited("\"rules\": [\"bp\"", "\"rules\": [\"" + rule + "\""), "x.json", nullptr); });
            QVERIFY2(contains(m, "x.json: rules[0]: ") && contains(m, "learning rate after '@'"), (rule + ": " + m).c_str());
        }
        const std::string m = errorOf<ExperimentError>([] { parse_experiment(edited("\"gap_baseline\": \"drtp\"", "\"gap_baseline\": \"drtp@0.1\""), "x.json", nullptr); });
        QVERIFY2(contains(m, "x.json: instruments.gap_baseline: ") && contains(m, "without '@'"), m.c_str());
    }

    // Shipped experiments open without warnings, fit their data, and are kept in the writer's form,
    // so this version reads them and writes them back unchanged.
    void shipped_experiments_open_unchanged() {
        const QDir dir(QStringLiteral(F3_EXPERIMENTS_DIR));
        const QStringList files = dir.entryList({"*.json"}, QDir::Files, QDir::Name);
        QVERIFY2(files.contains("friedman1-lr-sweep.json"), qPrintable(dir.path()));
        for (const QString& file : files) {
            const std::string path = dir.filePath(file).toStdString();
            std::vector<std::string> warnings;
            const Experiment e = load_experiment(path, &warnings);
            QVERIFY2(warnings.empty(), warnings.empty() ? "" : warnings[0].c_str());
            QVERIFY2(e.sweep && !e.sweep_runs.empty(), qPrintable(file + " holds no results"));
            QVERIFY2(QFile::exists(dir.filePath(QString(file).replace(".json", ".md"))), qPrintable(file + " has no .md"));
            QCOMPARE(to_json(e), readFile(path));
        }
    }

    void lessons_load_cleanly_and_fit_their_data_set() {
        const QDir lessons(QStringLiteral(F3_LESSONS_DIR));
        const QStringList files = lessons.entryList({"*.json"}, QDir::Files, QDir::Name);
        QVERIFY2(files.size() >= 5, qPrintable(lessons.path()));
        for (const QString& file : files) {
            const std::string path = lessons.filePath(file).toStdString();
            std::vector<std::string> warnings;
            const Experiment e = load_experiment(path, &warnings);
            QVERIFY2(warnings.empty(), warnings.empty() ? "" : warnings[0].c_str());
            QVERIFY2(!e.name.empty() && !e.description.empty(), qPrintable(file));
            QVERIFY2(QFile::exists(lessons.filePath(QString(file).replace(".json", ".md"))), qPrintable(file + " has no .md"));
            QCOMPARE(to_json(e), readFile(path)); // lessons are kept in the writer's form
            const Dataset data = load_experiment_data(e);
            const std::vector<std::string> problems = check_config(training_config_for(e, data), data);
            QVERIFY2(problems.empty(), qPrintable(file + ": " + QString::fromStdString(problems.empty() ? "" : problems[0])));
        }
    }
};

QTEST_APPLESS_MAIN(TestExperiment)
#include "tst_experiment.moc"
