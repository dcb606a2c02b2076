#pragma once
// Measured durations of one training step's ops, for the update timeline. Depends on nothing, so
// the numeric code can time itself without knowing about instruments or timelines.
#include <chrono>
#include <vector>

namespace f3 {

// F forward, P projection E·B_i, K backward (sends the signal to the stage below), U weight gradient
// and update, S F3's buffer write.
enum class OpKind { Forward, Projection, Backward, Update, Store };
const char* op_name(OpKind kind); // "forward", "projection", "backward", "update", "store"

// Measured duration of each op of one real step (the hot path records them only when asked).
class OpDurations {
public:
    struct Entry {
        int lane;       // 1..stages for the stages; stages + 1 is F3's buffer lane
        OpKind kind;
        double seconds;
    };
    void add(int lane, OpKind kind, double seconds) {
        for (auto& e : entries_)
            if (e.lane == lane && e.kind == kind) {
                e.seconds += seconds;
                return;
            }
        entries_.push_back({lane, kind, seconds});
    }
    double seconds(int lane, OpKind kind) const {
        for (const auto& e : entries_)
            if (e.lane == lane && e.kind == kind) return e.seconds;
        return 0.0;
    }
    void clear() { entries_.clear(); }
    const std::vector<Entry>& entries() const { return entries_; }

private:
    std::vector<Entry> entries_;
};

// Times a scope into an OpDurations, or does nothing when given nullptr.
class ScopedOpTimer {
public:
    ScopedOpTimer(OpDurations* sink, int lane, OpKind kind) : sink_(sink), lane_(lane), kind_(kind) {
        if (sink_) start_ = std::chrono::steady_clock::now();
    }
    ~ScopedOpTimer() {
        if (sink_) sink_->add(lane_, kind_, std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
    }
    ScopedOpTimer(const ScopedOpTimer&) = delete;
    ScopedOpTimer& operator=(const ScopedOpTimer&) = delete;

private:
    OpDurations* sink_;
    int lane_;
    OpKind kind_;
    std::chrono::steady_clock::time_point start_;
};

// Where a stage records its ops: the sink (nullptr: not timed) and the stage's lane.
struct OpClock {
    OpDurations* sink = nullptr;
    int lane = 0;
    ScopedOpTimer time(OpKind kind) const { return ScopedOpTimer(sink, lane, kind); }
};

} // namespace f3
