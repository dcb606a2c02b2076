// Each rule's hidden-layer update on tiny networks, against numbers computed by hand and against an
// independent scalar-loop implementation of algorithms.md written in double precision.
#include "f3/io/names.hpp"
#include "f3/nn/dense_stage.hpp"
#include "f3/rules/f3.hpp"
#include "f3/rules/rule.hpp"

#include <QtTest>
#include <cmath>

using namespace f3;

namespace {

Matrix mat(Index rows, Index cols, std::initializer_list<float> values) {
    Matrix m(rows, cols);
    std::copy(values.begin(), values.end(), m.data());
    return m;
}

using Grid = std::vector<std::vector<double>>;

Grid to_grid(const Matrix& m) {
    Grid g(static_cast<std::size_t>(m.rows()), std::vector<double>(static_cast<std::size_t>(m.cols())));
    for (Index r = 0; r < m.rows(); ++r)
        for (Index c = 0; c < m.cols(); ++c) g[r][c] = m(r, c);
    return g;
}

// out[n][j] = sum_k a[n][k] * b[j][k]  (a · bᵀ)
Grid times_transposed(const Grid& a, const Grid& b) {
    Grid out(a.size(), std::vector<double>(b.size(), 0.0));
    for (std::size_t n = 0; n < a.size(); ++n)
        for (std::size_t j = 0; j < b.size(); ++j)
            for (std::size_t k = 0; k < b[j].size(); ++k) out[n][j] += a[n][k] * b[j][k];
    return out;
}
// out[n][k] = sum_j a[n][j] * b[j][k]  (a · b)
Grid times(const Grid& a, const Grid& b) {
    Grid out(a.size(), std::vector<double>(b[0].size(), 0.0));
    for (std::size_t n = 0; n < a.size(); ++n)
        for (std::size_t j = 0; j < b.size(); ++j)
            for (std::size_t k = 0; k < b[j].size(); ++k) out[n][k] += a[n][j] * b[j][k];
    return out;
}

DenseStage& dense(Network& net, int s) { return dynamic_cast<DenseStage&>(net.stage(s)); }

// One step of `rule` on the batch (x, y); F3's stored error for the batch's samples is `stored`.
Gradients step_gradients(const Network& net, const std::string& rule, const FeedbackMatrices& fb, const Matrix& x,
                         const Matrix& y, const Matrix& stored) {
    ForwardPass pass;
    net.forward(x, pass);
    std::vector<Index> samples(static_cast<std::size_t>(x.rows()));
    for (std::size_t k = 0; k < samples.size(); ++k) samples[k] = static_cast<Index>(k);
    const StepData step{x, y, pass, net.head(), samples, 1};
    const std::unique_ptr<Rule> r = make_rule(parse_rule(rule), stored);
    r->begin_step(step, nullptr, {});
    Gradients g;
    compute_gradients(net, *r, fb, step, g);
    return g;
}

void compare(const Matrix& actual, const Grid& expected, const char* what) {
    QCOMPARE(static_cast<std::size_t>(actual.rows()), expected.size());
    for (Index r = 0; r < actual.rows(); ++r)
        for (Index c = 0; c < actual.cols(); ++c)
            if (std::abs(actual(r, c) - expected[r][c]) > 1e-6 + 1e-5 * std::abs(expected[r][c]))
                QFAIL(qPrintable(QString("%1 (%2,%3): got %4, expected %5").arg(what).arg(r).arg(c).arg(actual(r, c)).arg(expected[r][c])));
}

} // namespace

