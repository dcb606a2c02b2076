#!/usr/bin/env bash
# One entry point for a fresh Debian bookworm machine (root, or a user with sudo):
#   bash tools/dev.sh demo   install what is missing, build, start the app on the built-in demo
#   bash tools/dev.sh test   install what is missing, build, run every test
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config
  libeigen3-dev zlib1g-dev
  qt6-base-dev qt6-svg-dev libqcustomplot-dev
  dataset-fashion-mnist
  clang libclang-rt-14-dev libomp-14-dev  # sanitizer and fuzz builds: libFuzzer, TSan with libomp + Archer
  desktop-file-utils appstream dpkg-dev file   # packaging: validators, dpkg-shlibdeps (test install_layout)
  parallel slurmctld slurmd slurm-client munge   # sweeps split into shards (tests hpc_parallel, hpc_slurm)
)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_missing() {
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

# Two jobs more than cores, for the builds (each compile needs under 1 GB) and the ASan tests: on a
# machine busy with other work, the scheduler shares the CPU among runnable processes, so CI keeps
# more of it.
jobs=$(( $(nproc) + 2 ))

# build DIR TARGET [CMAKE ARGS...]: configure a Release build in DIR, build TARGET (all: everything).
build() {
  cmake -S . -B "$1" -DCMAKE_BUILD_TYPE=Release "${@:3}" && cmake --build "$1" -j "$jobs" --target "$2"
}

# run_tests DIR [CTEST ARGS...]
run_tests() {
  ctest --test-dir "$1" --output-on-failure --no-tests=error "${@:2}"
}

# finish_logged PID LOG: wait for a background job whose output went to LOG, print LOG, and return
# the job's status.
finish_logged() {
  local status=0
  wait "$1" || status=$?
  echo "==== $2 ===="
  cat "$2"
  return "$status"
}

# Release, then ASan + UBSan (cmake/sanitizers.cmake): every test, the GUI offscreen, but not the
# long fidelity run; neither the x86-64-v3 copies (same sources) nor the benchmark are built.
# The release tests run while the ASan build compiles (never beside the ASan tests: both start
# Slurm); their output, kept in build-ci/tests.log, follows the build's. The ASan tests train on one
# OpenMP thread each (see cmake/sanitizers.cmake), so $jobs of them run at a time.
gcc_chain() {
  build build-ci all -DF3_WERROR=ON
  run_tests build-ci -j "$(nproc)" > build-ci/tests.log 2>&1 &
  local release_tests=$!
  if ! build build-asan all -DF3_WERROR=ON -DF3_SANITIZE=address,undefined -DF3_DISPATCH=OFF -DF3_BUILD_BENCHMARKS=OFF; then
    kill "$release_tests" 2> /dev/null || true # they may have ended already
    return 1
  fi
  finish_logged "$release_tests" build-ci/tests.log
  run_tests build-asan -j "$jobs" -LE fidelity
}

# With Clang: TSan (libomp + Archer so that OpenMP's synchronisation is seen), the core tests. Then
# libFuzzer (ASan + UBSan): each target for F3_FUZZ_SECONDS (20) on a copy of its corpus.
clang_chain() {
  export CC=clang CXX=clang++
  build build-tsan f3_core_tests -DF3_WERROR=ON -DF3_SANITIZE=thread -DF3_BUILD_GUI=OFF -DF3_BUILD_BENCHMARKS=OFF
  run_tests build-tsan -j "$(nproc)" -L core -LE fidelity
  build build-fuzz f3fuzz -DF3_WERROR=ON -DF3_FUZZ=ON -DF3_BUILD_GUI=OFF -DF3_BUILD_TESTS=OFF
  run_tests build-fuzz -j "$(nproc)" -L fuzz
}

case "${1:-}" in
  demo)
    install_missing
    build build all
    if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
      exec ./build/app/f3studio --demo default
    fi
    # No display (a server or container): run the demo offscreen and save what it shows.
    ./build/app/f3studio --demo default --epochs 20 --screenshot f3studio-demo.png
    echo "No display found: the demo ran offscreen; its window is saved as $(pwd)/f3studio-demo.png"
    ;;
  test)
    install_missing
    # Two chains run side by side, so that one's tests (single-threaded or waiting on a job, much of
    # the time) overlap the other's compiling. Each is a background job, so `set -e` holds inside it.
    # The Clang chain's output is kept in build-clang/chain.log and printed after the GCC chain's.
    mkdir -p build-clang
    gcc_chain & gcc=$!
    clang_chain > build-clang/chain.log 2>&1 & clang=$!
    status=0
    wait "$gcc" || status=$?
    finish_logged "$clang" build-clang/chain.log || status=$?
    exit "$status"
    ;;
  *)
    echo "usage: bash tools/dev.sh demo|test" >&2
    exit 2
    ;;
esac
