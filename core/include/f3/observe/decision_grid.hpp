#pragma once
// What a network predicts over its input space, for the decision-region view: a grid of cells over
// a box around the data (two inputs), or a curve over the input range (one input).
#include "f3/data/dataset.hpp"
#include "f3/nn/tensor.hpp"

#include <vector>

namespace f3 {

class Network;

struct PlaneBox {
    double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
};

// The box around a data set with one or two inputs: the first input along x and the second (with
// one input: the target) along y, over the training samples, each padded by 8% of its span (of at
// least 1e-3) on both sides.
PlaneBox padded_box(const Dataset& data);

// A network with two inputs over `box`, cut into resolution x resolution cells: cell (row iy,
// column ix) is centred at x = x_min + (ix + 0.5) * (x_max - x_min) / resolution, and likewise y
// by row. Its value is the predicted class (the largest output) plus 0.999 x that output's share of
// the outputs' positive part: floor() gives the class, the rest the confidence.
Matrix decision_grid(const Network& network, const PlaneBox& box, int resolution);

// Every hidden unit's activation over `box`, as TensorFlow Playground draws its neurons: for a
// network with two inputs, per hidden stage (all but the output stage) a (resolution·resolution) ×
// width matrix whose row iy·resolution + ix is the cell decision_grid centres there.
std::vector<Matrix> hidden_unit_grids(const Network& network, const PlaneBox& box, int resolution);

// A network with one input: its first output at `points` (at least 2) inputs evenly spaced from
// x_min to x_max, both ends included, as one row.
Matrix fit_curve(const Network& network, double x_min, double x_max, int points);

} // namespace f3
