#pragma once
// Matrix conventions for the whole core: float32, row-major, one sample per row (algorithms.md).
#include <Eigen/Core>

namespace f3 {

using Matrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowVector = Eigen::Matrix<float, 1, Eigen::Dynamic>;
using Index = Eigen::Index;

} // namespace f3
