// Training throughput benchmark (not run by the tests). For every rule on four network shapes it
// reports samples/s and achieved GFLOP/s, and compares with one large float GEMM from the same build
// on the same threads, so "fraction of the arithmetic limit" is measured rather than guessed.
//
//   build/tests/benchmark/f3bench [--threads N] [--seconds S] [--repeats R] [--only NAME]
#include "f3/train/comparison.hpp"
#include "f3/train/config.hpp"
#include "f3/platform/fpu.hpp"
#include "f3/platform/kernels.hpp"
#include "f3/io/names.hpp"
#include "f3/train/run.hpp"

#include <Eigen/Core>
#include <omp.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace f3;
using Clock = std::chrono::steady_clock;

namespace {

struct Shape {
    const char* name;
    int inputs;
    std::vector<int> hidden;
    int outputs;
    int batch;
    Head head;
};

// Multiply-adds per training sample: forward, the output gradient, and each trained hidden layer's
// weight gradient plus the matrix product that delivers its signal (W or B chain, or a C x n_i projection).
double macs_per_sample(const Shape& s, const RuleTraits& rule) {
    std::vector<double> n = {static_cast<double>(s.inputs)};
    for (int w : s.hidden) n.push_back(w);
    n.push_back(s.outputs);
    const std::size_t L = s.hidden.size();
    double macs = 0.0;
    for (std::size_t i = 1; i < n.size(); ++i) macs += n[i - 1] * n[i]; // forward
    macs += n[L] * n[L + 1];                                             // output layer gradient
    if (!rule.trains_hidden) return macs;
    for (std::size_t i = 1; i <= L; ++i) {
        macs += n[i - 1] * n[i];                                         // hidden weight gradient
        macs += (rule.chains_backward ? n[i + 1] : n[L + 1]) * n[i]; // its signal
    }
    return macs;
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double gemm_gflops(int size, int repeats) {
    Matrix a = Matrix::Constant(size, size, 0.5f), b = Matrix::Constant(size, size, 0.25f), c(size, size);
    c.noalias() = a * b; // warm-up
    double best = 0.0;
    for (int r = 0; r < repeats; ++r) {
        const auto t0 = Clock::now();
        c.noalias() = a * b;
        best = std::max(best, 2.0 * size * static_cast<double>(size) * size / seconds_since(t0) / 1e9);
    }
    return best;
}

struct Timing {
    double samples_per_s;
    double gflops;
};

// `instrument_every` > 0 measures alignment and the op timeline on one step in that many, as the
// GUI and `--instruments` do; 0 trains plainly.
Timing time_rule(const Shape& shape, const std::string& rule, double seconds, int repeats, int instrument_every) {
    constexpr Index kSamples = 8192;
    Rng rng(1);
    Matrix x(kSamples, shape.inputs), y = Matrix::Zero(kSamples, shape.outputs);
    for (Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(rng.normal());
    for (Index r = 0; r < kSamples; ++r) {
        if (shape.head == Head::LinearMse) y(r, 0) = static_cast<float>(rng.normal());
        else y(r, static_cast<Index>(rng.below(static_cast<std::uint64_t>(shape.outputs)))) = 1.0f;
    }
    std::vector<HiddenLayerSpec> hidden;
    for (int w : shape.hidden) hidden.push_back({w, Activation::Tanh});
    const Network net = Network::initialise(shape.inputs, hidden, shape.outputs, shape.head, rng);
    auto feedback = std::make_shared<const FeedbackMatrices>(
        FeedbackMatrices::draw(net, FeedbackInit::Kaiming, rng));
    OptimizerSpec adam;
    adam.learning_rate = 1e-4;
    Run run(parse_rule(rule), net, feedback, adam, y);

    std::vector<Index> order(kSamples);
    for (Index i = 0; i < kSamples; ++i) order[static_cast<std::size_t>(i)] = i;
    rng.shuffle(order);
    Matrix bx(shape.batch, shape.inputs), by(shape.batch, shape.outputs);
    Index cursor = 0;
    long step = 0;
    StepProbe probe;
    probe.alignment = probe.timing = true;
    // The same work as Comparison::step: gather a shuffled batch, then one training step.
    auto one_batch = [&] {
        if (cursor + shape.batch > kSamples) cursor = 0;
        const std::span<const Index> samples(order.data() + cursor, static_cast<std::size_t>(shape.batch));
        for (Index k = 0; k < shape.batch; ++k) {
            bx.row(k) = x.row(samples[static_cast<std::size_t>(k)]);
            by.row(k) = y.row(samples[static_cast<std::size_t>(k)]);
        }
        const bool sampled = instrument_every > 0 && step++ % instrument_every == 0;
        run.train_batch(bx, by, samples, sampled ? &probe : nullptr);
        cursor += shape.batch;
    };
    for (auto t0 = Clock::now(); seconds_since(t0) < 0.2;) one_batch(); // warm-up
    std::vector<double> rates;
    for (int r = 0; r < repeats; ++r) {
        long batches = 0;
        const auto t0 = Clock::now();
        do {
            one_batch();
            ++batches;
        } while (seconds_since(t0) < seconds);
        rates.push_back(static_cast<double>(batches * shape.batch) / seconds_since(t0));
    }
    std::sort(rates.begin(), rates.end());
    const double median = rates[rates.size() / 2];
    return {median, 2.0 * macs_per_sample(shape, rule_info(rule).traits) * median / 1e9};
}

} // namespace

const int kDefaultInstrumentEvery = InstrumentOptions{}.every_steps;

int main(int argc, char** argv) {
    configure_process(argv);
    int threads = 2, repeats = 5;
    double seconds = 0.5;
    std::string only;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--threads")) threads = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--repeats")) repeats = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--only")) only = argv[i + 1];
        else {
            std::fprintf(stderr, "usage: f3bench [--threads N] [--seconds S] [--repeats R] [--only SHAPE]\n");
            return 2;
        }
    }
    omp_set_num_threads(threads); // per thread, as Comparison sets it (see Comparison::prepare_this_thread)
    flush_subnormals_to_zero();
    const double peak = gemm_gflops(2048, 5);
    std::printf("threads %d, %s kernels, Eigen SIMD: %s\n", threads, kernel_variant(), Eigen::SimdInstructionSetsInUse());
    std::printf("reference: 2048^3 float GEMM %.1f GFLOP/s\n\n", peak);
    const std::vector<Shape> shapes = {
        {"784-500-10/b50", 784, {500}, 10, 50, Head::SigmoidBce},
        {"784-1000-1000-10/b100", 784, {1000, 1000}, 10, 100, Head::SigmoidBce},
        {"14-100x10-1/b512", 14, std::vector<int>(10, 100), 1, 512, Head::LinearMse},
        {"2-16-16-2/b16", 2, {16, 16}, 2, 16, Head::SigmoidBce},
    };
    std::printf("%-24s %-8s %12s %9s %8s %14s %9s\n", "network/batch", "rule", "samples/s", "GFLOP/s", "of GEMM",
                "instrumented", "cost");
    for (const auto& shape : shapes) {
        if (!only.empty() && only != shape.name) continue;
        for (const auto& name : rule_names()) {
            const Timing t = time_rule(shape, name, seconds, repeats, 0);
            const Timing probed = time_rule(shape, name, seconds, repeats, kDefaultInstrumentEvery);
            std::printf("%-24s %-8s %12.0f %9.2f %7.1f%% %14.0f %8.1f%%\n", shape.name, name.c_str(), t.samples_per_s, t.gflops,
                        100.0 * t.gflops / peak, probed.samples_per_s, 100.0 * (1.0 - probed.samples_per_s / t.samples_per_s));
            std::fflush(stdout);
        }
    }
    return 0;
}
