// CSV tables: a header row, comma separated, numeric features, a target column that is either a class
// (any text) or a number. Every rejection names the file and, where there is one, the line and column.
#include "common.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <string_view>

namespace f3 {
namespace {

using data_detail::join;

// One-hot targets take rows x classes floats: a numeric column read as classes by mistake must fail
// with advice instead of allocating rows^2 floats.
constexpr std::size_t kMaxClasses = 1000;
// Far beyond any table this tool trains on; stops a line of commas from becoming millions of strings.
constexpr std::size_t kMaxColumns = 1'000'000;

std::string_view trim(std::string_view s) {
    const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
    while (!s.empty() && space(s.front())) s.remove_prefix(1);
    while (!s.empty() && space(s.back())) s.remove_suffix(1);
    return s;
}

// A field as quoted in a message: a runaway field must not make a runaway message.
std::string quoted(std::string_view field) {
    constexpr std::size_t kShown = 40;
    // Built with append: GCC 12 at -O3 raises a false -Wrestrict on "'" + std::string(...).
    std::string text = "'";
    text.append(field.substr(0, kShown)).append(field.size() > kShown ? "...'" : "'");
    return text;
}

// The header's names for a message, the first few only when there are many.
std::string column_list(const std::vector<std::string>& names) {
    constexpr std::size_t kShown = 20;
    if (names.size() <= kShown) return join(names, ", ");
    const std::vector<std::string> first(names.begin(), names.begin() + kShown);
    return join(first, ", ") + ", ... (" + std::to_string(names.size()) + " columns)";
}

// "data.csv: line 7", built only when there is an error to report.
std::string at_line(const std::string& source, std::size_t line_number) {
    return source + ": line " + std::to_string(line_number);
}

// Splits one line into trimmed fields, reusing `fields`' strings (no allocation per row once warm);
// returns the field count, or max_fields + 1 as soon as there are more (the rest is not stored).
// A field may be double-quoted: commas inside, "" for a literal quote.
std::size_t split_line(std::string_view line, std::vector<std::string>& fields, std::size_t max_fields,
                       const std::string& source, std::size_t line_number) {
    std::size_t count = 0;
    std::size_t i = 0;
    const std::size_t n = line.size();
    for (;;) {
        if (count == max_fields) return max_fields + 1;
        if (fields.size() == count) fields.emplace_back();
        std::string& field = fields[count++];
        field.clear();
        while (i < n && (line[i] == ' ' || line[i] == '\t')) ++i;
        if (i < n && line[i] == '"') {
            bool closed = false;
            for (++i; i < n; ++i) {
                if (line[i] != '"') {
                    field += line[i];
                } else if (i + 1 < n && line[i + 1] == '"') {
                    field += '"';
                    ++i;
                } else {
                    closed = true;
                    ++i;
                    break;
                }
            }
            if (!closed)
                throw DataError(at_line(source, line_number) + ": unterminated quoted field " + std::to_string(count));
            while (i < n && (line[i] == ' ' || line[i] == '\t')) ++i;
            if (i < n && line[i] != ',')
                throw DataError(at_line(source, line_number) + ": unexpected text after the quoted field " +
                                std::to_string(count));
        } else {
            const std::size_t start = i;
            while (i < n && line[i] != ',') ++i;
            field.assign(trim(line.substr(start, i - start)));
        }
        if (i >= n) return count;
        ++i; // the comma
    }
}

enum class NumberStatus { Ok, NotANumber, OutOfRange, NotFinite };

NumberStatus parse_number(std::string_view text, double& value) {
    if (!text.empty() && text.front() == '+') text.remove_prefix(1); // from_chars rejects a leading '+'
    if (text.empty()) return NumberStatus::NotANumber;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc::result_out_of_range) return NumberStatus::OutOfRange;
    if (ec != std::errc{} || end != text.data() + text.size()) return NumberStatus::NotANumber;
    return std::isfinite(value) ? NumberStatus::Ok : NumberStatus::NotFinite;
}

// Lines of `text` with their 1-based numbers; CR before LF is dropped, blank lines are skipped.
class LineReader {
public:
    explicit LineReader(std::string_view text) : text_(text) {}
    bool next(std::string_view& line, std::size_t& number) {
        while (position_ < text_.size()) {
            const std::size_t end = std::min(text_.find('\n', position_), text_.size());
            line = text_.substr(position_, end - position_);
            position_ = end + 1;
            ++number_;
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            if (!trim(line).empty()) {
                number = number_;
                return true;
            }
        }
        return false;
    }

private:
    std::string_view text_;
    std::size_t position_ = 0;
    std::size_t number_ = 0;
};

// Distinct target texts in order of first appearance -> class ids in sorted order (numeric order
// when every text is a number, else lexicographic), applied to `labels` in place.
std::vector<std::string> sort_classes(const std::vector<std::string>& first_seen, std::vector<int>& labels) {
    std::vector<double> numbers(first_seen.size());
    bool numeric = true;
    for (std::size_t c = 0; c < first_seen.size() && numeric; ++c)
        numeric = parse_number(first_seen[c], numbers[c]) == NumberStatus::Ok;
    std::vector<int> order(first_seen.size());
    for (std::size_t c = 0; c < order.size(); ++c) order[c] = static_cast<int>(c);
    std::sort(order.begin(), order.end(), [&](int a, int b) {
        if (numeric && numbers[a] != numbers[b]) return numbers[a] < numbers[b];
        return first_seen[a] < first_seen[b];
    });
    std::vector<int> rank(order.size());
    std::vector<std::string> names(order.size());
    for (std::size_t r = 0; r < order.size(); ++r) {
        rank[order[r]] = static_cast<int>(r);
        names[r] = first_seen[order[r]];
    }
    for (int& label : labels) label = rank[label];
    return names;
}

// Throws the message for a field `where` that parse_number did not read.
void check_number(NumberStatus status, const std::string& where, std::string_view field) {
    switch (status) {
    case NumberStatus::Ok: return;
    case NumberStatus::NotANumber: throw DataError(where + ": " + quoted(field) + " is not a number");
    case NumberStatus::OutOfRange: throw DataError(where + ": " + quoted(field) + " is out of range");
    case NumberStatus::NotFinite: throw DataError(where + ": " + quoted(field) + " is not a finite number (NaN/Inf)");
    }
}

// Class ids of the target texts (sorted as sort_classes does), and the class names.
std::vector<std::string> read_classes(const std::vector<std::string>& texts, const std::string& column, const std::string& src,
                                      std::vector<int>& labels) {
    std::map<std::string, int, std::less<>> class_ids; // target text -> id in order of appearance
    std::vector<std::string> first_seen;
    for (const std::string& text : texts) {
        auto id = class_ids.find(std::string_view(text));
        if (id == class_ids.end()) {
            if (first_seen.size() == kMaxClasses)
                throw DataError(src + ": target column " + quoted(column) + " has more than " + std::to_string(kMaxClasses) +
                                " distinct values; for a numeric target use regression");
            id = class_ids.emplace(text, static_cast<int>(first_seen.size())).first;
            first_seen.push_back(text);
        }
        labels.push_back(id->second);
    }
    if (first_seen.size() < 2)
        throw DataError(src + ": target column " + quoted(column) + " has a single class (" + quoted(first_seen.front()) +
                        "); classification needs at least 2");
    return sort_classes(first_seen, labels);
}

// The target texts as numbers; a bad one is named with its line and column (1-based).
std::vector<double> read_numbers(const std::vector<std::string>& texts, const std::vector<std::size_t>& lines,
                                 const std::string& column, std::size_t column_number, const std::string& src) {
    std::vector<double> values(texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
        const auto where = [&] {
            return at_line(src, lines[i]) + ", column " + std::to_string(column_number) + " (" + quoted(column) + ")";
        };
        check_number(parse_number(texts[i], values[i]), where(), texts[i]);
    }
    return values;
}

// The task of a target column read without --task: classes only when the values look like class
// labels (text, or few whole numbers each seen at least twice); any other number is a quantity.
constexpr std::size_t kMaxInferredClasses = 50;
constexpr std::size_t kMinRowsPerInferredClass = 2;

Task infer_task(const std::vector<std::string>& targets, const std::string& column, std::string& reason) {
    std::map<double, std::size_t> counts;
    for (const std::string& text : targets) {
        double value = 0.0;
        if (parse_number(text, value) != NumberStatus::Ok) {
            reason = "target " + quoted(column) + " has a value that is not a number (" + quoted(text) + ")";
            return Task::Classification;
        }
        if (value != std::trunc(value)) {
            reason = "target " + quoted(column) + " has a fractional value (" + quoted(text) + ")";
            return Task::Regression;
        }
        ++counts[value];
    }
    if (counts.size() > kMaxInferredClasses) {
        reason = "target " + quoted(column) + " has " + std::to_string(counts.size()) + " distinct whole numbers, more than the " +
                 std::to_string(kMaxInferredClasses) + " a class label would have";
        return Task::Regression;
    }
    for (const auto& [value, count] : counts)
        if (count < kMinRowsPerInferredClass) {
            char text[40];
            std::snprintf(text, sizeof text, "%.15g", value);
            reason = "target " + quoted(column) + " has the value " + text + " in a single row";
            return Task::Regression;
        }
    reason = "target " + quoted(column) + " has " + std::to_string(counts.size()) + " distinct whole numbers (at most " +
             std::to_string(kMaxInferredClasses) + "), each in at least " + std::to_string(kMinRowsPerInferredClass) + " rows";
    return Task::Classification;
}

} // namespace

