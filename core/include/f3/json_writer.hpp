#pragma once
// Writes one flat JSON object per line (CLI output). Non-finite numbers become null, so every
// line stays valid JSON even when a run diverged.
#include <charconv>
#include <cstdio>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

namespace f3 {

class JsonLine {
public:
    JsonLine& add(std::string_view key, std::string_view value) {
        begin(key);
        quote(value);
        return *this;
    }
    JsonLine& add(std::string_view key, const char* value) { return add(key, std::string_view(value)); }
    JsonLine& add(std::string_view key, double value) {
        begin(key);
        number(value);
        return *this;
    }
    JsonLine& add(std::string_view key, int value) { return add(key, static_cast<long long>(value)); }
    JsonLine& add(std::string_view key, long long value) {
        begin(key);
        text_ += std::to_string(value);
        return *this;
    }
    JsonLine& add(std::string_view key, long value) { return add(key, static_cast<long long>(value)); }
    JsonLine& add(std::string_view key, bool value) {
        begin(key);
        text_ += value ? "true" : "false";
        return *this;
    }
    JsonLine& add(std::string_view key, const std::vector<double>& values) {
        begin(key);
        text_ += '[';
        for (std::size_t i = 0; i < values.size(); ++i) {
            if (i) text_ += ',';
            number(values[i]);
        }
        text_ += ']';
        return *this;
    }
    // `json` must already be valid JSON (a nested object or array built by the caller).
    JsonLine& add_raw(std::string_view key, std::string_view json) {
        begin(key);
        text_ += json;
        return *this;
    }
    std::string str() const { return text_ + '}'; }

private:
    void begin(std::string_view key) {
        text_ += text_.size() == 1 ? "" : ",";
        quote(key);
        text_ += ':';
    }
    void number(double v) {
        if (!std::isfinite(v)) {
            text_ += "null";
            return;
        }
        char buf[32];
        const auto result = std::to_chars(buf, buf + sizeof buf, v); // shortest round-trip form
        text_.append(buf, result.ptr);
    }
    void quote(std::string_view s) {
        text_ += '"';
        for (const char c : s) {
            switch (c) {
            case '"': text_ += "\\\""; break;
            case '\\': text_ += "\\\\"; break;
            case '\n': text_ += "\\n"; break;
            case '\t': text_ += "\\t"; break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    text_ += buf;
                } else {
                    text_ += c;
                }
            }
        }
        text_ += '"';
    }
    std::string text_ = "{";
};

} // namespace f3
