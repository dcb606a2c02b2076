#pragma once
// What a path names, in words for messages: reading and saving accept only regular files, and
// a refusal says what the path is instead (a device, a FIFO, a directory, a link to one).
#include <string>

namespace f3 {

// Empty when `path` is a regular file (directly or through symbolic links) or does not exist;
// otherwise what it is: "a FIFO (named pipe)", "a character device", "a directory", ...; through
// a symbolic link "a symbolic link to a character device (/dev/null)".
std::string special_file_kind(const std::string& path);

} // namespace f3
