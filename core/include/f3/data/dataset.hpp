#pragma once
// Data sets: toy 2-D sets, a 1-D regression set, IDX (MNIST format) folders and CSV files.
// Every loader either returns a complete, validated Dataset or throws DataError whose message names
// the file (or set) and the problem; nothing is allocated beyond what the file can back.
#include "f3/nn/tensor.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <optional>
#include <vector>

namespace f3 {

class DataError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class Task { Classification, Regression };

struct Dataset {
    std::string name;
    Task task = Task::Classification;
    int inputs = 0;   // features per sample
    int outputs = 0;  // classes (classification) or 1 (regression)
    // Features, one sample per row, already scaled (IDX: /255 then standardized with the train
    // mean/std over all pixels, as the reference; CSV: per-column standardization with train stats).
    Matrix train_x, test_x;
    // Targets: one-hot rows (classification) or the standardized target (regression), N x outputs.
    Matrix train_y, test_y;
    // Class index per sample (classification only; empty for regression).
    std::vector<int> train_labels, test_labels;
    std::vector<std::string> class_names;  // optional, size == outputs when known
    // Regression only: the target's train mean/std, so MSE can also be reported in original units.
    double target_mean = 0.0, target_std = 1.0;
    // CSV without a chosen task: which task was inferred from the target column, and why.
    std::string task_note;

    Index train_size() const { return train_x.rows(); }
    Index test_size() const { return test_x.rows(); }
};

// Toy sets. Names: spiral, xor, circles, gaussians, moons, checkerboard (2-D classification),
// sine (1-D regression), friedman1 (10-D regression, Friedman #1). `size` is the total sample count
// before the train/test split; `noise` the std of the Gaussian noise added to each point (2-D sets)
// or target (regression sets). The same seed draws the same samples.
struct ToyOptions {
    int size = 1000;
    double noise = 0.1;
    std::uint64_t seed = 1;
    double test_fraction = 0.2;
};
std::vector<std::string> toy_dataset_names();
Dataset make_toy(const std::string& name, const ToyOptions& options);
// What a toy set is without drawing it: its task, features per sample and outputs (DataError for
// an unknown name).
struct ToyShape {
    Task task = Task::Classification;
    int inputs = 0, outputs = 0;
};
ToyShape toy_shape(const std::string& name);
// Whether a data set source names a built-in toy set (drawn from size, noise and seed) rather than
// Fashion-MNIST, an idx: folder or a csv: file.
bool is_toy_source(const std::string& source);
// Friedman #1's noise-free target of ten features x[0..9] (only x[0..4] matter).
double friedman1(const double* x);

// A folder in MNIST layout: train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
// t10k-labels-idx1-ubyte, each optionally with .gz.
Dataset load_idx_folder(const std::string& folder);
// Debian's dataset-fashion-mnist folder.
inline constexpr const char* kFashionMnistFolder = "/usr/share/datasets/fashion-mnist";

// Raw IDX reader (exposed for tests and fuzzing): parses bytes already read (and gunzipped).
struct IdxArray {
    std::vector<std::uint32_t> dims;
    std::vector<std::uint8_t> values;  // unsigned byte element type only (MNIST)
};
IdxArray parse_idx(const std::vector<std::uint8_t>& bytes, const std::string& source_name);
// Reads a file, gunzipping when it starts with the gzip magic; throws DataError naming the file.
std::vector<std::uint8_t> read_maybe_gzipped(const std::string& path);
// Same with an explicit limit on both the file size and the inflated size (the one above uses 1 GiB),
// so a gzip bomb fails with a message instead of exhausting memory.
std::vector<std::uint8_t> read_maybe_gzipped(const std::string& path, std::uint64_t max_bytes);
// The same on bytes already in memory (exposed for tests and fuzzing): `bytes` unchanged unless they
// start with the gzip magic, else inflated (at most max_bytes, itself capped at 1 GiB); messages
// name `source_name`.
std::vector<std::uint8_t> maybe_gunzip(std::vector<std::uint8_t> bytes, const std::string& source_name,
                                       std::uint64_t max_bytes);

// CSV with a header row. `target` is a column name (or empty for the last column).
// Classification: the target's distinct values become classes (sorted; numeric order if all numeric).
// Regression: the target is standardized with train statistics. Features must be numeric.
// Without a task it is inferred: classification when a target value is text, or when the values are
// at most 50 distinct whole numbers each in at least 2 rows; otherwise regression (Dataset::task_note).
struct CsvOptions {
    std::string target;
    std::optional<Task> task;  // none: inferred
    std::uint64_t seed = 1;
    double test_fraction = 0.2;
};
Dataset load_csv(const std::string& path, const CsvOptions& options);
Dataset parse_csv(const std::string& text, const std::string& source_name, const CsvOptions& options);

// Keeps the first n training samples (n <= 0 or n >= size: unchanged).
void limit_train(Dataset& data, Index n);

// Dataset spec as the CLI and experiment files write it: a toy name, "fashion-mnist",
// "idx:DIR" or "csv:FILE".
struct DatasetSpec {
    std::string source = "spiral";
    std::string target;            // csv only
    std::optional<Task> csv_task;  // none: inferred from the target column
    ToyOptions toy;
    // Where relative csv: and idx: paths start: an experiment file's folder (load_experiment sets
    // it, files do not store it), or empty for the working directory (a command-line --dataset).
    std::string folder;
};
Dataset load_dataset(const DatasetSpec& spec);
// Whether spec.toy.seed changes what load_dataset returns (toy sets are drawn, CSV files split
// with it; IDX folders come with their own split).
bool depends_on_seed(const DatasetSpec& spec);

} // namespace f3
