// Data-set entry point (load_dataset, limit_train) and the helpers the loaders share (common.hpp).
#include "common.hpp"

#include "f3/io/file_kind.hpp"
#include "f3/platform/memory.hpp"
#include "f3/nn/random.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <numeric>
#include <system_error>

namespace f3 {
namespace data_detail {

namespace {

// All of `path` into a byte container (std::string or std::vector<uint8_t>); errors name the path.
template <class Buffer> Buffer read_file(const std::string& path, std::uint64_t cap) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (const std::string kind = special_file_kind(path); !kind.empty())
        throw DataError(path + ": it is " + kind + ", not a regular file");
    if (ec || !fs::exists(status)) throw DataError(path + ": no such file");
    if (!fs::is_regular_file(status)) throw DataError(path + ": not a regular file");
    const std::uintmax_t size = fs::file_size(path, ec);
    if (ec) throw DataError(path + ": cannot read size (" + ec.message() + ")");
    if (size > cap)
        throw DataError(path + ": file is " + std::to_string(size) + " bytes, more than the limit of " +
                        std::to_string(cap) + " bytes");

    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) throw DataError(path + ": cannot open (" + std::strerror(errno) + ")");
    Buffer buffer(static_cast<std::size_t>(size), typename Buffer::value_type{});
    const std::size_t got = size == 0 ? 0 : std::fread(buffer.data(), 1, buffer.size(), file.get());
    if (got != buffer.size())
        throw DataError(path + ": read only " + std::to_string(got) + " of " + std::to_string(size) + " bytes");
    return buffer;
}

} // namespace

std::vector<std::uint8_t> read_file_bytes(const std::string& path, std::uint64_t cap) {
    return read_file<std::vector<std::uint8_t>>(path, cap);
}

std::string read_file_text(const std::string& path, std::uint64_t cap) { return read_file<std::string>(path, cap); }

std::string base_name(const std::string& path) {
    std::filesystem::path p(path);
    if (!p.has_filename()) p = p.parent_path(); // trailing slash
    const std::string stem = p.stem().string();
    return stem.empty() ? path : stem;
}

std::string join(const std::vector<std::string>& items, const std::string& separator) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i) out += separator;
        out += items[i];
    }
    return out;
}

void check_test_fraction(double fraction, const std::string& source) {
    if (!(fraction > 0.0 && fraction < 1.0)) // also rejects NaN
        throw DataError(source + ": test fraction must be between 0 and 1 (exclusive), got " +
                        std::to_string(fraction));
}

Matrix one_hot(const std::vector<int>& labels, int classes) {
    Matrix y = Matrix::Zero(static_cast<Index>(labels.size()), classes);
    for (std::size_t i = 0; i < labels.size(); ++i) y(static_cast<Index>(i), labels[i]) = 1.0f;
    return y;
}

namespace {

struct Scale {
    double mean = 0.0;
    double stddev = 1.0;
};

// Population mean/std (as numpy's default) of `value(r)` over the rows in `rows`. A constant column
// gets std 1 and its exact value as mean, so it maps to exact zeros instead of rounding noise / 0.
template <class Value> Scale train_scale(const std::vector<Index>& rows, Value value) {
    const double first = value(rows.front());
    bool constant = true;
    double sum = 0.0;
    for (const Index r : rows) {
        const double v = value(r);
        constant = constant && v == first;
        sum += v;
    }
    if (constant) return {first, 1.0};
    const double mean = sum / static_cast<double>(rows.size());
    double squares = 0.0;
    for (const Index r : rows) {
        const double d = value(r) - mean;
        squares += d * d;
    }
    const double stddev = std::sqrt(squares / static_cast<double>(rows.size()));
    return {mean, stddev > 0.0 ? stddev : 1.0};
}

} // namespace

void check_data_memory(const std::string& source, Index samples, Index features, Index outputs) {
    const auto bytes = static_cast<std::uint64_t>(samples) * static_cast<std::uint64_t>(features + outputs) * sizeof(float);
    const std::string what = source + ": " + std::to_string(samples) + " samples of " + std::to_string(features) + " features and " +
                             std::to_string(outputs) + " outputs (one per class)";
    if (const std::string problem = memory_problem(bytes, what); !problem.empty()) throw DataError(problem);
}

