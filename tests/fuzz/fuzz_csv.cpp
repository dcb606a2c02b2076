// libFuzzer target: the CSV loader on arbitrary text. The whole input is the file; its first byte
// also picks the options (bit 0: regression instead of classification; bit 1: the target is the
// column named "y" instead of the last one; bit 2: the task left to inference), so a seed's first
// letter decides how it is read: "x..." classification on the last column, "c..." regression on
// column "y", "l..." the task inferred from the last column.
// DataError is the documented refusal; anything else (another exception, a crash, a leak, a
// sanitizer report, a broken invariant below) is a finding.
#include "f3/data/dataset.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

// What parse_csv promises when it returns: a complete, consistent, finite data set.
void check(const f3::Dataset& d, f3::Task task) {
    const auto rows = [](const f3::Matrix& m, f3::Index n, f3::Index cols) { return m.rows() == n && m.cols() == cols; };
    if (d.task != task || d.inputs < 1 || d.outputs < 1) std::abort();
    if (d.train_size() < 1 || d.test_size() < 1) std::abort();
    if (!rows(d.train_x, d.train_size(), d.inputs) || !rows(d.test_x, d.test_size(), d.inputs)) std::abort();
    if (!rows(d.train_y, d.train_size(), d.outputs) || !rows(d.test_y, d.test_size(), d.outputs)) std::abort();
    if (!d.train_x.allFinite() || !d.test_x.allFinite() || !d.train_y.allFinite() || !d.test_y.allFinite()) std::abort();
    if (task == f3::Task::Regression) {
        if (d.outputs != 1 || !d.train_labels.empty() || !d.test_labels.empty()) std::abort();
        if (!(d.target_std > 0.0) || !std::isfinite(d.target_mean) || !std::isfinite(d.target_std)) std::abort();
        return;
    }
    if (d.outputs < 2 || d.class_names.size() != static_cast<std::size_t>(d.outputs)) std::abort();
    if (d.train_labels.size() != static_cast<std::size_t>(d.train_size()) ||
        d.test_labels.size() != static_cast<std::size_t>(d.test_size()))
        std::abort();
    for (const auto* labels : {&d.train_labels, &d.test_labels})
        for (const int label : *labels)
            if (label < 0 || label >= d.outputs) std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    f3::CsvOptions options;
    if (!(data[0] & 4)) options.task = (data[0] & 1) ? f3::Task::Regression : f3::Task::Classification;
    options.target = (data[0] & 2) ? "y" : "";
    options.seed = 7;
    options.test_fraction = 0.25;
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const f3::Dataset parsed = f3::parse_csv(text, "fuzz.csv", options);
        check(parsed, options.task.value_or(parsed.task));
    } catch (const f3::DataError&) {
    }
    return 0;
}
