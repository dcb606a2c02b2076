#pragma once
// A training rule is one object. Rules differ only in the signal that reaches each hidden stage's
// output (algorithms.md); everything after it -- the stage's local backprop and the optimizer step --
// is shared. A rule also says what it is (name, title, colour, explanation) and which dependencies
// its step has (traits), so that the timeline, instruments, checks, CLI and GUI read them instead
// of knowing every rule.
#include "f3/nn/feedback.hpp"
#include "f3/nn/network.hpp"
#include "f3/rules/rule_spec.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace f3 {

struct Dataset;
struct TrainingConfig;

inline constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

struct RuleTraits {
    bool trains_hidden = true;      // false: only the output stage learns (shallow)
    bool chains_backward = false;   // the signal comes down through every stage above (BP, FA)
    bool replaces_weights = false;  // that chain uses fixed random stand-ins for the weights (FA)
    bool error_before_step = false; // the projected error is known before the forward pass (DRTP, F3)
    bool stores_error = false;      // writes per-sample error information after the loss (F3)
    // The exact gradient: the reference of the alignment instruments and of gap closed.
    bool true_gradient() const { return chains_backward && !replaces_weights; }
};

struct RuleInfo {
    std::string name;          // "f3": CLI, files, JSON
    std::string title;         // "F³": legends
    std::string explanation;   // one sentence for the help panel and tooltips
    std::array<int, 3> colour; // sRGB, recognisable on a projector
    RuleTraits traits;
};

// How old F3's stored error information is (filled only when measured).
struct Staleness {
    double mean_age_steps = kNoValue;    // optimizer steps since the used errors were stored
    double max_age_steps = kNoValue;
    double relative_distance = kNoValue; // ‖E_stored − e_current‖ / ‖e_current‖
    double fresh_fraction = kNoValue;    // share of the batch still using the initial targets
};

// One training step as a rule sees it: the batch, its targets and the forward pass before the update.
struct StepData {
    const Matrix& x;
    const Matrix& y;
    const ForwardPass& pass;
    Head head;
    std::span<const Index> samples; // the rows' indices in the training set
    std::int64_t step;              // optimizer steps before this one
};

class Rule {
public:
    virtual ~Rule() = default;
    virtual const RuleInfo& info() const = 0;
    const RuleTraits& traits() const { return info().traits; }

    // After the forward pass, before the gradients: a rule with state updates it here (F3 reads and
    // writes its buffer). `staleness`, when given, receives what the rule knows of its error's age.
    virtual void begin_step(const StepData& /*step*/, Staleness* /*staleness*/, const OpClock& /*store*/) {}
    // Rules that project (not chains_backward): the output-sized error E (N × C) sent to every hidden
    // stage through its feedback matrix, averaged over the batch like the loss.
    virtual void direct_error(const StepData& /*step*/, Matrix& /*error*/) const {}
};

// Every stage's gradients for one step, plus the signals that reached the hidden stages' outputs.
struct Gradients {
    std::vector<StageGradients> stages; // empty tensors for stages the rule does not train
    std::vector<Matrix> signal;         // G_s at each hidden stage's output (N × n_s)
    Matrix output_delta;                // ∂L/∂logits: the true local gradient of the output stage
    Matrix error;                       // E of projecting rules (N × C), already averaged
};

// Fills `out` for `rule` from a finished forward pass. Reuses the matrices in `out`, so repeated
// calls on equal batch sizes do not allocate. `durations` receives each op's measured time.
void compute_gradients(const Network& net, const Rule& rule, const FeedbackMatrices& feedback, const StepData& step,
                       Gradients& out, OpDurations* durations = nullptr);

// --- The registry: every rule the app knows, in display order. -------------------------------------

struct RuleEntry {
    RuleInfo info;
    // A fresh rule for one run; `train_targets` seed per-sample state (F3's buffer).
    std::unique_ptr<Rule> (*make)(const RuleSpec& spec, const Matrix& train_targets);
    // Problems this rule has with a configuration on some data, one sentence each (may be null).
    std::vector<std::string> (*check)(const RuleSpec& spec, const TrainingConfig& config, const Dataset& data) = nullptr;
};

const std::vector<const RuleEntry*>& all_rules();
// Throws NameError (listing the valid names) for an unknown name.
const RuleEntry& rule_entry(std::string_view name);
inline const RuleInfo& rule_info(std::string_view name) { return rule_entry(name).info; }
// The rule a label names ("f3:delayed_loss" -> f3's), or nullptr: labels read from files may be anything.
const RuleInfo* find_rule_of_label(std::string_view label);
std::unique_ptr<Rule> make_rule(const RuleSpec& spec, const Matrix& train_targets);
// The exact-gradient rule (backprop), which the instruments compare every rule against.
const Rule& reference_rule();

} // namespace f3
