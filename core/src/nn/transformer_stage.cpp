#include "f3/nn/transformer_stage.hpp"

#include "f3/io/names.hpp"

#include <cmath>

namespace f3 {
namespace {

// nn.Linear's init: W then b uniform in ±1/sqrt(fan_in).
void linear_init(Matrix& w, RowVector* b, Index out, Index in, Rng& rng) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in));
    w.resize(out, in);
    for (Index i = 0; i < w.size(); ++i) w.data()[i] = static_cast<float>(rng.uniform(-bound, bound));
    if (!b) return;
    b->resize(out);
    for (Index i = 0; i < out; ++i) (*b)(i) = static_cast<float>(rng.uniform(-bound, bound));
}

struct TransformerCache {
    Matrix x0, y;               // token rows: the block's input (embedded) and output, N·T × d
    BlockCache<float> block;
};

struct TransformerScratch {
    Matrix dy, dx;              // token rows
    BlockGradients<float> block;
};

// A N × (T·d) batch as N·T × d token rows, copied.
void to_token_rows(const Matrix& batch, Index tokens, Matrix& rows) { rows = token_rows(batch, tokens); }

} // namespace

TransformerStage::TransformerStage(int inputs, const TransformerBlockSpec& spec, bool embed, Rng& rng)
    : inputs_(inputs), spec_(spec) {
    const Index d = spec.dim / spec.tokens, hd = static_cast<Index>(spec.heads) * spec.dim_head;
    if (embed) linear_init(embedding_, &embedding_bias_, spec.dim, inputs, rng);
    block_.ln1_gain = RowVector::Ones(d);
    block_.ln1_shift = RowVector::Zero(d);
    block_.ln2_gain = RowVector::Ones(d);
    block_.ln2_shift = RowVector::Zero(d);
    linear_init(block_.wqkv, nullptr, 3 * hd, d, rng);
    linear_init(block_.wo, &block_.bo, d, hd, rng);
    linear_init(block_.w1, &block_.b1, spec.mlp_dim, d, rng);
    linear_init(block_.w2, &block_.b2, d, spec.mlp_dim, rng);
}

std::string TransformerStage::describe() const {
    return std::string(embeds() ? "embedding + " : "") + "transformer block " + std::to_string(spec_.tokens) + "x" +
           std::to_string(spec_.dim / spec_.tokens) + ", " + std::to_string(spec_.heads) + " heads of " +
           std::to_string(spec_.dim_head) + ", MLP " + std::to_string(spec_.mlp_dim) + " " + to_string(spec_.activation);
}

void TransformerStage::forward(const Matrix& x, StageCache& cache) const {
    auto* c = std::any_cast<TransformerCache>(&cache.state);
    if (!c) c = &cache.state.emplace<TransformerCache>();
    const Index T = spec_.tokens;
    if (embeds()) {
        Matrix embedded = x * embedding_.transpose();
        embedded.rowwise() += embedding_bias_;
        to_token_rows(embedded, T, c->x0);
    } else {
        to_token_rows(x, T, c->x0);
    }
    block_forward(c->x0, attention_shape(), spec_.activation, block_, c->y, c->block);
    cache.output = Eigen::Map<const Matrix>(c->y.data(), x.rows(), spec_.dim);
}

void TransformerStage::backward(const Matrix& x, const StageCache& cache, const Matrix& output_signal,
                                StageGradients& gradients, Matrix* input_signal, const Matrix* /*transport*/,
                                const OpClock& clock) const {
    const auto& c = std::any_cast<const TransformerCache&>(cache.state);
    auto* s = std::any_cast<TransformerScratch>(&gradients.state);
    if (!s) s = &gradients.state.emplace<TransformerScratch>();
    const Index N = x.rows(), T = spec_.tokens;
    const int first = embeds() ? 2 : 0;
    gradients.tensors.resize(static_cast<std::size_t>(first) + 11);
    {
        const auto timer = clock.time(OpKind::Update);
        to_token_rows(output_signal, T, s->dy);
        block_backward(s->dy, attention_shape(), spec_.activation, block_, c.block, s->block, s->dx);
        const BlockGradients<float>& b = s->block;
        auto out = gradients.tensors.begin() + first;
        for (const Matrix& g : {Matrix(b.ln1_gain), Matrix(b.ln1_shift), b.wqkv, b.wo, Matrix(b.bo), Matrix(b.ln2_gain),
                                Matrix(b.ln2_shift), b.w1, Matrix(b.b1), b.w2, Matrix(b.b2)})
            *out++ = g;
        if (embeds()) {
            const Eigen::Map<const Matrix> dx0(s->dx.data(), N, spec_.dim);
            gradients.tensors[0].noalias() = dx0.transpose() * x;
            gradients.tensors[1].noalias() = dx0.colwise().sum();
        }
    }
    if (input_signal) {
        const auto timer = clock.time(OpKind::Backward);
        const Eigen::Map<const Matrix> dx0(s->dx.data(), N, spec_.dim);
        if (embeds()) input_signal->noalias() = dx0 * embedding_;
        else *input_signal = dx0;
    }
}

std::vector<Parameter> TransformerStage::parameters() {
    std::vector<Parameter> p;
    auto add = [&p](const char* name, auto& m, bool offset) { p.push_back({name, m.data(), m.rows(), m.cols(), offset}); };
    if (embeds()) {
        add("embedding W", embedding_, false);
        add("embedding b", embedding_bias_, true);
    }
    BlockWeights<float>& b = block_;
    add("LN1 gain", b.ln1_gain, false);
    add("LN1 shift", b.ln1_shift, true);
    add("Wqkv", b.wqkv, false);
    add("Wo", b.wo, false);
    add("bo", b.bo, true);
    add("LN2 gain", b.ln2_gain, false);
    add("LN2 shift", b.ln2_shift, true);
    add("MLP W1", b.w1, false);
    add("MLP b1", b.b1, true);
    add("MLP W2", b.w2, false);
    add("MLP b2", b.b2, true);
    return p;
}

// Multiply-adds per op; LayerNorm, softmax and the activation are counted as free.
StageCost TransformerStage::cost(Index batch) const {
    const double n = static_cast<double>(batch), T = spec_.tokens, d = static_cast<double>(spec_.dim) / spec_.tokens;
    const double hd = static_cast<double>(spec_.heads) * spec_.dim_head, m = spec_.mlp_dim;
    const double embed = embeds() ? n * inputs_ * spec_.dim : 0.0;
    const double block = n * T * (3 * hd * d + hd * d + 2 * d * m) + n * spec_.heads * 2.0 * T * T * spec_.dim_head;
    // Backward inside the block: twice its forward (input signals and weight gradients).
    return {embed + block, embeds() ? embed : 0.0, embed + 2 * block};
}

const Matrix& TransformerStage::attention_maps(const StageCache& cache) {
    return std::any_cast<const TransformerCache&>(cache.state).block.attention.probs;
}

} // namespace f3
