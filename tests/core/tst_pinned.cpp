// Pinned runs: small training runs whose every number is recorded in tst_pinned.txt and must come
// out again bit for bit. A refactor of the core that promises "no change to any number" is checked
// here: any drift in a loss, an accuracy, an alignment angle, F3's staleness or gap_closed fails and
// names the run, rule, epoch and field.
//
// The runs use only the stable, high-level path that the app and the CLI use: an experiment file's
// JSON -> parse_experiment -> load_experiment_data / training_config_for -> Comparison with the
// experiment's instruments, run to the end -> history(). Nothing here touches networks, layers,
// gradients or rule objects, so the test survives a rewrite of those.
//
// Regenerating the table: F3_PIN_RECORD=1 tst_pinned rewrites tests/core/tst_pinned.txt in the
// source tree (F3_PIN_RECORD=PATH writes PATH instead) and compares nothing. Do this ONLY when a
// change is meant to change the numbers (a bug fix, a new default, a new run here), never to make a
// refactor pass, and say in the commit why the numbers changed. `git diff tests/core/tst_pinned.txt`
// then shows exactly which values moved.
//
// Every run uses one thread; timing fields are never recorded. Values are written as the shortest
// decimal that reads back to the same double (std::to_chars) and compared bitwise; NaN equals NaN.
#include "f3/io/experiment.hpp"
#include "f3/train/comparison.hpp"

#include <QtTest>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace f3;

namespace {

struct PinnedRun {
    const char* name; // no spaces: the first word of every line of the table
    const char* json; // an experiment file, as the app writes and the lessons ship
};

// What the runs cover, between them:
//   rules      bp, fa, dfa, drtp, f3, shallow; the six F3 error variants under two heads
//   heads      sigmoid_bce (auto and explicit), softmax_ce, linear_mse (sine regression, auto)
//   optimizers sgd, momentum, adam
//   feedback   kaiming, gaussian, trinomial, binomial, pm_identity
//   depth      0, 1, 2 and 3 hidden layers; tanh, relu, sigmoid, leaky_relu, linear
//   batches    a last partial batch in every run but spiral-one-hidden and sine-diverges; train_limit
//   instruments alignment (per-layer update/signal/weight angles), F3 staleness, gap_closed
//              (baseline drtp, and shallow where there is no hidden layer); a run that diverges.
// F3 equals DRTP in epoch 1 (its buffer starts as the targets), so F3 runs last 3 epochs.
const PinnedRun kRuns[] = {
    {"spiral-every-rule", R"({"format": "f3studio-experiment", "version": 1,
      "dataset": {"source": "spiral", "size": 200, "noise": 0.1, "seed": 3, "test_fraction": 0.2},
      "network": {"hidden": [{"width": 16, "activation": "tanh"}, {"width": 16, "activation": "tanh"}], "head": "auto"},
      "rules": ["bp", "fa", "dfa", "drtp", "f3", "shallow"], "feedback_init": "kaiming",
      "optimizer": {"kind": "adam", "learning_rate": 0.01, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},
      "batch_size": 24, "epochs": 3, "seed": 11, "threads": 1,
      "instruments": {"alignment": true, "every_steps": 2, "gap_baseline": "drtp"}})"},

