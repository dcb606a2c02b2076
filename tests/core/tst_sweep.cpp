// Sweeps: the --param grammar, the configuration at each point, runs that equal training alone
// whatever the job count, cancellation, seed statistics, CSV and the experiment file.
#include "f3/io/experiment.hpp"
#include "f3/io/names.hpp"
#include "f3/platform/memory.hpp"
#include "f3/platform/threads.hpp"
#include "f3/train/sweep.hpp"
#include "f3/train/sweep_parts.hpp"
#include "f3/train/sweep_runner.hpp"

#include <QtTest>

#include <algorithm>
#include <atomic>
#include <cmath>

using namespace f3;

namespace {

TrainingConfig base_config() {
    TrainingConfig config;
    config.hidden = {{8, Activation::Tanh}};
    config.rules = {parse_rule("bp"), parse_rule("drtp"), parse_rule("f3")};
    config.optimizer.learning_rate = 0.01;
    config.batch_size = 20;
    config.epochs = 2;
    config.seed = 7;
    return config;
}

Experiment experiment_on(const std::string& dataset, int size = 200, int epochs = 2) {
    Experiment e;
    e.dataset.source = dataset;
    e.dataset.toy.size = size;
    e.dataset.toy.seed = 5;
    e.training = base_config();
    e.training.epochs = epochs;
    return e;
}

SweepSpec lr_sweep(int seeds) {
    SweepSpec spec;
    spec.axes = {parse_sweep_axis("lr=1e-3:1e-1:log:3")};
    spec.seeds = seeds;
    return spec;
}

void expect_same_history(const std::vector<EpochMetrics>& a, const std::vector<EpochMetrics>& b) {
    QCOMPARE(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        QCOMPARE(a[i].rule, b[i].rule);
        QCOMPARE(a[i].epoch, b[i].epoch);
        // Bit for bit: NaN-free metrics compared with ==, not fuzzily.
        QVERIFY(a[i].test_loss == b[i].test_loss);
        QVERIFY(a[i].train_loss == b[i].train_loss);
        QVERIFY(a[i].test_accuracy == b[i].test_accuracy);
    }
}

std::string expect_sweep_error(const std::string& text) {
    try {
        parse_sweep_axis(text);
    } catch (const SweepError& e) {
        return e.what();
    }
    return "(accepted)";
}

EpochMetrics metric(const std::string& rule, int epoch, double accuracy, bool diverged = false) {
    EpochMetrics m;
    m.rule = rule;
    m.epoch = epoch;
    m.test_accuracy = diverged ? std::nan("") : accuracy;
    m.diverged = diverged;
    return m;
}

} // namespace

class TestSweep : public QObject {
    Q_OBJECT
private slots:
    void log_grid_keeps_its_ends_and_is_even_in_log() {
        const SweepAxis axis = parse_sweep_axis("lr=1e-4:1e-2:log:7");
        QCOMPARE(axis.parameter, SweepParameter::LearningRate);
        QVERIFY(axis.log_scale);
        QCOMPARE(axis.values.size(), std::size_t{7});
        QCOMPARE(axis.values.front(), 1e-4);
        QCOMPARE(axis.values.back(), 1e-2);
        QCOMPARE(axis.values[3], 1e-3); // exactly what `train --lr 0.001` uses
        for (std::size_t i = 1; i < axis.values.size(); ++i)
            QVERIFY(std::abs(axis.values[i] / axis.values[i - 1] - std::pow(10.0, 1.0 / 3.0)) < 1e-10);
        QCOMPARE(value_label(axis, 0), std::string("0.0001"));
        QCOMPARE(value_label(axis, 1), std::string("0.000215"));
    }

    void values_are_written_back_as_they_can_be_typed() {
        for (const char* text : {"lr=0.0001:0.1:log:7", "width=64:256:lin:4", "width=64,128,256", "lr=0.1,0.01",
                                 "feedback_init=binomial,kaiming", "depth=1,2,3", "batch=10,50"}) {
            const SweepAxis axis = parse_sweep_axis(text);
            const std::string name = std::string(text).substr(0, std::string(text).find('='));
            QCOMPARE(parse_sweep_axis(name + "=" + values_text(axis)).values, axis.values);
        }
        QCOMPARE(values_text(parse_sweep_axis("lr=1e-4:1e-1:log:7")), std::string("0.0001:0.1:log:7"));
        QCOMPARE(values_text(parse_sweep_axis("depth=1:3")), std::string("1:3"));
        QCOMPARE(values_text(parse_sweep_axis("width=64:256:lin:4")), std::string("64:256:lin:4"));
        QCOMPARE(values_text(parse_sweep_axis("width=8,32")), std::string("8,32"));
    }

    void lists_ranges_and_names_parse() {
        QCOMPARE(parse_sweep_axis("width=64,128,256").values, (std::vector<double>{64, 128, 256}));
        QCOMPARE(parse_sweep_axis("depth=1:4").values, (std::vector<double>{1, 2, 3, 4}));
        QCOMPARE(parse_sweep_axis("width=64:256:lin:4").values, (std::vector<double>{64, 128, 192, 256}));
        // Whole-number parameters on a log grid are rounded, each value kept once.
        QCOMPARE(parse_sweep_axis("width=1:4:log:6").values, (std::vector<double>{1, 2, 3, 4}));
        QCOMPARE(parse_sweep_axis("batch=10,50").values, (std::vector<double>{10, 50}));
        const SweepAxis init = parse_sweep_axis("feedback_init=binomial,kaiming");
        QVERIFY(is_categorical(init.parameter));
        QCOMPARE(value_label(init, 0), std::string("binomial"));
        QCOMPARE(value_label(init, 1), std::string("kaiming"));
        const SweepAxis variants = parse_sweep_axis("f3_error=delayed_loss,delayed_error_softmax");
        QCOMPARE(value_label(variants, 1), std::string("delayed_error_softmax"));
        QVERIFY(parse_sweep_axis("lr=0.1,0.01").log_scale);
        QVERIFY(!parse_sweep_axis("width=8,16").log_scale);
        QVERIFY(parse_sweep_axis("width=16,64,256,1024").log_scale);
        QVERIFY(!parse_sweep_axis("depth=1,2,4,8").log_scale);
    }

