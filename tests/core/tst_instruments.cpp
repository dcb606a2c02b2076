// Alignment angles, F3 staleness, the update timeline and gap closed.
#include "f3/train/comparison.hpp"
#include "f3/observe/instruments.hpp"
#include "f3/io/names.hpp"
#include "f3/observe/report.hpp"
#include "f3/observe/timeline.hpp"

#include <QtTest>

using namespace f3;

namespace {

std::shared_ptr<const Dataset> toy(const std::string& name, int size = 600) {
    ToyOptions options;
    options.size = size;
    options.seed = 4;
    return std::make_shared<const Dataset>(make_toy(name, options));
}

TrainingConfig config_for(std::vector<RuleSpec> rules, int epochs) {
    TrainingConfig config;
    config.hidden = {{32, Activation::Tanh}, {32, Activation::Tanh}};
    config.rules = std::move(rules);
    config.optimizer.learning_rate = 0.005;
    config.batch_size = 20;
    config.epochs = epochs;
    config.seed = 2;
    return config;
}

const RuleTraits& traits(const char* rule) { return rule_info(rule).traits; }

// A dense tanh network of these widths (inputs, hidden..., outputs).
Network dense_network(const std::vector<int>& widths) {
    Rng rng(1);
    std::vector<HiddenLayerSpec> hidden;
    for (std::size_t i = 1; i + 1 < widths.size(); ++i) hidden.push_back({widths[i], Activation::Tanh});
    return Network::initialise(widths.front(), hidden, widths.back(), Head::SigmoidBce, rng);
}

// Collects every sampled step's instruments per rule.
struct Collector : TrainingObserver {
    std::vector<InstrumentReport> reports;
    void on_instruments(const InstrumentReport& r) override { reports.push_back(r); }
};

} // namespace

class TestInstruments : public QObject {
    Q_OBJECT
private slots:
    void angle_basics() {
        const std::vector<float> a = {1, 2, 3}, b = {-2, 1, 0}, scaled = {3, 6, 9}, negated = {-1, -2, -3}, zero = {0, 0, 0};
        QVERIFY(std::abs(angle_degrees(a.data(), scaled.data(), 3)) < 1e-6);
        QVERIFY(std::abs(angle_degrees(a.data(), b.data(), 3) - 90.0) < 1e-9);
        QVERIFY(std::abs(angle_degrees(a.data(), negated.data(), 3) - 180.0) < 1e-6);
        QVERIFY(std::isnan(angle_degrees(a.data(), zero.data(), 3)));
    }

    void bp_reads_zero_and_angles_ignore_gradient_scale() {
        auto data = toy("spiral", 200);
        Rng rng(3);
        Network net = Network::initialise(2, {{16, Activation::Tanh}, {16, Activation::Tanh}}, data->outputs, Head::SigmoidBce, rng);
        const FeedbackMatrices fb = FeedbackMatrices::draw(net, FeedbackInit::Kaiming, rng);
        const Matrix x = data->train_x.topRows(25), y = data->train_y.topRows(25);
        ForwardPass pass;
        net.forward(x, pass);
        const StepData step{x, y, pass, net.head(), {}, 0};
        const auto bp_rule = make_rule(parse_rule("bp"), y), dfa_rule = make_rule(parse_rule("dfa"), y);
        Gradients bp, scratch;
        compute_gradients(net, *bp_rule, fb, step, bp);
        for (const auto& layer : measure_alignment(net, *bp_rule, fb, step, bp, scratch)) {
            QVERIFY(layer.update_angle_deg < 1e-3);
            QVERIFY(layer.signal_angle_mean_deg < 1e-3);
            QVERIFY(std::abs(layer.update_norm_ratio - 1.0) < 1e-6);
        }
        Gradients dfa;
        compute_gradients(net, *dfa_rule, fb, step, dfa);
        const auto before = measure_alignment(net, *dfa_rule, fb, step, dfa, scratch);
        for (auto& stage : dfa.stages)
            for (auto& w : stage.tensors) w *= 7.5f;
        for (auto& s : dfa.signal) s *= 7.5f;
        const auto after = measure_alignment(net, *dfa_rule, fb, step, dfa, scratch);
        for (std::size_t i = 0; i < before.size(); ++i) {
            QVERIFY(std::abs(before[i].update_angle_deg - after[i].update_angle_deg) < 1e-4);
            QVERIFY(std::abs(before[i].signal_angle_mean_deg - after[i].signal_angle_mean_deg) < 1e-4);
            QVERIFY(std::abs(after[i].update_norm_ratio / before[i].update_norm_ratio - 7.5) < 1e-4);
        }
    }

