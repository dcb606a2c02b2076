#pragma once
// A stage of the paper's vision transformer: optionally a linear embedding of the input (the first
// stage: 784 pixels -> D), then one pre-LayerNorm transformer block on the D features seen as T
// tokens of D / T features. Trained as a unit: local backprop inside, the rule's signal at its output.
#include "f3/nn/random.hpp"
#include "f3/nn/stage.hpp"
#include "f3/nn/transformer_ops.hpp"

namespace f3 {

struct TransformerBlockSpec {
    int dim = 256;       // D: features per sample in and out of the block
    int tokens = 16;     // T: D is seen as T tokens of D / T features
    int heads = 4;
    int dim_head = 16;
    int mlp_dim = 64;
    Activation activation = Activation::Tanh;
};

class TransformerStage final : public Stage {
public:
    // `embed` puts the linear embedding inputs -> D in front of the block (else inputs must be D).
    // PyTorch's init, drawn in its module order: embedding W, b; Wqkv; Wo, bo; W1, b1; W2, b2
    // (LayerNorm gains 1, shifts 0).
    TransformerStage(int inputs, const TransformerBlockSpec& spec, bool embed, Rng& rng);

    std::unique_ptr<Stage> clone() const override { return std::make_unique<TransformerStage>(*this); }
    std::string kind() const override { return "transformer"; }
    std::string describe() const override;
    int inputs() const override { return inputs_; }
    int outputs() const override { return spec_.dim; }

    void forward(const Matrix& x, StageCache& cache) const override;
    void backward(const Matrix& x, const StageCache& cache, const Matrix& output_signal, StageGradients& gradients,
                  Matrix* input_signal, const Matrix* transport, const OpClock& clock) const override;
    std::vector<Parameter> parameters() override;
    // Attention has no single matrix a random one could stand in for: feedback alignment refuses it.
    const Matrix* transported_weights() const override { return nullptr; }
    StageCost cost(Index batch) const override;

    const TransformerBlockSpec& spec() const { return spec_; }
    bool embeds() const { return embedding_.size() > 0; }
    AttentionShape attention_shape() const { return {spec_.tokens, spec_.heads, spec_.dim_head}; }
    // The attention maps of the last forward pass into `cache`: (N·heads·T) × T, see AttentionCache.
    static Matrix attention_maps(const StageCache& cache);

private:
    int inputs_;
    TransformerBlockSpec spec_;
    Matrix embedding_;          // D × inputs (empty without embedding)
    RowVector embedding_bias_;  // 1 × D
    BlockWeights<float> block_;
};

} // namespace f3
