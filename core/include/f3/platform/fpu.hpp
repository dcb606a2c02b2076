#pragma once

namespace f3 {

// Flushes subnormal floats to zero on this thread and on every OpenMP worker Eigen uses.
// Saturated tanh units produce subnormal deltas late in training, and each one costs the CPU a
// microcode assist: without this, epoch 2 on Fashion-MNIST ran at two thirds of epoch 1's speed.
// Results stay deterministic; values below 1.2e-38 become 0 instead of keeping a few bits.
void flush_subnormals_to_zero();

} // namespace f3
