#pragma once
// Which instruction-set build of the core this binary holds, and the start-up step that picks the
// fastest build and a cooperative OpenMP wait policy.
//
// Executables are built twice: for any x86-64 ("baseline", SSE2) and for x86-64-v3 (AVX2 + FMA),
// the latter named "<program>-x86-64-v3" beside the program or in ../libexec/f3studio/. Calling
// configure_process() first thing in main():
//  - on a CPU with AVX2 and FMA, replaces the process with the v3 program (same arguments), so the
//    shipped build never runs an unsupported instruction and still trains ~2.5x faster where it can;
//    F3_KERNELS=baseline keeps the portable build;
//  - sets GOMP_SPINCOUNT (unless the user set it or OMP_WAIT_POLICY) so idle OpenMP threads sleep
//    soon instead of spinning for ~0.3 ms. libgomp reads it only when it loads, so the process is
//    re-executed once with it set. Spinning threads fight the GUI thread or any other busy process
//    for the two cores: training fell from ~50,000 to ~600 samples/s on a loaded machine;
//  - limits the main thread's OpenMP teams to threads libgomp can start (limit_openmp_teams_of_this_thread).

namespace f3 {

const char* kernel_variant(); // "baseline" or "x86-64-v3"
void configure_process(char** argv);

} // namespace f3