void split_into(Dataset& data, const RawSamples& samples, const SplitOptions& options, const std::string& source) {
    check_test_fraction(options.test_fraction, source);
    const Index rows = samples.rows;
    const Index cols = samples.cols;
    if (rows < 2) throw DataError(source + ": needs at least 2 samples, found " + std::to_string(rows));
    check_data_memory(source, rows, cols, data.outputs);

    std::vector<Index> order(static_cast<std::size_t>(rows));
    std::iota(order.begin(), order.end(), Index{0});
    Rng rng(options.seed, Stream::Split);
    rng.shuffle(order);
    // The epsilon keeps 0.07 * 100 (= 7.000000000000001 in doubles) from rounding up to 8.
    Index test_rows = static_cast<Index>(std::ceil(options.test_fraction * static_cast<double>(rows) - 1e-9));
    test_rows = std::clamp<Index>(test_rows, 1, rows - 1);
    const std::vector<Index> test(order.begin(), order.begin() + test_rows);
    const std::vector<Index> train(order.begin() + test_rows, order.end());

    std::vector<Scale> scales(static_cast<std::size_t>(cols));
    if (options.standardize_features) {
        for (Index c = 0; c < cols; ++c) {
            const Scale s =
                train_scale(train, [&](Index r) { return samples.features[static_cast<std::size_t>(r * cols + c)]; });
            if (!std::isfinite(s.mean) || !std::isfinite(s.stddev))
                throw DataError(source + ": column '" + samples.feature_names[static_cast<std::size_t>(c)] +
                                "' has values too large to standardize");
            scales[static_cast<std::size_t>(c)] = s;
        }
    }
    const auto gather_features = [&](const std::vector<Index>& picked) {
        Matrix x(static_cast<Index>(picked.size()), cols);
        for (Index i = 0; i < x.rows(); ++i) {
            const double* row = samples.features.data() + picked[static_cast<std::size_t>(i)] * cols;
            for (Index c = 0; c < cols; ++c) {
                const Scale& s = scales[static_cast<std::size_t>(c)];
                x(i, c) = static_cast<float>((row[c] - s.mean) / s.stddev);
            }
        }
        // Finite doubles can still overflow float (e.g. a test value far outside a tiny train spread).
        if (!x.allFinite()) throw DataError(source + ": feature values too large for single precision");
        return x;
    };
    data.inputs = static_cast<int>(cols);
    data.train_x = gather_features(train);
    data.test_x = gather_features(test);

    if (data.task == Task::Classification) {
        const auto gather_labels = [&](const std::vector<Index>& picked) {
            std::vector<int> labels(picked.size());
            for (std::size_t i = 0; i < picked.size(); ++i)
                labels[i] = samples.labels[static_cast<std::size_t>(picked[i])];
            return labels;
        };
        data.train_labels = gather_labels(train);
        data.test_labels = gather_labels(test);
        data.train_y = one_hot(data.train_labels, data.outputs);
        data.test_y = one_hot(data.test_labels, data.outputs);
        return;
    }

    const Scale t = train_scale(train, [&](Index r) { return samples.targets[static_cast<std::size_t>(r)]; });
    if (!std::isfinite(t.mean) || !std::isfinite(t.stddev))
        throw DataError(source + ": target values too large to standardize");
    const auto gather_targets = [&](const std::vector<Index>& picked) {
        Matrix y(static_cast<Index>(picked.size()), 1);
        for (Index i = 0; i < y.rows(); ++i)
            y(i, 0) = static_cast<float>(
                (samples.targets[static_cast<std::size_t>(picked[static_cast<std::size_t>(i)])] - t.mean) / t.stddev);
        if (!y.allFinite()) throw DataError(source + ": target values too large for single precision");
        return y;
    };
    data.outputs = 1;
    data.target_mean = t.mean;
    data.target_std = t.stddev;
    data.train_y = gather_targets(train);
    data.test_y = gather_targets(test);
    data.train_labels.clear();
    data.test_labels.clear();
}

} // namespace data_detail

void limit_train(Dataset& data, Index n) {
    if (n <= 0 || n >= data.train_size()) return;
    // Row-major storage: dropping trailing rows keeps the leading ones in place.
    data.train_x.conservativeResize(n, Eigen::NoChange);
    data.train_y.conservativeResize(n, Eigen::NoChange);
    if (!data.train_labels.empty()) data.train_labels.resize(static_cast<std::size_t>(n));
}

namespace {

constexpr const char* kFashionMnistName = "fashion-mnist";
constexpr const char* kIdxPrefix = "idx:";
constexpr const char* kCsvPrefix = "csv:";

// The argument after a "kind:" prefix, or nothing when `source` has another form.
bool strip_prefix(const std::string& source, const std::string& prefix, std::string& rest) {
    if (source.rfind(prefix, 0) != 0) return false;
    rest = source.substr(prefix.size());
    if (rest.empty()) throw DataError("data set '" + source + "': missing path after '" + prefix + "'");
    return true;
}

} // namespace

bool is_toy_source(const std::string& source) {
    return source != kFashionMnistName && source.rfind(kIdxPrefix, 0) != 0 && source.rfind(kCsvPrefix, 0) != 0;
}

bool depends_on_seed(const DatasetSpec& spec) {
    return spec.source != kFashionMnistName && spec.source.rfind(kIdxPrefix, 0) != 0; // IDX sets come split
}

Dataset load_dataset(const DatasetSpec& spec) {
    std::string path;
    if (spec.source == kFashionMnistName) {
        Dataset data = load_idx_folder(kFashionMnistFolder);
        data.name = kFashionMnistName;
        data.class_names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                            "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
        return data;
    }
    const auto resolved = [&] { return spec.folder.empty() ? path : (std::filesystem::path(spec.folder) / path).string(); };
    if (strip_prefix(spec.source, kIdxPrefix, path)) return load_idx_folder(resolved());
    if (strip_prefix(spec.source, kCsvPrefix, path)) {
        CsvOptions options;
        options.target = spec.target;
        options.task = spec.csv_task;
        options.seed = spec.toy.seed;
        options.test_fraction = spec.toy.test_fraction;
        return load_csv(resolved(), options);
    }
    const std::vector<std::string> toys = toy_dataset_names();
    if (std::find(toys.begin(), toys.end(), spec.source) == toys.end())
        throw DataError("unknown data set '" + spec.source + "'; valid: " + data_detail::join(toys, ", ") + ", " +
                        kFashionMnistName + ", " + kIdxPrefix + "DIR, " + kCsvPrefix + "FILE");
    return make_toy(spec.source, spec.toy);
}

} // namespace f3
