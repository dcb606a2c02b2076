#include "f3/nn/network.hpp"

#include "f3/nn/activation.hpp"
#include "f3/nn/head.hpp"
#include "f3/observe/instruments.hpp"

#include <cmath>

namespace f3 {

Network Network::initialise(int inputs, const std::vector<HiddenLayerSpec>& hidden, int outputs, Head head, Rng& rng) {
    Network net;
    net.head_ = head;
    int fan_in = inputs;
    auto add = [&](int width, Activation f) {
        DenseLayer layer;
        const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
        layer.weight.resize(width, fan_in);
        for (Index r = 0; r < layer.weight.rows(); ++r)
            for (Index c = 0; c < layer.weight.cols(); ++c)
                layer.weight(r, c) = static_cast<float>(rng.uniform(-bound, bound));
        layer.bias.resize(width);
        for (Index c = 0; c < width; ++c) layer.bias(c) = static_cast<float>(rng.uniform(-bound, bound));
        layer.activation = f;
        net.layers_.push_back(std::move(layer));
        fan_in = width;
    };
    for (const auto& spec : hidden) add(spec.width, spec.activation);
    add(outputs, Activation::Linear);
    return net;
}

void Network::forward(const Matrix& x, ForwardPass& pass, OpDurations* durations) const {
    const std::size_t count = layers_.size();
    pass.pre.resize(count);
    pass.post.resize(count);
    const Matrix* input = &x;
    for (std::size_t i = 0; i < count; ++i) {
        const ScopedOpTimer timer(durations, static_cast<int>(i) + 1, OpKind::Forward);
        const DenseLayer& layer = layers_[i];
        Matrix& a = pass.pre[i];
        a.noalias() = *input * layer.weight.transpose();
        a.rowwise() += layer.bias;
        if (i + 1 < count) activate(layer.activation, a, pass.post[i]);
        else head_output(head_, a, pass.post[i]);
        input = &pass.post[i];
    }
}


} // namespace f3