    {"xor-f3-variants-softmax", R"({"format": "f3studio-experiment", "version": 1,
      "dataset": {"source": "xor", "size": 200, "noise": 0.05, "seed": 5, "test_fraction": 0.2},
      "network": {"hidden": [{"width": 12, "activation": "relu"}, {"width": 12, "activation": "relu"}], "head": "softmax_ce"},
      "rules": ["bp", "drtp", "f3:delayed_error", "f3:delayed_loss", "f3:delayed_error_one_hot",
                "f3:delayed_loss_one_hot", "f3:delayed_error_softmax", "f3:delayed_loss_softmax"],
      "feedback_init": "gaussian",
      "optimizer": {"kind": "momentum", "learning_rate": 0.05, "momentum": 0.9},
      "batch_size": 48, "epochs": 3, "seed": 2, "threads": 1,
      "instruments": {"alignment": true, "every_steps": 1, "gap_baseline": "drtp"}})"},

    {"circles-f3-variants-bce", R"({"format": "f3studio-experiment", "version": 1,
      "dataset": {"source": "circles", "size": 200, "noise": 0.1, "seed": 7, "test_fraction": 0.2},
      "network": {"hidden": [{"width": 10, "activation": "sigmoid"}], "head": "sigmoid_bce"},
      "rules": ["bp", "drtp", "f3:delayed_error", "f3:delayed_loss", "f3:delayed_error_one_hot",
                "f3:delayed_loss_one_hot", "f3:delayed_error_softmax", "f3:delayed_loss_softmax"],
      "feedback_init": "trinomial",
      "optimizer": {"kind": "sgd", "learning_rate": 0.5},
      "batch_size": 25, "epochs": 3, "seed": 4, "threads": 1,
      "instruments": {"alignment": true, "every_steps": 3, "gap_baseline": "drtp"}})"},

    {"moons-deep-leaky", R"({"format": "f3studio-experiment", "version": 1,
      "dataset": {"source": "moons", "size": 200, "noise": 0.1, "seed": 9, "test_fraction": 0.2},
      "network": {"hidden": [{"width": 8, "activation": "leaky_relu"}, {"width": 8, "activation": "leaky_relu"},
                             {"width": 8, "activation": "leaky_relu"}], "head": "softmax_ce"},
      "rules": ["bp", "fa", "dfa", "drtp", "f3:delayed_loss", "shallow"], "feedback_init": "binomial",
      "optimizer": {"kind": "adam", "learning_rate": 0.005},
      "batch_size": 50, "epochs": 3, "seed": 6, "threads": 1,
      "instruments": {"alignment": true, "every_steps": 2, "gap_baseline": "drtp"}})"},

    {"gaussians-pm-identity", R"({"format": "f3studio-experiment", "version": 1,
      "dataset": {"source": "gaussians", "size": 200, "noise": 0.2, "seed": 1, "test_fraction": 0.25},
      "train_limit": 130,
      "network": {"hidden": [{"width": 6, "activation": "linear"}, {"width": 6, "activation": "tanh"}], "head": "auto"},
      "rules": ["bp", "fa", "dfa", "drtp", "f3", "f3:delayed_error_softmax"], "feedback_init": "pm_identity",
      "optimizer": {"kind": "momentum", "learning_rate": 0.1, "momentum": 0.5},
      "batch_size": 36, "epochs": 3, "seed": 8, "threads": 1,
      "instruments": {"alignment": true, "every_steps": 2, "gap_baseline": "drtp"}})"},

    {"sine-regression", R"({"format": "f3studio-experiment", "version": 1,
      "dataset": {"source": "sine", "size": 200, "noise": 0.1, "seed": 1, "test_fraction": 0.2},
      "network": {"hidden": [{"width": 16, "activation": "tanh"}, {"width": 16, "activation": "relu"}], "head": "auto"},
      "rules": ["bp", "fa", "dfa", "drtp", "f3", "f3:delayed_loss", "shallow"], "feedback_init": "kaiming",
      "optimizer": {"kind": "adam", "learning_rate": 0.01},
      "batch_size": 30, "epochs": 3, "seed": 1, "threads": 1,
      "instruments": {"alignment": true, "every_steps": 2, "gap_baseline": "drtp"}})"},

    {"xor-no-hidden", R"({"format": "f3studio-experiment", "version": 1,
      "dataset": {"source": "xor", "size": 200, "noise": 0.1, "seed": 2, "test_fraction": 0.2},
      "network": {"hidden": [], "head": "sigmoid_bce"},
      "rules": ["bp", "shallow"], "feedback_init": "gaussian",
      "optimizer": {"kind": "sgd", "learning_rate": 0.2},
      "batch_size": 64, "epochs": 2, "seed": 3, "threads": 1,
      "instruments": {"alignment": true, "every_steps": 1, "gap_baseline": "shallow"}})"},

    {"spiral-one-hidden", R"({"format": "f3studio-experiment", "version": 1,
      "dataset": {"source": "spiral", "size": 200, "noise": 0.05, "seed": 4, "test_fraction": 0.2},
      "network": {"hidden": [{"width": 20, "activation": "relu"}], "head": "softmax_ce"},
      "rules": ["bp", "fa", "dfa", "drtp", "f3", "shallow"], "feedback_init": "kaiming",
      "optimizer": {"kind": "sgd", "learning_rate": 0.1},
      "batch_size": 16, "epochs": 3, "seed": 5, "threads": 1,
      "instruments": {"alignment": true, "every_steps": 4, "gap_baseline": "drtp"}})"},

    // Diverges: every rule's loss overflows within the first epoch, so the diverged rows (NaN
    // losses, steps stopped, instruments of the steps before) are pinned too.
    {"sine-diverges", R"({"format": "f3studio-experiment", "version": 1,
      "dataset": {"source": "sine", "size": 200, "noise": 0.1, "seed": 2, "test_fraction": 0.2},
      "network": {"hidden": [{"width": 8, "activation": "linear"}], "head": "auto"},
      "rules": ["bp", "dfa", "f3"], "feedback_init": "gaussian",
      "optimizer": {"kind": "sgd", "learning_rate": 50},
      "batch_size": 32, "epochs": 2, "seed": 9, "threads": 1,
      "instruments": {"alignment": true, "every_steps": 1, "gap_baseline": "drtp"}})"},
};

