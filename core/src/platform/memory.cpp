#include "f3/platform/memory.hpp"

#include <atomic>
#include <cstdio>
#include <unistd.h>

namespace f3 {
namespace {

std::atomic<std::uint64_t> chosen_limit{0};

std::uint64_t default_limit() {
    const std::uint64_t physical = physical_memory_bytes();
    return physical > 0 ? physical / 2 : std::uint64_t{4} << 30;
}

} // namespace

std::uint64_t physical_memory_bytes() {
    const long pages = ::sysconf(_SC_PHYS_PAGES), page_size = ::sysconf(_SC_PAGE_SIZE);
    return pages > 0 && page_size > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size) : 0;
}

std::uint64_t memory_limit_bytes() {
    const std::uint64_t chosen = chosen_limit.load();
    return chosen > 0 ? chosen : default_limit();
}

void set_memory_limit_bytes(std::uint64_t bytes) { chosen_limit.store(bytes); }

std::string bytes_text(std::uint64_t bytes) {
    const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    int unit = 0;
    while (value >= 1024.0 && unit < 4) {
        value /= 1024.0;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, unit == 0 || value >= 10.0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
    return text;
}

std::string memory_problem(std::uint64_t bytes, const std::string& what) {
    const std::uint64_t limit = memory_limit_bytes();
    if (bytes <= limit) return {};
    const std::uint64_t physical = physical_memory_bytes();
    const std::string source = chosen_limit.load() > 0 ? "as set" : physical > 0 ? "half of this machine's " + bytes_text(physical) : "a default";
    return what + " needs about " + bytes_text(bytes) + ", more than the memory limit of " + bytes_text(limit) + " (" + source + ")";
}

} // namespace f3
