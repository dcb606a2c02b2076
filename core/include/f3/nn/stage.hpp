#pragma once
// A network is a sequence of stages. A stage is the unit that receives one signal at its output:
// it runs forward on a batch and, given the signal at its output, backpropagates locally inside
// itself to fill its parameter gradients and, only when asked, the signal at its input. Which
// signal reaches each stage's output is the training rule's business, not the stage's.
//
// Batches are N × features with one sample per row. A stage that works on tokens reads each row as
// tokens × (features / tokens), contiguous in row-major order, so it reshapes with Eigen::Map and
// no copies; the dense stage never pays for it. Virtual calls happen once per stage per batch.
#include "f3/nn/tensor.hpp"
#include "f3/observe/op_timer.hpp"

#include <any>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace f3 {

// A batch N × (T·d) seen as N·T token rows of d features: the same memory, no copy, so a stage
// that works per token runs one product over all N·T rows.
inline Eigen::Map<const Matrix> token_rows(const Matrix& batch, Index tokens) {
    return {batch.data(), batch.rows() * tokens, batch.cols() / tokens};
}
inline Eigen::Map<Matrix> token_rows(Matrix& batch, Index tokens) {
    return {batch.data(), batch.rows() * tokens, batch.cols() / tokens};
}

// One parameter tensor of a stage, as the optimizer, instruments, matrix views and files see it.
struct Parameter {
    std::string name;   // "W", "b"
    float* data = nullptr;
    Index rows = 0, cols = 0;
    // A bias or shift: left out of the update-alignment angle, which algorithms.md takes over vec(∇W).
    bool is_offset = false;
    Index size() const { return rows * cols; }
    Eigen::Map<Matrix> matrix() const { return {data, rows, cols}; }
};

// What a stage keeps of one forward pass for its backward pass; reused across batches.
struct StageCache {
    Matrix output;              // N × outputs()
    std::vector<Matrix> saved;  // matrices the stage kind needs (the dense stage: its pre-activation)
    std::any state;             // or any other state of its own (the transformer block's)
};

// One stage's gradients, one matrix per parameter in parameters() order, plus scratch the stage
// reuses between batches so the hot path does not allocate.
struct StageGradients {
    std::vector<Matrix> tensors;
    std::vector<Matrix> scratch;
    std::any state;
};

// Multiply-adds of a stage's ops on a batch: the update timeline's logical clock.
struct StageCost {
    double forward = 0.0;
    double input_signal = 0.0; // the backward op that sends the signal to the stage below
    double update = 0.0;       // parameter gradients
};

class Stage {
public:
    virtual ~Stage() = default;
    virtual std::unique_ptr<Stage> clone() const = 0;

    virtual std::string kind() const = 0;        // "dense"
    virtual std::string describe() const = 0;    // "dense 64 tanh", for people
    virtual int inputs() const = 0;              // features per sample
    virtual int outputs() const = 0;

    // x: N × inputs(). Fills cache.output (N × outputs()) and whatever backward needs.
    virtual void forward(const Matrix& x, StageCache& cache) const = 0;
    // From output_signal (∂L/∂output, N × outputs()) fills `gradients`; when `input_signal` is given,
    // also the signal at the input, sent through `transport` in place of the stage's own weights
    // when one is given (feedback alignment) and through the weights otherwise (backprop).
    virtual void backward(const Matrix& x, const StageCache& cache, const Matrix& output_signal,
                          StageGradients& gradients, Matrix* input_signal, const Matrix* transport,
                          const OpClock& clock) const = 0;

    virtual std::vector<Parameter> parameters() = 0;
    // Read-only callers (instruments, views) get the same spans; they must not write through them.
    std::vector<Parameter> parameters() const { return const_cast<Stage*>(this)->parameters(); }
    // The weights a backward chain sends the signal down through, the matrix feedback alignment
    // replaces with a fixed random one of the same shape; nullptr where the stage has no such single
    // matrix (then rules that replace it cannot train this stage).
    virtual const Matrix* transported_weights() const = 0;
    virtual StageCost cost(Index batch) const = 0;
};

} // namespace f3
