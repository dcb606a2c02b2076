// IDX files (the MNIST / Fashion-MNIST format), optionally gzipped. Everything read from a file is
// checked against the bytes actually present before anything is allocated from it.
#include "common.hpp"

#include "f3/io/file_kind.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>

namespace f3 {
namespace {

using data_detail::kMaxFileBytes;

std::string hex_byte(std::uint8_t b) {
    char text[8];
    std::snprintf(text, sizeof text, "0x%02x", static_cast<unsigned>(b));
    return text;
}

bool has_gzip_magic(const std::uint8_t* p, std::size_t n) { return n >= 2 && p[0] == 0x1f && p[1] == 0x8b; }

// Inflates a gzip file (one or more concatenated members) into memory, refusing to produce more than
// `cap` bytes so that a small gzip bomb cannot take unbounded memory.
std::vector<std::uint8_t> gunzip(const std::vector<std::uint8_t>& in, const std::string& path, std::uint64_t cap) {
    z_stream zs{};
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) throw DataError(path + ": cannot initialise zlib");
    struct InflateEnd {
        z_stream* zs;
        ~InflateEnd() { inflateEnd(zs); }
    } const guard{&zs};

    // Room for one byte past the cap tells "exactly cap bytes" (fine) from "more" (refused).
    const std::uint64_t room_limit = cap + 1;
    // The trailer's ISIZE (uncompressed size mod 2^32) is a good first guess for one member (+1 so
    // the end of the stream is seen without growing); it is untrusted, so bound it by deflate's best
    // ratio (~1032:1) as well as by the cap.
    std::uint64_t guess = 64 * 1024;
    if (in.size() >= 18) {
        const std::uint8_t* t = in.data() + in.size() - 4;
        const std::uint64_t isize = t[0] | (t[1] << 8) | (t[2] << 16) | (std::uint64_t{t[3]} << 24);
        guess = std::min(isize + 1, std::uint64_t{in.size()} * 1032);
    }
    std::vector<std::uint8_t> out(static_cast<std::size_t>(std::clamp<std::uint64_t>(guess, 1, room_limit)));

    // Input is at most kMaxFileBytes (< 4 GiB), so it fits zlib's 32-bit counters.
    zs.next_in = const_cast<Bytef*>(in.data());
    zs.avail_in = static_cast<uInt>(in.size());
    std::size_t produced = 0;
    for (;;) {
        if (produced == out.size()) // full, yet below room_limit (checked below)
            out.resize(static_cast<std::size_t>(std::min<std::uint64_t>(room_limit, std::uint64_t{out.size()} * 2)));
        zs.next_out = out.data() + produced;
        zs.avail_out = static_cast<uInt>(out.size() - produced);
        const int rc = inflate(&zs, Z_NO_FLUSH);
        produced = static_cast<std::size_t>(zs.next_out - out.data());
        if (produced > cap)
            throw DataError(path + ": gzip data inflates to more than " + std::to_string(cap) + " bytes (limit)");
        if (rc == Z_STREAM_END) {
            if (zs.avail_in == 0) break;
            // Another member follows (as `cat a.gz b.gz` makes); anything else is not gzip data.
            if (!has_gzip_magic(zs.next_in, zs.avail_in))
                throw DataError(path + ": " + std::to_string(zs.avail_in) + " unexpected bytes after the gzip data");
            inflateReset(&zs);
            continue;
        }
        if (rc == Z_OK) continue;
        // There is always room for output here, so no progress means the input ran out mid-stream.
        if (rc == Z_BUF_ERROR && zs.avail_in == 0) throw DataError(path + ": gzip data is truncated");
        throw DataError(path + ": corrupt gzip data (" + (zs.msg ? zs.msg : "zlib error " + std::to_string(rc)) + ")");
    }
    out.resize(produced);
    if (out.capacity() - produced > produced / 4) out.shrink_to_fit(); // give back doubling slack only
    return out;
}

constexpr std::uint8_t kUnsignedByte = 0x08;
constexpr int kMaxDims = 4;

std::uint32_t read_big_endian(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

// The folder's file `base`, plain or gzipped; DataError when neither exists.
std::string find_idx_file(const std::filesystem::path& folder, const std::string& base) {
    for (const std::string& name : {base, base + ".gz"}) {
        const std::filesystem::path candidate = folder / name;
        std::error_code ec;
        if (std::filesystem::is_regular_file(candidate, ec)) return candidate.string();
        // A FIFO or a link to a device is there, just not readable as a file: say so, not "missing".
        if (const std::string kind = special_file_kind(candidate.string()); !kind.empty())
            throw DataError(candidate.string() + ": it is " + kind + ", not a regular file");
    }
    throw DataError(folder.string() + ": missing " + base + " (or " + base + ".gz)");
}

struct IdxImages {
    std::string path;
    std::uint32_t count = 0;
    std::uint32_t rows = 0, cols = 0;
    std::vector<std::uint8_t> pixels; // count * rows * cols
};

IdxImages read_images(const std::string& path) {
    IdxArray array = parse_idx(read_maybe_gzipped(path), path);
    if (array.dims.size() != 3)
        throw DataError(path + ": expected 3 dimensions (images x rows x columns), found " +
                        std::to_string(array.dims.size()));
    return {path, array.dims[0], array.dims[1], array.dims[2], std::move(array.values)};
}

std::vector<int> read_labels(const std::string& path, const IdxImages& images) {
    const IdxArray array = parse_idx(read_maybe_gzipped(path), path);
    if (array.dims.size() != 1)
        throw DataError(path + ": expected 1 dimension (labels), found " + std::to_string(array.dims.size()));
    if (array.dims[0] != images.count)
        throw DataError(path + ": holds " + std::to_string(array.dims[0]) + " labels but " + images.path +
                        " holds " + std::to_string(images.count) + " images");
    std::vector<int> labels(array.values.size());
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (array.values[i] > 9)
            throw DataError(path + ": label " + std::to_string(array.values[i]) + " of item " + std::to_string(i) +
                            " is outside 0..9");
        labels[i] = array.values[i];
    }
    return labels;
}

} // namespace