    // Fixed seed: DFA and F3 start with no information (~90°) and align as the output layer learns.
    // Spiral stays hard enough that errors keep their direction between epochs; on a set the net
    // solves outright (gaussians), F3's stale errors can point past the current ones (> 90°).
    void dfa_and_f3_angles_start_near_90_and_fall() {
        Comparison comparison(toy("spiral"), config_for({parse_rule("bp"), parse_rule("dfa"), parse_rule("f3")}, 6));
        InstrumentOptions options;
        options.alignment = true;
        options.every_steps = 4;
        comparison.set_instruments(options);
        Collector collector;
        comparison.run(&collector);
        QVERIFY(collector.reports.size() > 20);
        // Start: the mean over the first three sampled steps (one step alone is noisy; the first
        // layer's gradient has only 2 x 32 entries).
        for (std::size_t r = 1; r <= 2; ++r)
            for (std::size_t layer = 0; layer < 2; ++layer) {
                double start = 0.0;
                for (std::size_t k = 0; k < 3; ++k) start += collector.reports[k].instruments[r].layers[layer].update_angle_deg / 3.0;
                QVERIFY2(start > 70.0 && start < 110.0, // chance alignment of random W and B: ~1/sqrt(C·n)
                         qPrintable(QString("%1 layer %2 starts at %3").arg(collector.reports[0].rules[r].c_str()).arg(layer + 1).arg(start)));
            }
        for (const auto& report : collector.reports)
            for (const auto& layer : report.instruments[0].layers) QVERIFY(layer.update_angle_deg < 1e-3);
        // The last epoch's mean angle of the top hidden layer, from the epoch metrics.
        for (const auto& m : comparison.history()) {
            if (m.epoch != 6 || m.rule == "bp") continue;
            QVERIFY2(m.update_angle_deg.back() < 75.0, qPrintable(QString("%1 ends at %2").arg(m.rule.c_str()).arg(m.update_angle_deg.back())));
        }
    }

    void f3_staleness_is_about_one_epoch() {
        auto data = toy("moons", 500);
        Comparison comparison(data, config_for({parse_rule("f3")}, 3));
        InstrumentOptions options;
        options.alignment = true;
        options.every_steps = 1;
        comparison.set_instruments(options);
        Collector collector;
        comparison.run(&collector);
        const double per_epoch = static_cast<double>(comparison.batches_per_epoch());
        for (const auto& report : collector.reports) {
            const Staleness& s = report.instruments[0].staleness;
            if (report.epoch == 1) {
                QCOMPARE(s.fresh_fraction, 1.0); // epoch 1 uses the targets: F3 = DRTP
                QVERIFY(std::isnan(s.mean_age_steps));
            } else {
                QCOMPARE(s.fresh_fraction, 0.0);
                QVERIFY(s.mean_age_steps >= 1.0 && s.mean_age_steps <= 2.0 * per_epoch - 1.0);
                QVERIFY(s.max_age_steps <= 2.0 * per_epoch - 1.0);
                QVERIFY(s.relative_distance >= 0.0);
            }
        }
        const auto& last = comparison.history().back();
        QVERIFY(std::abs(last.staleness_steps - per_epoch) < 0.2 * per_epoch);
    }

    void instruments_do_not_change_training() {
        auto run = [](bool instrumented) {
            Comparison comparison(toy("xor"), config_for({parse_rule("dfa"), parse_rule("f3"), parse_rule("fa")}, 2));
            InstrumentOptions options;
            options.alignment = instrumented;
            options.timeline = instrumented;
            options.every_steps = 1;
            comparison.set_instruments(options);
            comparison.run();
            std::vector<double> losses;
            for (const auto& m : comparison.history()) losses.push_back(m.test_loss);
            return losses;
        };
        QCOMPARE(run(true), run(false));
    }

