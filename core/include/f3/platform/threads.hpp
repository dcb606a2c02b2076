#pragma once
// Starting threads. The system may refuse a thread (process or memory limits): std::thread then
// throws std::system_error and QThread::start leaves the thread not running. Every place that
// starts one asks thread_start_refused() first, so tests can make the system refuse on demand.
#include <cstddef>
#include <functional>
#include <string>
#include <thread>

namespace f3 {

// True when the next thread must be taken as refused (only ever after refuse_threads_after).
bool thread_start_refused();
// For tests: allow `starts` more thread starts, then refuse every one; a negative count (the
// default) never refuses.
void refuse_threads_after(int starts);

// A thread running `work`; throws std::system_error when the system refuses it.
std::thread start_thread(std::function<void()> work);
// Runs `work` on `count` threads and waits for them. Throws std::system_error when one cannot be
// started, before `work` has run anywhere.
void run_on_threads(std::size_t count, const std::function<void()>& work);

// libgomp ends the whole process ("libgomp: Thread creation failed") when a worker of a parallel
// region cannot start, e.g. with a stack size (OMP_STACKSIZE) the system refuses. Empty when
// `threads` OpenMP threads can start with libgomp's stack size; else why not, for a warning:
// training then uses one thread.
std::string openmp_threads_problem(int threads);
// The calling thread's parallel regions get `threads` (negative: libgomp's default, OMP_NUM_THREADS
// or the cores), or one where openmp_threads_problem names a problem. Every thread that computes
// calls it first: the main threads of the app and the CLI, and a training's (Comparison).
void limit_openmp_teams_of_this_thread(int threads = -1);

} // namespace f3
