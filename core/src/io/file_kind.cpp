#include "f3/io/file_kind.hpp"

#include <filesystem>
#include <system_error>

namespace f3 {
namespace {

std::string kind_name(std::filesystem::file_type type) {
    using std::filesystem::file_type;
    switch (type) {
    case file_type::directory: return "a directory";
    case file_type::fifo: return "a FIFO (named pipe)";
    case file_type::character: return "a character device";
    case file_type::block: return "a block device";
    case file_type::socket: return "a socket";
    default: return "not a regular file";
    }
}

} // namespace

std::string special_file_kind(const std::string& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::file_status own = fs::symlink_status(path, ec);
    if (ec || !fs::exists(own) || fs::is_regular_file(own)) return {};
    if (!fs::is_symlink(own)) return kind_name(own.type());
    const fs::file_status target = fs::status(path, ec);
    if (ec == std::errc::too_many_symbolic_link_levels) return "a symbolic link that loops";
    if (ec || !fs::exists(target) || fs::is_regular_file(target)) return {}; // dangling: nothing there yet
    return "a symbolic link to " + kind_name(target.type()) + " (" + fs::read_symlink(path, ec).string() + ")";
}

} // namespace f3
