#pragma once
// Element-wise square roots that give the same bits on every x86-64 processor.
//
// Eigen's fast-math packet sqrt and rsqrt for float start from the CPU's rsqrtps estimate and
// refine it once. That estimate is not specified by IEEE and differs between Intel and AMD
// processors, so one Adam run (or one LayerNorm) gave different numbers on different machines:
// the pinned runs recorded on one machine differed by up to 2e-6 on another. sqrtps is correctly
// rounded, hence identical everywhere, and costs little here (one per parameter per step).
#include <Eigen/Core>

#include <cmath>

namespace f3 {

template <class Scalar> struct ExactSqrt {
    Scalar operator()(const Scalar& x) const { return std::sqrt(x); }
    template <class Packet> Packet packetOp(const Packet& x) const { return packet_sqrt(x); }

private:
    // Eigen's double sqrt is already sqrtpd; only the float packets need the exact instruction.
    template <class Packet> static Packet packet_sqrt(const Packet& x) { return Eigen::internal::psqrt(x); }
#if defined(EIGEN_VECTORIZE_SSE)
    static Eigen::internal::Packet4f packet_sqrt(const Eigen::internal::Packet4f& x) { return _mm_sqrt_ps(x); }
#endif
#if defined(EIGEN_VECTORIZE_AVX)
    static Eigen::internal::Packet8f packet_sqrt(const Eigen::internal::Packet8f& x) { return _mm256_sqrt_ps(x); }
#endif
#if defined(EIGEN_VECTORIZE_AVX512)
    static Eigen::internal::Packet16f packet_sqrt(const Eigen::internal::Packet16f& x) { return _mm512_sqrt_ps(x); }
#endif
};

// sqrt of an Eigen array expression, correctly rounded: exact_sqrt(v) instead of v.sqrt().
template <class Derived> auto exact_sqrt(const Eigen::ArrayBase<Derived>& x) {
    return x.unaryExpr(ExactSqrt<typename Derived::Scalar>{});
}

} // namespace f3

namespace Eigen::internal {
template <class Scalar> struct functor_traits<f3::ExactSqrt<Scalar>> {
    enum { Cost = NumTraits<Scalar>::MulCost * 5, PacketAccess = packet_traits<Scalar>::HasSqrt };
};
} // namespace Eigen::internal
