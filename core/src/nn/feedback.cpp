#include "f3/nn/feedback.hpp"

#include <cmath>

namespace f3 {

void fill_feedback(Matrix& m, FeedbackInit init, Rng& rng) {
    const double scale = 1.0 / std::sqrt(static_cast<double>(m.cols()));
    const Index rows = m.rows();
    for (Index r = 0; r < rows; ++r)
        for (Index c = 0; c < m.cols(); ++c) {
            double v = 0.0;
            switch (init) {
            case FeedbackInit::Kaiming: v = rng.uniform(-scale, scale); break;
            // Gaussian with the same 1/sqrt(n) scale as kaiming (our choice; the paper leaves it open).
            case FeedbackInit::Gaussian: v = rng.normal() * scale; break;
            case FeedbackInit::Trinomial: v = static_cast<double>(rng.below(3)) - 1.0; break;
            case FeedbackInit::Binomial: v = static_cast<double>(rng.below(2)); break;
            case FeedbackInit::PlusMinusIdentity: {
                // [I, -I] tiled across the columns.
                const Index k = c % (2 * rows);
                v = k == r ? 1.0 : (k == r + rows ? -1.0 : 0.0);
                break;
            }
            }
            m(r, c) = static_cast<float>(v);
        }
}

FeedbackMatrices FeedbackMatrices::draw(const Network& network, FeedbackInit init, Rng& rng) {
    FeedbackMatrices fb;
    const auto hidden = static_cast<std::size_t>(network.hidden_count());
    for (std::size_t s = 0; s < hidden; ++s) {
        Matrix d(network.outputs(), network.stage(static_cast<int>(s)).outputs());
        fill_feedback(d, init, rng);
        fb.direct.push_back(std::move(d));
    }
    fb.chain.resize(hidden + 1);
    for (std::size_t s = 1; s < hidden; ++s) {
        const Matrix* weights = network.stage(static_cast<int>(s)).transported_weights();
        if (!weights) continue;
        Matrix b(weights->rows(), weights->cols());
        fill_feedback(b, init, rng);
        fb.chain[s] = std::move(b);
    }
    if (hidden > 0) fb.chain[hidden] = fb.direct[hidden - 1];
    return fb;
}

} // namespace f3
