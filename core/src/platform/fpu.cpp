#include "f3/platform/fpu.hpp"

#include <Eigen/Core>

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define F3_HAVE_MXCSR 1
#endif

namespace f3 {

void flush_subnormals_to_zero() {
#ifdef F3_HAVE_MXCSR
    constexpr unsigned kFlushToZero = 0x8000, kDenormalsAreZero = 0x0040;
    // Exactly the threads Eigen will use: every worker of the pool, and no extra team.
#pragma omp parallel num_threads(Eigen::nbThreads())
    _mm_setcsr(_mm_getcsr() | kFlushToZero | kDenormalsAreZero);
    _mm_setcsr(_mm_getcsr() | kFlushToZero | kDenormalsAreZero);
#endif
}

} // namespace f3
