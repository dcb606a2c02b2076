#pragma once
// A network: a sequence of stages, then the output head. Stages 0..L-1 are hidden, stage L is the
// output stage whose output the head turns into y_hat.
#include "f3/nn/stage.hpp"
#include "f3/nn/random.hpp"
#include "f3/nn/spec.hpp"

#include <memory>
#include <string>
#include <vector>

namespace f3 {

// Activations of one forward pass; reused across batches so the hot path does not allocate.
struct ForwardPass {
    std::vector<StageCache> stages;
    Matrix y_hat;
    const Matrix& logits() const { return stages.back().output; } // the output stage's pre-head output
    // The input stage `s` saw: x for the first stage, the previous stage's output after that.
    const Matrix& input_of(std::size_t s, const Matrix& x) const { return s == 0 ? x : stages[s - 1].output; }
};

// The side of a square image of `inputs` pixels, or 0 when `inputs` is not a square.
int image_side(int inputs);

class Network {
public:
    Network() = default;
    Network(std::vector<std::unique_ptr<Stage>> stages, Head head);
    Network(const Network& other);
    Network& operator=(const Network& other);
    Network(Network&&) noexcept = default;
    Network& operator=(Network&&) noexcept = default;

    // Dense stages for `hidden`, then a dense output stage; each drawn in turn from `rng`.
    static Network initialise(int inputs, const std::vector<HiddenLayerSpec>& hidden, int outputs, Head head, Rng& rng);

    // The vision transformer of `spec` on square images of `inputs` pixels (check_config first).
    static Network vision_transformer(int inputs, const TransformerSpec& spec, int outputs, Head head, Rng& rng);
    // Its parameter count, without building it (to refuse sizes before allocating them). A patch that
    // does not divide the image side counts as one token.
    static double vision_transformer_parameters(int inputs, const TransformerSpec& spec, int outputs);

    // `durations`, when given, receives each stage's forward time (for the update timeline).
    void forward(const Matrix& x, ForwardPass& pass, OpDurations* durations = nullptr) const;

    int stage_count() const { return static_cast<int>(stages_.size()); }
    int hidden_count() const { return stage_count() - 1; }
    int inputs() const { return stages_.front()->inputs(); }
    int outputs() const { return stages_.back()->outputs(); }
    Head head() const { return head_; }
    Stage& stage(int s) { return *stages_[static_cast<std::size_t>(s)]; }
    const Stage& stage(int s) const { return *stages_[static_cast<std::size_t>(s)]; }
    // Feature widths n_0 (inputs), n_1.. (each stage's output), n_{L+1} = outputs.
    std::vector<int> widths() const;

private:
    std::vector<std::unique_ptr<Stage>> stages_;
    Head head_ = Head::SigmoidBce;
};

} // namespace f3
