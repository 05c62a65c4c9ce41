#include "lib/announce/email_batch.hpp"

#include "lib/config/send_rate.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <set>
#include <stdexcept>
#include <thread>

using namespace shopkit;

TEST_CASE("email_batch: a connection per 50 messages, within the target's limit", "[email_batch]") {
    CHECK(email_batch::workers_for(1, 4) == 1);
    CHECK(email_batch::workers_for(50, 4) == 1);
    CHECK(email_batch::workers_for(51, 4) == 2);
    CHECK(email_batch::workers_for(10000, 4) == 4);
    CHECK(email_batch::workers_for(10000, 1) == 1);
    CHECK(email_batch::workers_for(0, 4) == 1);
}

TEST_CASE("email_batch: the rate", "[email_batch]") {
    CHECK(parse_send_rate("10/s") == 10.0);
    CHECK(parse_send_rate("600/m") == 10.0);
    CHECK(parse_send_rate("36000/h") == 10.0);
    for (const char* bad : {"", "10", "/s", "0/s", "-1/s", "1.5/s", "10/d", "10/s ", "x/s"})
        CHECK_FALSE(parse_send_rate(bad));
}

TEST_CASE("email_batch: every item is handed over once, on the calling thread", "[email_batch]") {
    const auto caller = std::this_thread::get_id();
    std::set<std::size_t> taken;
    std::set<std::size_t> workers;
    email_batch::run(
        200, 4, 0,
        [&](std::size_t w, std::size_t) {
            std::this_thread::sleep_for(std::chrono::microseconds(100));
            smtp::Outcome o;
            o.said = std::to_string(w);
            return o;
        },
        [&](std::size_t item, const smtp::Outcome& o) {
            CHECK(std::this_thread::get_id() == caller);
            CHECK(taken.insert(item).second);
            workers.insert(std::stoul(o.said));
            return true;
        });
    CHECK(taken.size() == 200);
    CHECK(workers.size() > 1);
}

TEST_CASE("email_batch: a stop starts nothing more, and what was in flight is handed over",
          "[email_batch]") {
    std::atomic<int> sent{0};
    int handed = 0;
    email_batch::run(
        1000, 3, 0,
        [&](std::size_t, std::size_t item) {
            ++sent;
            smtp::Outcome o;
            if (item == 5)
                o.kind = smtp::Outcome::Kind::retry;
            return o;
        },
        [&](std::size_t, const smtp::Outcome& o) {
            ++handed;
            return o.kind == smtp::Outcome::Kind::accepted;
        });
    CHECK(handed == sent.load());
    CHECK(sent.load() < 1000);
}

TEST_CASE("email_batch: the rate holds over all workers", "[email_batch]") {
    const auto start = std::chrono::steady_clock::now();
    int n = 0;
    email_batch::run(
        11, 4, 100, [](std::size_t, std::size_t) { return smtp::Outcome{}; },
        [&](std::size_t, const smtp::Outcome&) {
            ++n;
            return true;
        });
    CHECK(n == 11);
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(95));
}

TEST_CASE("email_batch: an exception from a worker reaches the caller", "[email_batch]") {
    CHECK_THROWS_AS(email_batch::run(
                        10, 2, 0,
                        [](std::size_t, std::size_t item) -> smtp::Outcome {
                            if (item == 3)
                                throw std::runtime_error("boom");
                            return {};
                        },
                        [](std::size_t, const smtp::Outcome&) { return true; }),
                    std::runtime_error);
}

TEST_CASE("email_batch: a worker sends its next message only once its last is recorded",
          "[email_batch]") {
    // The state is written by take(); a slow take must hold the workers back, or
    // a kill -9 finds many messages the server has and the state does not.
    std::atomic<int> sent{0};
    std::atomic<int> recorded{0};
    std::atomic<int> most_unrecorded{0};
    email_batch::run(
        100, 4, 0,
        [&](std::size_t, std::size_t) {
            const int ahead = ++sent - recorded.load();
            int seen = most_unrecorded.load();
            while (ahead > seen && !most_unrecorded.compare_exchange_weak(seen, ahead)) {
            }
            return smtp::Outcome{};
        },
        [&](std::size_t, const smtp::Outcome&) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            ++recorded;
            return true;
        });
    CHECK(recorded.load() == 100);
    CHECK(most_unrecorded.load() <= 4);
}
