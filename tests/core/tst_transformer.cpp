// The transformer's ops against finite differences in double precision (LayerNorm, softmax attention,
// the whole block with its MLP and residuals), and the float stage -- embedding, token reshape and
// block -- inside a network against finite differences of the network's loss.
#include "f3/nn/dense_stage.hpp"
#include "f3/nn/head.hpp"
#include "f3/nn/network.hpp"
#include "f3/nn/transformer_stage.hpp"
#include "f3/rules/rule.hpp"

#include <QtTest>

#include <functional>

using namespace f3;

namespace {

using Md = MatrixOf<double>;
using Rd = RowVectorOf<double>;

template <class M> void fill(M& m, Rng& rng, double scale = 1.0) {
    for (Index i = 0; i < m.size(); ++i) m.data()[i] = rng.normal() * scale;
}

// Relative error between an analytic gradient and central differences of `loss` in every entry of
// `param` (perturbed in place, then restored).
template <class M> double gradient_error(M& param, const M& analytic, const std::function<double()>& loss) {
    constexpr double h = 1e-6;
    double diff2 = 0.0, norm2 = 0.0;
    for (Index k = 0; k < param.size(); ++k) {
        const double saved = param.data()[k];
        param.data()[k] = saved + h;
        const double up = loss();
        param.data()[k] = saved - h;
        const double down = loss();
        param.data()[k] = saved;
        const double numeric = (up - down) / (2 * h);
        diff2 += (numeric - analytic.data()[k]) * (numeric - analytic.data()[k]);
        norm2 += analytic.data()[k] * analytic.data()[k];
    }
    return std::sqrt(diff2) / (std::sqrt(norm2) + 1e-12);
}

#define CHECK_GRADIENT(param, analytic, loss)                                                              \
    do {                                                                                                   \
        const double error = gradient_error(param, analytic, loss);                                        \
        QVERIFY2(error < 1e-6, qPrintable(QString("%1: relative error %2").arg(#analytic).arg(error)));    \
    } while (false)

BlockWeights<double> random_block(Index d, const AttentionShape& shape, Index mlp, Rng& rng) {
    BlockWeights<double> w;
    const Index hd = shape.width();
    w.ln1_gain = Rd::Ones(d) + Rd::Constant(d, 0.1 * rng.normal());
    w.ln1_shift = Rd::Zero(d);
    w.ln2_gain = Rd::Ones(d);
    w.ln2_shift = Rd::Zero(d);
    w.wqkv.resize(3 * hd, d);
    w.wo.resize(d, hd);
    w.bo.resize(d);
    w.w1.resize(mlp, d);
    w.b1.resize(mlp);
    w.w2.resize(d, mlp);
    w.b2.resize(d);
    for (auto* m : {&w.wqkv, &w.wo, &w.w1, &w.w2}) fill(*m, rng, 0.5);
    for (auto* v : {&w.ln1_shift, &w.ln2_gain, &w.ln2_shift, &w.bo, &w.b1, &w.b2}) fill(*v, rng, 0.3);
    w.ln2_gain.array() += 1.0;
    return w;
}

} // namespace

class TestTransformer : public QObject {
    Q_OBJECT
private slots:
    void layer_norm_matches_finite_differences() {
        Rng rng(1);
        Md x(5, 8), r(5, 8);
        Rd gain(8), shift(8);
        fill(x, rng);
        fill(r, rng);
        fill(gain, rng);
        fill(shift, rng);
        LayerNormCache<double> cache;
        Md y;
        auto loss = [&] {
            layer_norm_forward(x, gain, shift, y, cache);
            return (y.array() * r.array()).sum();
        };
        loss();
        // Each row has mean 0 and variance 1 before the gain: PyTorch's definition (biased variance).
        const Md& n = cache.normalized;
        QVERIFY(n.rowwise().mean().cwiseAbs().maxCoeff() < 1e-12);
        QVERIFY(((n.array().square().rowwise().mean() - 1.0).abs() < 1e-4).all());
        Md dx;
        Rd dgain, dshift;
        layer_norm_backward(r, gain, cache, dx, dgain, dshift);
        CHECK_GRADIENT(x, dx, loss);
        CHECK_GRADIENT(gain, dgain, loss);
        CHECK_GRADIENT(shift, dshift, loss);
    }

    void attention_matches_finite_differences() {
        Rng rng(2);
        const AttentionShape shape{3, 2, 3}; // 3 tokens, 2 heads of 3
        const Index n = 2, d = 4;
        Md a(n * shape.tokens, d), wqkv(3 * shape.width(), d), wo(d, shape.width()), r(n * shape.tokens, d);
        Rd bo(d);
        for (auto* m : {&a, &wqkv, &wo, &r}) fill(*m, rng, 0.7);
        fill(bo, rng);
        AttentionCache<double> cache;
        Md out;
        auto loss = [&] {
            attention_forward(a, shape, wqkv, wo, bo, out, cache);
            return (out.array() * r.array()).sum();
        };
        loss();
        // Every attention map row is a distribution over the keys of its own sample.
        QVERIFY(((cache.probs.rowwise().sum().array() - 1.0).abs() < 1e-12).all());
        QVERIFY((cache.probs.array() > 0.0).all());
        Md da, dwqkv, dwo, scratch;
        Rd dbo;
        attention_backward(r, a, shape, wqkv, wo, cache, da, dwqkv, dwo, dbo, scratch);
        CHECK_GRADIENT(a, da, loss);
        CHECK_GRADIENT(wqkv, dwqkv, loss);
        CHECK_GRADIENT(wo, dwo, loss);
        CHECK_GRADIENT(bo, dbo, loss);
    }

    void samples_do_not_attend_to_each_other() {
        Rng rng(3);
        const AttentionShape shape{4, 2, 2};
        Md a(2 * 4, 3), wqkv(3 * shape.width(), 3), wo(3, shape.width());
        Rd bo = Rd::Zero(3);
        for (auto* m : {&a, &wqkv, &wo}) fill(*m, rng);
        AttentionCache<double> cache;
        Md before, after;
        attention_forward(a, shape, wqkv, wo, bo, before, cache);
        a.bottomRows(4).setRandom(); // change the second sample only
        attention_forward(a, shape, wqkv, wo, bo, after, cache);
        QCOMPARE(Md(after.topRows(4)), Md(before.topRows(4)));
    }

    void block_matches_finite_differences_data() {
        QTest::addColumn<int>("activation");
        QTest::newRow("tanh") << static_cast<int>(Activation::Tanh);
        QTest::newRow("sigmoid") << static_cast<int>(Activation::Sigmoid);
    }
    void block_matches_finite_differences() {
        QFETCH(int, activation);
        const auto f = static_cast<Activation>(activation);
        Rng rng(4);
        const AttentionShape shape{3, 2, 3};
        const Index n = 2, d = 4, mlp = 5;
        BlockWeights<double> w = random_block(d, shape, mlp, rng);
        Md x(n * shape.tokens, d), r(n * shape.tokens, d);
        fill(x, rng);
        fill(r, rng);
        BlockCache<double> cache;
        Md y;
        auto loss = [&] {
            block_forward(x, shape, f, w, y, cache);
            return (y.array() * r.array()).sum();
        };
        loss();
        BlockGradients<double> g;
        Md dx;
        block_backward(r, shape, f, w, cache, g, dx);
        CHECK_GRADIENT(x, dx, loss);
        CHECK_GRADIENT(w.ln1_gain, g.ln1_gain, loss);
        CHECK_GRADIENT(w.ln1_shift, g.ln1_shift, loss);
        CHECK_GRADIENT(w.wqkv, g.wqkv, loss);
        CHECK_GRADIENT(w.wo, g.wo, loss);
        CHECK_GRADIENT(w.bo, g.bo, loss);
        CHECK_GRADIENT(w.ln2_gain, g.ln2_gain, loss);
        CHECK_GRADIENT(w.ln2_shift, g.ln2_shift, loss);
        CHECK_GRADIENT(w.w1, g.w1, loss);
        CHECK_GRADIENT(w.b1, g.b1, loss);
        CHECK_GRADIENT(w.w2, g.w2, loss);
        CHECK_GRADIENT(w.b2, g.b2, loss);
    }

    // Float stages in a network (embedding 12 -> 8 as 2 tokens of 4, a second block, a dense
    // output): backprop through the token reshapes against differences of the network's loss.
    void stages_in_a_network_match_finite_differences() {
        Rng rng(5);
        const TransformerBlockSpec spec{8, 2, 2, 3, 6, Activation::Tanh};
        std::vector<std::unique_ptr<Stage>> stages;
        stages.push_back(std::make_unique<TransformerStage>(12, spec, true, rng));
        stages.push_back(std::make_unique<TransformerStage>(8, spec, false, rng));
        stages.push_back(std::make_unique<DenseStage>(8, 3, Activation::Linear, rng));
        Network net(std::move(stages), Head::SoftmaxCe);
        Matrix x(4, 12), y = Matrix::Zero(4, 3);
        for (Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.normal());
        for (Index r = 0; r < 4; ++r) y(r, r % 3) = 1.0f;
        ForwardPass pass;
        net.forward(x, pass);
        Gradients grads;
        compute_gradients(net, reference_rule(), FeedbackMatrices{}, {x, y, pass, net.head(), {}, 0}, grads);
        auto loss = [&] {
            ForwardPass p;
            net.forward(x, p);
            return head_loss(net.head(), p.logits(), p.y_hat, y);
        };
        const float step = 1e-2f;
        for (int s = 0; s < 2; ++s) {
            const auto parameters = net.stage(s).parameters();
            QCOMPARE(grads.stages[static_cast<std::size_t>(s)].tensors.size(), parameters.size());
            for (std::size_t k = 0; k < parameters.size(); ++k) {
                double diff2 = 0.0, norm2 = 0.0;
                for (Index i = 0; i < parameters[k].size(); ++i) {
                    float& v = parameters[k].data[i];
                    const float saved = v;
                    v = saved + step;
                    const double up = loss();
                    v = saved - step;
                    const double down = loss();
                    v = saved;
                    const double numeric = (up - down) / (2.0 * step);
                    const double analytic = grads.stages[static_cast<std::size_t>(s)].tensors[k].data()[i];
                    diff2 += (numeric - analytic) * (numeric - analytic);
                    norm2 += analytic * analytic;
                }
                const double relative = std::sqrt(diff2) / (std::sqrt(norm2) + 1e-7);
                QVERIFY2(relative < 3e-2, qPrintable(QString("stage %1 %2: relative error %3")
                                                         .arg(s).arg(QString::fromStdString(parameters[k].name)).arg(relative)));
            }
        }
    }
};

QTEST_APPLESS_MAIN(TestTransformer)
#include "tst_transformer.moc"
