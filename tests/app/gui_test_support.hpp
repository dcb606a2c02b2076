#pragma once
// What the GUI test programs share: the bound of every wait and the small, quick experiment.
#include "demos.hpp"

namespace f3::test {

// The bound of every wait on a state: only against a hang, never a measure of speed (on a machine
// where other jobs take both cores, 3 epochs of the responsiveness test took 7 minutes).
inline constexpr int kWaitMs = 20 * 60 * 1000;

// The default lesson made small: 400 points, two hidden layers of 16, instruments every 2 steps.
inline Experiment quick_spiral(int epochs) {
    Experiment s = *gui::demo("default");
    s.dataset.toy.size = 400;
    s.training.hidden = {{16, Activation::Tanh}, {16, Activation::Tanh}};
    s.training.epochs = epochs;
    s.instruments.every_steps = 2;
    return s;
}

} // namespace f3::test
