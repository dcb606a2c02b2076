#pragma once
// Update locking, made visible: which op of which layer may run when, per training step.
//
// Each stage is a worker that runs its own ops in order; an op starts when its worker is free and
// its inputs exist. Ops: F forward, P projection E·B_i, K backward (sends the signal to the stage
// below), U weight gradient and update; S is F3's buffer write, on its own lane off the stages.
// Dependencies follow algorithms.md and come from the rule's traits. Costs come from a function, so
// the same schedule is drawn on a logical clock (multiply-adds) and on measured op durations.
#include "f3/observe/op_timer.hpp"
#include "f3/rules/rule.hpp"

#include <functional>
#include <string>
#include <vector>

namespace f3 {

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

// Schedules `steps` consecutive training steps of a rule on a network with `hidden` hidden stages.
Timeline schedule_steps(const RuleTraits& rule, int hidden, const OpCost& cost, int steps = 1);
// Length of one step's critical path (the makespan of a single step).
double critical_path(const RuleTraits& rule, int hidden, const OpCost& cost);
// Cost on the logical clock: each stage's multiply-adds (Stage::cost) for a batch; projections
// E·B_s and F3's buffer write are sized by the outputs.
OpCost multiply_add_cost(const Network& network, Index batch);
// True when nothing stage 1 does in a step depends on the output stage of that step, so stage 1 may
// take the next batch while the output stage still works on this one (no update locking). Decided
// from the dependencies, not from costs: with a wide first stage it may still be the slowest.
bool pipelines_next_batch(const RuleTraits& rule, int hidden);

} // namespace f3
