#include "f3/io/json.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace f3::json {
namespace {

std::string position_prefix(int line, int column) {
    return line > 0 ? std::to_string(line) + ":" + std::to_string(column) + ": " : "";
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// How an offending byte reads in a message.
std::string describe_byte(std::string_view text, std::size_t at) {
    if (at >= text.size()) return "end of input";
    const auto c = static_cast<unsigned char>(text[at]);
    if (c >= 0x20 && c < 0x7f) return std::string("'") + static_cast<char>(c) + "'";
    char buf[16];
    std::snprintf(buf, sizeof buf, "byte 0x%02x", c);
    return buf;
}

void append_utf8(std::string& out, std::uint32_t code_point) {
    if (code_point < 0x80) {
        out += static_cast<char>(code_point);
    } else if (code_point < 0x800) {
        out += static_cast<char>(0xc0 | (code_point >> 6));
        out += static_cast<char>(0x80 | (code_point & 0x3f));
    } else if (code_point < 0x10000) {
        out += static_cast<char>(0xe0 | (code_point >> 12));
        out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (code_point & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (code_point >> 18));
        out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (code_point & 0x3f));
    }
}

// Strings are bytes (a Linux file name may be any), JSON text is UTF-8: a byte that is not part of
// well-formed UTF-8 is written as a lone low surrogate \udc80-\udcff (Python's "surrogateescape",
// PEP 383) and read back as that byte, so a saved file name comes back exactly.
constexpr std::uint32_t kEscapedByteFirst = 0xdc80, kEscapedByteLast = 0xdcff;

// Length of the well-formed UTF-8 sequence starting at text[at] (Unicode table 3-7: no overlong
// forms, no surrogates, nothing above U+10FFFF), or 0.
std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
    const auto byte = [&](std::size_t i) { return at + i < text.size() ? static_cast<unsigned char>(text[at + i]) : 0u; };
    const unsigned lead = byte(0);
    const auto continuation = [&](std::size_t i, unsigned low = 0x80, unsigned high = 0xbf) {
        return byte(i) >= low && byte(i) <= high;
    };
    if (lead < 0x80) return 1;
    if (lead >= 0xc2 && lead <= 0xdf) return continuation(1) ? 2 : 0;
    if (lead >= 0xe0 && lead <= 0xef) {
        const unsigned low = lead == 0xe0 ? 0xa0 : 0x80, high = lead == 0xed ? 0x9f : 0xbf;
        return continuation(1, low, high) && continuation(2) ? 3 : 0;
    }
    if (lead >= 0xf0 && lead <= 0xf4) {
        const unsigned low = lead == 0xf0 ? 0x90 : 0x80, high = lead == 0xf4 ? 0x8f : 0xbf;
        return continuation(1, low, high) && continuation(2) && continuation(3) ? 4 : 0;
    }
    return 0;
}

class Parser {
public:
    explicit Parser(std::string_view text) : text_(text) {}

    Value document() {
        if (text_.size() > kMaxBytes)
            throw ParseError(0, 0, "document is " + std::to_string(text_.size()) + " bytes, more than the limit of " +
                                       std::to_string(kMaxBytes >> 20) + " MiB");
        if (text_.substr(0, 3) == "\xef\xbb\xbf") pos_ = 3;
        skip_whitespace();
        if (pos_ == text_.size()) fail(pos_, "empty document");
        Value value = parse_value();
        skip_whitespace();
        if (pos_ != text_.size()) fail(pos_, "unexpected " + describe_byte(text_, pos_) + " after the JSON value");
        return value;
    }

private:
    // Line and column are worked out only here, so the hot path tracks nothing but the offset.
    [[noreturn]] void fail(std::size_t at, const std::string& problem) const {
        at = std::min(at, text_.size());
        int line = 1, column = 1;
        for (std::size_t i = 0; i < at; ++i) {
            const auto c = static_cast<unsigned char>(text_[i]);
            if (c == '\n') {
                ++line;
                column = 1;
            } else if ((c & 0xc0) != 0x80) { // continuation bytes belong to the previous character
                ++column;
            }
        }
        throw ParseError(line, column, problem);
    }

    bool at_end() const { return pos_ >= text_.size(); }
    char peek() const { return at_end() ? '\0' : text_[pos_]; }

    void skip_whitespace() {
        while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++pos_;
    }