class TestRules : public QObject {
    Q_OBJECT
private slots:
    // 1-1-1 network, linear hidden unit, sigmoid+BCE output, one sample: every number by hand.
    // x = 2, W1 = 0.5, W2 = 2, biases 0, feedback D = 0.25, y = 1.
    // h = 1, a2 = 2, y_hat = sigmoid(2) = 0.8807971, e = y - y_hat = 0.1192029.
    void hand_computed_single_unit_data() {
        QTest::addColumn<QString>("rule");
        QTest::addColumn<double>("expected");
        QTest::newRow("bp") << "bp" << (0.8807971 - 1.0) * 2.0 * 2.0;   // dL/da2 · W2 · x
        QTest::newRow("fa") << "fa" << (0.8807971 - 1.0) * 0.25 * 2.0;  // dL/da2 · B2 · x
        QTest::newRow("dfa") << "dfa" << 0.1192029 * 0.25 * 2.0;        // e · D · x
        QTest::newRow("drtp") << "drtp" << 1.0 * 0.25 * 2.0;            // y · D · x
        QTest::newRow("f3") << "f3" << 0.4 * 0.25 * 2.0;                // stored 0.4 · D · x
    }
    void hand_computed_single_unit() {
        QFETCH(QString, rule);
        QFETCH(double, expected);
        Rng rng(1);
        Network net = Network::initialise(1, {{1, Activation::Linear}}, 1, Head::SigmoidBce, rng);
        dense(net, 0).weight()(0, 0) = 0.5f;
        dense(net, 0).bias()(0) = 0.0f;
        dense(net, 1).weight()(0, 0) = 2.0f;
        dense(net, 1).bias()(0) = 0.0f;
        FeedbackMatrices fb;
        fb.direct = {mat(1, 1, {0.25f})};
        fb.chain = {Matrix(), fb.direct[0]};
        const Matrix x = mat(1, 1, {2.0f}), y = mat(1, 1, {1.0f}), stored = mat(1, 1, {0.4f});
        const Gradients g = step_gradients(net, rule.toStdString(), fb, x, y, stored);
        QVERIFY(std::abs(g.stages[0].tensors[0](0, 0) - expected) < 1e-6);
        // The output layer always gets its true gradient: dL/da2 · h = (y_hat - y) · 1.
        QVERIFY(std::abs(g.stages[1].tensors[0](0, 0) - (0.8807971 - 1.0)) < 1e-6);
    }

    void shallow_computes_only_the_output_gradient() {
        Rng rng(3);
        Network net = Network::initialise(2, {{3, Activation::Tanh}}, 2, Head::SigmoidBce, rng);
        FeedbackMatrices fb = FeedbackMatrices::draw(net, FeedbackInit::Kaiming, rng);
        const Matrix x = mat(1, 2, {0.3f, -0.7f}), y = mat(1, 2, {0.0f, 1.0f});
        const Gradients shallow = step_gradients(net, "shallow", fb, x, y, y), bp = step_gradients(net, "bp", fb, x, y, y);
        QCOMPARE(shallow.stages[1].tensors, bp.stages[1].tensors);
        QVERIFY(shallow.stages[0].tensors.empty());
    }

