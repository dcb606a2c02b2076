#include "f3/observe/decision_grid.hpp"

#include "f3/nn/network.hpp"

#include <algorithm>

namespace f3 {

PlaneBox padded_box(const Dataset& data) {
    const auto pad = [](double lo, double hi) { return 0.08 * std::max(hi - lo, 1e-3); };
    PlaneBox box;
    box.x_min = data.train_x.col(0).minCoeff();
    box.x_max = data.train_x.col(0).maxCoeff();
    const double px = pad(box.x_min, box.x_max);
    box.x_min -= px;
    box.x_max += px;
    const auto y = data.inputs == 2 ? data.train_x.col(1) : data.train_y.col(0);
    box.y_min = y.minCoeff();
    box.y_max = y.maxCoeff();
    const double py = pad(box.y_min, box.y_max);
    box.y_min -= py;
    box.y_max += py;
    return box;
}

namespace {

// The centres of resolution × resolution cells over `box`, row iy·resolution + ix, as network inputs.
Matrix cell_centres(const PlaneBox& box, int resolution) {
    const Index n = resolution;
    Matrix grid(n * n, 2);
    for (Index iy = 0; iy < n; ++iy)
        for (Index ix = 0; ix < n; ++ix) {
            grid(iy * n + ix, 0) = static_cast<float>(box.x_min + (static_cast<double>(ix) + 0.5) * (box.x_max - box.x_min) / resolution);
            grid(iy * n + ix, 1) = static_cast<float>(box.y_min + (static_cast<double>(iy) + 0.5) * (box.y_max - box.y_min) / resolution);
        }
    return grid;
}

} // namespace

Matrix decision_grid(const Network& network, const PlaneBox& box, int resolution) {
    const Index n = resolution;
    ForwardPass pass;
    network.forward(cell_centres(box, resolution), pass);
    const Matrix& out = pass.y_hat;
    Matrix cells(n, n);
    for (Index k = 0; k < out.rows(); ++k) {
        Index best = 0;
        const float top = out.row(k).maxCoeff(&best);
        const float total = out.row(k).cwiseMax(0.0f).sum();
        const float share = total > 0.0f ? top / total : 1.0f;
        cells(k / n, k % n) = static_cast<float>(best) + 0.999f * std::clamp(share, 0.0f, 1.0f);
    }
    return cells;
}

std::vector<Matrix> hidden_unit_grids(const Network& network, const PlaneBox& box, int resolution) {
    ForwardPass pass;
    network.forward(cell_centres(box, resolution), pass);
    std::vector<Matrix> grids;
    for (std::size_t s = 0; s + 1 < pass.stages.size(); ++s) grids.push_back(std::move(pass.stages[s].output));
    return grids;
}

Matrix fit_curve(const Network& network, double x_min, double x_max, int points) {
    Matrix inputs(points, 1);
    for (int i = 0; i < points; ++i) inputs(i, 0) = static_cast<float>(x_min + i * (x_max - x_min) / (points - 1));
    ForwardPass pass;
    network.forward(inputs, pass);
    return pass.y_hat.col(0).transpose();
}

} // namespace f3
