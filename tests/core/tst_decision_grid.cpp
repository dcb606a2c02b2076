// The decision-region view's numbers: a grid of predicted classes and confidences over a box around
// the data, and a fitted curve, on hand-built networks whose answers are known.
#include "f3/nn/dense_stage.hpp"
#include "f3/nn/network.hpp"
#include "f3/observe/decision_grid.hpp"

#include <QtTest>
#include <cmath>

using namespace f3;

namespace {

DenseStage& dense(Network& net, int s) { return dynamic_cast<DenseStage&>(net.stage(s)); }

// Two inputs, a linear hidden layer passing them through, and a softmax over (x + 2y, -(x + 2y)):
// class 0 where x + 2y > 0, class 1 below that line, surer the further from it.
Network line_classifier() {
    Rng rng(1);
    Network net = Network::initialise(2, {{2, Activation::Linear}}, 2, Head::SoftmaxCe, rng);
    dense(net, 0).weight() << 1.0f, 0.0f, 0.0f, 1.0f;
    dense(net, 0).bias().setZero();
    dense(net, 1).weight() << 1.0f, 2.0f, -1.0f, -2.0f;
    dense(net, 1).bias().setZero();
    return net;
}

} // namespace

class TestDecisionGrid : public QObject {
    Q_OBJECT
private slots:
    void cells_hold_the_class_and_its_confidence() {
        const Network net = line_classifier();
        const PlaneBox box{-1.0, 1.0, -1.0, 1.0};
        const int n = 4; // centres at -0.75, -0.25, 0.25, 0.75: never on the line
        const Matrix cells = decision_grid(net, box, n);
        QCOMPARE(cells.rows(), Index{n});
        QCOMPARE(cells.cols(), Index{n});
        for (int iy = 0; iy < n; ++iy)
            for (int ix = 0; ix < n; ++ix) {
                const double x = -0.75 + 0.5 * ix, y = -0.75 + 0.5 * iy; // row iy is y, column ix is x
                const double margin = x + 2.0 * y;
                const int expected_class = margin > 0 ? 0 : 1;
                const double confidence = 1.0 / (1.0 + std::exp(-2.0 * std::abs(margin))); // softmax of (m, -m)
                const double value = cells(iy, ix);
                QCOMPARE(static_cast<int>(std::floor(value)), expected_class);
                QVERIFY2(std::abs((value - expected_class) - 0.999 * confidence) < 1e-5, qPrintable(QString::number(value)));
            }
    }

    void the_box_places_the_cells() {
        // The same line seen through a box entirely above it: every cell is class 0.
        const Matrix cells = decision_grid(line_classifier(), PlaneBox{0.5, 2.0, 0.5, 2.0}, 3);
        for (Index k = 0; k < cells.size(); ++k) QCOMPARE(static_cast<int>(std::floor(cells.data()[k])), 0);
        // A thin box around y = 0.01, across x = 0: the line crosses it at x = -0.02, so the left
        // column (x = -0.5) is class 1 and the right one (x = 0.5) class 0.
        const Matrix strip = decision_grid(line_classifier(), PlaneBox{-1.0, 1.0, 0.0, 0.02}, 2);
        for (Index row = 0; row < 2; ++row) {
            QCOMPARE(static_cast<int>(std::floor(strip(row, 0))), 1);
            QCOMPARE(static_cast<int>(std::floor(strip(row, 1))), 0);
        }
    }

    // Hidden units over the plane: a ReLU layer of units x, -y and x + y, then a tanh unit of
    // their sum; the output stage is not a hidden unit and is not returned.
    void hidden_units_hold_their_activation_at_each_cell() {
        Rng rng(1);
        Network net = Network::initialise(2, {{3, Activation::Relu}, {1, Activation::Tanh}}, 2, Head::SoftmaxCe, rng);
        dense(net, 0).weight() << 1.0f, 0.0f, 0.0f, -1.0f, 1.0f, 1.0f;
        dense(net, 0).bias().setZero();
        dense(net, 1).weight() << 1.0f, 1.0f, 1.0f;
        dense(net, 1).bias() << 0.5f;
        const int n = 4;
        const std::vector<Matrix> grids = hidden_unit_grids(net, PlaneBox{-1.0, 1.0, -1.0, 1.0}, n);
        QCOMPARE(grids.size(), std::size_t{2});
        QCOMPARE(grids[0].rows(), Index{n * n});
        QCOMPARE(grids[0].cols(), Index{3});
        QCOMPARE(grids[1].cols(), Index{1});
        for (int iy = 0; iy < n; ++iy)
            for (int ix = 0; ix < n; ++ix) {
                const float x = -0.75f + 0.5f * static_cast<float>(ix), y = -0.75f + 0.5f * static_cast<float>(iy);
                const float relu[] = {std::max(x, 0.0f), std::max(-y, 0.0f), std::max(x + y, 0.0f)};
                const Index cell = iy * n + ix; // the cell decision_grid puts at (row iy, column ix)
                for (Index u = 0; u < 3; ++u) QCOMPARE(grids[0](cell, u), relu[u]);
                QVERIFY(std::abs(grids[1](cell, 0) - std::tanh(relu[0] + relu[1] + relu[2] + 0.5f)) < 1e-6f);
            }
    }

    void a_curve_is_the_output_at_evenly_spaced_inputs() {
        Rng rng(1);
        Network net = Network::initialise(1, {}, 1, Head::LinearMse, rng);
        dense(net, 0).weight() << 2.0f; // y = 2x + 1
        dense(net, 0).bias() << 1.0f;
        const Matrix curve = fit_curve(net, -1.0, 1.0, 5);
        QCOMPARE(curve.rows(), Index{1});
        QCOMPARE(curve.cols(), Index{5});
        const float expected[] = {-1.0f, 0.0f, 1.0f, 2.0f, 3.0f};
        for (Index i = 0; i < 5; ++i) QCOMPARE(curve(0, i), expected[i]);
    }

    void the_box_pads_the_data_by_eight_percent() {
        Dataset two;
        two.inputs = 2;
        two.train_x.resize(3, 2);
        two.train_x << 0.0f, -1.0f, 1.0f, 1.0f, 0.5f, 0.0f;
        const PlaneBox box = padded_box(two);
        QCOMPARE(box.x_min, -0.08);
        QCOMPARE(box.x_max, 1.08);
        QCOMPARE(box.y_min, -1.16);
        QCOMPARE(box.y_max, 1.16);

        // One input: the target is the y axis; a flat one still gets a box of some height.
        Dataset one;
        one.inputs = 1;
        one.train_x.resize(2, 1);
        one.train_x << 0.0f, 2.0f;
        one.train_y.resize(2, 1);
        one.train_y << 3.0f, 3.0f;
        const PlaneBox flat = padded_box(one);
        QCOMPARE(flat.x_min, -0.16);
        QCOMPARE(flat.x_max, 2.16);
        QCOMPARE(flat.y_min, 3.0 - 0.08e-3);
        QCOMPARE(flat.y_max, 3.0 + 0.08e-3);
    }
};

QTEST_APPLESS_MAIN(TestDecisionGrid)
#include "tst_decision_grid.moc"
