#include "f3/observe/timeline.hpp"

#include <algorithm>
#include <map>
#include <utility>

namespace f3 {
namespace {

struct PlannedOp {
    int layer;
    OpKind kind;
    std::vector<std::pair<int, OpKind>> inputs; // ops of the same step this one waits for
};

// One step's ops in an order where every input comes before its user.
std::vector<PlannedOp> plan_step(const RuleTraits& rule, int hidden) {
    using Input = std::vector<std::pair<int, OpKind>>;
    const int out = hidden + 1;
    std::vector<PlannedOp> ops;
    for (int i = 1; i <= out; ++i) ops.push_back({i, OpKind::Forward, i > 1 ? Input{{i - 1, OpKind::Forward}} : Input{}});
    if (!rule.trains_hidden || hidden == 0) {
        ops.push_back({out, OpKind::Update, {{out, OpKind::Forward}}});
    } else if (rule.chains_backward) {
        // Stage i can only learn once the error has come back down through every stage above it.
        for (int i = out; i >= 1; --i) {
            const std::pair<int, OpKind> signal = i == out ? std::pair{out, OpKind::Forward} : std::pair{i + 1, OpKind::Backward};
            if (i >= 2) ops.push_back({i, OpKind::Backward, {signal}});
            ops.push_back({i, OpKind::Update, {signal}});
        }
    } else if (!rule.error_before_step) {
        // Every stage waits for the output error of this step, then all project in parallel.
        ops.push_back({out, OpKind::Update, {{out, OpKind::Forward}}});
        for (int i = 1; i <= hidden; ++i) {
            ops.push_back({i, OpKind::Projection, {{out, OpKind::Forward}}});
            ops.push_back({i, OpKind::Update, {{i, OpKind::Projection}}});
        }
    } else {
        // E is known before the step (target or stored error): a stage updates right after its forward.
        for (int i = 1; i <= hidden; ++i) {
            ops.push_back({i, OpKind::Projection, {}});
            ops.push_back({i, OpKind::Update, {{i, OpKind::Forward}, {i, OpKind::Projection}}});
        }
        ops.push_back({out, OpKind::Update, {{out, OpKind::Forward}}});
    }
    if (rule.stores_error) ops.push_back({out + 1, OpKind::Store, {{out, OpKind::Forward}}});
    return ops;
}

} // namespace

const char* op_name(OpKind kind) {
    switch (kind) {
    case OpKind::Forward: return "forward";
    case OpKind::Projection: return "projection";
    case OpKind::Backward: return "backward";
    case OpKind::Update: return "update";
    case OpKind::Store: return "store";
    }
    return "?";
}

Timeline schedule_steps(const RuleTraits& rule, int hidden, const OpCost& cost, int steps) {
    const std::vector<PlannedOp> plan = plan_step(rule, hidden);
    const int lanes = hidden + 2;
    std::vector<double> lane_free(static_cast<std::size_t>(lanes + 1), 0.0), busy(static_cast<std::size_t>(lanes + 1), 0.0);
    Timeline timeline;
    for (int step = 0; step < steps; ++step) {
        std::map<std::pair<int, OpKind>, double> finished;
        for (const PlannedOp& op : plan) {
            double start = lane_free[static_cast<std::size_t>(op.layer)];
            for (const auto& input : op.inputs) start = std::max(start, finished.at(input));
            const double end = start + cost(op.layer, op.kind);
            finished[{op.layer, op.kind}] = end;
            lane_free[static_cast<std::size_t>(op.layer)] = end;
            busy[static_cast<std::size_t>(op.layer)] += end - start;
            timeline.ops.push_back({step, op.layer, op.kind, start, end});
            timeline.makespan = std::max(timeline.makespan, end);
        }
    }
    for (int layer = 1; layer <= hidden + 1; ++layer)
        timeline.waiting.push_back(timeline.makespan - busy[static_cast<std::size_t>(layer)]);
    return timeline;
}

double critical_path(const RuleTraits& rule, int hidden, const OpCost& cost) {
    return schedule_steps(rule, hidden, cost, 1).makespan;
}

OpCost multiply_add_cost(const Network& network, Index batch) {
    std::vector<StageCost> stages;
    for (int s = 0; s < network.stage_count(); ++s) stages.push_back(network.stage(s).cost(batch));
    const double n = static_cast<double>(batch), classes = network.outputs();
    std::vector<int> widths = network.widths();
    return [stages, widths, n, classes](int lane, OpKind kind) -> double {
        if (kind == OpKind::Store) return n * classes;
        const StageCost& c = stages.at(static_cast<std::size_t>(lane - 1));
        switch (kind) {
        case OpKind::Forward: return c.forward;
        case OpKind::Projection: return n * classes * widths.at(static_cast<std::size_t>(lane));
        case OpKind::Backward: return c.input_signal;
        case OpKind::Update: return c.update;
        case OpKind::Store: break;
        }
        return 0.0;
    };
}

bool pipelines_next_batch(const RuleTraits& rule, int hidden) {
    const std::vector<PlannedOp> plan = plan_step(rule, hidden);
    // Walk back from layer 1's ops through their inputs and the earlier ops on the same worker.
    std::vector<bool> seen(plan.size(), false);
    std::vector<std::size_t> todo;
    for (std::size_t k = 0; k < plan.size(); ++k)
        if (plan[k].layer == 1) todo.push_back(k);
    while (!todo.empty()) {
        const std::size_t k = todo.back();
        todo.pop_back();
        if (seen[k]) continue;
        seen[k] = true;
        if (plan[k].layer == hidden + 1) return false;
        for (std::size_t j = 0; j < k; ++j) {
            const bool same_worker = plan[j].layer == plan[k].layer;
            const bool is_input = std::find(plan[k].inputs.begin(), plan[k].inputs.end(),
                                            std::pair{plan[j].layer, plan[j].kind}) != plan[k].inputs.end();
            if (same_worker || is_input) todo.push_back(j);
        }
    }
    return true;
}

} // namespace f3
