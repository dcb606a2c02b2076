// Sweeps split into shards and merged back: the round-robin partition, shards whose runs equal the
// whole sweep's bit for bit, and merging (same sweep required, overlaps identical, missing and
// incomplete runs reported, order independent, idempotent).
#include "f3/io/experiment.hpp"
#include "f3/io/names.hpp"
#include "f3/train/sweep_parts.hpp"
#include "f3/train/sweep_runner.hpp"

#include <QtTest>

#include <algorithm>
#include <cstring>
#include <set>

using namespace f3;

namespace {

Experiment lr_sweep_experiment(int seeds) {
    Experiment e;
    e.dataset.source = "moons";
    e.dataset.toy.size = 200;
    e.training.hidden = {{8, Activation::Tanh}};
    e.training.rules = {parse_rule("bp"), parse_rule("drtp"), parse_rule("f3")};
    e.training.batch_size = 20;
    e.training.epochs = 2;
    e.training.seed = 3;
    SweepSpec spec;
    spec.axes = {parse_sweep_axis("lr=1e-3:1e-1:log:3")};
    spec.seeds = seeds;
    e.sweep = spec;
    return e;
}

// The file a shard saves: the sweep with the part's runs, written and read back.
Experiment part_file(const Experiment& sweep, const SweepPart& part, const std::vector<SweepRun>& all_runs) {
    Experiment e = sweep;
    e.sweep_part = part;
    for (const SweepRun& run : all_runs)
        if (in_part(part, run_index(*sweep.sweep, run))) e.sweep_runs.push_back(run);
    return parse_experiment(to_json(e), "part.json", nullptr);
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void expect_identical_runs(const std::vector<SweepRun>& a, const std::vector<SweepRun>& b) {
    QCOMPARE(a.size(), b.size());
    for (std::size_t r = 0; r < a.size(); ++r) {
        QCOMPARE(a[r].point, b[r].point);
        QCOMPARE(a[r].seed_index, b[r].seed_index);
        QCOMPARE(a[r].seed, b[r].seed);
        QCOMPARE(a[r].history.size(), b[r].history.size());
        for (std::size_t i = 0; i < a[r].history.size(); ++i) {
            const EpochMetrics &x = a[r].history[i], &y = b[r].history[i];
            QCOMPARE(x.rule, y.rule);
            QCOMPARE(x.epoch, y.epoch);
            QVERIFY(same_bits(x.train_loss, y.train_loss) && same_bits(x.test_loss, y.test_loss));
            QVERIFY(same_bits(x.test_accuracy, y.test_accuracy) && same_bits(x.gap_closed, y.gap_closed));
        }
    }
}

std::string merge_error(const std::vector<std::pair<std::string, Experiment>>& parts) {
    try {
        merge_sweep_parts(parts);
    } catch (const SweepMergeError& e) {
        return e.what();
    }
    return "(merged)";
}

} // namespace

class TestSweepParts : public QObject {
    Q_OBJECT
private slots:
    void shards_are_written_k_of_n() {
        QVERIFY(parse_sweep_part("0/4") == (SweepPart{0, 4}));
        QVERIFY(parse_sweep_part("3/4") == (SweepPart{3, 4}));
        QCOMPARE(part_text(SweepPart{2, 5}), std::string("2/5"));
        for (const char* bad : {"4/4", "-1/4", "1", "a/4", "1/0", "1/4/2", "", "1/"})
            QVERIFY_THROWS_EXCEPTION(SweepError, parse_sweep_part(bad));
        try {
            parse_sweep_part("4/4");
        } catch (const SweepError& e) {
            QVERIFY2(std::string(e.what()).find("K counts from 0 to N-1 (3)") != std::string::npos, e.what());
        }
    }

