#pragma once
// Which instruction-set build of the core this binary holds, and the run-time switch to a faster one.
//
// Executables are built twice: for any x86-64 ("baseline", SSE2) and for x86-64-v3 (AVX2 + FMA),
// the latter named "<program>-x86-64-v3" beside the program or in ../libexec/f3studio/. The baseline
// program calls use_fastest_build() first thing in main(): on a CPU with AVX2 and FMA it replaces
// itself with the v3 program (same arguments), so the shipped build never runs an unsupported
// instruction and still trains about 2.5x faster where it can. F3_KERNELS=baseline disables the switch.

namespace f3 {

const char* kernel_variant(); // "baseline" or "x86-64-v3"
void use_fastest_build(char** argv);

} // namespace f3
