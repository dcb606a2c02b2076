#pragma once
// A small, strict JSON document model (RFC 8259) for experiment files: a parser that refuses
// anything a conforming writer would not produce and says where (line:column), and a pretty writer.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace f3::json {

// Bounds that keep a hostile or mistaken document from exhausting memory or the stack.
inline constexpr std::size_t kMaxBytes = std::size_t{64} << 20; // 64 MiB
inline constexpr int kMaxDepth = 64;                            // nested arrays and objects

// line and column are 1-based (columns count characters, not bytes); both are 0 when the error has
// no position (a document over kMaxBytes).
class ParseError : public std::runtime_error {
public:
    ParseError(int line, int column, const std::string& problem);
    int line() const { return line_; }
    int column() const { return column_; }

private:
    int line_, column_;
};

class Value;
using Array = std::vector<Value>;
using Member = std::pair<std::string, Value>;
using Object = std::vector<Member>; // keys in document order; the parser refuses duplicates

enum class Type { Null, Bool, Number, String, Array, Object };
// "null", "a boolean", "a number", ... for messages.
const char* describe(Type type);

class Value {
public:
    Value() = default; // null
    Value(std::nullptr_t) {}
    Value(bool value) : data_(value) {}
    template <class T>
        requires(std::is_arithmetic_v<T> && !std::is_same_v<T, bool>)
    Value(T value) : data_(static_cast<double>(value)) {}
    Value(const char* value) : data_(std::string(value)) {}
    Value(std::string_view value) : data_(std::string(value)) {}
    Value(std::string value) : data_(std::move(value)) {}
    Value(Array value) : data_(std::move(value)) {}
    Value(Object value) : data_(std::move(value)) {}

    Type type() const { return static_cast<Type>(data_.index()); }
    bool is_null() const { return type() == Type::Null; }

    // Each accessor requires the matching type (std::bad_variant_access otherwise).
    bool as_bool() const { return std::get<bool>(data_); }
    double as_number() const { return std::get<double>(data_); }
    const std::string& as_string() const { return std::get<std::string>(data_); }
    const Array& as_array() const { return std::get<Array>(data_); }
    Array& as_array() { return std::get<Array>(data_); }
    const Object& as_object() const { return std::get<Object>(data_); }
    Object& as_object() { return std::get<Object>(data_); }

    // The member named `key` of an object, or nullptr (also when this is not an object).
    const Value* find(std::string_view key) const;

    friend bool operator==(const Value& a, const Value& b) { return a.data_ == b.data_; }

private:
    // Alternative order matches Type.
    std::variant<std::nullptr_t, bool, double, std::string, Array, Object> data_;
};

// Parses one complete document (a leading UTF-8 byte-order mark is skipped). Throws ParseError on
// malformed JSON, invalid UTF-8, duplicate keys, trailing content, nesting deeper than kMaxDepth,
// numbers outside double range and documents larger than kMaxBytes.
Value parse(std::string_view text);

// Pretty form: 2-space indent; arrays of scalars and short objects of scalars on one line; numbers
// in their shortest round-trip form (whole numbers below 1e21 as plain digits), non-finite ones as
// null (JSON has no NaN); a final newline.
std::string write(const Value& value);
// A number as write() prints it ("null" when not finite).
std::string number_text(double value);
// A string as a JSON string literal, quotes and escapes included.
std::string quoted(std::string_view text);
// The paths ("optimizer.learning_rate", "network.hidden[1].width") where two documents differ, in
// a's key order, then keys only b has; objects key by key, arrays of one length element by element,
// anything else as one value. Empty: equal.
std::vector<std::string> differing_paths(const Value& a, const Value& b);

} // namespace f3::json