    // Round robin over the runs: every run in exactly one shard, shard sizes differing by one at most.
    void shards_partition_the_runs_evenly() {
        SweepSpec spec;
        spec.axes = {parse_sweep_axis("width=1:7")};
        spec.seeds = 3; // 21 runs
        for (int count : {1, 2, 4, 5, 21, 30}) {
            std::multiset<std::size_t> seen;
            std::size_t smallest = spec.run_count(), largest = 0;
            for (int k = 0; k < count; ++k) {
                const SweepPart part{k, count};
                const auto outside = runs_outside(spec, part);
                std::size_t inside = 0;
                for (std::size_t i = 0; i < spec.run_count(); ++i)
                    if (std::find(outside.begin(), outside.end(), i) == outside.end()) {
                        seen.insert(i);
                        ++inside;
                        QVERIFY(in_part(part, i));
                    }
                QCOMPARE(part_run_count(spec, part), inside);
                smallest = std::min(smallest, inside);
                largest = std::max(largest, inside);
            }
            QCOMPARE(seen.size(), spec.run_count());
            QCOMPARE(std::set<std::size_t>(seen.begin(), seen.end()).size(), spec.run_count());
            QVERIFY(largest - smallest <= 1);
        }
    }

    // Shards run separately (each its own SweepRunner, as on separate machines) give the runs of
    // the whole sweep bit for bit, and merge back into it whatever the order of the files.
    void shards_merge_back_into_the_whole_sweep() {
        const Experiment experiment = lr_sweep_experiment(2);
        const SweepSpec spec = *experiment.sweep;
        const auto whole = SweepRunner(experiment, spec).run(2);
        QCOMPARE(whole.size(), spec.run_count());
        std::vector<std::pair<std::string, Experiment>> parts;
        for (int k = 0; k < 4; ++k) {
            const SweepPart part{k, 4};
            SweepRunner runner(experiment, spec);
            Experiment file = experiment;
            file.sweep_part = part;
            file.sweep_runs = runner.run(1, {}, runs_outside(spec, part));
            QCOMPARE(file.sweep_runs.size(), part_run_count(spec, part));
            parts.emplace_back("part-" + std::to_string(k) + ".json", parse_experiment(to_json(file), "part.json", nullptr));
            QVERIFY(parts.back().second.sweep_part == part);
        }
        const SweepMerge merged = merge_sweep_parts(parts);
        QVERIFY(merged.missing.empty());
        QCOMPARE(merged.failed, std::size_t{0});
        QVERIFY(!merged.merged.sweep_part);
        expect_identical_runs(merged.merged.sweep_runs, whole);

        std::reverse(parts.begin(), parts.end());
        std::swap(parts[0], parts[2]);
        const std::string text = to_json(merge_sweep_parts(parts).merged);
        QCOMPARE(text, to_json(merged.merged));
        // Idempotent: the merged file merged again, alone or with a part it already has.
        QCOMPARE(to_json(merge_sweep_parts({{"all.json", merged.merged}}).merged), text);
        QCOMPARE(to_json(merge_sweep_parts({{"all.json", merged.merged}, parts[1]}).merged), text);
        // A file of the merged sweep reads back as one from one machine.
        const Experiment back = parse_experiment(text, "all.json", nullptr);
        QVERIFY(!back.sweep_part);
        QVERIFY(*back.sweep == spec);
        expect_identical_runs(back.sweep_runs, whole);
    }

    void missing_runs_are_reported_and_the_same_run_keeps_its_fastest_time() {
        const Experiment experiment = lr_sweep_experiment(2);
        const SweepSpec spec = *experiment.sweep;
        auto runs = SweepRunner(experiment, spec).run(2);
        const SweepMerge two_of_three = merge_sweep_parts({{"a", part_file(experiment, {0, 3}, runs)}, {"c", part_file(experiment, {2, 3}, runs)}});
        QCOMPARE(two_of_three.missing, (std::vector<std::size_t>{1, 4}));
        QCOMPARE(two_of_three.done(), std::size_t{4});
        QCOMPARE(two_of_three.failed, std::size_t{0});

        Experiment slower = part_file(experiment, {0, 3}, runs), faster = slower;
        for (auto& run : slower.sweep_runs) run.seconds = 9.0;
        for (auto& run : faster.sweep_runs) run.seconds = 1.0;
        for (const auto& order : {std::vector<std::pair<std::string, Experiment>>{{"s", slower}, {"f", faster}}, {{"f", faster}, {"s", slower}}})
            for (const auto& run : merge_sweep_parts(order).merged.sweep_runs) QCOMPARE(run.seconds, 1.0);
    }