// One recorded number: "RUN RULE EPOCH FIELD" and its value.
struct Pinned {
    std::string key;
    double value;
};

// Runs one experiment to the end and flattens its history into pinned numbers, in history order.
std::vector<Pinned> train_and_flatten(const PinnedRun& run) {
    std::vector<std::string> warnings;
    const Experiment experiment = parse_experiment(run.json, run.name, &warnings);
    if (!warnings.empty()) throw std::runtime_error("the experiment warns: " + warnings.front());
    auto data = std::make_shared<const Dataset>(load_experiment_data(experiment));
    const TrainingConfig config = training_config_for(experiment, *data);
    if (config.threads != 1) throw std::runtime_error("pinned runs use one thread");
    Comparison comparison(data, config);
    comparison.set_instruments(experiment.instruments);
    if (!comparison.run()) throw std::runtime_error("the comparison stopped early");

    std::vector<Pinned> out;
    for (const EpochMetrics& m : comparison.history()) {
        const std::string prefix = std::string(run.name) + " " + m.rule + " " + std::to_string(m.epoch) + " ";
        auto add = [&](const std::string& field, double value) { out.push_back({prefix + field, value}); };
        add("train_loss", m.train_loss);
        add("test_loss", m.test_loss);
        add("test_accuracy", m.test_accuracy);
        add("test_mse", m.test_mse);
        add("gap_closed", m.gap_closed);
        add("staleness_steps", m.staleness_steps);
        add("staleness_distance", m.staleness_distance);
        add("steps", static_cast<double>(m.steps));
        add("diverged", m.diverged ? 1.0 : 0.0);
        auto add_layers = [&](const char* field, const std::vector<double>& values) {
            for (std::size_t i = 0; i < values.size(); ++i) add(field + ("[" + std::to_string(i) + "]"), values[i]);
        };
        add_layers("update_angle_deg", m.update_angle_deg);
        add_layers("signal_angle_deg", m.signal_angle_deg);
        add_layers("weight_angle_deg", m.weight_angle_deg);
    }
    return out;
}

// Shortest round-trip decimal; every NaN is written "nan".
std::string format(double v) {
    if (std::isnan(v)) return "nan";
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, v);
    return std::string(buffer, result.ptr);
}

bool same_bits(double a, double b) {
    return (std::isnan(a) && std::isnan(b)) || std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

std::string describe_key(const std::string& key) { // "RUN RULE EPOCH FIELD" -> readable
    std::istringstream in(key);
    std::string run, rule, epoch, field;
    in >> run >> rule >> epoch >> field;
    return "run " + run + ", rule " + rule + ", epoch " + epoch + ", " + field;
}

} // namespace

class TestPinned : public QObject {
    Q_OBJECT

