#pragma once
// The ops of a pre-LayerNorm transformer block on token rows (N samples × T tokens as N·T rows of d
// features), each with its local backward pass. Templates over the matrix type: the stage trains in
// float, the gradient checks run the same code in double.
//
// Block (as the published proof of concept and ../shared/reference/torch_vit_ref.py):
//   x1 = x + MHSA(LN1(x)),   x2 = x1 + W2 f(W1 LN2(x1) + b1) + b2
// MHSA: qkv = a Wqkvᵀ (no bias; q, k, v are its three column blocks, head h the h-th dim_head
// columns of each), per sample and head P = softmax(q kᵀ / sqrt(dim_head)) over the keys, o = P v,
// out = o Woᵀ + bo. LayerNorm: PyTorch's, ε = 1e-5, gain 1 and shift 0 at start.
#include "f3/nn/activation.hpp"
#include "f3/nn/exact_sqrt.hpp"

#include <cmath>

namespace f3 {

template <class S> using MatrixOf = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class S> using RowVectorOf = Eigen::Matrix<S, 1, Eigen::Dynamic>;
template <class S> using ColumnOf = Eigen::Matrix<S, Eigen::Dynamic, 1>;

inline constexpr double kLayerNormEpsilon = 1e-5;

// --- LayerNorm over each row ---------------------------------------------------------------------

template <class S> struct LayerNormCache {
    MatrixOf<S> normalized; // (x − mean) · rstd
    ColumnOf<S> rstd;       // 1 / sqrt(var + ε), per row
};

template <class S>
void layer_norm_forward(const MatrixOf<S>& x, const RowVectorOf<S>& gain, const RowVectorOf<S>& shift, MatrixOf<S>& y,
                        LayerNormCache<S>& cache) {
    const S inv_d = S(1) / static_cast<S>(x.cols());
    const ColumnOf<S> mean = x.rowwise().sum() * inv_d;
    cache.normalized = x.colwise() - mean;
    const ColumnOf<S> variance = cache.normalized.array().square().rowwise().sum() * inv_d;
    cache.rstd = exact_sqrt(variance.array() + static_cast<S>(kLayerNormEpsilon)).inverse();
    cache.normalized = cache.normalized.array().colwise() * cache.rstd.array();
    y = (cache.normalized.array().rowwise() * gain.array()).rowwise() + shift.array();
}

// dx = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂)) with ĝ = dy ⊙ gain, per row.
template <class S>
void layer_norm_backward(const MatrixOf<S>& dy, const RowVectorOf<S>& gain, const LayerNormCache<S>& cache,
                         MatrixOf<S>& dx, RowVectorOf<S>& dgain, RowVectorOf<S>& dshift) {
    const S inv_d = S(1) / static_cast<S>(dy.cols());
    dgain = (dy.array() * cache.normalized.array()).colwise().sum();
    dshift = dy.colwise().sum();
    const MatrixOf<S> g = dy.array().rowwise() * gain.array();
    const ColumnOf<S> mean_g = g.rowwise().sum() * inv_d;
    const ColumnOf<S> mean_gx = (g.array() * cache.normalized.array()).rowwise().sum() * inv_d;
    dx = ((g.colwise() - mean_g).array() - cache.normalized.array().colwise() * mean_gx.array()).colwise() *
         cache.rstd.array();
}

// --- Multi-head self-attention ---------------------------------------------------------------------

struct AttentionShape {
    Index tokens = 1;   // T
    int heads = 1;
    int dim_head = 1;
    Index width() const { return static_cast<Index>(heads) * dim_head; } // h · dim_head
};

template <class S> struct AttentionCache {
    MatrixOf<S> qkv;   // N·T × 3·h·dh
    MatrixOf<S> probs; // (N·h·T) × T: the attention maps, sample-major, then head, then query
    MatrixOf<S> mixed; // N·T × h·dh: P v of every head, side by side
};

// out = MHSA(a) for a: N·T × d.
template <class S>
void attention_forward(const MatrixOf<S>& a, const AttentionShape& shape, const MatrixOf<S>& wqkv, const MatrixOf<S>& wo,
                       const RowVectorOf<S>& bo, MatrixOf<S>& out, AttentionCache<S>& cache) {
    const Index T = shape.tokens, dh = shape.dim_head, hd = shape.width(), n = a.rows() / T;
    const S scale = S(1) / std::sqrt(static_cast<S>(dh));
    cache.qkv.noalias() = a * wqkv.transpose();
    cache.probs.resize(n * shape.heads * T, T);
    cache.mixed.resize(a.rows(), hd);
    // Samples are independent and write disjoint blocks: the same numbers on any thread count.
#pragma omp parallel for schedule(static)
    for (Index s = 0; s < n; ++s)
        for (int h = 0; h < shape.heads; ++h) {
            const auto q = cache.qkv.block(s * T, h * dh, T, dh);
            const auto k = cache.qkv.block(s * T, hd + h * dh, T, dh);
            const auto v = cache.qkv.block(s * T, 2 * hd + h * dh, T, dh);
            auto p = cache.probs.block((s * shape.heads + h) * T, 0, T, T);
            p.noalias() = q * k.transpose();
            // Softmax over the keys of each query row. Row by row, because Eigen evaluates exp one
            // scalar at a time when a column vector is broadcast along row-major rows.
            for (Index i = 0; i < T; ++i) {
                auto row = p.row(i).array();
                row = ((row - row.maxCoeff()) * scale).exp();
                row /= row.sum();
            }
            cache.mixed.block(s * T, h * dh, T, dh).noalias() = p * v;
        }
    out.noalias() = cache.mixed * wo.transpose();
    out.rowwise() += bo;
}

// From dout (N·T × d): gradients of Wqkv, Wo, bo and the signal at the attention's input.
template <class S>
void attention_backward(const MatrixOf<S>& dout, const MatrixOf<S>& a, const AttentionShape& shape,
                        const MatrixOf<S>& wqkv, const MatrixOf<S>& wo, const AttentionCache<S>& cache, MatrixOf<S>& da,
                        MatrixOf<S>& dwqkv, MatrixOf<S>& dwo, RowVectorOf<S>& dbo, MatrixOf<S>& scratch) {
    const Index T = shape.tokens, dh = shape.dim_head, hd = shape.width(), n = a.rows() / T;
    const S scale = S(1) / std::sqrt(static_cast<S>(dh));
    dwo.noalias() = dout.transpose() * cache.mixed;
    dbo = dout.colwise().sum();
    const MatrixOf<S> dmixed = dout * wo;
    MatrixOf<S>& dqkv = scratch;
    dqkv.resize(a.rows(), 3 * hd);
#pragma omp parallel
    {
        MatrixOf<S> dp(T, T); // per thread, reused for every sample and head
        ColumnOf<S> inner(T);
#pragma omp for schedule(static)
        for (Index s = 0; s < n; ++s)
            for (int h = 0; h < shape.heads; ++h) {
                const auto q = cache.qkv.block(s * T, h * dh, T, dh);
                const auto k = cache.qkv.block(s * T, hd + h * dh, T, dh);
                const auto v = cache.qkv.block(s * T, 2 * hd + h * dh, T, dh);
                const auto p = cache.probs.block((s * shape.heads + h) * T, 0, T, T);
                const auto dmix = dmixed.block(s * T, h * dh, T, dh);
                dqkv.block(s * T, 2 * hd + h * dh, T, dh).noalias() = p.transpose() * dmix; // dV = Pᵀ dO
                dp.noalias() = dmix * v.transpose();                                       // dP = dO Vᵀ
                // Softmax backward per query row: dS = P ⊙ (dP − ⟨dP, P⟩), then the 1/sqrt(dh) scale.
                inner = (dp.array() * p.array()).rowwise().sum();
                dp = (p.array() * (dp.colwise() - inner).array()) * scale;
                dqkv.block(s * T, h * dh, T, dh).noalias() = dp * k;                   // dQ = dS K
                dqkv.block(s * T, hd + h * dh, T, dh).noalias() = dp.transpose() * q; // dK = dSᵀ Q
            }
    }
    dwqkv.noalias() = dqkv.transpose() * a;
    da.noalias() = dqkv * wqkv;
}

// --- The whole block ---------------------------------------------------------------------------------

template <class S> struct BlockWeights {
    RowVectorOf<S> ln1_gain, ln1_shift;
    MatrixOf<S> wqkv;   // 3·h·dh × d
    MatrixOf<S> wo;     // d × h·dh
    RowVectorOf<S> bo;  // 1 × d
    RowVectorOf<S> ln2_gain, ln2_shift;
    MatrixOf<S> w1;     // mlp × d
    RowVectorOf<S> b1;  // 1 × mlp
    MatrixOf<S> w2;     // d × mlp
    RowVectorOf<S> b2;  // 1 × d
};

template <class S> struct BlockGradients {
    RowVectorOf<S> ln1_gain, ln1_shift;
    MatrixOf<S> wqkv, wo;
    RowVectorOf<S> bo, ln2_gain, ln2_shift;
    MatrixOf<S> w1;
    RowVectorOf<S> b1;
    MatrixOf<S> w2;
    RowVectorOf<S> b2;
};

template <class S> struct BlockCache {
    LayerNormCache<S> ln1, ln2;
    MatrixOf<S> a1, x1, a2, u, act; // LN1(x), x + attention, LN2(x1), W1 a2 + b1, f(u)
    AttentionCache<S> attention;
};

// x: N·T × d token rows; y: the block's output, same shape.
template <class S>
void block_forward(const MatrixOf<S>& x, const AttentionShape& shape, Activation f, const BlockWeights<S>& w,
                   MatrixOf<S>& y, BlockCache<S>& c) {
    layer_norm_forward(x, w.ln1_gain, w.ln1_shift, c.a1, c.ln1);
    attention_forward(c.a1, shape, w.wqkv, w.wo, w.bo, c.x1, c.attention);
    c.x1 += x;
    layer_norm_forward(c.x1, w.ln2_gain, w.ln2_shift, c.a2, c.ln2);
    c.u.noalias() = c.a2 * w.w1.transpose();
    c.u.rowwise() += w.b1;
    activate(f, c.u, c.act);
    y.noalias() = c.act * w.w2.transpose();
    y.rowwise() += w.b2;
    y += c.x1;
}

// From dy (N·T × d): every parameter's gradient and dx, the signal at the block's input.
template <class S>
void block_backward(const MatrixOf<S>& dy, const AttentionShape& shape, Activation f,
                    const BlockWeights<S>& w, const BlockCache<S>& c, BlockGradients<S>& g, MatrixOf<S>& dx) {
    MatrixOf<S> du, da, scratch;
    // MLP branch; the residual passes dy straight to x1.
    g.w2.noalias() = dy.transpose() * c.act;
    g.b2 = dy.colwise().sum();
    const MatrixOf<S> dact = dy * w.w2;
    multiply_by_derivative(f, c.u, c.act, dact, du);
    g.w1.noalias() = du.transpose() * c.a2;
    g.b1 = du.colwise().sum();
    da.noalias() = du * w.w1;
    MatrixOf<S> dx1;
    layer_norm_backward(da, w.ln2_gain, c.ln2, dx1, g.ln2_gain, g.ln2_shift);
    dx1 += dy;
    // Attention branch; the residual passes dx1 straight to x.
    attention_backward(dx1, c.a1, shape, w.wqkv, w.wo, c.attention, da, g.wqkv, g.wo, g.bo, scratch);
    layer_norm_backward(da, w.ln1_gain, c.ln1, dx, g.ln1_gain, g.ln1_shift);
    dx += dx1;
}

} // namespace f3
