#pragma once
// Saving without ever losing the previous file: experiments, exports and the app's autosave.
#include <stdexcept>
#include <string>

namespace f3 {

// "<path>: cannot save: <problem>"
class FileError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Writes a temporary file in the target's directory, syncs it, renames it over `path` and syncs the
// directory: a crash leaves either the old or the new file, never a mix. On failure the temporary
// file is removed, the previous file is untouched and FileError is thrown. Only regular files are
// replaced (through symbolic links too): a device, FIFO or directory gets FileError naming it.
void write_file_atomically(const std::string& path, const std::string& content);

// Held by a program that saves `path` again and again (a sweep's periodic saves): a second one
// would replace the first one's runs with its own. The lock is `path` + ".lock", locked with
// flock (released by the kernel if the holder dies, so a crash leaves no stale lock) and removed
// when released. Throws FileError when another holder has it, or when it cannot be created.
class SaveLock {
public:
    explicit SaveLock(const std::string& path);
    ~SaveLock();
    SaveLock(const SaveLock&) = delete;
    SaveLock& operator=(const SaveLock&) = delete;

private:
    std::string lock_path_;
    int fd_ = -1;
};

} // namespace f3
