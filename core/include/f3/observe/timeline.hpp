#pragma once
// Update locking, made visible: which op of which layer may run when, per training step.
//
// Each layer is a worker that runs its own ops in order; an op starts when its worker is free and
// its inputs exist. Ops: F forward, P projection E·B_i, K backward (sends the signal to the layer
// below), U weight gradient and update; S is F3's buffer write, on its own lane off the layers.
// Dependencies follow algorithms.md. Costs come from a function, so the same schedule is drawn on a
// logical clock (multiply-adds) and on measured op durations.
#include "f3/train/config.hpp"

#include <functional>
#include <string>
#include <vector>

namespace f3 {

enum class OpKind { Forward, Projection, Backward, Update, Store };
const char* op_name(OpKind kind); // "forward", "projection", "backward", "update", "store"

struct TimelineOp {
    int step = 0;   // 0 = the sampled step, 1 = the next one, ...
    int layer = 1;  // 1..L+1 (L+1 is the output layer); L+2 is F3's buffer lane
    OpKind kind = OpKind::Forward;
    double start = 0.0, end = 0.0;
};

struct Timeline {
    std::vector<TimelineOp> ops;
    double makespan = 0.0;          // end of the last op over all simulated steps
    std::vector<double> waiting;    // per layer 1..L+1 (index layer-1): idle time within [0, makespan]
};

using OpCost = std::function<double(int layer, OpKind kind)>;

// Schedules `steps` consecutive training steps of a network with `hidden` hidden layers.
Timeline schedule_steps(Algorithm algorithm, int hidden, const OpCost& cost, int steps = 1);
// Length of one step's critical path (the makespan of a single step).
double critical_path(Algorithm algorithm, int hidden, const OpCost& cost);
// Cost on the logical clock: multiply-adds of each op for layer widths n_0..n_{L+1} and a batch.
OpCost multiply_add_cost(const std::vector<int>& widths, int batch);
// True when nothing layer 1 does in a step depends on the output layer of that step, so layer 1 may
// take the next batch while the output layer still works on this one (no update locking). Decided
// from the dependencies, not from costs: with a wide first layer it may still be the slowest.
bool pipelines_next_batch(Algorithm algorithm, int hidden);

} // namespace f3
