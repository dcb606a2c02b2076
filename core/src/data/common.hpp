#pragma once
// Helpers shared by the data loaders (toy, IDX, CSV): bounded file reading, the seeded train/test
// split, standardization and target encoding. Internal to core/src/data; defined in dataset.cpp.
#include "f3/data/dataset.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace f3::data_detail {

// No loader reads or inflates more than this: a hostile or mistaken file fails with a message
// instead of exhausting memory.
inline constexpr std::uint64_t kMaxFileBytes = std::uint64_t{1} << 30; // 1 GiB

// Whole file into memory; DataError naming the path when it is missing, unreadable or over `cap`.
std::vector<std::uint8_t> read_file_bytes(const std::string& path, std::uint64_t cap);
std::string read_file_text(const std::string& path, std::uint64_t cap);
// DataError naming the sizes when a data set of this shape (features and one-hot targets as floats)
// would not fit the memory limit (f3/platform/memory.hpp): checked before allocating it.
void check_data_memory(const std::string& source, Index samples, Index features, Index outputs);

// "/a/b/iris.csv" -> "iris"; "/usr/share/datasets/fashion-mnist/" -> "fashion-mnist".
std::string base_name(const std::string& path);

std::string join(const std::vector<std::string>& items, const std::string& separator);

// Throws DataError("<source>: ...") unless 0 < fraction < 1.
void check_test_fraction(double fraction, const std::string& source);

// Samples as generated or parsed, before the split: row-major features in double precision so that
// statistics of large raw values stay exact, plus either class labels or a numeric target.
struct RawSamples {
    Index rows = 0;
    Index cols = 0;
    std::vector<double> features;            // rows * cols
    std::vector<std::string> feature_names;  // cols, for messages
    std::vector<int> labels;                 // classification: rows values in [0, classes)
    std::vector<double> targets;             // regression: rows values
};

struct SplitOptions {
    std::uint64_t seed = 1;
    double test_fraction = 0.2;
    bool standardize_features = false; // CSV: per column with train stats; toy sets stay as generated
};

// Seeded split (Rng(seed, Stream::Split) shuffles 0..rows-1; the first ceil(fraction * rows) go to
// test, at least one sample on each side), then features (optionally standardized), one-hot or
// standardized targets. Rows keep the shuffled order, so limit_train keeps a random subset.
// `data` must have name, task, outputs and class_names set; everything else is filled here.
void split_into(Dataset& data, const RawSamples& samples, const SplitOptions& options,
                const std::string& source);

// labels.size() x classes, 1 at each sample's class.
Matrix one_hot(const std::vector<int>& labels, int classes);

} // namespace f3::data_detail
