#include "f3/nn/network.hpp"

#include "f3/nn/dense_stage.hpp"
#include "f3/nn/head.hpp"
#include "f3/nn/transformer_stage.hpp"

#include <algorithm>
#include <cmath>

namespace f3 {

Network::Network(std::vector<std::unique_ptr<Stage>> stages, Head head) : stages_(std::move(stages)), head_(head) {}

Network::Network(const Network& other) : head_(other.head_) {
    for (const auto& s : other.stages_) stages_.push_back(s->clone());
}

Network& Network::operator=(const Network& other) {
    if (this != &other) *this = Network(other);
    return *this;
}

Network Network::initialise(int inputs, const std::vector<HiddenLayerSpec>& hidden, int outputs, Head head, Rng& rng) {
    std::vector<std::unique_ptr<Stage>> stages;
    int fan_in = inputs;
    for (const auto& spec : hidden) {
        stages.push_back(std::make_unique<DenseStage>(fan_in, spec.width, spec.activation, rng));
        fan_in = spec.width;
    }
    stages.push_back(std::make_unique<DenseStage>(fan_in, outputs, Activation::Linear, rng));
    return Network(std::move(stages), head);
}

int image_side(int inputs) {
    const auto side = static_cast<int>(std::lround(std::sqrt(static_cast<double>(inputs))));
    return side * side == inputs ? side : 0;
}

// The published code reorders the pixels patch by patch before one linear map of all of them; a
// fixed permutation before a full linear map only reorders its weights' columns, so the patch size
// matters here only through the token count.
Network Network::vision_transformer(int inputs, const TransformerSpec& spec, int outputs, Head head, Rng& rng) {
    const int per_side = image_side(inputs) / spec.patch;
    const TransformerBlockSpec block{spec.dim, per_side * per_side, spec.heads, spec.dim_head, spec.mlp_dim, spec.activation};
    std::vector<std::unique_ptr<Stage>> stages;
    stages.push_back(std::make_unique<TransformerStage>(inputs, block, true, rng));
    for (int i = 2; i < spec.depth; ++i) stages.push_back(std::make_unique<TransformerStage>(spec.dim, block, false, rng));
    stages.push_back(std::make_unique<DenseStage>(spec.dim, spec.dim, spec.activation, rng));
    stages.push_back(std::make_unique<DenseStage>(spec.dim, outputs, Activation::Linear, rng));
    return Network(std::move(stages), head);
}

double Network::vision_transformer_parameters(int inputs, const TransformerSpec& t, int outputs) {
    const int side = image_side(inputs);
    const int per_side = side > 0 && t.patch > 0 && side % t.patch == 0 ? side / t.patch : 1;
    const double D = t.dim, d = D / (per_side * per_side), hd = static_cast<double>(t.heads) * t.dim_head, m = t.mlp_dim;
    // Per block: LayerNorm gains and shifts (4d), Wqkv, Wo and bo, W1 and b1, W2 and b2.
    const double block = 4 * d + 3 * hd * d + (d * hd + d) + (d * m + m) + (m * d + d);
    return (inputs * D + D) + std::max(1, t.depth - 1) * block + (D * D + D) + (D * outputs + outputs);
}

void Network::forward(const Matrix& x, ForwardPass& pass, OpDurations* durations) const {
    pass.stages.resize(stages_.size());
    for (std::size_t s = 0; s < stages_.size(); ++s) {
        const ScopedOpTimer timer(durations, static_cast<int>(s) + 1, OpKind::Forward);
        stages_[s]->forward(pass.input_of(s, x), pass.stages[s]);
        if (s + 1 == stages_.size()) head_output(head_, pass.stages[s].output, pass.y_hat);
    }
}

std::vector<int> Network::widths() const {
    std::vector<int> widths = {inputs()};
    for (const auto& s : stages_) widths.push_back(s->outputs());
    return widths;
}

} // namespace f3