    // 3 hidden layers of width 2, 2 classes, batch 1: every op costs 4 multiply-adds (store: 2).
    void critical_paths_on_an_exact_small_case() {
        // With equal costs the schedule shows the pipelining too: DRTP's layer 1 starts batch t+1
        // (at 12) before the output layer is done with batch t (at 20); BP's only after everything.
        auto next_forward_start = [](const Timeline& t) {
            for (const auto& op : t.ops)
                if (op.step == 1 && op.layer == 1 && op.kind == OpKind::Forward) return op.start;
            return -1.0;
        };
        const OpCost cost = multiply_add_cost(dense_network({2, 2, 2, 2, 2}), 1);
        QCOMPARE(next_forward_start(schedule_steps(traits("drtp"), 3, cost, 2)), 12.0);
        QCOMPARE(next_forward_start(schedule_steps(traits("bp"), 3, cost, 2)), 32.0);
        // F1..F4 (16), then the error walks down K4, K3, K2 (12), then U1 (4).
        QCOMPARE(critical_path(traits("bp"), 3, cost), 32.0);
        QCOMPARE(critical_path(traits("fa"), 3, cost), 32.0);
        // F1..F4 (16), then every layer projects (4) and updates (4) in parallel.
        QCOMPARE(critical_path(traits("dfa"), 3, cost), 24.0);
        // Forward chain (16) and the output update (4); the buffer write is off the critical path.
        QCOMPARE(critical_path(traits("drtp"), 3, cost), 20.0);
        QCOMPARE(critical_path(traits("f3"), 3, cost), 20.0);
    }

    void orderings_and_pipelining_for_three_hidden_layers() {
        const OpCost cost = multiply_add_cost(dense_network({784, 256, 256, 256, 10}), 50);
        auto path = [&](const char* rule) { return critical_path(traits(rule), 3, cost); };
        QVERIFY(path("bp") == path("fa"));
        QVERIFY(path("fa") > path("dfa"));
        QVERIFY(path("dfa") > path("drtp"));
        QVERIFY(path("drtp") == path("f3"));
        for (const char* name : {"bp", "fa", "dfa", "drtp", "f3"}) {
            const bool expected = std::string(name) == "drtp" || std::string(name) == "f3";
            QVERIFY2(pipelines_next_batch(traits(name), 3) == expected, name);
        }
        // Layers wait less when nothing has to come back down.
        auto total_wait = [&](const char* rule) {
            const Timeline t = schedule_steps(traits(rule), 3, cost, 1);
            double sum = 0.0;
            for (double w : t.waiting) sum += w;
            return sum;
        };
        QVERIFY(total_wait("bp") > total_wait("dfa"));
        QVERIFY(total_wait("dfa") > total_wait("f3"));
    }

    void measured_timeline_covers_every_op() {
        Comparison comparison(toy("spiral", 200), config_for({parse_rule("bp"), parse_rule("f3")}, 1));
        InstrumentOptions options;
        options.timeline = true;
        options.every_steps = 3;
        comparison.set_instruments(options);
        Collector collector;
        comparison.run(&collector);
        QVERIFY(!collector.reports.empty());
        for (const auto& t : collector.reports.front().timelines) {
            QCOMPARE(t.logical.ops.size(), t.measured.ops.size());
            QVERIFY(t.critical_path_measured > 0.0);
            for (const auto& op : t.measured.ops)
                if (op.kind == OpKind::Forward) QVERIFY(op.end > op.start);
        }
        QVERIFY(!collector.reports.front().timelines[0].pipelines);
        QVERIFY(collector.reports.front().timelines[1].pipelines);
    }

    void csv_tables_have_one_row_per_item() {
        Comparison comparison(toy("spiral", 200), config_for({parse_rule("bp"), parse_rule("f3")}, 2));
        InstrumentOptions options;
        options.alignment = options.timeline = true;
        options.every_steps = 3;
        comparison.set_instruments(options);
        Collector collector;
        comparison.run(&collector);
        auto lines = [](const std::string& text) { return QString::fromStdString(text).split('\n', Qt::SkipEmptyParts); };
        const QStringList metrics = lines(metrics_csv(comparison.history()));
        QCOMPARE(metrics.size(), 1 + 2 * 2); // header, 2 rules x 2 epochs
        QVERIFY(metrics[0].endsWith("update_angle_deg_L1,update_angle_deg_L2,signal_angle_deg_L1,signal_angle_deg_L2"));
        QCOMPARE(metrics[1].split(',').size(), metrics[0].split(',').size());
        QVERIFY(metrics[1].startsWith("bp,1,"));
        const QStringList steps = lines(instruments_csv(collector.reports));
        QCOMPARE(steps.size(), 1 + static_cast<int>(collector.reports.size()) * 2 * 2); // rules x hidden layers
        std::string timeline = timeline_csv_header();
        for (const auto& r : collector.reports) timeline += timeline_csv_rows(r);
        int ops = 0;
        for (const auto& r : collector.reports)
            for (const auto& t : r.timelines) ops += static_cast<int>(t.logical.ops.size());
        QCOMPARE(lines(timeline).size(), 1 + ops);
    }

