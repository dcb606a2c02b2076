// Finite-difference check of the backprop gradient for every hidden activation and output head.
#include "f3/nn/head.hpp"
#include "f3/io/names.hpp"
#include "f3/rules/rule.hpp"

#include <QtTest>

using namespace f3;

namespace {

double batch_loss(const Network& net, const Matrix& x, const Matrix& y) {
    ForwardPass pass;
    net.forward(x, pass);
    return head_loss(net.head(), pass.logits(), pass.y_hat, y);
}

Matrix targets_for(Head head, Index rows, Index cols, Rng& rng) {
    Matrix y = Matrix::Zero(rows, cols);
    for (Index r = 0; r < rows; ++r) {
        if (head == Head::LinearMse)
            for (Index c = 0; c < cols; ++c) y(r, c) = static_cast<float>(rng.normal());
        else
            y(r, static_cast<Index>(rng.below(static_cast<std::uint64_t>(cols)))) = 1.0f;
    }
    return y;
}

} // namespace

class TestGradients : public QObject {
    Q_OBJECT
private slots:
    void backprop_matches_finite_differences_data() {
        QTest::addColumn<int>("activation");
        QTest::addColumn<int>("head");
        for (const auto& act : all_names<Activation>())
            for (const auto& head : all_names<Head>())
                QTest::newRow((act + "/" + head).c_str())
                    << static_cast<int>(parse<Activation>(act)) << static_cast<int>(parse<Head>(head));
    }

    void backprop_matches_finite_differences() {
        QFETCH(int, activation);
        QFETCH(int, head);
        Rng rng(42);
        const auto f = static_cast<Activation>(activation);
        const auto h = static_cast<Head>(head);
        Network net = Network::initialise(3, {{5, f}, {4, f}}, 3, h, rng);
        // Finite differences are meaningless across a ReLU kink: draw inputs whose hidden
        // pre-activations all keep a margin from 0 larger than any perturbation can move them.
        Matrix x(6, 3);
        ForwardPass pass;
        auto min_abs_hidden = [&] {
            float m = 1e30f;
            // A dense hidden stage keeps its pre-activation a in saved[0] (absent for linear stages).
            for (int i = 0; i < net.hidden_count(); ++i)
                for (const Matrix& a : pass.stages[static_cast<std::size_t>(i)].saved) m = std::min(m, a.cwiseAbs().minCoeff());
            return m;
        };
        do {
            for (Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.normal());
            net.forward(x, pass);
        } while (min_abs_hidden() < 0.05f);
        const Matrix y = targets_for(h, 6, 3, rng);
        Gradients grads;
        compute_gradients(net, reference_rule(), FeedbackMatrices{}, {x, y, pass, net.head(), {}, 0}, grads);

        // Central differences in float32 arithmetic: compare whole gradient vectors, not entries.
        const float step = 3e-3f;
        for (int stage = 0; stage < net.stage_count(); ++stage) {
            auto check = [&](float* params, const float* analytic, Index count, const char* what) {
                double diff2 = 0.0, norm2 = 0.0;
                for (Index k = 0; k < count; ++k) {
                    const float saved = params[k];
                    params[k] = saved + step;
                    const double up = batch_loss(net, x, y);
                    params[k] = saved - step;
                    const double down = batch_loss(net, x, y);
                    params[k] = saved;
                    const double numeric = (up - down) / (2.0 * step);
                    diff2 += (numeric - analytic[k]) * (numeric - analytic[k]);
                    norm2 += static_cast<double>(analytic[k]) * analytic[k];
                }
                const double relative = std::sqrt(diff2) / (std::sqrt(norm2) + 1e-6);
                if (relative > 2e-2)
                    QFAIL(qPrintable(QString("stage %1 %2: relative error %3").arg(stage).arg(what).arg(relative)));
                QVERIFY(norm2 > 0.0);
            };
            const std::vector<Parameter> parameters = net.stage(stage).parameters();
            for (std::size_t k = 0; k < parameters.size(); ++k)
                check(parameters[k].data, grads.stages[static_cast<std::size_t>(stage)].tensors[k].data(), parameters[k].size(),
                      parameters[k].name.c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestGradients)
#include "tst_gradients.moc"