    void expect(char c, const char* context) {
        if (peek() != c || at_end())
            fail(pos_, std::string("expected '") + c + "' " + context + ", found " + describe_byte(text_, pos_));
        ++pos_;
    }

    Value parse_value() {
        switch (peek()) {
        case '{': return parse_object();
        case '[': return parse_array();
        case '"': return parse_string();
        case 't': return parse_literal("true", true);
        case 'f': return parse_literal("false", false);
        case 'n': return parse_literal("null", nullptr);
        default:
            if (peek() == '-' || is_digit(peek())) return parse_number();
            fail(pos_, "expected a value, found " + describe_byte(text_, pos_));
        }
    }

    Value parse_literal(std::string_view word, Value value) {
        if (text_.substr(pos_, word.size()) != word) fail(pos_, "invalid literal (expected " + std::string(word) + ")");
        pos_ += word.size();
        return value;
    }

    void enter(std::size_t at) {
        if (++depth_ > kMaxDepth) fail(at, "nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    }

    Value parse_array() {
        enter(pos_);
        ++pos_; // '['
        Array items;
        skip_whitespace();
        if (peek() == ']' && !at_end()) {
            ++pos_;
            --depth_;
            return items;
        }
        for (;;) {
            skip_whitespace();
            if (peek() == ']' && !items.empty()) fail(pos_, "trailing comma before ']'");
            items.push_back(parse_value());
            skip_whitespace();
            if (peek() == ',' && !at_end()) {
                ++pos_;
                continue;
            }
            if (peek() == ']' && !at_end()) break;
            fail(pos_, "expected ',' or ']' in an array, found " + describe_byte(text_, pos_));
        }
        ++pos_;
        --depth_;
        return items;
    }

    Value parse_object() {
        enter(pos_);
        ++pos_; // '{'
        Object members;
        std::vector<std::size_t> key_offsets;
        skip_whitespace();
        if (peek() == '}' && !at_end()) {
            ++pos_;
            --depth_;
            return members;
        }
        for (;;) {
            skip_whitespace();
            if (peek() == '}' && !members.empty()) fail(pos_, "trailing comma before '}'");
            if (peek() != '"' || at_end()) fail(pos_, "expected a key in double quotes, found " + describe_byte(text_, pos_));
            key_offsets.push_back(pos_);
            std::string key = parse_string().as_string();
            skip_whitespace();
            expect(':', "after a key");
            skip_whitespace();
            members.emplace_back(std::move(key), parse_value());
            skip_whitespace();
            if (peek() == ',' && !at_end()) {
                ++pos_;
                continue;
            }
            if (peek() == '}' && !at_end()) break;
            fail(pos_, "expected ',' or '}' in an object, found " + describe_byte(text_, pos_));
        }
        ++pos_;
        --depth_;
        check_unique_keys(members, key_offsets);
        return members;
    }

    // Sorting instead of a search per insertion keeps a huge object from taking quadratic time.
    void check_unique_keys(const Object& members, const std::vector<std::size_t>& offsets) const {
        if (members.size() < 2) return;
        std::vector<std::size_t> order(members.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t a, std::size_t b) { return members[a].first < members[b].first; });
        std::size_t first_repeat = members.size();
        for (std::size_t i = 1; i < order.size(); ++i)
            if (members[order[i]].first == members[order[i - 1]].first) first_repeat = std::min(first_repeat, order[i]);
        if (first_repeat < members.size())
            fail(offsets[first_repeat], "duplicate key '" + members[first_repeat].first + "'");
    }

    Value parse_string() {
        const std::size_t start = pos_;
        ++pos_; // '"'
        std::string out;
        for (;;) {
            if (at_end()) fail(start, "unterminated string");
            const auto c = static_cast<unsigned char>(text_[pos_]);
            if (c == '"') {
                ++pos_;
                return out;
            }
            if (c == '\\') {
                parse_escape(out);
                continue;
            }
            if (c < 0x20) fail(pos_, "control character " + describe_byte(text_, pos_) + " in a string (write it as an escape)");
            if (c < 0x80) { // a run of plain ASCII in one append
                std::size_t end = pos_ + 1;
                while (end < text_.size() && text_[end] >= 0x20 && text_[end] != '"' && text_[end] != '\\') ++end;
                out.append(text_.substr(pos_, end - pos_));
                pos_ = end;
                continue;
            }
            const std::size_t length = utf8_sequence_length(text_, pos_);
            if (length == 0) fail(pos_, "invalid UTF-8 (" + describe_byte(text_, pos_) + ")");
            out.append(text_.substr(pos_, length));
            pos_ += length;
        }
    }

    void parse_escape(std::string& out) {
        const std::size_t start = pos_;
        ++pos_; // '\'
        const char c = peek();
        if (at_end()) fail(start, "unterminated string");
        ++pos_;
        switch (c) {
        case '"': out += '"'; return;
        case '\\': out += '\\'; return;
        case '/': out += '/'; return;
        case 'b': out += '\b'; return;
        case 'f': out += '\f'; return;
        case 'n': out += '\n'; return;
        case 'r': out += '\r'; return;
        case 't': out += '\t'; return;
        case 'u': break;
        default: fail(start, "invalid escape '\\" + std::string(1, c) + "'");
        }
        std::uint32_t code_point = hex4(start);
        if (code_point >= kEscapedByteFirst && code_point <= kEscapedByteLast) { // a byte that is not UTF-8 (see write_string)
            out += static_cast<char>(code_point & 0xff);
            return;
        }
        if (code_point >= 0xdc00 && code_point <= 0xdfff) fail(start, "unpaired surrogate in a \\u escape");
        if (code_point >= 0xd800 && code_point <= 0xdbff) {
            if (text_.substr(pos_, 2) != "\\u") fail(start, "unpaired surrogate in a \\u escape");
            pos_ += 2;
            const std::uint32_t low = hex4(start);
            if (low < 0xdc00 || low > 0xdfff) fail(start, "unpaired surrogate in a \\u escape");
            code_point = 0x10000 + ((code_point - 0xd800) << 10) + (low - 0xdc00);
        }
        append_utf8(out, code_point);
    }

    std::uint32_t hex4(std::size_t escape_start) {
        std::uint32_t value = 0;
        for (int i = 0; i < 4; ++i, ++pos_) {
            const char c = peek();
            int digit = -1;
            if (is_digit(c)) digit = c - '0';
            else if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F') digit = c - 'A' + 10;
            if (digit < 0 || at_end()) fail(escape_start, "\\u needs four hex digits");
            value = value * 16 + static_cast<std::uint32_t>(digit);
        }
        return value;
    }

    // RFC 8259 grammar first, then std::from_chars (locale-independent, correctly rounded).
    Value parse_number() {
        const std::size_t start = pos_;
        if (peek() == '-') ++pos_;
        if (!is_digit(peek())) fail(start, "invalid number (a digit must follow '-')");
        if (peek() == '0') {
            ++pos_;
            if (is_digit(peek())) fail(start, "invalid number (no leading zeros)");
        } else {
            while (is_digit(peek())) ++pos_;
        }
        if (peek() == '.') {
            ++pos_;
            if (!is_digit(peek())) fail(start, "invalid number (a digit must follow '.')");
            while (is_digit(peek())) ++pos_;
        }
        if (peek() == 'e' || peek() == 'E') {
            ++pos_;
            if (peek() == '+' || peek() == '-') ++pos_;
            if (!is_digit(peek())) fail(start, "invalid number (the exponent needs digits)");
            while (is_digit(peek())) ++pos_;
        }
        double value = 0.0;
        const auto result = std::from_chars(text_.data() + start, text_.data() + pos_, value);
        if (result.ec == std::errc::result_out_of_range)
            fail(start, "number " + std::string(text_.substr(start, pos_ - start)) + " is out of double range");
        if (result.ec != std::errc() || result.ptr != text_.data() + pos_) fail(start, "invalid number");
        return value;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
    int depth_ = 0;
};

void write_string(std::string& out, std::string_view s) {
    out += '"';
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (static_cast<unsigned char>(c) >= 0x80) {
            const std::size_t length = utf8_sequence_length(s, i);
            if (length == 0) { // not UTF-8: escaped as a lone surrogate, which the reader turns back into the byte
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", kEscapedByteFirst - 0x80 + static_cast<unsigned char>(c));
                out += buf;
            } else {
                out.append(s.substr(i, length));
                i += length - 1;
            }
            continue;
        }
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
                out += buf;
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

constexpr double kPlainWholeNumberLimit = 1e21; // 22 digits at most: fits the buffer below

void write_number(std::string& out, double v) {
    if (!std::isfinite(v)) {
        out += "null";
        return;
    }
    // Shortest form that reads back exactly; whole numbers (widths, seeds, counts) as plain digits
    // rather than 1e+06, which is as exact and easier to read and edit.
    char buf[32];
    const bool plain = std::trunc(v) == v && std::fabs(v) < kPlainWholeNumberLimit;
    const auto result = plain ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed)
                              : std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, result.ptr);
}

// Small flat objects (a hidden layer) read better on one line; longer ones get a line per member.
constexpr std::size_t kOneLineObject = 60;

bool is_container(const Value& v) { return v.type() == Type::Array || v.type() == Type::Object; }

void write_value(std::string& out, const Value& value, int indent) {
    const auto newline = [&](int level) {
        out += '\n';
        out.append(static_cast<std::size_t>(level) * 2, ' ');
    };
    switch (value.type()) {
    case Type::Null: out += "null"; return;
    case Type::Bool: out += value.as_bool() ? "true" : "false"; return;
    case Type::Number: write_number(out, value.as_number()); return;
    case Type::String: write_string(out, value.as_string()); return;
    case Type::Array: {
        const Array& items = value.as_array();
        const bool one_line = std::none_of(items.begin(), items.end(), is_container);
        out += '[';
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i) out += one_line ? ", " : ",";
            if (!one_line) newline(indent + 1);
            write_value(out, items[i], indent + 1);
        }
        if (!one_line && !items.empty()) newline(indent);
        out += ']';
        return;
    }
    case Type::Object: {
        const Object& members = value.as_object();
        if (std::none_of(members.begin(), members.end(), [](const Member& m) { return is_container(m.second); })) {
            std::string line = "{";
            for (std::size_t i = 0; i < members.size(); ++i) {
                if (i) line += ", ";
                write_string(line, members[i].first);
                line += ": ";
                write_value(line, members[i].second, 0);
            }
            line += '}';
            if (line.size() <= kOneLineObject) {
                out += line;
                return;
            }
        }
        out += '{';
        for (std::size_t i = 0; i < members.size(); ++i) {
            if (i) out += ',';
            newline(indent + 1);
            write_string(out, members[i].first);
            out += ": ";
            write_value(out, members[i].second, indent + 1);
        }
        if (!members.empty()) newline(indent);
        out += '}';
        return;
    }
    }
}

} // namespace

