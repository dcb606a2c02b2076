#pragma once
// Sweeps split across machines: shard K of N runs every N-th run of the sweep (SweepPart), saves
// them with the sweep's full definition, and the parts are merged back into one sweep file that
// reads like a sweep run on one machine.
#include "f3/io/experiment.hpp"

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace f3 {

// "K/N" with 0 <= K < N (K counts from 0, as Slurm's array indices and `seq 0 N-1`). Throws SweepError.
SweepPart parse_sweep_part(std::string_view text);
std::string part_text(const SweepPart& part); // "K/N"
bool in_part(const SweepPart& part, std::size_t run_index);
// The run indices of `spec` that are not in `part`: SweepRunner::run's `skip` for running the part.
std::vector<std::size_t> runs_outside(const SweepSpec& spec, const SweepPart& part);
std::size_t part_run_count(const SweepSpec& spec, const SweepPart& part);

// True when the run has every one of `epochs` epochs for each of its rules (a diverged rule keeps
// its epochs, so a diverged run is complete: it is a result, not a failure).
bool run_complete(const SweepRun& run, int epochs);
// True when two runs have the same seed and the same history bit for bit (the time they took aside).
bool same_results(const SweepRun& a, const SweepRun& b);

// The first setting (a key path of the file, e.g. "optimizer.learning_rate" or
// "sweep.seeds") in which two sweep files differ, their runs and shard aside; empty when none does.
std::string first_difference(const Experiment& a, const Experiment& b);

class SweepMergeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct SweepMerge {
    Experiment merged;                // the common sweep with every complete run found, and no shard
    std::vector<std::size_t> missing; // run indices that no part holds complete, in order
    std::size_t failed = 0;           // of those, runs held only incomplete (they are run again)
    std::size_t done() const { return merged.sweep_runs.size(); }
};

// Merges files (name, content) holding runs of one sweep: the same experiment and sweep in every
// file, a run found in several files the same in each (its fastest time is kept, so the order of
// the files does not matter). Throws SweepMergeError naming the file and the differing setting or run.
SweepMerge merge_sweep_parts(const std::vector<std::pair<std::string, Experiment>>& parts);

} // namespace f3
