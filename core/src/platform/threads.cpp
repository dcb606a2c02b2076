#include "f3/platform/threads.hpp"

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <future>
#include <system_error>
#include <vector>

#include <omp.h>

#if defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#define F3_HAVE_PTHREADS 1
#endif

namespace f3 {
namespace {

std::atomic<int> starts_allowed{-1};

// The stack size libgomp gives its workers, read as libgomp reads it: OMP_STACKSIZE, else
// GOMP_STACKSIZE; a number with an optional B, K, M or G (default K). None when unset or invalid
// (libgomp then ignores it too).
std::optional<unsigned long> openmp_stack_bytes(const char* variable) {
    const char* text = std::getenv(variable);
    if (!text) return std::nullopt;
    while (std::isspace(static_cast<unsigned char>(*text))) ++text;
    char* end = nullptr;
    errno = 0;
    const unsigned long value = std::strtoul(text, &end, 10);
    if (errno || end == text) return std::nullopt;
    while (std::isspace(static_cast<unsigned char>(*end))) ++end;
    int shift = 10;
    if (*end) {
        switch (std::tolower(static_cast<unsigned char>(*end++))) {
        case 'b': shift = 0; break;
        case 'k': shift = 10; break;
        case 'm': shift = 20; break;
        case 'g': shift = 30; break;
        default: return std::nullopt;
        }
        while (std::isspace(static_cast<unsigned char>(*end))) ++end;
        if (*end) return std::nullopt;
    }
    if (((value << shift) >> shift) != value) return std::nullopt;
    return value << shift;
}

#ifdef F3_HAVE_PTHREADS
// Starts and joins `count` threads with `stack_bytes` of stack each, all alive at once as a team's
// are; false when the system refuses one.
bool threads_with_stack_start(int count, unsigned long stack_bytes) {
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0) return false;
    bool started = pthread_attr_setstacksize(&attr, stack_bytes) == 0;
    std::vector<pthread_t> threads;
    for (int t = 0; started && t < count; ++t) {
        pthread_t thread;
        started = pthread_create(&thread, &attr, [](void*) -> void* { return nullptr; }, nullptr) == 0;
        if (started) threads.push_back(thread);
    }
    for (const pthread_t thread : threads) pthread_join(thread, nullptr);
    pthread_attr_destroy(&attr);
    return started;
}
#endif

} // namespace

bool thread_start_refused() {
    int allowed = starts_allowed.load();
    while (allowed > 0 && !starts_allowed.compare_exchange_weak(allowed, allowed - 1)) {
    }
    return allowed == 0;
}

void refuse_threads_after(int starts) { starts_allowed.store(starts < 0 ? -1 : starts); }

std::thread start_thread(std::function<void()> work) {
    if (thread_start_refused()) throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again), "thread refused");
    return std::thread(std::move(work));
}

void run_on_threads(std::size_t count, const std::function<void()>& work) {
    // The threads wait for the go until all have started, so a refused one leaves no work half done.
    std::promise<bool> go;
    const std::shared_future<bool> all_started = go.get_future().share();
    std::vector<std::thread> pool;
    try {
        for (std::size_t t = 0; t < count; ++t)
            pool.push_back(start_thread([&work, all_started] {
                if (all_started.get()) work();
            }));
    } catch (const std::system_error&) {
        go.set_value(false);
        for (auto& thread : pool) thread.join();
        throw;
    }
    go.set_value(true);
    for (auto& thread : pool) thread.join();
}

std::string openmp_threads_problem(int threads) {
#ifdef F3_HAVE_PTHREADS
    if (threads <= 1) return {};
    const char* variable = std::getenv("OMP_STACKSIZE") ? "OMP_STACKSIZE" : "GOMP_STACKSIZE";
    const std::optional<unsigned long> stack = openmp_stack_bytes(variable);
    if (!stack || threads_with_stack_start(threads - 1, *stack)) return {}; // the system's default stack: as any thread's
    return "the system refused " + std::to_string(threads) + " OpenMP threads with a stack of " + std::getenv(variable) + " each (" +
           variable + "): training on one thread";
#else
    (void)threads;
    return {};
#endif
}

void limit_openmp_teams_of_this_thread(int threads) {
    if (threads < 0) threads = omp_get_max_threads();
    omp_set_num_threads(openmp_threads_problem(threads).empty() ? threads : 1);
}

} // namespace f3
