#include "f3/rules/rule.hpp"

#include "f3/io/names.hpp"
#include "f3/nn/head.hpp"

namespace f3 {

void compute_gradients(const Network& net, const Rule& rule, const FeedbackMatrices& feedback, const StepData& step,
                       Gradients& out, OpDurations* durations) {
    const RuleTraits& traits = rule.traits();
    const int L = net.hidden_count();
    out.stages.resize(static_cast<std::size_t>(L) + 1);
    out.signal.resize(static_cast<std::size_t>(L));
    const bool hidden = traits.trains_hidden && L > 0;
    const bool chain = hidden && traits.chains_backward;
    // Stage s's backward: its gradients and, in a chain, the signal for the stage below.
    auto backward = [&](int s, const Matrix& signal) {
        const auto i = static_cast<std::size_t>(s);
        Matrix* below = chain && s > 0 ? &out.signal[i - 1] : nullptr;
        const Matrix* transport = below && traits.replaces_weights ? &feedback.chain[i] : nullptr;
        net.stage(s).backward(step.pass.input_of(i, step.x), step.pass.stages[i], signal, out.stages[i], below, transport,
                              {durations, s + 1});
    };
    {
        const ScopedOpTimer timer(durations, L + 1, OpKind::Update);
        head_output_delta(net.head(), step.pass.y_hat, step.y, out.output_delta);
    }
    backward(L, out.output_delta);
    if (!hidden) return;
    if (!chain) rule.direct_error(step, out.error);
    for (int s = L - 1; s >= 0; --s) {
        const auto i = static_cast<std::size_t>(s);
        if (!chain) {
            const ScopedOpTimer timer(durations, s + 1, OpKind::Projection);
            out.signal[i].noalias() = out.error * feedback.direct[i];
        }
        backward(s, out.signal[i]);
    }
}

} // namespace f3
