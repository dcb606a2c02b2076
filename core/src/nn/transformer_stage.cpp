#include "f3/nn/transformer_stage.hpp"

#include "f3/io/names.hpp"

#include <algorithm>
#include <cmath>
#include <exception>

#include <omp.h>

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

// With several threads, each takes a contiguous share of the batch's samples through the whole block:
// samples never mix inside a block, so the small per-head products and the elementwise ops run in
// parallel too, not only the larger products. Parameter gradients are summed over the shares in
// order: the same numbers for the same thread count, and one share is the unsplit computation.
struct SampleShare {
    Index first = 0, count = 0;
};

std::vector<SampleShare> shares_of(Index samples) {
    const Index n = std::clamp<Index>(omp_get_max_threads(), 1, std::max<Index>(samples, 1));
    std::vector<SampleShare> shares;
    for (Index i = 0; i < n; ++i) {
        const Index first = samples * i / n;
        shares.push_back({first, samples * (i + 1) / n - first});
    }
    return shares;
}

// Runs f(i, share) for every share: on the calling thread's team when there are several, directly
// when there is one (so that the block's own products and loops may still use every thread). An
// exception (bad_alloc) must not leave an OpenMP region, so the first one is rethrown after it.
template <class F> void for_each_share(const std::vector<SampleShare>& shares, F&& f) {
    if (shares.size() == 1) return f(0, shares.front());
    const auto n = static_cast<std::ptrdiff_t>(shares.size());
    std::vector<std::exception_ptr> failures(shares.size());
#pragma omp parallel for schedule(static)
    for (std::ptrdiff_t i = 0; i < n; ++i) {
        const auto k = static_cast<std::size_t>(i);
        try {
            f(k, shares[k]);
        } catch (...) {
            failures[k] = std::current_exception();
        }
    }
    for (const std::exception_ptr& failure : failures)
        if (failure) std::rethrow_exception(failure);
}

// Rows [first, first + count) of a N × (T·d) batch as count·T token rows of d features, no copy.
Eigen::Map<const Matrix> share_tokens(const Matrix& batch, const SampleShare& share, Index tokens) {
    return {batch.data() + share.first * batch.cols(), share.count * tokens, batch.cols() / tokens};
}

struct ShareCache {
    Matrix x0, y; // token rows: the block's input (embedded) and output
    BlockCache<float> block;
};

struct TransformerCache {
    std::vector<ShareCache> shares;
};

struct ShareScratch {
    Matrix dy, dx; // token rows
    BlockGradients<float> block;
};

struct TransformerScratch {
    std::vector<ShareScratch> shares;
    Matrix dx0; // N × D: the signal at the block's input
};

// The block's gradients in parameters() order after the embedding's.
template <class F> void for_each_tensor(const BlockGradients<float>& g, F&& f) {
    f(g.ln1_gain), f(g.ln1_shift), f(g.wqkv), f(g.wo), f(g.bo), f(g.ln2_gain), f(g.ln2_shift), f(g.w1), f(g.b1),
        f(g.w2), f(g.b2);
}

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
    Matrix embedded;
    if (embeds()) {
        embedded.noalias() = x * embedding_.transpose();
        embedded.rowwise() += embedding_bias_;
    }
    const Matrix& input = embeds() ? embedded : x;
    const std::vector<SampleShare> shares = shares_of(x.rows());
    c->shares.resize(shares.size());
    cache.output.resize(x.rows(), spec_.dim);
    const Index T = spec_.tokens;
    for_each_share(shares, [&](std::size_t i, const SampleShare& share) {
        ShareCache& sc = c->shares[i];
        sc.x0 = share_tokens(input, share, T);
        block_forward(sc.x0, attention_shape(), spec_.activation, block_, sc.y, sc.block);
        cache.output.middleRows(share.first, share.count) = Eigen::Map<const Matrix>(sc.y.data(), share.count, spec_.dim);
    });
}

void TransformerStage::backward(const Matrix& x, const StageCache& cache, const Matrix& output_signal,
                                StageGradients& gradients, Matrix* input_signal, const Matrix* /*transport*/,
                                const OpClock& clock) const {
    const auto& c = std::any_cast<const TransformerCache&>(cache.state);
    auto* s = std::any_cast<TransformerScratch>(&gradients.state);
    if (!s) s = &gradients.state.emplace<TransformerScratch>();
    const std::vector<SampleShare> shares = shares_of(x.rows());
    const Index T = spec_.tokens;
    const std::size_t first = embeds() ? 2 : 0;
    gradients.tensors.resize(first + 11);
    {
        const auto timer = clock.time(OpKind::Update);
        s->shares.resize(shares.size());
        s->dx0.resize(x.rows(), spec_.dim);
        for_each_share(shares, [&](std::size_t i, const SampleShare& share) {
            ShareScratch& ss = s->shares[i];
            ss.dy = share_tokens(output_signal, share, T);
            block_backward(ss.dy, attention_shape(), spec_.activation, block_, c.shares[i].block, ss.block, ss.dx);
            s->dx0.middleRows(share.first, share.count) = Eigen::Map<const Matrix>(ss.dx.data(), share.count, spec_.dim);
        });
        for (std::size_t i = 0; i < shares.size(); ++i) {
            std::size_t t = first;
            for_each_tensor(s->shares[i].block, [&](const auto& g) {
                if (i == 0) gradients.tensors[t++] = g;
                else gradients.tensors[t++] += g;
            });
        }
        if (embeds()) {
            gradients.tensors[0].noalias() = s->dx0.transpose() * x;
            gradients.tensors[1].noalias() = s->dx0.colwise().sum();
        }
    }
    if (input_signal) {
        const auto timer = clock.time(OpKind::Backward);
        if (embeds()) input_signal->noalias() = s->dx0 * embedding_;
        else *input_signal = s->dx0;
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

Matrix TransformerStage::attention_maps(const StageCache& cache) {
    const auto& shares = std::any_cast<const TransformerCache&>(cache.state).shares;
    Index rows = 0;
    for (const ShareCache& share : shares) rows += share.block.attention.probs.rows();
    Matrix maps(rows, shares.empty() ? 0 : shares.front().block.attention.probs.cols());
    rows = 0;
    for (const ShareCache& share : shares) {
        maps.middleRows(rows, share.block.attention.probs.rows()) = share.block.attention.probs;
        rows += share.block.attention.probs.rows();
    }
    return maps;
}

} // namespace f3