Dataset parse_csv(const std::string& text, const std::string& source_name, const CsvOptions& options) {
    const std::string& src = source_name;
    data_detail::check_test_fraction(options.test_fraction, src);
    std::string_view body(text);
    if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3); // UTF-8 byte order mark (Excel)
    LineReader lines(body);
    std::string_view line;
    std::size_t line_number = 0;
    if (!lines.next(line, line_number)) throw DataError(src + ": file is empty");

    std::vector<std::string> fields;
    const std::size_t columns = split_line(line, fields, kMaxColumns, src, line_number);
    if (columns > kMaxColumns)
        throw DataError(src + ": header has more than " + std::to_string(kMaxColumns) + " columns");
    const std::vector<std::string> names(fields.begin(), fields.begin() + static_cast<std::ptrdiff_t>(columns));
    std::map<std::string_view, std::size_t> first_column; // name -> column, to find duplicates
    for (std::size_t c = 0; c < columns; ++c) {
        const auto [seen, added] = first_column.emplace(names[c], c);
        if (!added)
            throw DataError(src + ": header names column " + quoted(names[c]) + " twice (columns " +
                            std::to_string(seen->second + 1) + " and " + std::to_string(c + 1) + ")");
    }
    std::size_t target = columns - 1;
    if (!options.target.empty()) {
        const auto found = std::find(names.begin(), names.end(), options.target);
        if (found == names.end())
            throw DataError(src + ": no target column " + quoted(options.target) +
                            "; available columns: " + column_list(names));
        target = static_cast<std::size_t>(found - names.begin());
    }
    if (columns < 2)
        throw DataError(src + ": needs at least one feature column besides the target column " + quoted(names[target]));

    data_detail::RawSamples samples;
    samples.cols = static_cast<Index>(columns - 1);
    for (std::size_t c = 0; c < columns; ++c)
        if (c != target) samples.feature_names.push_back(names[c]);
    // Reserve from the line count so a large file does not reallocate its values over and over; every
    // value takes at least two bytes ("0,"), which bounds the guess when lines are mostly blank.
    const auto rows_hint = static_cast<std::size_t>(std::count(body.begin(), body.end(), '\n') + 1);
    samples.features.reserve(std::min(rows_hint * (columns - 1), body.size() / 2 + 1));

    // The target's texts are kept until the task is known (it may be inferred from all of them).
    std::vector<std::string> target_texts;
    std::vector<std::size_t> target_lines;
    while (lines.next(line, line_number)) {
        const std::size_t count = split_line(line, fields, columns, src, line_number);
        if (count != columns)
            throw DataError(at_line(src, line_number) + ": expected " + std::to_string(columns) +
                            " fields as in the header, found " +
                            (count > columns ? "more" : std::to_string(count)));
        for (std::size_t c = 0; c < columns; ++c) {
            const std::string& field = fields[c];
            const auto where = [&] {
                return at_line(src, line_number) + ", column " + std::to_string(c + 1) + " (" + quoted(names[c]) + ")";
            };
            if (c == target) {
                if (field.empty()) throw DataError(where() + ": empty target value");
                target_texts.push_back(field);
                target_lines.push_back(line_number);
                continue;
            }
            double value = 0.0;
            if (const NumberStatus status = parse_number(field, value); status != NumberStatus::Ok) check_number(status, where(), field);
            samples.features.push_back(value);
        }
        ++samples.rows;
    }
    if (samples.rows < 2)
        throw DataError(src + ": needs at least 2 data rows, found " + std::to_string(samples.rows));

    Dataset data;
    data.name = data_detail::base_name(src);
    if (options.task) {
        data.task = *options.task;
    } else {
        std::string reason;
        data.task = infer_task(target_texts, names[target], reason);
        data.task_note = src + ": " + (data.task == Task::Regression ? "regression" : "classification") + " inferred: " + reason;
    }
    if (data.task == Task::Classification) {
        data.class_names = read_classes(target_texts, names[target], src, samples.labels);
        data.outputs = static_cast<int>(data.class_names.size());
    } else {
        samples.targets = read_numbers(target_texts, target_lines, names[target], target + 1, src);
        data.outputs = 1;
    }
    data_detail::SplitOptions split;
    split.seed = options.seed;
    split.test_fraction = options.test_fraction;
    split.standardize_features = true;
    data_detail::split_into(data, samples, split, src);
    return data;
}

Dataset load_csv(const std::string& path, const CsvOptions& options) {
    return parse_csv(data_detail::read_file_text(path, data_detail::kMaxFileBytes), path, options);
}

} // namespace f3