std::vector<std::uint8_t> read_maybe_gzipped(const std::string& path) {
    return read_maybe_gzipped(path, kMaxFileBytes);
}

std::vector<std::uint8_t> read_maybe_gzipped(const std::string& path, std::uint64_t max_bytes) {
    // zlib counts in 32 bits: never above the default limit, which is far below that.
    max_bytes = std::min<std::uint64_t>(max_bytes, kMaxFileBytes);
    return maybe_gunzip(data_detail::read_file_bytes(path, max_bytes), path, max_bytes);
}

std::vector<std::uint8_t> maybe_gunzip(std::vector<std::uint8_t> bytes, const std::string& source_name,
                                       std::uint64_t max_bytes) {
    max_bytes = std::min<std::uint64_t>(max_bytes, kMaxFileBytes);
    if (!has_gzip_magic(bytes.data(), bytes.size())) return bytes;
    if (bytes.size() > max_bytes) // as read_maybe_gzipped refuses such a file before reading it
        throw DataError(source_name + ": gzip data is " + std::to_string(bytes.size()) + " bytes, more than the limit of " +
                        std::to_string(max_bytes) + " bytes");
    return gunzip(bytes, source_name, max_bytes);
}

IdxArray parse_idx(const std::vector<std::uint8_t>& bytes, const std::string& source_name) {
    const std::string& src = source_name;
    if (bytes.size() < 4)
        throw DataError(src + ": " + std::to_string(bytes.size()) + " bytes is too short for an IDX header");
    if (bytes[0] != 0 || bytes[1] != 0)
        throw DataError(src + ": not an IDX file (magic starts " + hex_byte(bytes[0]) + " " + hex_byte(bytes[1]) +
                        ", expected 0x00 0x00)");
    if (bytes[2] != kUnsignedByte)
        throw DataError(src + ": IDX element type " + hex_byte(bytes[2]) +
                        " is not supported (only unsigned byte, 0x08)");
    const int ndim = bytes[3];
    if (ndim < 1 || ndim > kMaxDims)
        throw DataError(src + ": IDX dimension count " + std::to_string(ndim) + " is outside 1.." +
                        std::to_string(kMaxDims));
    const std::size_t header = 4 + 4 * static_cast<std::size_t>(ndim);
    if (bytes.size() < header)
        throw DataError(src + ": file ends inside its header (" + std::to_string(ndim) + " dimensions need " +
                        std::to_string(header) + " bytes, file has " + std::to_string(bytes.size()) + ")");

    IdxArray array;
    array.dims.resize(static_cast<std::size_t>(ndim));
    std::uint64_t items = 1;
    bool overflow = false;
    std::string claim;
    for (int d = 0; d < ndim; ++d) {
        const std::uint32_t dim = read_big_endian(bytes.data() + 4 + 4 * d);
        if (dim == 0) throw DataError(src + ": dimension " + std::to_string(d + 1) + " is 0");
        array.dims[static_cast<std::size_t>(d)] = dim;
        overflow = overflow || __builtin_mul_overflow(items, std::uint64_t{dim}, &items);
        claim += (d ? " x " : "") + std::to_string(dim);
    }
    const std::uint64_t data_bytes = bytes.size() - header;
    if (overflow || items != data_bytes) {
        if (ndim > 1) claim += overflow ? " (more than 2^64)" : " = " + std::to_string(items);
        throw DataError(src + ": header claims " + claim + " items but file holds " + std::to_string(data_bytes) +
                        " bytes of data");
    }
    // Only now, with the size proven by the bytes present, is anything allocated.
    array.values.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
    return array;
}