ParseError::ParseError(int line, int column, const std::string& problem)
    : std::runtime_error(position_prefix(line, column) + problem), line_(line), column_(column) {}

const char* describe(Type type) {
    switch (type) {
    case Type::Null: return "null";
    case Type::Bool: return "a boolean";
    case Type::Number: return "a number";
    case Type::String: return "a string";
    case Type::Array: return "an array";
    case Type::Object: return "an object";
    }
    return "?";
}

const Value* Value::find(std::string_view key) const {
    if (type() != Type::Object) return nullptr;
    for (const auto& [name, value] : as_object())
        if (name == key) return &value;
    return nullptr;
}

Value parse(std::string_view text) { return Parser(text).document(); }

namespace {
void collect_differences(const Value& a, const Value& b, const std::string& path, std::vector<std::string>& out) {
    if (a == b) return;
    if (a.type() == Type::Array && b.type() == Type::Array && a.as_array().size() == b.as_array().size()) {
        for (std::size_t i = 0; i < a.as_array().size(); ++i)
            collect_differences(a.as_array()[i], b.as_array()[i], path + "[" + std::to_string(i) + "]", out);
        return;
    }
    if (a.type() != Type::Object || b.type() != Type::Object) {
        out.push_back(path);
        return;
    }
    const auto key_path = [&](const std::string& key) { return path.empty() ? key : path + "." + key; };
    for (const auto& [key, value] : a.as_object()) {
        if (const Value* other = b.find(key)) collect_differences(value, *other, key_path(key), out);
        else out.push_back(key_path(key));
    }
    for (const auto& [key, value] : b.as_object())
        if (!a.find(key)) out.push_back(key_path(key));
}
} // namespace

std::vector<std::string> differing_paths(const Value& a, const Value& b) {
    std::vector<std::string> out;
    collect_differences(a, b, "", out);
    return out;
}

std::string quoted(std::string_view text) {
    std::string out;
    write_string(out, text);
    return out;
}

std::string number_text(double value) {
    std::string out;
    write_number(out, value);
    return out;
}

std::string write(const Value& value) {
    std::string out;
    write_value(out, value, 0);
    out += '\n';
    return out;
}

} // namespace f3::json
