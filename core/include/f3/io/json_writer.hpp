#pragma once
// Writes one flat JSON object per line (CLI output), with json.hpp's number and string forms.
// Non-finite numbers become null, so every line stays valid JSON even when a run diverged.
#include "f3/io/json.hpp"

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
    void number(double v) { text_ += json::number_text(v); }
    void quote(std::string_view s) { text_ += json::quoted(s); }
    std::string text_ = "{";
};

} // namespace f3
