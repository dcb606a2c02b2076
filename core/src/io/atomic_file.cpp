#include "f3/io/atomic_file.hpp"
#include "f3/io/file_kind.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace f3 {
namespace {

std::string error_text(int error) { return std::strerror(error); }

[[noreturn]] void save_failed(const std::string& path, const std::string& problem) {
    throw FileError(path + ": cannot save: " + problem);
}

// The temporary file of one save: closed, and removed unless it was renamed into place.
class TemporaryFile {
public:
    TemporaryFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
    TemporaryFile(const TemporaryFile&) = delete;
    TemporaryFile& operator=(const TemporaryFile&) = delete;
    ~TemporaryFile() {
        if (fd_ >= 0) ::close(fd_);
        if (!renamed_) ::unlink(path_.c_str());
    }
    int fd() const { return fd_; }
    const std::string& path() const { return path_; }
    // close() reports delayed write errors (NFS, quota), so it is checked, once.
    int close() {
        const int result = ::close(fd_);
        fd_ = -1;
        return result;
    }
    void mark_renamed() { renamed_ = true; }

private:
    std::string path_;
    int fd_;
    bool renamed_ = false;
};

} // namespace

void write_file_atomically(const std::string& path, const std::string& text) {
    namespace fs = std::filesystem;
    const auto fail = [&](const std::string& problem) { save_failed(path, problem); };

    // Renaming over a device, FIFO or directory would replace it with a regular file (as root,
    // /dev/full) or never reach the reader of a pipe: only regular files are saved to.
    const std::string kind = special_file_kind(path);
    if (!kind.empty()) fail("it is " + kind + ", not a regular file");

    fs::path target(path);
    std::error_code ec;
    // Saving through a symbolic link replaces the file it points to, not the link.
    if (fs::is_symlink(fs::symlink_status(target, ec))) {
        const fs::path resolved = fs::canonical(target, ec);
        if (!ec) target = resolved;
    }
    if (!target.has_filename()) fail("not a file name");
    const fs::path directory = target.has_parent_path() ? target.parent_path() : fs::path(".");

    // A hidden name in the same directory (rename is only atomic within one file system); pid and a
    // counter keep concurrent saves from colliding, O_EXCL from ever reusing a stranger's file.
    static std::atomic<unsigned> counter{0};
    std::string temporary_path;
    int fd = -1;
    for (int attempt = 0; fd < 0; ++attempt) {
        temporary_path = (directory / ("." + target.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                                       std::to_string(counter++)))
                             .string();
        fd = ::open(temporary_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && (errno != EEXIST || attempt > 100)) fail(error_text(errno));
    }
    TemporaryFile temporary(temporary_path, fd);

    struct stat previous {};
    if (::stat(target.c_str(), &previous) == 0 && ::fchmod(fd, previous.st_mode & 07777) != 0) fail(error_text(errno));
    for (std::size_t written = 0; written < text.size();) {
        const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail(error_text(errno));
        written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) fail(error_text(errno));
    if (temporary.close() != 0) fail(error_text(errno));
    if (::rename(temporary.path().c_str(), target.c_str()) != 0) fail(error_text(errno));
    temporary.mark_renamed();

    // The rename itself is durable only once the directory is synced.
    const int directory_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (directory_fd < 0) fail("saved, but the directory cannot be synced: " + error_text(errno));
    // EINVAL: this file system cannot sync directories, so there is nothing more to do.
    const bool synced = ::fsync(directory_fd) == 0 || errno == EINVAL;
    const int sync_error = errno;
    ::close(directory_fd);
    if (!synced) fail("saved, but syncing the directory failed: " + error_text(sync_error));
}

SaveLock::SaveLock(const std::string& path) : lock_path_(path + ".lock") {
    // A holder removes the file on release, so the file locked must still be the one at the path:
    // otherwise the lock was taken on a file just removed, and it is taken again.
    for (int attempt = 0; attempt < 100; ++attempt) {
        fd_ = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
        if (fd_ < 0) save_failed(path, "cannot create the lock file " + lock_path_ + ": " + error_text(errno));
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            const int error = errno;
            ::close(fd_);
            fd_ = -1;
            if (error == EWOULDBLOCK)
                save_failed(path, "another program is saving to it (" + lock_path_ + " is locked); wait for it to finish, or save to another file");
            save_failed(path, "cannot lock " + lock_path_ + ": " + error_text(error));
        }
        struct stat locked {}, current {};
        if (::fstat(fd_, &locked) == 0 && ::stat(lock_path_.c_str(), &current) == 0 && locked.st_ino == current.st_ino &&
            locked.st_dev == current.st_dev)
            return;
        ::close(fd_);
        fd_ = -1;
    }
    save_failed(path, "cannot lock " + lock_path_ + ": it keeps being replaced");
}

SaveLock::~SaveLock() {
    ::unlink(lock_path_.c_str()); // before unlocking: a newcomer then locks a fresh file
    ::close(fd_);
}

} // namespace f3
