#include "f3/platform/allocator.hpp"

#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace f3 {

void reuse_freed_memory() {
#if defined(__GLIBC__)
    static std::once_flag once;
    std::call_once(once, [] {
        // Fixed values also switch off glibc's sliding mmap threshold, so the choice is the same
        // for every run. Blocks above 32 MB (data sets) are still mapped and unmapped directly.
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
        mallopt(M_TRIM_THRESHOLD, 256 << 20);
    });
#endif
}

} // namespace f3
