# Sanitizer and fuzzing builds; tools/dev.sh test runs them in build-asan, build-tsan and build-fuzz.
#
# F3_SANITIZE is handed to -fsanitize= for everything that links f3_options (the core, the apps and
# the tests): "address,undefined" (GCC or Clang) or "thread" (Clang only, see below). UBSan halts on
# its first report (-fno-sanitize-recover), so any report fails the test that triggered it. The tests
# get the runtime options below through their environment.
#
# TSan and OpenMP: the core's matrix products and optimizer updates run in OpenMP parallel regions.
# GCC's libgomp is not instrumented, so TSan cannot see its fork/join and barriers and reports every
# hand-over of data into a parallel region as a race (344 false reports in tst_training alone).
# Instead of hiding them with a suppression (which would hide real races in those regions too) or
# building single-threaded (which would leave TSan nothing threaded to check), the TSan build uses
# Clang with LLVM's libomp and its Archer tool (OMP_TOOL_LIBRARIES), which tells TSan about
# OpenMP's synchronisation: no false reports, and real races inside parallel regions are still found.
#
# F3_FUZZ (Clang only) adds libFuzzer's coverage instrumentation and the targets in tests/fuzz,
# with ASan + UBSan unless F3_SANITIZE names other sanitizers.
set(F3_SANITIZE "" CACHE STRING "Sanitizers for -fsanitize=: address,undefined or thread (empty: none)")
option(F3_FUZZ "Build the libFuzzer targets in tests/fuzz (Clang only)" OFF)

set(f3_fuzz ${F3_FUZZ})
if(f3_fuzz AND NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(WARNING "F3_FUZZ needs Clang's libFuzzer (CC=clang CXX=clang++): the fuzz targets are not built")
  set(f3_fuzz OFF)
endif()
set(f3_sanitize "${F3_SANITIZE}")
if(f3_fuzz AND f3_sanitize STREQUAL "")
  set(f3_sanitize address,undefined)
endif()

if(NOT f3_sanitize STREQUAL "")
  string(REPLACE "," ";" f3_sanitizers "${f3_sanitize}")
  foreach(s IN LISTS f3_sanitizers)
    if(NOT s MATCHES "^(address|undefined|leak|thread)$")
      message(FATAL_ERROR "F3_SANITIZE: unknown sanitizer '${s}' (use address,undefined or thread)")
    endif()
  endforeach()
  if("thread" IN_LIST f3_sanitizers AND ("address" IN_LIST f3_sanitizers OR "leak" IN_LIST f3_sanitizers))
    message(FATAL_ERROR "F3_SANITIZE: thread cannot be combined with address or leak")
  endif()
  # -g1: line tables for readable reports at little build cost. -O1 (after the build type's -O3, so
  # it wins), as the sanitizers' documentation advises: instrumented Eigen code compiles about three
  # times faster than at -O3 (GCC 12 with ASan + UBSan: transformer_stage.cpp 36 s instead of 98 s).
  target_compile_options(f3_options INTERFACE -fsanitize=${f3_sanitize} -fno-omit-frame-pointer -g1 -O1)
  target_link_options(f3_options INTERFACE -fsanitize=${f3_sanitize})
  if("address" IN_LIST f3_sanitizers OR "thread" IN_LIST f3_sanitizers)
    # For tests: these sanitizers replace malloc (glibc's mallinfo2 then reports nothing) and
    # train about ten times slower.
    target_compile_definitions(f3_options INTERFACE F3_SANITIZED=1)
  endif()
  if("undefined" IN_LIST f3_sanitizers)
    # float-cast-overflow is not part of "undefined" (GCC and Clang): a double beyond an int's
    # range converted to int (a swept width of 1e17) is undefined behaviour all the same.
    target_compile_options(f3_options INTERFACE -fsanitize=float-cast-overflow
                           -fno-sanitize-recover=undefined,float-cast-overflow)
    target_link_options(f3_options INTERFACE -fsanitize=float-cast-overflow)
  endif()

  # Runtime options for every test (f3_sanitizer_test_environment below). LeakSanitizer is on and
  # needs no suppressions: Qt, fontconfig and glib report nothing in the offscreen GUI tests.
  set(f3_sanitizer_environment
    "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
    "ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1")
  if(NOT "thread" IN_LIST f3_sanitizers)
    # One OpenMP thread per test: Eigen's parallel products spin while they wait for each other, so
    # a two-thread team sharing the cores with other tests (or another job) spends much of its time
    # spinning. ASan and UBSan find their errors whatever the team's size; TSan checks the threads,
    # and the ordinary build's tests train with two.
    list(APPEND f3_sanitizer_environment "OMP_THREAD_LIMIT=1")
  endif()
  if("thread" IN_LIST f3_sanitizers)
    if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
      message(FATAL_ERROR "F3_SANITIZE=thread needs Clang (CC=clang CXX=clang++): TSan cannot see GCC's libgomp "
                          "synchronisation and reports false races (see cmake/sanitizers.cmake)")
    endif()
    string(REGEX MATCH "^[0-9]+" f3_clang_major "${CMAKE_CXX_COMPILER_VERSION}")
    find_library(F3_ARCHER_LIBRARY NAMES archer HINTS /usr/lib/llvm-${f3_clang_major}/lib
                 DOC "LLVM OpenMP's Archer tool (TSan annotations for libomp)")
    if(NOT F3_ARCHER_LIBRARY)
      message(FATAL_ERROR "F3_SANITIZE=thread: LLVM OpenMP's libarcher.so not found (Debian: libomp-${f3_clang_major}-dev)")
    endif()
    # ignore_noninstrumented_modules: as Archer asks, no reports from inside libomp or Qt themselves.
    list(APPEND f3_sanitizer_environment "OMP_TOOL_LIBRARIES=${F3_ARCHER_LIBRARY}"
      "TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1")
  endif()
endif()
if(f3_fuzz)
  target_compile_options(f3_options INTERFACE -fsanitize=fuzzer-no-link)
endif()

# Called (deferred to the end of the directory) by tests/CMakeLists.txt: gives every test there,
# whenever it was added, the sanitizer runtime options. A no-op in ordinary builds.
function(f3_sanitizer_test_environment)
  if(NOT f3_sanitizer_environment)
    return()
  endif()
  get_property(tests DIRECTORY PROPERTY TESTS)
  if(tests)
    set_property(TEST ${tests} APPEND PROPERTY ENVIRONMENT ${f3_sanitizer_environment})
  endif()
endfunction()