    void diverged_runs_are_results_and_incomplete_runs_failures() {
        const Experiment experiment = lr_sweep_experiment(1);
        auto runs = SweepRunner(experiment, *experiment.sweep).run(2);
        for (auto& m : runs[0].history)
            if (m.rule == "f3") {
                m.diverged = true;
                m.message = kDivergedMessage;
                m.test_loss = m.train_loss = std::nan("");
            }
        runs[1].history.pop_back(); // the last epoch of the last rule lost: not a result
        Experiment file = experiment;
        file.sweep_runs = runs;
        const SweepMerge merged = merge_sweep_parts({{"sweep.json", parse_experiment(to_json(file), "sweep.json", nullptr)}});
        QCOMPARE(merged.done(), std::size_t{2});
        QCOMPARE(merged.failed, std::size_t{1});
        QCOMPARE(merged.missing, (std::vector<std::size_t>{1}));
        QVERIFY(run_complete(runs[0], 2));
        QVERIFY(!run_complete(runs[1], 2));
        QVERIFY(!run_complete(SweepRun{}, 2));
    }

    void parts_of_other_sweeps_are_refused_naming_the_setting() {
        const Experiment experiment = lr_sweep_experiment(2);
        const auto runs = SweepRunner(experiment, *experiment.sweep).run(2);
        const Experiment a = part_file(experiment, {0, 2}, runs);
        Experiment other_lr_base = part_file(experiment, {1, 2}, runs);
        other_lr_base.training.batch_size = 25;
        QCOMPARE(merge_error({{"a.json", a}, {"b.json", other_lr_base}}),
                 std::string("b.json: not a part of the same sweep as a.json: batch_size differs"));
        Experiment more_seeds = a;
        more_seeds.sweep->seeds = 3;
        QVERIFY2(merge_error({{"a.json", a}, {"b.json", more_seeds}}).find("sweep.seeds differs") != std::string::npos,
                 merge_error({{"a.json", a}, {"b.json", more_seeds}}).c_str());
        Experiment other_values = a;
        other_values.sweep->axes[0].values[2] = 0.2;
        QVERIFY(merge_error({{"a.json", a}, {"b.json", other_values}}).find("sweep.parameters[0].values[2] differs") != std::string::npos);
        Experiment no_sweep = a;
        no_sweep.sweep.reset();
        QCOMPARE(merge_error({{"a.json", a}, {"plain.json", no_sweep}}), std::string("plain.json: not a sweep file (it has no \"sweep\")"));
        QCOMPARE(merge_error({}), std::string("no files to merge"));
        QCOMPARE(first_difference(a, part_file(experiment, {1, 2}, runs)), std::string());

        // The same run with other results: the files are not of one sweep, whatever they claim.
        Experiment tampered = a;
        tampered.sweep_runs[1].history[0].test_accuracy += 1e-12;
        QVERIFY2(merge_error({{"a.json", a}, {"t.json", tampered}}).find("run 2 (lr=0.01, seed index 0) has different results in a.json and t.json") !=
                     std::string::npos,
                 merge_error({{"a.json", a}, {"t.json", tampered}}).c_str());
    }

    void the_part_is_kept_in_the_file_and_checked() {
        Experiment e = lr_sweep_experiment(2);
        e.sweep_part = SweepPart{1, 4};
        QVERIFY(parse_experiment(to_json(e), "part.json", nullptr).sweep_part == e.sweep_part);
        std::string text = to_json(e);
        const auto at = text.find("\"index\": 1");
        QVERIFY(at != std::string::npos);
        text.replace(at, 10, "\"index\": 4");
        try {
            parse_experiment(text, "part.json", nullptr);
            QFAIL("a shard index beyond the count was accepted");
        } catch (const ExperimentError& error) {
            QCOMPARE(std::string(error.what()), std::string("part.json: sweep.part.index: 4 is not below count 4"));
        }
    }
};

QTEST_APPLESS_MAIN(TestSweepParts)
#include "tst_sweep_parts.moc"
