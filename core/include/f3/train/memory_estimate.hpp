#pragma once
// What training a configuration keeps in memory, estimated from the shapes alone before anything is
// allocated: check_config refuses what exceeds the memory limit (f3/platform/memory.hpp), and a sweep
// what its runs at a time need together (SweepRunner::check_memory). An upper
// bound that stays close to the measured peak (within about 2x), so a run that fits is not refused:
// the published transformer (5 rules, 5000 samples) peaks at 1.1 GiB and is estimated at 1.5 GiB.
#include "f3/data/dataset.hpp"
#include "f3/train/config.hpp"

#include <cstdint>
#include <string>

namespace f3 {

// Bytes, split by who owns them.
struct TrainingMemory {
    double data = 0.0;     // the data set's matrices and labels
    double shared = 0.0;   // one comparison's own: initial network, feedback, the batch, one evaluation
                           // chunk's forward pass, one stage's backward temporaries, per-thread buffers
    double runs = 0.0;     // every rule's network, optimizer state, gradients, batch activations, F3 store
    // One comparison on a data set it does not own.
    double comparison() const { return shared + runs; }
    double total() const { return data + comparison(); }
};

TrainingMemory training_memory(const TrainingConfig& config, const Dataset& data);
// training_memory(...).total() in bytes (saturating).
std::uint64_t training_memory_bytes(const TrainingConfig& config, const Dataset& data);
// "training 5 rules of a 9.66e+05-parameter network on 15000 samples of 784 features and 10
// outputs": what the memory message says is being estimated.
std::string training_sizes(const TrainingConfig& config, const Dataset& data);
// The number of bytes as an unsigned count, saturating instead of overflowing.
std::uint64_t saturated_bytes(double bytes);

} // namespace f3
