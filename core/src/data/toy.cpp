// Toy data sets: small 2-D classification problems that can be drawn in the plane, a 1-D
// regression curve and Friedman's ten-feature regression problem. Every set is drawn from Rng(seed, Stream::Data) only, so a seed gives the same
// samples on every platform; classes are balanced by construction (sample i has class i % classes).
#include "common.hpp"

#include "f3/nn/random.hpp"

#include <array>
#include <cmath>

namespace f3 {
namespace {

using data_detail::RawSamples;

constexpr double kPi = 3.14159265358979323846;
constexpr int kMinSize = 4;
constexpr int kMaxSize = 10'000'000;

using Point = std::array<double, 2>;

// Gaussian jitter of standard deviation `noise` on both coordinates: what `noise` means for every
// 2-D set. Always drawn (even for noise 0) so the stream position never depends on the noise level.
Point jitter(Rng& rng, Point p, double noise) {
    p[0] += noise * rng.normal();
    p[1] += noise * rng.normal();
    return p;
}

// Three interleaved arms from the centre out to radius 1, each turning 4 radians (as CS231n's spiral).
Point spiral(Rng& rng, int arm, double noise) {
    const double t = rng.uniform();
    const double angle = 2.0 * kPi * arm / 3.0 + 4.0 * t;
    return jitter(rng, {t * std::cos(angle), t * std::sin(angle)}, noise);
}

// Uniform in [-1, 1]^2; class 0 where both coordinates have the same sign, class 1 where they differ.
Point xor_quadrants(Rng& rng, int cls, double noise) {
    const double sign = rng.uniform() < 0.5 ? 1.0 : -1.0;
    const double a = rng.uniform();
    const double b = rng.uniform();
    return jitter(rng, {sign * a, (cls == 0 ? sign : -sign) * b}, noise);
}

// Two concentric circles (radius 0.5 inside, 1 outside), as scikit-learn's make_circles(factor=0.5).
Point circles(Rng& rng, int cls, double noise) {
    const double angle = rng.uniform(0.0, 2.0 * kPi);
    const double radius = cls == 0 ? 0.5 : 1.0;
    return jitter(rng, {radius * std::cos(angle), radius * std::sin(angle)}, noise);
}

// Three round blobs (std 0.25) centred on the unit circle 120 degrees apart; noise widens them.
Point gaussians(Rng& rng, int blob, double noise) {
    constexpr double kBlobStd = 0.25;
    const double angle = kPi / 2.0 + 2.0 * kPi * blob / 3.0;
    return jitter(rng, jitter(rng, {std::cos(angle), std::sin(angle)}, kBlobStd), noise);
}

// Two interleaving half circles as scikit-learn's make_moons, shifted to be centred on the origin.
Point moons(Rng& rng, int cls, double noise) {
    const double t = rng.uniform(0.0, kPi);
    const Point p = cls == 0 ? Point{std::cos(t), std::sin(t)} : Point{1.0 - std::cos(t), 0.5 - std::sin(t)};
    return jitter(rng, {p[0] - 0.5, p[1] - 0.25}, noise);
}

// A 4 x 4 board of 0.5-wide cells over [-1, 1]^2; a cell's class is (row + column) % 2. The cell is
// drawn among those of the sample's class, so both classes get exactly their share.
Point checkerboard(Rng& rng, int cls, double noise) {
    const int row = static_cast<int>(rng.below(4));
    const int column = 2 * static_cast<int>(rng.below(2)) + (cls + row) % 2;
    const double x = -1.0 + 0.5 * (column + rng.uniform());
    const double y = -1.0 + 0.5 * (row + rng.uniform());
    return jitter(rng, {x, y}, noise);
}

struct PlaneSet {
    const char* name;
    Point (*sample)(Rng&, int cls, double noise);
    std::vector<std::string> class_names; // one per class
};

const std::vector<PlaneSet>& plane_sets() {
    static const std::vector<PlaneSet> sets = {
        {"spiral", spiral, {"arm 1", "arm 2", "arm 3"}},
        {"xor", xor_quadrants, {"same sign", "opposite sign"}},
        {"circles", circles, {"inner", "outer"}},
        {"gaussians", gaussians, {"blob 1", "blob 2", "blob 3"}},
        {"moons", moons, {"upper", "lower"}},
        {"checkerboard", checkerboard, {"even cell", "odd cell"}},
    };
    return sets;
}


void check_options(const std::string& name, const ToyOptions& options) {
    const std::string source = "toy data set '" + name + "'";
    if (options.size < kMinSize || options.size > kMaxSize)
        throw DataError(source + ": size must be between " + std::to_string(kMinSize) + " and " +
                        std::to_string(kMaxSize) + ", got " + std::to_string(options.size));
    if (!(options.noise >= 0.0) || !std::isfinite(options.noise)) // also rejects NaN
        throw DataError(source + ": noise must be a finite number >= 0, got " + std::to_string(options.noise));
    data_detail::check_test_fraction(options.test_fraction, source);
}

Dataset finish(Dataset data, const RawSamples& samples, const ToyOptions& options) {
    data_detail::SplitOptions split;
    split.seed = options.seed;
    split.test_fraction = options.test_fraction;
    split.standardize_features = false; // already about unit scale; keep the shapes as drawn
    data_detail::split_into(data, samples, split, "toy data set '" + data.name + "'");
    return data;
}

Dataset make_plane_set(const PlaneSet& set, const ToyOptions& options) {
    const int classes = static_cast<int>(set.class_names.size());
    RawSamples samples;
    samples.rows = options.size;
    samples.cols = 2;
    samples.feature_names = {"x1", "x2"};
    samples.features.resize(static_cast<std::size_t>(options.size) * 2);
    samples.labels.resize(static_cast<std::size_t>(options.size));
    Rng rng(options.seed, Stream::Data);
    for (std::size_t i = 0; i < samples.labels.size(); ++i) {
        const int cls = static_cast<int>(i % static_cast<std::size_t>(classes));
        const Point p = set.sample(rng, cls, options.noise);
        samples.features[2 * i] = p[0];
        samples.features[2 * i + 1] = p[1];
        samples.labels[i] = cls;
    }
    Dataset data;
    data.name = set.name;
    data.task = Task::Classification;
    data.outputs = classes;
    data.class_names = set.class_names;
    return finish(std::move(data), samples, options);
}

// y = sin(x) + noise * N(0, 1), x uniform in [-pi, pi]; the target is standardized with train stats.
Dataset make_sine(const ToyOptions& options) {
    RawSamples samples;
    samples.rows = options.size;
    samples.cols = 1;
    samples.feature_names = {"x"};
    samples.features.resize(static_cast<std::size_t>(options.size));
    samples.targets.resize(static_cast<std::size_t>(options.size));
    Rng rng(options.seed, Stream::Data);
    for (std::size_t i = 0; i < samples.targets.size(); ++i) {
        const double x = rng.uniform(-kPi, kPi);
        samples.features[i] = x;
        samples.targets[i] = std::sin(x) + options.noise * rng.normal();
    }
    Dataset data;
    data.name = "sine";
    data.task = Task::Regression;
    data.outputs = 1;
    return finish(std::move(data), samples, options);
}

// Friedman #1 (J. Friedman, Multivariate adaptive regression splines, 1991; sklearn's
// make_friedman1): ten features uniform on [0, 1], of which only the first five matter,
// y = 10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5 + noise * N(0, 1); the target is standardized
// with train stats, the features are kept as drawn.
Dataset make_friedman1(const ToyOptions& options) {
    constexpr int kFeatures = 10;
    RawSamples samples;
    samples.rows = options.size;
    samples.cols = kFeatures;
    for (int f = 1; f <= kFeatures; ++f) samples.feature_names.push_back("x" + std::to_string(f));
    samples.features.resize(static_cast<std::size_t>(options.size) * kFeatures);
    samples.targets.resize(static_cast<std::size_t>(options.size));
    Rng rng(options.seed, Stream::Data);
    for (std::size_t i = 0; i < samples.targets.size(); ++i) {
        double* x = &samples.features[i * kFeatures];
        for (int f = 0; f < kFeatures; ++f) x[f] = rng.uniform();
        samples.targets[i] = friedman1(x) + options.noise * rng.normal();
    }
    Dataset data;
    data.name = "friedman1";
    data.task = Task::Regression;
    data.outputs = 1;
    return finish(std::move(data), samples, options);
}

struct RegressionSet {
    const char* name;
    int inputs;
    Dataset (*make)(const ToyOptions&);
};

constexpr std::array<RegressionSet, 2> kRegressionSets{{{"sine", 1, make_sine}, {"friedman1", 10, make_friedman1}}};

} // namespace

double friedman1(const double* x) {
    return 10.0 * std::sin(kPi * x[0] * x[1]) + 20.0 * (x[2] - 0.5) * (x[2] - 0.5) + 10.0 * x[3] + 5.0 * x[4];
}

std::vector<std::string> toy_dataset_names() {
    std::vector<std::string> names;
    for (const PlaneSet& set : plane_sets()) names.emplace_back(set.name);
    for (const RegressionSet& set : kRegressionSets) names.emplace_back(set.name);
    return names;
}

ToyShape toy_shape(const std::string& name) {
    for (const PlaneSet& set : plane_sets())
        if (name == set.name) return {Task::Classification, 2, static_cast<int>(set.class_names.size())};
    for (const RegressionSet& set : kRegressionSets)
        if (name == set.name) return {Task::Regression, set.inputs, 1};
    throw DataError("unknown toy data set '" + name + "'; valid names: " + data_detail::join(toy_dataset_names(), ", "));
}

Dataset make_toy(const std::string& name, const ToyOptions& options) {
    for (const RegressionSet& set : kRegressionSets) {
        if (name != set.name) continue;
        check_options(name, options);
        return set.make(options);
    }
    for (const PlaneSet& set : plane_sets()) {
        if (name != set.name) continue;
        check_options(name, options);
        return make_plane_set(set, options);
    }
    throw DataError("unknown toy data set '" + name + "'; valid names: " +
                    data_detail::join(toy_dataset_names(), ", "));
}

} // namespace f3
