// libFuzzer target: the IDX reader and the in-memory gzip path on arbitrary bytes.
// DataError is the documented refusal; anything else (another exception, a crash, a leak, a
// sanitizer report, a broken invariant below) is a finding.
#include "f3/data/dataset.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace {

// Small enough that gzip bombs in a few KB of input reach the limit, large enough for real inflating.
constexpr std::uint64_t kInflateLimit = std::uint64_t{1} << 20;

// What parse_idx promises when it returns: 1..4 non-zero dimensions whose product is the value count.
void check(const f3::IdxArray& array) {
    if (array.dims.empty() || array.dims.size() > 4) std::abort();
    std::uint64_t items = 1;
    for (const std::uint32_t dim : array.dims)
        if (dim == 0 || __builtin_mul_overflow(items, std::uint64_t{dim}, &items)) std::abort();
    if (items != array.values.size()) std::abort();
}

void parse(const std::vector<std::uint8_t>& bytes, const char* name) {
    try {
        check(f3::parse_idx(bytes, name));
    } catch (const f3::DataError&) {
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::vector<std::uint8_t> bytes(data, data + size);
    parse(bytes, "fuzz-idx3-ubyte");
    const bool gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
    try {
        const std::vector<std::uint8_t> inflated = f3::maybe_gunzip(bytes, "fuzz-idx3-ubyte.gz", kInflateLimit);
        if (inflated.size() > kInflateLimit || (!gzip && inflated != bytes)) std::abort();
        if (gzip) parse(inflated, "fuzz-idx3-ubyte.gz");
    } catch (const f3::DataError&) {
    }
    return 0;
}