Dataset load_idx_folder(const std::string& folder) {
    std::error_code ec;
    if (!std::filesystem::is_directory(folder, ec))
        throw DataError(folder + (std::filesystem::exists(folder, ec) ? ": not a folder" : ": no such folder"));
    const std::filesystem::path dir(folder);

    const IdxImages train_images = read_images(find_idx_file(dir, "train-images-idx3-ubyte"));
    std::vector<int> train_labels = read_labels(find_idx_file(dir, "train-labels-idx1-ubyte"), train_images);
    const IdxImages test_images = read_images(find_idx_file(dir, "t10k-images-idx3-ubyte"));
    std::vector<int> test_labels = read_labels(find_idx_file(dir, "t10k-labels-idx1-ubyte"), test_images);
    if (test_images.rows != train_images.rows || test_images.cols != train_images.cols)
        throw DataError(test_images.path + ": images are " + std::to_string(test_images.rows) + " x " +
                        std::to_string(test_images.cols) + " but training images are " +
                        std::to_string(train_images.rows) + " x " + std::to_string(train_images.cols));

    // One mean and std over all training pixels of x/255, as the reference script; a histogram of
    // the 256 byte values gives them exactly and fast, and a lookup table applies them.
    std::array<std::uint64_t, 256> histogram{};
    for (const std::uint8_t p : train_images.pixels) ++histogram[p];
    const double n = static_cast<double>(train_images.pixels.size());
    double mean = 0.0;
    for (int v = 0; v < 256; ++v) mean += static_cast<double>(histogram[v]) * (v / 255.0);
    mean /= n;
    double variance = 0.0;
    for (int v = 0; v < 256; ++v) variance += static_cast<double>(histogram[v]) * std::pow(v / 255.0 - mean, 2);
    double stddev = std::sqrt(variance / n);
    if (!(stddev > 0.0)) stddev = 1.0; // all pixels equal: centre only
    std::array<float, 256> scaled{};
    for (int v = 0; v < 256; ++v) scaled[v] = static_cast<float>((v / 255.0 - mean) / stddev);

    const auto features = [&](const IdxImages& images) {
        Matrix x(static_cast<Index>(images.count), static_cast<Index>(images.rows) * images.cols);
        float* out = x.data(); // row-major: sample after sample, pixel after pixel, as in the file
        for (std::size_t i = 0; i < images.pixels.size(); ++i) out[i] = scaled[images.pixels[i]];
        return x;
    };

    data_detail::check_data_memory(folder, static_cast<Index>(train_images.count) + test_images.count,
                                   static_cast<Index>(train_images.rows) * train_images.cols, 10);
    Dataset data;
    data.name = data_detail::base_name(folder);
    data.task = Task::Classification;
    data.inputs = static_cast<int>(train_images.rows * train_images.cols);
    data.outputs = 10; // MNIST layout: labels 0..9, whether or not every digit occurs
    data.train_x = features(train_images);
    data.test_x = features(test_images);
    data.train_y = data_detail::one_hot(train_labels, data.outputs);
    data.test_y = data_detail::one_hot(test_labels, data.outputs);
    data.train_labels = std::move(train_labels);
    data.test_labels = std::move(test_labels);
    for (int c = 0; c < data.outputs; ++c) data.class_names.push_back(std::to_string(c));
    return data;
}

} // namespace f3
