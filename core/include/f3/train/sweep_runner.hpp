#pragma once
// Runs a sweep of an experiment on a pool of threads. Each (point, seed) is an independent run --
// its own Comparison on one thread, sharing only read-only data -- so a sweep spreads over all
// cores, gives the same numbers whatever the number of jobs, and the same numbers as training
// that run's experiment (sweep_experiment) alone.
#include "f3/io/experiment.hpp"
#include "f3/train/sweep.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace f3 {

// The experiment of one run: `base` at `point`, with seed index k added to both its training seed
// and its data seed (a toy set's draw, a CSV file's split), as --seed sets both. Without a sweep.
Experiment sweep_experiment(const Experiment& base, const SweepSpec& spec, std::size_t point, int seed_index);

// The experiment of a finished sweep over lr with each rule at its rate in `rates`
// (best_learning_rates), as one configuration: without the sweep, its runs and any recorded curves.
// Throws SweepError for a rule of the experiment that `rates` lacks.
Experiment tuned_experiment(const Experiment& sweep_file, const std::vector<BestRate>& rates);

// True when `a` and `b` train the same runs: equal but for name, description, recorded results,
// sweep, thread count and the watching instruments (not the gap baseline). A sweep's stored runs
// are reused only for the same settings.
bool same_training_settings(const Experiment& a, const Experiment& b);
// The settings that make `a` and `b` train different runs, as experiment-file keys ("epochs",
// "optimizer.learning_rate"); empty when same_training_settings.
std::vector<std::string> changed_training_settings(const Experiment& a, const Experiment& b);

// What a sweep keeps of runs made before, and so what is left to run.
struct SweepResume {
    std::vector<SweepRun> kept;     // the stored runs that are also runs of the new sweep, renumbered for it
    std::vector<std::size_t> skip;  // their run_index in the new sweep: SweepRunner::run's `skip`
    std::size_t discarded = 0;      // stored runs left out: made with other settings, or not runs of the new sweep
    std::vector<std::string> changed; // the settings that differ (changed_training_settings); then none is kept
};

// Plans running sweep `spec` of `settings` when `stored` are runs of sweep `stored_spec` made with
// `stored_settings`: with the same training settings, the runs that the new sweep also has are
// kept (runs_kept_for: more seeds or values cost only the new runs); with other settings none is.
SweepResume plan_sweep_resume(const Experiment& stored_settings, const SweepSpec& stored_spec, const std::vector<SweepRun>& stored,
                              const Experiment& settings, const SweepSpec& spec);
// What a resume leaves out of the `stored` runs, in words ("2 of 21 stored sweep runs were made with
// other settings (epochs)"); empty when it keeps them all. The CLI and the app say it alike.
std::string left_out_runs_text(const SweepResume& resume, std::size_t stored);

class SweepRunner {
public:
    // Loads the data and checks every point (throws DataError, or SweepError listing the problems
    // check_sweep finds).
    SweepRunner(Experiment base, SweepSpec spec);

    // Runs every (point, seed) whose index (point * seeds + seed_index) is not in `skip` on `jobs`
    // threads (at least 1), seed by seed: every point gets its first seed before any gets a second,
    // so a partial sweep already covers the grid. `on_run` sees each run as it finishes, from the
    // worker threads but never two at once. Returns the runs finished by this call in index order;
    // after cancel(), those that finished before it (a run cut short is dropped).
    std::vector<SweepRun> run(int jobs, const std::function<void(const SweepRun&)>& on_run = {},
                              const std::vector<std::size_t>& skip = {});
    // Throws SweepError when `jobs` runs at a time (at most one per run) would need more memory
    // than the limit (f3/platform/memory.hpp): each holds the largest point's comparison. run()
    // checks it before it starts any.
    void check_memory(int jobs) const;
    void cancel() { cancelled_ = true; }
    bool cancelled() const { return cancelled_; }
    // Share of the batches of this run() trained so far, 0 to 1.
    double progress() const;
    std::size_t finished_runs() const { return finished_; }

    const Experiment& base() const { return base_; }
    Task task() const { return base_data_->task; }
    const SweepSpec& spec() const { return spec_; }

private:
    std::shared_ptr<const Dataset> data_for(const Experiment& run);

    Experiment base_;
    SweepSpec spec_;
    std::shared_ptr<const Dataset> base_data_;
    // Data sets that depend on the seed, one per data seed while some run still uses it.
    std::mutex data_mutex_;
    std::map<std::uint64_t, std::weak_ptr<const Dataset>> data_by_seed_;
    std::atomic<std::int64_t> total_batches_{0}, done_batches_{0};
    std::atomic<std::size_t> finished_{0};
    std::atomic<bool> cancelled_{false};
};

} // namespace f3
