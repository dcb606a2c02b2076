#pragma once
// Samples the Decision regions view draws: shared by the training session, which picks them, and
// the plot, which keeps them, without either header including the other.
#include "f3/nn/tensor.hpp"

#include <vector>

namespace f3::gui {

// Up to 1500 samples of a data set with one or two inputs.
struct DataPoints {
    Matrix x;
    std::vector<int> labels;     // classification
    std::vector<double> targets; // regression
};

} // namespace f3::gui
