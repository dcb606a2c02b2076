#include "f3/platform/threads.hpp"

#include <atomic>
#include <future>
#include <system_error>
#include <vector>

namespace f3 {
namespace {

std::atomic<int> starts_allowed{-1};

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

} // namespace f3
