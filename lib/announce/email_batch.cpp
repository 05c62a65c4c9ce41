#include "lib/announce/email_batch.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace shopkit::email_batch {

std::size_t workers_for(std::size_t todo, std::size_t connections) {
    const std::size_t wanted = (todo + messages_per_connection - 1) / messages_per_connection;
    return std::clamp<std::size_t>(wanted, 1, std::max<std::size_t>(connections, 1));
}

namespace {

using Clock = std::chrono::steady_clock;

// Spaces the starts of all workers' messages `interval` apart.
class Pacer {
  public:
    explicit Pacer(double per_second)
        : interval_(per_second > 0 ? std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(1.0 / per_second))
                                   : Clock::duration::zero()) {}

    void wait() {
        if (interval_ == Clock::duration::zero())
            return;
        Clock::time_point slot;
        {
            const std::lock_guard lock(mutex_);
            slot = std::max(Clock::now(), next_);
            next_ = slot + interval_;
        }
        std::this_thread::sleep_until(slot);
    }

  private:
    Clock::duration interval_;
    std::mutex mutex_;
    Clock::time_point next_{};
};

} // namespace

void run(std::size_t count, std::size_t workers, double per_second,
         const std::function<smtp::Outcome(std::size_t worker, std::size_t item)>& send,
         const std::function<bool(std::size_t item, const smtp::Outcome& outcome)>& take) {
    std::mutex mutex;
    std::condition_variable ready;    // an outcome is there, or a worker has returned
    std::condition_variable recorded; // take() is done with a worker's outcome
    struct Done {
        std::size_t worker;
        std::size_t item;
        smtp::Outcome outcome;
    };
    std::deque<Done> done;
    std::size_t next = 0;     // the next item to start
    std::size_t finished = 0; // workers that have returned
    bool stop = false;
    std::exception_ptr error;
    Pacer pacer(per_second);
    workers = std::max<std::size_t>(1, std::min(workers, std::max<std::size_t>(count, 1)));
    // A worker waits until its outcome is recorded before it starts another
    // message: a kill -9 then finds at most one message per connection that
    // the server has and the state does not.
    std::vector<char> unrecorded(workers, 0);

    auto worker = [&](std::size_t w) {
        for (;;) {
            std::size_t item = 0;
            {
                const std::lock_guard lock(mutex);
                if (stop || next >= count)
                    break;
                item = next++;
            }
            pacer.wait();
            try {
                smtp::Outcome outcome = send(w, item);
                std::unique_lock lock(mutex);
                // The batch stops at once, before this worker or another starts a
                // message the next run would send again.
                if (outcome.kind == smtp::Outcome::Kind::retry ||
                    outcome.kind == smtp::Outcome::Kind::failed)
                    stop = true;
                done.push_back(Done{w, item, std::move(outcome)});
                unrecorded[w] = 1;
                ready.notify_one();
                recorded.wait(lock, [&] { return unrecorded[w] == 0; });
                continue;
            } catch (...) {
                const std::lock_guard lock(mutex);
                if (!error)
                    error = std::current_exception();
                stop = true;
            }
            ready.notify_one();
        }
        {
            const std::lock_guard lock(mutex);
            ++finished;
        }
        ready.notify_one();
    };

    std::vector<std::thread> threads;
    threads.reserve(workers);
    for (std::size_t w = 0; w < workers; ++w)
        threads.emplace_back(worker, w);
    std::unique_lock lock(mutex);
    for (;;) {
        ready.wait(lock, [&] { return !done.empty() || finished == workers; });
        while (!done.empty()) {
            Done d = std::move(done.front());
            done.pop_front();
            lock.unlock();
            bool go_on = true;
            try {
                go_on = take(d.item, d.outcome);
            } catch (...) {
                lock.lock();
                if (!error)
                    error = std::current_exception();
                stop = true;
                lock.unlock();
            }
            lock.lock();
            if (!go_on)
                stop = true;
            unrecorded[d.worker] = 0;
            recorded.notify_all();
        }
        if (finished == workers && done.empty())
            break;
    }
    lock.unlock();
    for (std::thread& t : threads)
        t.join();
    if (error)
        std::rethrow_exception(error);
}

} // namespace shopkit::email_batch
