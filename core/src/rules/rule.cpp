#include "f3/rules/rule.hpp"

#include "f3/nn/activation.hpp"
#include "f3/nn/head.hpp"
#include "f3/observe/instruments.hpp"

namespace f3 {

bool trains_hidden_layers(Algorithm algorithm) { return algorithm != Algorithm::Shallow; }
bool uses_backward_chain(Algorithm algorithm) { return algorithm == Algorithm::Bp || algorithm == Algorithm::Fa; }

void compute_gradients(const Network& net, Algorithm algorithm, const FeedbackMatrices& feedback,
                       const Matrix& x, const Matrix& y, const ForwardPass& pass, const Matrix* stored_error,
                       Gradients& out, OpDurations* durations) {
    const auto& layers = net.layers();
    const int L = net.hidden_count();
    out.weight.resize(L + 1);
    out.bias.resize(L + 1);
    out.delta.resize(L + 1);
    out.signal.resize(L);
    auto input_of = [&](int i) -> const Matrix& { return i == 0 ? x : pass.post[i - 1]; };
    auto layer_gradient = [&](int i) {
        const ScopedOpTimer timer(durations, i + 1, OpKind::Update);
        out.weight[i].noalias() = out.delta[i].transpose() * input_of(i);
        out.bias[i].noalias() = out.delta[i].colwise().sum();
    };

    {
        const ScopedOpTimer timer(durations, L + 1, OpKind::Update);
        head_output_delta(net.head(), pass.post[L], y, out.delta[L]);
    }
    layer_gradient(L);
    if (!trains_hidden_layers(algorithm) || L == 0) return;

    // Direct rules project one output-sized matrix; signals are averaged over the batch like the loss.
    const float inv_batch = 1.0f / static_cast<float>(x.rows());
    switch (algorithm) {
    case Algorithm::Dfa: out.error = (y - pass.post[L]) * inv_batch; break;
    case Algorithm::Drtp: out.error = y * inv_batch; break;
    case Algorithm::F3: out.error = *stored_error * inv_batch; break;
    default: break;
    }
    for (int i = L - 1; i >= 0; --i) {
        Matrix& g = out.signal[i];
        {
            // Chain rules: layer i+1 sends the signal down (backward op); direct rules: layer i projects.
            const bool chain = uses_backward_chain(algorithm);
            const ScopedOpTimer timer(durations, chain ? i + 2 : i + 1, chain ? OpKind::Backward : OpKind::Projection);
            switch (algorithm) {
            case Algorithm::Bp: g.noalias() = out.delta[i + 1] * layers[i + 1].weight; break;
            case Algorithm::Fa: g.noalias() = out.delta[i + 1] * feedback.chain[i + 1]; break;
            default: g.noalias() = out.error * feedback.direct[i]; break;
            }
        }
        {
            const ScopedOpTimer timer(durations, i + 1, OpKind::Update);
            multiply_by_derivative(layers[i].activation, pass.pre[i], pass.post[i], g, out.delta[i]);
        }
        layer_gradient(i);
    }
}

} // namespace f3
