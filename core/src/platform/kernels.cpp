#include "f3/platform/kernels.hpp"

#include "f3/platform/threads.hpp"

#include <climits>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>

namespace f3 {

const char* kernel_variant() { return F3_KERNELS; }

namespace {

std::string own_path() {
    char self[PATH_MAX];
    const ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0) return {};
    self[length] = '\0';
    return self;
}

bool cpu_has_v3() {
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return false;
#endif
}

// The v3 build of this program, if this is the baseline build, the CPU can run it and it exists.
std::string faster_build(const std::string& self) {
    if (std::strcmp(F3_KERNELS, "baseline") != 0 || self.empty() || !cpu_has_v3()) return {};
    if (const char* forced = std::getenv("F3_KERNELS"); forced && std::strcmp(forced, "baseline") == 0) return {};
    const auto slash = self.rfind('/');
    const std::string dir = self.substr(0, slash), name = self.substr(slash + 1);
    for (const std::string& candidate : {dir + "/" + name + "-x86-64-v3", dir + "/../libexec/f3studio/" + name + "-x86-64-v3"})
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
    return {};
}

} // namespace

void configure_process(char** argv) {
    bool relaunch = false;
    if (!std::getenv("GOMP_SPINCOUNT") && !std::getenv("OMP_WAIT_POLICY")) {
        // ~10k spins (a few microseconds) keeps back-to-back products fast, then threads sleep.
        setenv("GOMP_SPINCOUNT", "10000", 1);
        relaunch = true;
    }
    const std::string self = own_path();
    std::string target = faster_build(self);
    if (target.empty() && relaunch) target = self;
    if (!target.empty()) execv(target.c_str(), argv); // on failure: carry on as we are
    limit_openmp_teams_of_this_thread(); // the main thread's own products, before any training prepares it
}

} // namespace f3