    void malformed_axes_are_explained_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("message");
        QTest::newRow("no =") << "lr" << "is not NAME=VALUES";
        QTest::newRow("unknown") << "momentum=0.1,0.9" << "unknown sweep parameter 'momentum' (valid: lr, width";
        QTest::newRow("empty") << "lr=" << "lr: no values";
        QTest::newRow("not a number") << "lr=0.1,fast" << "'fast' is not a number";
        QTest::newRow("nan") << "lr=nan" << "'nan' is not a number";
        QTest::newRow("twice") << "width=8,8" << "8 is listed twice";
        QTest::newRow("fraction") << "width=8.5" << "8.5 is not a whole number";
        QTest::newRow("log of zero") << "lr=0:1:log:3" << "a log grid needs positive ends";
        QTest::newRow("one point") << "lr=1e-3:1e-2:log:1" << "a grid needs 2 to 1000 points, not 1";
        QTest::newRow("huge grid") << "lr=1e-3:1e-2:log:1e9" << "a grid needs 2 to 1000 points";
        QTest::newRow("A:B for lr") << "lr=1:3" << "A:B lists whole numbers";
        QTest::newRow("reversed") << "depth=4:1" << "A <= B";
        QTest::newRow("bad mode") << "lr=1e-3:1e-2:exp:3" << "is not A:B:log:N";
        QTest::newRow("unknown name") << "feedback_init=kaiming,uniform" << "unknown value 'uniform' (valid: kaiming, gaussian";
        QTest::newRow("range of names") << "f3_error=1:2" << "list the names";
        // Beyond an int: undefined to convert, and A:B above 2^53 used to loop for ever (++v stood still).
        const QString beyond = "is beyond what a whole-number setting holds (-2147483648 to 2147483647)";
        QTest::newRow("huge width") << "width=1e17" << "width: 100000000000000000 " + beyond;
        QTest::newRow("huge range") << "width=1e17:1e17" << "width: 100000000000000000 " + beyond;
        QTest::newRow("range past int") << "batch=2147483647:2147483648" << "batch: 2147483648 " + beyond;
        QTest::newRow("huge grid ends") << "dim=1e17:2e17:lin:3" << "dim: 100000000000000000 " + beyond;
        QTest::newRow("negative") << "depth=-1e10,1" << "depth: -10000000000 " + beyond;
    }
    void malformed_axes_are_explained() {
        QFETCH(QString, text);
        QFETCH(QString, message);
        const QString error = QString::fromStdString(expect_sweep_error(text.toStdString()));
        QVERIFY2(error.contains(message), qPrintable(error));
    }

    void points_enumerate_with_the_first_axis_slowest() {
        SweepSpec spec;
        spec.axes = {parse_sweep_axis("width=4,8,16"), parse_sweep_axis("lr=0.1,0.01")};
        spec.seeds = 3;
        QCOMPARE(spec.point_count(), std::size_t{6});
        QCOMPARE(spec.run_count(), std::size_t{18});
        QCOMPARE(spec.point_indices(0), (std::vector<std::size_t>{0, 0}));
        QCOMPARE(spec.point_indices(1), (std::vector<std::size_t>{0, 1}));
        QCOMPARE(spec.point_indices(5), (std::vector<std::size_t>{2, 1}));
        QCOMPARE(spec.point_label(3), std::string("width=8, lr=0.01"));
        QCOMPARE(SweepSpec{}.point_count(), std::size_t{1});
    }

    void each_point_changes_only_its_parameters() {
        TrainingConfig base = base_config();
        base.threads = 2;
        base.rules.push_back(parse_rule("f3:delayed_loss"));
        SweepSpec spec;
        spec.axes = {parse_sweep_axis("width=4,32"), parse_sweep_axis("depth=1:3")};
        spec.seeds = 2;
        // point 5 = width 32, depth 3: the layers depth adds get the swept width too.
        const TrainingConfig c = sweep_config(base, spec, 5, 1);
        QCOMPARE(c.hidden.size(), std::size_t{3});
        for (const auto& layer : c.hidden) QCOMPARE(layer.width, 32);
        QCOMPARE(c.seed, base.seed + 1);
        QCOMPARE(c.threads, 1);
        QCOMPARE(c.optimizer.learning_rate, base.optimizer.learning_rate);
        QCOMPARE(c.rules.size(), base.rules.size());

        spec.axes = {parse_sweep_axis("f3_error=delayed_error_softmax"), parse_sweep_axis("feedback_init=binomial")};
        const TrainingConfig v = sweep_config(base, spec, 0, 0);
        // Both F3 rules became the same variant: kept once.
        QCOMPARE(v.rules.size(), std::size_t{3});
        QCOMPARE(to_string(v.rules[2]), std::string("f3:delayed_error_softmax"));
        QCOMPARE(v.feedback_init, FeedbackInit::Binomial);
        QCOMPARE(to_string(v.rules[0]), std::string("bp"));
    }

    void transformer_sizes_are_sweep_parameters() {
        TrainingConfig base;
        base.architecture = Architecture::Transformer;
        base.rules = {parse_rule("bp")};
        SweepSpec spec;
        spec.axes = {parse_sweep_axis("depth=2,4"), parse_sweep_axis("heads=1,8")};
        const TrainingConfig c = sweep_config(base, spec, 3, 0);
        QCOMPARE(c.transformer.depth, 4);
        QCOMPARE(c.transformer.heads, 8);
        QCOMPARE(c.transformer.dim, base.transformer.dim);
        for (const char* axis : {"dim=64", "dim_head=8", "mlp_dim=32", "patch=4"}) {
            spec.axes = {parse_sweep_axis(axis)};
            QVERIFY2(!(sweep_config(base, spec, 0, 0).transformer == base.transformer), axis);
        }
        // A dense experiment refuses them by name, and a transformer refuses width.
        const auto data = std::make_shared<const Dataset>(load_experiment_data(experiment_on("xor")));
        spec.axes = {parse_sweep_axis("heads=2,4")};
        TrainingConfig dense;
        dense.hidden = {{8, Activation::Tanh}};
        dense.rules = base.rules;
        QVERIFY(check_sweep(spec, dense, *data).front().find("heads is a transformer's size") != std::string::npos);
        spec.axes = {parse_sweep_axis("width=8,16")};
        QVERIFY(check_sweep(spec, base, *data).front().find("a transformer's width is dim") != std::string::npos);
    }

    void bad_sweeps_are_explained() {
        const auto data = std::make_shared<const Dataset>(load_experiment_data(experiment_on("xor")));
        auto problems_of = [&](const SweepSpec& spec, const TrainingConfig& base) {
            std::string all;
            for (const auto& p : check_sweep(spec, base, *data)) all += p + "\n";
            return QString::fromStdString(all);
        };
        TrainingConfig no_hidden = base_config();
        no_hidden.hidden.clear();
        no_hidden.rules = {parse_rule("bp"), parse_rule("shallow")};
        SweepSpec spec;
        spec.axes = {parse_sweep_axis("width=4,8")};
        QVERIFY(problems_of(spec, no_hidden).contains("a width sweep needs a network with at least one hidden layer"));
        spec.axes = {parse_sweep_axis("f3_error=delayed_loss")};
        QVERIFY(problems_of(spec, no_hidden).contains("an f3_error sweep needs f3 among the rules"));
        spec.axes = {parse_sweep_axis("width=4,0")};
        QVERIFY2(problems_of(spec, base_config()).contains("at width=0: "), qPrintable(problems_of(spec, base_config())));
        spec.axes = {parse_sweep_axis("lr=0.1,-1")};
        QVERIFY(problems_of(spec, base_config()).contains("at lr=-1: "));
        spec.axes = {parse_sweep_axis("width=4")};
        spec.axes[0].values = {1e17}; // as a file may hold it
        QVERIFY2(problems_of(spec, base_config()).contains("width: invalid value 100000000000000000"), qPrintable(problems_of(spec, base_config())));
        spec.axes = {parse_sweep_axis("lr=0.1"), parse_sweep_axis("lr=0.2")};
        QVERIFY(problems_of(spec, base_config()).contains("lr is swept twice"));
        spec.axes = {parse_sweep_axis("width=1:1000"), parse_sweep_axis("batch=1:1000")};
        QVERIFY(problems_of(spec, base_config()).contains("1000000 runs (points x seeds), more than the limit of 100000"));
        spec.axes = {};
        spec.seeds = 0;
        QVERIFY(problems_of(spec, base_config()).contains("seeds must be 1 to 1000, not 0"));
        QVERIFY_THROWS_EXCEPTION(SweepError, SweepRunner(experiment_on("xor"), spec));
        spec.seeds = 3;
        QVERIFY(check_sweep(spec, base_config(), *data).empty());
    }

    void a_run_equals_training_that_configuration_alone() {
        const Experiment base = experiment_on("spiral");
        const SweepSpec spec = lr_sweep(2);
        SweepRunner runner(base, spec);
        const auto runs = runner.run(1);
        int measured_gaps = 0;
        QCOMPARE(runs.size(), spec.run_count());
        QCOMPARE(runner.finished_runs(), spec.run_count());
        QCOMPARE(runner.progress(), 1.0);
        for (const SweepRun& run : runs) {
            const Experiment alone = sweep_experiment(base, spec, run.point, run.seed_index);
            // Seed index k adds k to the training seed and to the data seed, as --seed sets both.
            QCOMPARE(alone.training.seed, base.training.seed + static_cast<std::uint64_t>(run.seed_index));
            QCOMPARE(alone.dataset.toy.seed, base.dataset.toy.seed + static_cast<std::uint64_t>(run.seed_index));
            QCOMPARE(run.seed, alone.training.seed);
            const auto data = std::make_shared<const Dataset>(load_experiment_data(alone));
            Comparison comparison(data, training_config_for(alone, *data));
            comparison.run();
            expect_same_history(run.history, comparison.history());
            // BP and the DRTP baseline are both there: the gap closed is measured unless they tie.
            const std::size_t n = run.history.size();
            const EpochMetrics &bp = run.history[n - 3], &drtp = run.history[n - 2], &f3 = run.history[n - 1];
            if (!bp.diverged && !drtp.diverged && !f3.diverged && 1.0 - drtp.test_accuracy > (1.0 + kGapMargin) * (1.0 - bp.test_accuracy)) {
                QVERIFY(std::isfinite(f3.gap_closed));
                ++measured_gaps;
            }
        }
        QVERIFY(measured_gaps > 0);
        // Seeds matter: the same point with another seed differs.
        QVERIFY(runs[0].history.back().test_loss != runs[1].history.back().test_loss);
    }

    void two_jobs_give_the_same_runs_as_one() {
        SweepRunner one(experiment_on("spiral"), lr_sweep(2));
        SweepRunner two(experiment_on("spiral"), lr_sweep(2));
        std::atomic<int> inside{0}, calls{0};
        bool overlapped = false;
        const auto a = one.run(1);
        const auto b = two.run(2, [&](const SweepRun&) {
            if (inside.fetch_add(1) != 0) overlapped = true;
            ++calls;
            QThread::msleep(5);
            inside.fetch_sub(1);
        });
        QVERIFY(!overlapped);
        QCOMPARE(calls.load(), 6);
        QCOMPARE(a.size(), b.size());
        for (std::size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(a[i].point, b[i].point);
            QCOMPARE(a[i].seed_index, b[i].seed_index);
            expect_same_history(a[i].history, b[i].history);
        }
    }

    // Runs trained at once each hold their own comparison: the memory check multiplies the largest
    // point's estimate by the jobs, and run() refuses before it trains anything.
    void jobs_multiply_the_memory_estimate() {
        Experiment e = experiment_on("xor");
        e.training.hidden = {{8, Activation::Tanh}, {8, Activation::Tanh}};
        SweepSpec spec;
        spec.axes = {parse_sweep_axis("width=8,4000")};
        spec.seeds = 4;
        SweepRunner runner(e, spec);
        const Dataset data = load_experiment_data(e);
        const TrainingMemory largest = training_memory(sweep_config(training_config_for(e, data), spec, 1, 0), data);
        set_memory_limit_bytes(static_cast<std::uint64_t>(5 * largest.data + 1.5 * largest.comparison()));
        runner.check_memory(1);
        QString message;
        try {
            runner.run(2);
        } catch (const SweepError& error) {
            message = error.what();
        }
        set_memory_limit_bytes(0);
        QVERIFY2(message.startsWith("2 sweep runs at a time (jobs), the largest training 3 rules of a 1.6e+07-parameter network"),
                 qPrintable(message));
        QVERIFY(message.endsWith("; train fewer runs at a time"));
        QCOMPARE(runner.finished_runs(), std::size_t{0});
    }

    // When the system refuses a thread, the sweep says so and has trained nothing; then it runs.
    void refused_threads_are_reported() {
        SweepRunner runner(experiment_on("xor"), lr_sweep(2));
        refuse_threads_after(1);
        QString message;
        try {
            runner.run(2);
        } catch (const SweepError& error) {
            message = error.what();
        }
        refuse_threads_after(-1);
        QVERIFY2(message.startsWith("could not start the sweep's 2 threads (thread refused"), qPrintable(message));
        QCOMPARE(runner.finished_runs(), std::size_t{0});
        QCOMPARE(runner.run(2).size(), std::size_t{6});
    }

    void cancelling_stops_early_and_keeps_finished_runs() {
        SweepRunner runner(experiment_on("spiral", 400, 20), lr_sweep(4));
        const auto runs = runner.run(2, [&](const SweepRun&) { runner.cancel(); });
        QVERIFY(runner.cancelled());
        QVERIFY(!runs.empty());
        QVERIFY2(runs.size() < 12, qPrintable(QString::number(runs.size())));
        QVERIFY(runner.progress() < 1.0);
        for (const auto& run : runs) QCOMPARE(run.history.back().epoch, 20);
    }

    void skipped_runs_are_not_run_again() {
        SweepRunner runner(experiment_on("xor"), lr_sweep(2));
        const auto runs = runner.run(2, {}, {0, 1, 2, 5});
        QCOMPARE(runs.size(), std::size_t{2});
        QCOMPARE(runs[0].point * 2 + static_cast<std::size_t>(runs[0].seed_index), std::size_t{3});
        QCOMPARE(runs[1].point * 2 + static_cast<std::size_t>(runs[1].seed_index), std::size_t{4});
    }

    void growing_a_sweep_keeps_the_runs_it_already_has() {
        SweepSpec from;
        from.axes = {parse_sweep_axis("width=4,8"), parse_sweep_axis("lr=0.1,0.01")};
        from.seeds = 2;
        std::vector<SweepRun> runs(from.run_count());
        for (std::size_t i = 0; i < runs.size(); ++i) {
            runs[i].point = i / 2;
            runs[i].seed_index = static_cast<int>(i % 2);
        }
        SweepSpec to = from;
        to.axes[0] = parse_sweep_axis("width=8,16,4"); // reordered and one more
        to.seeds = 1;
        const auto kept = runs_kept_for(from, runs, to);
        QCOMPARE(kept.size(), std::size_t{4}); // 2 widths x 2 rates x seed 0
        for (const auto& run : kept) {
            QCOMPARE(run.seed_index, 0);
            const auto old_indices = from.point_indices(runs[static_cast<std::size_t>(&run - kept.data()) * 2].point);
            QCOMPARE(to.axes[0].values[to.point_indices(run.point)[0]], from.axes[0].values[old_indices[0]]);
            QCOMPARE(to.axes[1].values[to.point_indices(run.point)[1]], from.axes[1].values[old_indices[1]]);
        }
        to.axes[1] = parse_sweep_axis("batch=10,20");
        QVERIFY(runs_kept_for(from, runs, to).empty());
    }

    void settings_decide_whether_stored_runs_still_apply() {
        Experiment a = experiment_on("xor");
        Experiment b = a;
        b.name = "renamed";
        b.training.threads = 2;
        b.sweep = lr_sweep(3);
        b.recorded_metrics.push_back(metric("bp", 1, 0.5));
        b.instruments.alignment = b.instruments.timeline = true; // the app watches every run
        b.instruments.every_steps = 5;
        QVERIFY(same_training_settings(a, b));
        b.instruments.gap_baseline = parse_rule("dfa"); // changes gap_closed
        QVERIFY(!same_training_settings(a, b));
        b.instruments.gap_baseline = a.instruments.gap_baseline;
        b.training.epochs = 3;
        QVERIFY(!same_training_settings(a, b));
        b = a;
        b.dataset.toy.noise = 0.3;
        QVERIFY(!same_training_settings(a, b));
    }

    void resuming_keeps_runs_of_the_same_settings_and_skips_them() {
        const Experiment stored_settings = experiment_on("xor");
        SweepSpec from;
        from.axes = {parse_sweep_axis("lr=0.001,0.01")};
        from.seeds = 2;
        std::vector<SweepRun> stored(from.run_count());
        for (std::size_t i = 0; i < stored.size(); ++i) {
            stored[i].point = i / 2;
            stored[i].seed_index = static_cast<int>(i % 2);
        }
        SweepSpec to;
        to.axes = {parse_sweep_axis("lr=0.01,0.03")}; // lr=0.01 was point 1, is point 0
        to.seeds = 3;

        Experiment settings = stored_settings;
        settings.name = "renamed"; // not a training setting
        SweepResume resume = plan_sweep_resume(stored_settings, from, stored, settings, to);
        QCOMPARE(resume.kept.size(), std::size_t{2});
        QCOMPARE(resume.discarded, stored.size() - 2); // the runs at lr values the new sweep does not have
        for (std::size_t k = 0; k < 2; ++k) {
            QCOMPARE(resume.kept[k].point, std::size_t{0});
            QCOMPARE(resume.kept[k].seed_index, static_cast<int>(k));
            QCOMPARE(run_index(to, resume.kept[k]), k);
        }
        QCOMPARE(resume.skip, (std::vector<std::size_t>{0, 1}));

        // Fewer seeds than were run: only the seeds the new sweep has.
        to.seeds = 1;
        resume = plan_sweep_resume(stored_settings, from, stored, settings, to);
        QCOMPARE(resume.skip, (std::vector<std::size_t>{0}));
        QCOMPARE(resume.discarded, stored.size() - 1);

        // Other training settings: nothing is kept, and the caller is told how much was dropped.
        settings.training.batch_size = 10;
        resume = plan_sweep_resume(stored_settings, from, stored, settings, to);
        QVERIFY(resume.kept.empty() && resume.skip.empty());
        QCOMPARE(resume.discarded, stored.size());

        // Nothing stored: nothing to keep or to drop.
        resume = plan_sweep_resume(stored_settings, from, {}, settings, to);
        QVERIFY(resume.kept.empty() && resume.skip.empty());
        QCOMPARE(resume.discarded, std::size_t{0});
    }

    void runs_sort_by_point_then_seed() {
        SweepSpec spec;
        spec.axes = {parse_sweep_axis("width=4,8")};
        spec.seeds = 2;
        std::vector<SweepRun> runs(4);
        const std::size_t points[] = {1, 0, 1, 0};
        const int seeds[] = {1, 1, 0, 0};
        for (std::size_t i = 0; i < runs.size(); ++i) {
            runs[i].point = points[i];
            runs[i].seed_index = seeds[i];
        }
        sort_runs(runs);
        for (std::size_t i = 0; i < runs.size(); ++i) QCOMPARE(run_index(spec, runs[i]), i);
    }

    void seed_statistics_are_mean_and_sample_std() {
        std::vector<SweepRun> runs(4);
        runs[0].history = {metric("bp", 1, 0.5), metric("bp", 2, 0.6), metric("f3", 2, 0.7)};
        runs[1].history = {metric("bp", 1, 0.7), metric("bp", 2, 0.8), metric("f3", 2, 0.1, true)};
        runs[2].history = {metric("bp", 1, 0.1), metric("bp", 2, 1.0)};
        runs[3].point = 1;
        runs[3].history = {metric("bp", 2, 0.0)};
        const SeedStatistics last = seed_statistics(SweepSpec{}, runs, 0, "bp", SweepMetric::TestAccuracy);
        QCOMPARE(last.n, 3);
        QVERIFY(std::abs(last.mean - 0.8) < 1e-12);
        QVERIFY(std::abs(last.std - 0.2) < 1e-12); // sqrt((0.04 + 0 + 0.04) / 2)
        const SeedStatistics first = seed_statistics(SweepSpec{}, runs, 0, "bp", SweepMetric::TestAccuracy, 1);
        QVERIFY(std::abs(first.mean - 1.3 / 3) < 1e-12);
        const SeedStatistics f3 = seed_statistics(SweepSpec{}, runs, 0, "f3", SweepMetric::TestAccuracy);
        QCOMPARE(f3.n, 1);
        QCOMPARE(f3.diverged, 1);
        QCOMPARE(f3.std, 0.0);
        QVERIFY(std::isnan(seed_statistics(SweepSpec{}, runs, 0, "dfa", SweepMetric::TestAccuracy).mean));
        QCOMPARE(sweep_rules(SweepSpec{}, runs), (std::vector<std::string>{"bp", "f3"}));
        QCOMPARE(parse<SweepMetric>("gap_closed"), SweepMetric::GapClosed);
        QVERIFY_THROWS_EXCEPTION(NameError, parse<SweepMetric>("accuracy"));
    }

    // Each rule's best rate: the best mean over all seeds, never a point with a diverged or missing
    // seed; accuracy is best high, MSE low; ties go to the smaller rate.
    void best_learning_rates_pick_each_rules_best_mean() {
        SweepSpec spec;
        spec.axes = {parse_sweep_axis("lr=0.001,0.01,0.1")};
        spec.seeds = 2;
        std::vector<SweepRun> runs;
        auto add = [&](std::size_t point, int seed_index, std::vector<EpochMetrics> history) {
            SweepRun run;
            run.point = point;
            run.seed_index = seed_index;
            run.history = std::move(history);
            runs.push_back(run);
        };
        // bp: 0.6, 0.9, 0.95 but one seed of 0.1 diverged; f3: 0.75 at 0.001 and 0.01 (tie); drtp: seed 1 of 0.01 missing.
        add(0, 0, {metric("bp", 1, 0.6), metric("f3", 1, 0.75), metric("drtp", 1, 0.5)});
        add(0, 1, {metric("bp", 1, 0.6), metric("f3", 1, 0.75), metric("drtp", 1, 0.5)});
        add(1, 0, {metric("bp", 1, 0.8), metric("f3", 1, 0.5), metric("drtp", 1, 0.9)});
        add(1, 1, {metric("bp", 1, 1.0), metric("f3", 1, 1.0)});
        add(2, 0, {metric("bp", 1, 0.95), metric("f3", 1, 0.1), metric("drtp", 1, 0.4)});
        add(2, 1, {metric("bp", 1, 0.0, true), metric("f3", 1, 0.2), metric("drtp", 1, 0.4)});
        const auto best = best_learning_rates(spec, runs, SweepMetric::TestAccuracy);
        QCOMPARE(best.size(), std::size_t{3});
        QCOMPARE(best[0].rule, std::string("bp"));
        QCOMPARE(best[0].learning_rate, 0.01);
        QVERIFY(std::abs(best[0].statistics.mean - 0.9) < 1e-12);
        QCOMPARE(best[1].rule, std::string("f3"));
        QCOMPARE(best[1].learning_rate, 0.001);
        QCOMPARE(best[2].rule, std::string("drtp"));
        QCOMPARE(best[2].learning_rate, 0.001);
        // By a metric that is best low, the other end wins.
        for (SweepRun& run : runs)
            for (EpochMetrics& m : run.history) m.test_mse = m.test_accuracy;
        QCOMPARE(best_learning_rates(spec, runs, SweepMetric::TestMse)[1].learning_rate, 0.1);
        // Another sweep shape, or a rule with no rate where every seed finished, is refused.
        spec.axes = {parse_sweep_axis("width=4,8,16")};
        QVERIFY_THROWS_EXCEPTION(SweepError, best_learning_rates(spec, runs, SweepMetric::TestAccuracy));
        spec.axes = {parse_sweep_axis("lr=0.001,0.01,0.1")};
        spec.seeds = 3;
        QVERIFY_THROWS_EXCEPTION(SweepError, best_learning_rates(spec, runs, SweepMetric::TestAccuracy));
    }

    // A tuned experiment trains each rule at its own rate: bp@0.1 beside drtp at the shared 0.001
    // gives bp the curve of a run at lr 0.1; an lr sweep sets every rule's rate, own rates included.
    void a_rules_own_rate_replaces_the_shared_one() {
        Experiment tuned = experiment_on("spiral");
        tuned.training.optimizer.learning_rate = 0.001;
        tuned.training.rules = {parse_rule("bp@0.1"), parse_rule("drtp")};
        Experiment shared = tuned;
        shared.training.optimizer.learning_rate = 0.1;
        shared.training.rules = {parse_rule("bp"), parse_rule("drtp")};
        // The app's live learning rate changes the shared rate only (0: left alone).
        auto history = [](const Experiment& e, const std::string& rule, double live_rate = 0.0) {
            const auto data = std::make_shared<const Dataset>(load_experiment_data(e));
            Comparison comparison(data, training_config_for(e, *data));
            if (live_rate > 0.0) comparison.set_learning_rate(live_rate);
            comparison.run();
            std::vector<EpochMetrics> kept;
            for (const EpochMetrics& m : comparison.history())
                if (m.rule == rule) kept.push_back(m);
            return kept;
        };
        expect_same_history(history(tuned, "bp"), history(shared, "bp"));
        expect_same_history(history(tuned, "bp", 0.5), history(shared, "bp"));
        QVERIFY(history(tuned, "drtp", 0.5).back().test_loss != history(tuned, "drtp").back().test_loss);
        QVERIFY(history(tuned, "drtp").back().test_loss != history(shared, "drtp").back().test_loss);
        const TrainingConfig at_point = sweep_config(tuned.training, lr_sweep(1), 2, 0);
        QCOMPARE(at_point.optimizer.learning_rate, 0.1);
        QVERIFY(!at_point.rules[0].learning_rate);
        const TrainingConfig seeds_only = sweep_config(tuned.training, SweepSpec{}, 0, 1);
        QCOMPARE(seeds_only.rules[0].learning_rate.value_or(0.0), 0.1);
    }

    // Shipped results reproduce: the first run of each friedman1 file, trained again from the file
    // as the sweep trains it, gives the stored numbers bit for bit (the lr sweep once did not: it
    // was made before Adam's square roots were made exact).
    void shipped_runs_reproduce_from_their_files() {
        for (const char* name : {"friedman1-tuned.json", "friedman1-lr-sweep.json"}) {
            const Experiment shipped = load_experiment(std::string(F3_EXPERIMENTS_DIR) + "/" + name, nullptr);
            QVERIFY2(shipped.sweep && !shipped.sweep_runs.empty(), name);
            SweepRunner runner(shipped, *shipped.sweep);
            std::vector<std::size_t> skip;
            for (std::size_t k = 1; k < shipped.sweep->run_count(); ++k) skip.push_back(k);
            const auto fresh = runner.run(1, {}, skip);
            QCOMPARE(fresh.size(), std::size_t{1});
            QCOMPARE(run_index(*shipped.sweep, shipped.sweep_runs.front()), std::size_t{0});
            QVERIFY2(same_results(fresh.front(), shipped.sweep_runs.front()), name);
        }
        const Experiment tuned = load_experiment(std::string(F3_EXPERIMENTS_DIR) + "/friedman1-tuned.json", nullptr);
        QVERIFY(std::any_of(tuned.training.rules.begin(), tuned.training.rules.end(), [](const RuleSpec& r) { return r.learning_rate.has_value(); }));
    }

    // Over seeds, gap closed is the gap closed of the mean errors, never the mean of per-seed ratios:
    // seed 1's baseline nearly ties with BP, and its ratio (stored by hand as the old code did) is -59.
    void gap_closed_over_seeds_is_that_of_the_mean_errors() {
        std::vector<SweepRun> runs(2);
        runs[1].seed_index = 1;
        runs[0].history = {metric("bp", 1, 0.9), metric("drtp", 1, 0.7), metric("f3", 1, 0.8)};
        runs[1].history = {metric("bp", 1, 0.9), metric("drtp", 1, 0.895), metric("f3", 1, 0.6)};
        runs[0].history[2].gap_closed = 0.5;
        runs[1].history[2].gap_closed = -59.0;
        const SeedStatistics gap = seed_statistics(SweepSpec{}, runs, 0, "f3", SweepMetric::GapClosed);
        QCOMPARE(gap.n, 2);
        QVERIFY(gap.note.empty());
        // mean errors: drtp 0.2025, bp 0.1, f3 0.3
        QVERIFY2(std::abs(gap.mean - (0.2025 - 0.3) / (0.2025 - 0.1)) < 1e-9, std::to_string(gap.mean).c_str());
        // Resamples are {0,0} (0.5), {1,1} (undefined, left out) and mixed (the mean's value).
        QVERIFY2(gap.std > 0.0 && gap.std < 1.5, std::to_string(gap.std).c_str());
        const SeedStatistics again = seed_statistics(SweepSpec{}, runs, 0, "f3", SweepMetric::GapClosed);
        QCOMPARE(again.std, gap.std); // the resampling seed is fixed
        QVERIFY(std::abs(seed_statistics(SweepSpec{}, runs, 0, "bp", SweepMetric::GapClosed).mean - 1.0) < 1e-12);

        // The mean baseline beats BP: no value on any seed, and the reason.
        runs[0].history[1].test_accuracy = 0.95;
        const SeedStatistics none = seed_statistics(SweepSpec{}, runs, 0, "f3", SweepMetric::GapClosed);
        QCOMPARE(none.n, 0);
        QVERIFY(std::isnan(none.mean));
        QVERIFY2(none.note.find("below BP's") != std::string::npos, none.note.c_str());

        // Another baseline: the runs say which (files and the runner set it).
        for (auto& run : runs) run.gap_baseline = parse_rule("f3");
        QVERIFY(std::abs(seed_statistics(SweepSpec{}, runs, 0, "f3", SweepMetric::GapClosed).mean) < 1e-12);
        // Without the baseline among the rules: the reason names it.
        for (auto& run : runs) run.gap_baseline = parse_rule("dfa");
        QVERIFY(seed_statistics(SweepSpec{}, runs, 0, "f3", SweepMetric::GapClosed).note.find("dfa") != std::string::npos);
    }

    void f3_variants_are_one_series_under_an_f3_error_sweep() {
        SweepSpec spec;
        spec.axes = {parse_sweep_axis("f3_error=delayed_error,delayed_loss")};
        std::vector<SweepRun> runs(2);
        runs[0].history = {metric("bp", 1, 0.5), metric("f3", 1, 0.6)};
        runs[1].point = 1;
        runs[1].history = {metric("bp", 1, 0.5), metric("f3:delayed_loss", 1, 0.7)};
        QCOMPARE(sweep_rules(spec, runs), (std::vector<std::string>{"bp", "f3"}));
        QCOMPARE(seed_statistics(spec, runs, 1, "f3", SweepMetric::TestAccuracy).mean, 0.7);
        QCOMPARE(sweep_series(spec, "f3:delayed_loss"), std::string("f3"));
        QCOMPARE(sweep_series(spec, "not a rule"), std::string("not a rule")); // hand-edited files
        // Without that axis each variant is its own series.
        QCOMPARE(sweep_series(lr_sweep(1), "f3:delayed_loss"), std::string("f3:delayed_loss"));
    }

    void csv_has_one_row_per_run_rule_and_epoch() {
        SweepSpec spec;
        spec.axes = {parse_sweep_axis("feedback_init=kaiming,binomial")};
        spec.seeds = 2;
        SweepRunner runner(experiment_on("xor"), spec);
        const auto runs = runner.run(2);
        const QStringList lines = QString::fromStdString(sweep_csv(spec, runs)).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 1 + 4 * 3 * 2); // header + runs x rules x epochs
        QVERIFY(lines[0].startsWith("feedback_init,seed,rule,epoch,train_loss,test_loss,test_accuracy"));
        QVERIFY2(lines[1].startsWith("kaiming,7,bp,1,"), qPrintable(lines[1]));
        QVERIFY2(lines.last().startsWith("binomial,8,f3,2,"), qPrintable(lines.last()));
        const int columns = static_cast<int>(lines[0].count(','));
        for (const auto& line : lines) QCOMPARE(static_cast<int>(line.count(',')), columns);
    }

    void sweeps_round_trip_through_the_experiment_file() {
        Experiment experiment;
        experiment.dataset.source = "xor";
        experiment.training = base_config();
        SweepSpec spec;
        spec.axes = {parse_sweep_axis("lr=1e-3:1e-1:log:3"), parse_sweep_axis("f3_error=delayed_loss,delayed_error")};
        spec.seeds = 2;
        experiment.sweep = spec;
        SweepRunner runner(experiment, spec);
        experiment.sweep_runs = runner.run(2, {}, {3, 4, 5, 6, 7, 8, 9, 10, 11});
        QCOMPARE(experiment.sweep_runs.size(), std::size_t{3});
        std::vector<std::string> warnings;
        const Experiment back = parse_experiment(to_json(experiment), "sweep.json", &warnings);
        QVERIFY2(warnings.empty(), warnings.empty() ? "" : warnings[0].c_str());
        QVERIFY(back.sweep.has_value());
        QVERIFY(*back.sweep == spec);
        QCOMPARE(back.sweep_runs.size(), experiment.sweep_runs.size());
        for (std::size_t i = 0; i < back.sweep_runs.size(); ++i) {
            QCOMPARE(back.sweep_runs[i].point, experiment.sweep_runs[i].point);
            QCOMPARE(back.sweep_runs[i].seed, experiment.sweep_runs[i].seed);
            expect_same_history(back.sweep_runs[i].history, experiment.sweep_runs[i].history);
        }
        QVERIFY(!parse_experiment(to_json(Experiment{}), "plain.json", nullptr).sweep.has_value());
        // Divergence and gap closed survive too, and the bound covers what was written.
        experiment.sweep_runs[1].history.back().diverged = true;
        experiment.sweep_runs[1].history.back().message = kDivergedMessage;
        experiment.sweep_runs[1].history.back().test_loss = std::nan("");
        const Experiment again = parse_experiment(to_json(experiment), "sweep.json", nullptr);
        for (std::size_t r = 0; r < again.sweep_runs.size(); ++r)
            for (std::size_t i = 0; i < again.sweep_runs[r].history.size(); ++i) {
                const EpochMetrics &a = again.sweep_runs[r].history[i], &b = experiment.sweep_runs[r].history[i];
                QCOMPARE(a.diverged, b.diverged);
                QCOMPARE(a.message, b.message);
                QVERIFY(a.gap_closed == b.gap_closed || (std::isnan(a.gap_closed) && std::isnan(b.gap_closed)));
            }
        QVERIFY(std::isnan(again.sweep_runs[1].history.back().test_loss));
        Experiment without_runs = experiment;
        without_runs.sweep_runs.clear();
        QVERIFY(to_json(experiment).size() - to_json(without_runs).size() <
                sweep_file_bytes_bound(experiment.sweep_runs.size(), 3, experiment.training.epochs));
        // A run that took no measurable time still reads back (found by fuzz_experiment).
        experiment.sweep_runs[0].seconds = 0.0;
        QCOMPARE(parse_experiment(to_json(experiment), "sweep.json", nullptr).sweep_runs[0].seconds, 0.0);
    }

    void malformed_sweep_sections_are_explained_data() {
        QTest::addColumn<QString>("sweep");
        QTest::addColumn<QString>("message");
        QTest::newRow("not an object") << "3" << "sweep: expected an object";
        QTest::newRow("unknown parameter") << R"({"parameters":[{"name":"speed","values":[1]}]})" << "sweep.parameters[0].name: unknown sweep parameter 'speed'";
        QTest::newRow("no values") << R"({"parameters":[{"name":"lr","values":[]}]})" << "sweep.parameters[0].values: missing or empty";
        QTest::newRow("string lr") << R"({"parameters":[{"name":"lr","values":["fast"]}]})" << "sweep.parameters[0].values[0]: expected a number";
        QTest::newRow("bad name") << R"({"parameters":[{"name":"feedback_init","values":["uniform"]}]})" << "unknown value 'uniform'";
        QTest::newRow("three axes") << R"({"parameters":[{"name":"lr","values":[1]},{"name":"width","values":[1]},{"name":"depth","values":[1]}]})" << "at most two parameters";
        QTest::newRow("twice") << R"({"parameters":[{"name":"lr","values":[1]},{"name":"lr","values":[2]}]})" << "lr is swept twice";
        QTest::newRow("seeds") << R"({"seeds":0})" << "sweep.seeds: 0 is out of range (1 to 1000)";
        QTest::newRow("scale") << R"({"parameters":[{"name":"lr","scale":"cubic","values":[1]}]})" << "sweep.parameters[0].scale: expected \"linear\" or \"log\", found \"cubic\"";
        QTest::newRow("point") << R"({"parameters":[{"name":"lr","values":[1,2]}],"runs":[{"point":2}]})" << "sweep.runs[0].point: 2 is beyond the sweep's 2 points";
        QTest::newRow("seed index") << R"({"seeds":2,"runs":[{"seed_index":2}]})" << "sweep.runs[0].seed_index: 2 is beyond the sweep's 2 seeds";
        QTest::newRow("no column") << R"({"runs":[{"rules":["bp"]}]})" << "sweep.runs[0].train_loss: missing";
        QTest::newRow("column per rule") << R"({"runs":[{"rules":["bp"],"train_loss":[],"test_loss":[],"test_accuracy":[],"test_mse":[],"gap_closed":[]}]})"
                                         << "sweep.runs[0].train_loss: 0 lists for 1 rules";
        QTest::newRow("ragged") << R"({"runs":[{"rules":["bp"],"train_loss":[[1,2]],"test_loss":[[1]],"test_accuracy":[[1,2]],"test_mse":[[1,2]],"gap_closed":[[1,2]]}]})"
                                << "sweep.runs[0].test_loss[0]: 1 epochs where train_loss has 2";
    }
    void malformed_sweep_sections_are_explained() {
        QFETCH(QString, sweep);
        QFETCH(QString, message);
        const std::string text = R"({"format":"f3studio-experiment","version":1,"dataset":{"source":"xor"},"rules":["bp"],"epochs":1,"sweep":)" +
                                 sweep.toStdString() + "}";
        try {
            parse_experiment(text, "bad.json", nullptr);
            QFAIL("accepted");
        } catch (const ExperimentError& e) {
            QVERIFY2(QString(e.what()).contains(message), e.what());
        }
    }
};

QTEST_APPLESS_MAIN(TestSweep)
#include "tst_sweep.moc"