    bool recording_ = false;
    std::string record_path_;
    std::map<std::string, double> expected_; // key -> value, from the table
    std::vector<Pinned> recorded_;           // record mode: every run's values, in table order
    std::size_t recorded_runs_ = 0;

private slots:
    void initTestCase() {
        const QByteArray record = qgetenv("F3_PIN_RECORD");
        recording_ = !record.isEmpty() && record != "0";
        record_path_ = record == "1" ? std::string(F3_PINNED_FILE) : record.toStdString();
        if (recording_) return;
        std::ifstream in(F3_PINNED_FILE);
        QVERIFY2(in, "cannot read " F3_PINNED_FILE);
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty() || line[0] == '#') continue;
            const std::size_t space = line.rfind(' ');
            QVERIFY2(space != std::string::npos, line.c_str());
            double value = 0.0;
            const char* text = line.c_str() + space + 1;
            const auto parsed = std::from_chars(text, line.c_str() + line.size(), value);
            QVERIFY2(parsed.ec == std::errc() && parsed.ptr == line.c_str() + line.size(), ("bad line: " + line).c_str());
            QVERIFY2(expected_.emplace(line.substr(0, space), value).second, ("listed twice: " + line).c_str());
        }
        QVERIFY2(!expected_.empty(), "the table " F3_PINNED_FILE " is empty");
        for (const auto& [key, value] : expected_) {
            const std::string name = key.substr(0, key.find(' '));
            QVERIFY2(std::any_of(std::begin(kRuns), std::end(kRuns), [&](const PinnedRun& r) { return name == r.name; }),
                     ("the table pins run '" + name + "', which tst_pinned.cpp no longer has").c_str());
        }
    }

    void pinned_data() {
        QTest::addColumn<int>("index");
        for (int i = 0; i < static_cast<int>(std::size(kRuns)); ++i) QTest::newRow(kRuns[i].name) << i;
    }

    void pinned() {
        QFETCH(int, index);
        const PinnedRun& run = kRuns[index];
        std::vector<Pinned> actual;
        try {
            actual = train_and_flatten(run);
        } catch (const std::exception& e) {
            QFAIL((std::string(run.name) + ": " + e.what()).c_str());
        }
        if (recording_) {
            recorded_.insert(recorded_.end(), actual.begin(), actual.end());
            ++recorded_runs_;
            return;
        }

        std::vector<std::string> problems;
        std::set<std::string> produced;
        for (const Pinned& p : actual) {
            produced.insert(p.key);
            const auto it = expected_.find(p.key);
            if (it == expected_.end())
                problems.push_back(describe_key(p.key) + ": not in the table (actual " + format(p.value) + ")");
            else if (!same_bits(it->second, p.value))
                problems.push_back(describe_key(p.key) + ": expected " + format(it->second) + ", actual " +
                                   format(p.value) + " (difference " + format(p.value - it->second) + ")");
        }
        // Values the table has for this run that it no longer produced (a rule, an epoch, a layer).
        const std::string prefix = std::string(run.name) + " ";
        for (const auto& [key, value] : expected_)
            if (key.starts_with(prefix) && !produced.count(key))
                problems.push_back(describe_key(key) + ": in the table (" + format(value) + ") but not produced");

        constexpr std::size_t kShown = 40;
        for (std::size_t i = 0; i < problems.size() && i < kShown; ++i) qWarning("%s", problems[i].c_str());
        if (problems.size() > kShown) qWarning("... and %zu more", problems.size() - kShown);
        QVERIFY2(problems.empty(), (std::string(run.name) + ": " + std::to_string(problems.size()) + " of " +
                                    std::to_string(actual.size()) + " pinned values differ from " F3_PINNED_FILE)
                                       .c_str());
    }

    void cleanupTestCase() {
        if (!recording_) return;
        // A partial table (a run failed, or only some rows were selected) would drop the others' pins.
        QVERIFY2(recorded_runs_ == std::size(kRuns), "not every run was recorded: the table is left as it was");
        std::ofstream out(record_path_);
        QVERIFY2(out, ("cannot write " + record_path_).c_str());
        out << "# Pinned values of tst_pinned.cpp's runs: RUN RULE EPOCH FIELD VALUE (shortest round-trip decimal).\n"
               "# Written by F3_PIN_RECORD=1 tst_pinned. Regenerate only for an intended change of numbers,\n"
               "# and give the reason in the commit.\n";
        for (const Pinned& p : recorded_) out << p.key << ' ' << format(p.value) << '\n';
        QVERIFY2(out.flush(), ("cannot write " + record_path_).c_str());
        qInfo("recorded %zu values in %s", recorded_.size(), record_path_.c_str());
    }
};

QTEST_APPLESS_MAIN(TestPinned)
#include "tst_pinned.moc"