    // Two hidden layers (2-3-2-2), tanh, batch of 2: every rule against a scalar-loop reference.
    void two_hidden_layers_against_reference_data() {
        QTest::addColumn<QString>("rule");
        for (const char* r : {"bp", "fa", "dfa", "drtp", "f3"}) QTest::newRow(r) << r;
    }
    void two_hidden_layers_against_reference() {
        QFETCH(QString, rule);
        const std::string algorithm = rule.toStdString();
        Rng rng(7);
        Network net = Network::initialise(2, {{3, Activation::Tanh}, {2, Activation::Tanh}}, 2, Head::SigmoidBce, rng);
        FeedbackMatrices fb = FeedbackMatrices::draw(net, FeedbackInit::Kaiming, rng);
        const Matrix x = mat(2, 2, {0.5f, -1.0f, 1.5f, 0.25f});
        const Matrix y = mat(2, 2, {1.0f, 0.0f, 0.0f, 1.0f});
        const Matrix stored = mat(2, 2, {0.3f, -0.2f, -0.6f, 0.9f});
        const Gradients g = step_gradients(net, algorithm, fb, x, y, stored);

        // Reference forward pass.
        auto W = [&](int i) { return to_grid(dense(net, i).weight()); };
        auto layer = [&](const Grid& in, int i, bool hidden) {
            Grid a = times_transposed(in, W(i));
            for (auto& row : a)
                for (std::size_t j = 0; j < row.size(); ++j) {
                    row[j] += dense(net, i).bias()(static_cast<Index>(j));
                    row[j] = hidden ? std::tanh(row[j]) : 1.0 / (1.0 + std::exp(-row[j]));
                }
            return a;
        };
        const Grid X = to_grid(x), Y = to_grid(y), E = to_grid(stored);
        const Grid h1 = layer(X, 0, true), h2 = layer(h1, 1, true), out = layer(h2, 2, false);
        const double N = 2.0, C = 2.0;
        Grid d3(2, std::vector<double>(2)), err(2, std::vector<double>(2));
        for (int n = 0; n < 2; ++n)
            for (int c = 0; c < 2; ++c) {
                d3[n][c] = (out[n][c] - Y[n][c]) / (N * C);
                err[n][c] = (algorithm == "dfa" ? Y[n][c] - out[n][c]
                             : algorithm == "drtp" ? Y[n][c]
                                                             : E[n][c]) / N;
            }
        auto times_tanh_derivative = [](Grid g, const Grid& h) {
            for (std::size_t n = 0; n < g.size(); ++n)
                for (std::size_t j = 0; j < g[n].size(); ++j) g[n][j] *= 1.0 - h[n][j] * h[n][j];
            return g;
        };
        const bool chain = algorithm == "bp" || algorithm == "fa";
        const Grid back3 = algorithm == "bp" ? W(2) : to_grid(fb.direct[1]);
        const Grid back2 = algorithm == "bp" ? W(1) : to_grid(fb.chain[1]);
        const Grid G2 = chain ? times(d3, back3) : times(err, to_grid(fb.direct[1]));
        const Grid d2 = times_tanh_derivative(G2, h2);
        const Grid G1 = chain ? times(d2, back2) : times(err, to_grid(fb.direct[0]));
        const Grid d1 = times_tanh_derivative(G1, h1);
        // ∇W_i[j][k] = sum_n δ_i[n][j] · input[n][k]
        auto weight_gradient = [](const Grid& d, const Grid& in) {
            Grid w(d[0].size(), std::vector<double>(in[0].size(), 0.0));
            for (std::size_t n = 0; n < d.size(); ++n)
                for (std::size_t j = 0; j < d[n].size(); ++j)
                    for (std::size_t k = 0; k < in[n].size(); ++k) w[j][k] += d[n][j] * in[n][k];
            return w;
        };
        compare(g.signal[1], G2, "G2");
        compare(g.signal[0], G1, "G1");
        compare(g.stages[2].tensors[0], weight_gradient(d3, h2), "dW3");
        compare(g.stages[1].tensors[0], weight_gradient(d2, h1), "dW2");
        compare(g.stages[0].tensors[0], weight_gradient(d1, X), "dW1");
    }

    void feedback_inits_have_their_documented_values() {
        Rng rng(5);
        Matrix m(4, 10);
        fill_feedback(m, FeedbackInit::Trinomial, rng);
        QVERIFY((m.array() == -1.0f || m.array() == 0.0f || m.array() == 1.0f).all());
        fill_feedback(m, FeedbackInit::Binomial, rng);
        QVERIFY((m.array() == 0.0f || m.array() == 1.0f).all());
        fill_feedback(m, FeedbackInit::Kaiming, rng);
        QVERIFY(m.cwiseAbs().maxCoeff() <= 1.0f / std::sqrt(10.0f));
        QVERIFY(m.cwiseAbs().maxCoeff() > 0.0f);
        fill_feedback(m, FeedbackInit::PlusMinusIdentity, rng);
        // [I_4, -I_4] tiled: column 0 is e_0, column 4 is -e_0, column 8 is e_0 again.
        QCOMPARE(m(0, 0), 1.0f);
        QCOMPARE(m(0, 4), -1.0f);
        QCOMPARE(m(0, 8), 1.0f);
        QCOMPARE(m.col(5).sum(), -1.0f);
        QCOMPARE(m.cwiseAbs().sum(), 10.0f);
    }

    void fa_and_dfa_share_the_top_feedback_matrix() {
        Rng rng(9);
        const Network net = Network::initialise(5, {{8, Activation::Tanh}, {6, Activation::Tanh}}, 3, Head::SigmoidBce, rng);
        const FeedbackMatrices fb = FeedbackMatrices::draw(net, FeedbackInit::Gaussian, rng);
        QCOMPARE(fb.direct.size(), std::size_t{2});
        QCOMPARE(fb.direct[1].rows(), Index{3});
        QCOMPARE(fb.direct[1].cols(), Index{6});
        QCOMPARE(fb.chain[2], fb.direct[1]);
        QCOMPARE(fb.chain[1].rows(), Index{6});
        QCOMPARE(fb.chain[1].cols(), Index{8});
    }
};

QTEST_APPLESS_MAIN(TestRules)
#include "tst_rules.moc"
