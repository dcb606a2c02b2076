#pragma once
// Portable random numbers: std::mt19937_64 is specified bit-exactly by the standard, the std::
// distributions are not, so the transforms to uniform/normal/integer live here.
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace f3 {

// Independent streams derived from one run seed, so adding draws to one stream never shifts another.
enum class Stream : std::uint64_t { Init = 1, Shuffle = 2, Feedback = 3, Data = 4, Split = 5 };

class Rng {
public:
    explicit Rng(std::uint64_t seed) : engine_(mix(seed)) {}
    Rng(std::uint64_t seed, Stream stream) : engine_(mix(seed ^ mix(static_cast<std::uint64_t>(stream) * 0x9E3779B97F4A7C15ULL))) {}

    std::uint64_t next() { return engine_(); }
    // Uniform in [0, 1) with 24 random bits: exactly representable in float.
    double uniform() { return static_cast<double>(engine_() >> 40) * (1.0 / 16777216.0); }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // Standard normal by Box-Muller (uses two uniforms per call, no cached state).
    double normal() {
        double u1 = uniform();
        const double u2 = uniform();
        if (u1 < 1e-300) u1 = 1e-300;
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
    // Uniform integer in [0, n) without modulo bias: reject the top partial block of 2^64.
    std::uint64_t below(std::uint64_t n) {
        const std::uint64_t max = ~std::uint64_t{0};
        const std::uint64_t limit = max - max % n;
        for (;;) {
            const std::uint64_t r = engine_();
            if (r < limit) return r % n;
        }
    }
    template <class T> void shuffle(std::vector<T>& v) {
        for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
    }

private:
    static std::uint64_t mix(std::uint64_t z) { // splitmix64 finaliser
        z += 0x9E3779B97F4A7C15ULL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    std::mt19937_64 engine_;
};

} // namespace f3
