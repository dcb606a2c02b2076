#include "f3/train/sweep_runner.hpp"

#include "f3/io/json.hpp"
#include "f3/io/names.hpp"
#include "f3/platform/memory.hpp"
#include "f3/platform/threads.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <optional>
#include <set>
#include <system_error>

namespace f3 {

Experiment sweep_experiment(const Experiment& base, const SweepSpec& spec, std::size_t point, int seed_index) {
    Experiment e = base;
    e.training = sweep_config(base.training, spec, point, seed_index);
    e.dataset.toy.seed = base.dataset.toy.seed + static_cast<std::uint64_t>(seed_index);
    e.recorded_metrics.clear();
    e.sweep.reset();
    e.sweep_runs.clear();
    return e;
}

Experiment tuned_experiment(const Experiment& sweep_file, const std::vector<BestRate>& rates) {
    Experiment e = sweep_file;
    e.sweep.reset();
    e.sweep_runs.clear();
    e.sweep_part.reset();
    e.recorded_metrics.clear();
    for (RuleSpec& rule : e.training.rules) {
        const std::string label = to_string(rule);
        const auto it = std::find_if(rates.begin(), rates.end(), [&](const BestRate& r) { return r.rule == label; });
        if (it == rates.end()) throw SweepError("rule '" + label + "' has no learning rate picked from the sweep");
        rule.learning_rate = it->learning_rate;
    }
    return e;
}

namespace {

// What decides a run's numbers, as the experiment file writes it.
json::Value training_settings(Experiment e) {
    e.name.clear();
    e.description.clear();
    e.recorded_metrics.clear();
    e.sweep.reset();
    e.sweep_runs.clear();
    e.training.threads = 1;
    // Instruments only watch (instrumented and plain runs train identically); the gap
    // baseline does change the results.
    const RuleSpec baseline = e.instruments.gap_baseline;
    e.instruments = InstrumentOptions{};
    e.instruments.gap_baseline = baseline;
    return json::parse(to_json(e));
}

} // namespace

std::vector<std::string> changed_training_settings(const Experiment& a, const Experiment& b) {
    return json::differing_paths(training_settings(a), training_settings(b));
}

bool same_training_settings(const Experiment& a, const Experiment& b) { return changed_training_settings(a, b).empty(); }

SweepResume plan_sweep_resume(const Experiment& stored_settings, const SweepSpec& stored_spec, const std::vector<SweepRun>& stored,
                              const Experiment& settings, const SweepSpec& spec) {
    SweepResume resume;
    if (stored.empty()) return resume;
    resume.changed = changed_training_settings(stored_settings, settings);
    if (resume.changed.empty()) resume.kept = runs_kept_for(stored_spec, stored, spec);
    for (const SweepRun& run : resume.kept) resume.skip.push_back(run_index(spec, run));
    resume.discarded = stored.size() - resume.kept.size();
    return resume;
}

std::string left_out_runs_text(const SweepResume& resume, std::size_t stored) {
    if (resume.discarded == 0) return {};
    std::string why = "are not part of the new sweep";
    if (!resume.changed.empty()) {
        why = "were made with other settings (";
        for (std::size_t i = 0; i < resume.changed.size(); ++i) why += (i ? ", " : "") + resume.changed[i];
        why += ")";
    }
    return std::to_string(resume.discarded) + " of " + std::to_string(stored) + " stored sweep runs " + why;
}

SweepRunner::SweepRunner(Experiment base, SweepSpec spec) : base_(std::move(base)), spec_(std::move(spec)) {
    base_.sweep.reset();
    base_.sweep_runs.clear();
    base_data_ = std::make_shared<const Dataset>(load_experiment_data(base_));
    if (const auto problems = check_sweep(spec_, training_config_for(base_, *base_data_), *base_data_); !problems.empty()) {
        std::string text;
        for (const auto& p : problems) text += (text.empty() ? "" : "; ") + p;
        throw SweepError(text);
    }
}

std::shared_ptr<const Dataset> SweepRunner::data_for(const Experiment& run) {
    if (!depends_on_seed(run.dataset) || run.dataset.toy.seed == base_.dataset.toy.seed) return base_data_;
    const std::lock_guard lock(data_mutex_);
    std::weak_ptr<const Dataset>& cached = data_by_seed_[run.dataset.toy.seed];
    if (auto data = cached.lock()) return data;
    auto data = std::make_shared<const Dataset>(load_experiment_data(run));
    cached = data;
    return data;
}

void SweepRunner::check_memory(int jobs) const {
    const std::size_t runs = std::clamp<std::size_t>(static_cast<std::size_t>(std::max(1, jobs)), 1, std::max<std::size_t>(1, spec_.run_count()));
    const TrainingConfig base = training_config_for(base_, *base_data_);
    auto comparison_bytes = [&](std::size_t point) { return training_memory(sweep_config(base, spec_, point, 0), *base_data_).comparison(); };
    std::size_t largest = 0;
    double most = comparison_bytes(0);
    for (std::size_t p = 1; p < spec_.point_count(); ++p)
        if (const double bytes = comparison_bytes(p); bytes > most) {
            largest = p;
            most = bytes;
        }
    const TrainingConfig config = sweep_config(base, spec_, largest, 0);
    const TrainingMemory memory = training_memory(config, *base_data_);
    // The data is shared, but a data set drawn per seed is held once for each seed being trained.
    const std::size_t data_sets = depends_on_seed(base_.dataset) ? 1 + std::min(runs, static_cast<std::size_t>(spec_.seeds)) : 1;
    const double bytes = static_cast<double>(data_sets) * memory.data + static_cast<double>(runs) * memory.comparison();
    const std::string what = std::to_string(runs) + " sweep runs at a time (jobs), the largest " + training_sizes(config, *base_data_) + ",";
    if (const std::string problem = memory_problem(saturated_bytes(bytes), what); !problem.empty())
        throw SweepError(problem + "; train fewer runs at a time");
}

double SweepRunner::progress() const {
    const std::int64_t total = total_batches_;
    return total > 0 ? std::min(1.0, static_cast<double>(done_batches_) / static_cast<double>(total)) : 0.0;
}

namespace {

// Counts batches for progress() and stops a run when the sweep is cancelled.
class SweepRunObserver final : public TrainingObserver {
public:
    SweepRunObserver(std::atomic<std::int64_t>& batches, const std::atomic<bool>& cancelled) : batches_(batches), cancelled_(cancelled) {}
    void on_batch(const BatchReport&) override { batches_.fetch_add(1, std::memory_order_relaxed); }
    bool stop_requested() override { return cancelled_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::int64_t>& batches_;
    const std::atomic<bool>& cancelled_;
};

} // namespace

std::vector<SweepRun> SweepRunner::run(int jobs, const std::function<void(const SweepRun&)>& on_run, const std::vector<std::size_t>& skip) {
    const std::size_t seeds = static_cast<std::size_t>(spec_.seeds), points = spec_.point_count();
    const std::set<std::size_t> skipped(skip.begin(), skip.end());
    std::vector<std::size_t> todo; // run indices in the order they start: seed by seed
    std::int64_t total = 0;
    const Index train = base_data_->train_size();
    for (std::size_t k = 0; k < seeds; ++k)
        for (std::size_t p = 0; p < points; ++p) {
            const std::size_t index = p * seeds + k;
            if (skipped.count(index)) continue;
            todo.push_back(index);
            const int batch = sweep_config(base_.training, spec_, p, 0).batch_size;
            total += static_cast<std::int64_t>(base_.training.epochs) * ((train + batch - 1) / batch);
        }
    total_batches_ = total;
    done_batches_ = 0;

    std::vector<std::optional<SweepRun>> results(seeds * points);
    std::atomic<std::size_t> next{0};
    std::mutex report_mutex;
    std::exception_ptr error;
    std::atomic<bool> failed{false};
    auto work = [&] {
        SweepRunObserver observer(done_batches_, cancelled_);
        while (!cancelled_ && !failed) {
            const std::size_t k = next.fetch_add(1);
            if (k >= todo.size()) return;
            const std::size_t index = todo[k];
            try {
                SweepRun run;
                run.point = index / seeds;
                run.seed_index = static_cast<int>(index % seeds);
                const auto start = std::chrono::steady_clock::now();
                const Experiment experiment = sweep_experiment(base_, spec_, run.point, run.seed_index);
                run.seed = experiment.training.seed;
                run.gap_baseline = base_.instruments.gap_baseline;
                const auto data = data_for(experiment);
                Comparison comparison(data, training_config_for(experiment, *data));
                InstrumentOptions instruments; // off: a sweep compares final metrics
                instruments.gap_baseline = base_.instruments.gap_baseline;
                comparison.set_instruments(instruments);
                if (!comparison.run(&observer)) continue; // cancelled mid-run
                run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                run.history = comparison.history();
                const std::lock_guard lock(report_mutex);
                if (on_run) on_run(run);
                results[index] = std::move(run);
                ++finished_;
            } catch (...) {
                const std::lock_guard lock(report_mutex);
                if (!error) error = std::current_exception();
                failed = true;
            }
        }
    };
    const std::size_t threads = std::clamp<std::size_t>(static_cast<std::size_t>(std::max(1, jobs)), 1, std::max<std::size_t>(1, todo.size()));
    check_memory(static_cast<int>(threads));
    try {
        run_on_threads(threads, work);
    } catch (const std::system_error& e) {
        throw SweepError("could not start the sweep's " + std::to_string(threads) + " threads (" + e.what() +
                         "): the system refused one (process or memory limits); train fewer runs at a time");
    }
    if (error) std::rethrow_exception(error);

    std::vector<SweepRun> finished;
    for (auto& result : results)
        if (result) finished.push_back(std::move(*result));
    return finished;
}

} // namespace f3
