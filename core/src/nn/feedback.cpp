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

FeedbackMatrices FeedbackMatrices::draw(const std::vector<int>& hidden_widths, int outputs, FeedbackInit init,
                                        Rng& rng) {
    FeedbackMatrices fb;
    const std::size_t hidden = hidden_widths.size();
    for (std::size_t i = 0; i < hidden; ++i) {
        Matrix d(outputs, hidden_widths[i]);
        fill_feedback(d, init, rng);
        fb.direct.push_back(std::move(d));
    }
    fb.chain.resize(hidden + 1);
    for (std::size_t j = 1; j < hidden; ++j) {
        Matrix b(hidden_widths[j], hidden_widths[j - 1]);
        fill_feedback(b, init, rng);
        fb.chain[j] = std::move(b);
    }
    if (hidden > 0) fb.chain[hidden] = fb.direct[hidden - 1];
    return fb;
}

} // namespace f3