    void gap_closed_is_relative_to_bp_and_the_baseline() {
        std::vector<EpochMetrics> epoch(3);
        epoch[0].rule = "bp";
        epoch[0].test_accuracy = 0.9;
        epoch[1].rule = "drtp";
        epoch[1].test_accuracy = 0.7;
        epoch[2].rule = "dfa";
        epoch[2].test_accuracy = 0.8;
        fill_gap_closed(epoch, parse_rule("drtp"));
        QVERIFY(std::abs(epoch[0].gap_closed - 1.0) < 1e-12);
        QVERIFY(std::abs(epoch[1].gap_closed - 0.0) < 1e-12);
        QVERIFY(std::abs(epoch[2].gap_closed - 0.5) < 1e-9);
        std::vector<EpochMetrics> without_bp(epoch.begin() + 1, epoch.end());
        without_bp[0].gap_closed = without_bp[1].gap_closed = kNoValue;
        fill_gap_closed(without_bp, parse_rule("drtp"));
        QVERIFY(std::isnan(without_bp[1].gap_closed));
        QVERIFY(without_bp[1].gap_note.empty()); // nothing was compared: nothing to explain
    }

    // Hand-made errors (baseline, BP, rule): the gap is defined only when the baseline's error
    // exceeds BP's by more than kGapMargin of BP's error.
    void gap_closed_needs_the_baseline_to_trail_bp() {
        QCOMPARE(kGapMargin, 0.1);
        const GapClosed worse = gap_closed(0.3, 0.1, 0.2); // baseline worse than BP
        QVERIFY(std::abs(worse.value - 0.5) < 1e-12);
        QVERIFY(worse.note.empty());
        const GapClosed ahead = gap_closed(0.3, 0.1, 0.05); // a rule better than BP closes more than all of it
        QVERIFY(std::abs(ahead.value - 1.25) < 1e-12);
        const GapClosed behind = gap_closed(0.3, 0.1, 0.4); // a rule worse than the baseline: negative
        QVERIFY(std::abs(behind.value + 0.5) < 1e-12);
        for (double baseline : {0.1, 0.105, 0.11}) { // equal, and within the margin
            const GapClosed tie = gap_closed(baseline, 0.1, 0.2);
            QVERIFY(std::isnan(tie.value));
            QVERIFY2(tie.note.find("not more than 10% above") != std::string::npos, tie.note.c_str());
        }
        const GapClosed better = gap_closed(0.08, 0.1, 0.2); // baseline better than BP
        QVERIFY(std::isnan(better.value));
        QVERIFY2(better.note.find("below BP's") != std::string::npos, better.note.c_str());
        QVERIFY(std::isfinite(gap_closed(0.2, 0.0, 0.1).value)); // BP perfect: any baseline error is a gap
        QVERIFY(std::isnan(gap_closed(kNoValue, 0.1, 0.1).value));
    }

    // Where the baseline beats BP the old ratio ranked the worst rule first; now every rule gets
    // no value and the same reason, which the JSON lines print as null and gap_note.
    void gap_closed_is_absent_with_a_reason_when_the_baseline_beats_bp() {
        std::vector<EpochMetrics> epoch(4);
        const char* names[] = {"bp", "drtp", "f3", "shallow"};
        const double accuracy[] = {0.80, 0.82, 0.81, 0.57};
        for (int i = 0; i < 4; ++i) {
            epoch[i].rule = names[i];
            epoch[i].test_accuracy = accuracy[i];
        }
        fill_gap_closed(epoch, parse_rule("drtp"));
        for (const auto& m : epoch) {
            QVERIFY(std::isnan(m.gap_closed));
            QVERIFY(m.gap_note.find("below BP's") != std::string::npos);
        }
        const std::string line = metrics_line(epoch[3], Task::Classification);
        QVERIFY2(line.find("\"gap_closed\":null") != std::string::npos, line.c_str());
        QVERIFY2(line.find("\"gap_note\":\"undefined: the baseline's error") != std::string::npos, line.c_str());
        epoch[0].diverged = true;
        epoch[2].gap_note.clear();
        fill_gap_closed(epoch, parse_rule("drtp"));
        QCOMPARE(epoch[2].gap_note, std::string("undefined: bp diverged"));
    }
};

QTEST_APPLESS_MAIN(TestInstruments)
#include "tst_instruments.moc"
