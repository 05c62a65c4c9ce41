#include "lib/announce/outbox.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>
#include <fmt/core.h>
#include <re2/re2.h>

#include <set>

#include <sys/wait.h>
#include <unistd.h>

using namespace shopkit;
using namespace std::chrono_literals;
using shopkit::test::at;

TEST_CASE("outbox: a pending row is claimable once due") {
    OutboxRow r;
    r.state = OutboxState::pending;
    CHECK(claimable(r, at("2026-06-04T03:00:00Z")));
    r.next_attempt = at("2026-06-04T03:01:00Z");
    CHECK_FALSE(claimable(r, at("2026-06-04T03:00:59Z")));
    CHECK(claimable(r, at("2026-06-04T03:01:00Z")));
    for (OutboxState st : {OutboxState::held, OutboxState::sent, OutboxState::failed,
                           OutboxState::discarded, OutboxState::dropped}) {
        r.state = st;
        CHECK_FALSE(claimable(r, at("2026-06-04T04:00:00Z")));
    }
}

TEST_CASE("outbox: a row being sent by a live run is left alone until its lease ends") {
    OutboxRow r;
    r.state = OutboxState::sending;
    r.owner = outbox_owner(); // this very process: alive
    r.lease_until = at("2026-06-04T03:15:00Z");
    CHECK_FALSE(claimable(r, at("2026-06-04T03:14:59Z")));
    CHECK(claimable(r, at("2026-06-04T03:15:00Z")));
    r.owner = "another-host:1";
    CHECK_FALSE(claimable(r, at("2026-06-04T03:00:00Z")));
}

TEST_CASE("outbox: a row claimed by a process that died is taken over at once") {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0)
        ::_exit(0);
    REQUIRE(::waitpid(child, nullptr, 0) == child);
    std::string owner = outbox_owner();
    owner = owner.substr(0, owner.rfind(':')) + fmt::format(":{}", child);
    OutboxRow r;
    r.state = OutboxState::sending;
    r.owner = owner;
    r.lease_until = at("2026-06-04T03:15:00Z");
    CHECK(claimable(r, at("2026-06-04T03:00:00Z")));
}

TEST_CASE("outbox: backoff doubles from 30 s to an hour, and the API's wait wins") {
    const auto now = at("2026-06-04T03:00:00Z");
    CHECK(next_attempt_after(1, std::nullopt, now) == now + 30s);
    CHECK(next_attempt_after(2, std::nullopt, now) == now + 60s);
    CHECK(next_attempt_after(3, std::nullopt, now) == now + 120s);
    CHECK(next_attempt_after(30, std::nullopt, now) == now + 1h);
    CHECK(next_attempt_after(1, Millis(2000), now) == now + 2s);
    CHECK(next_attempt_after(5, Millis(0), now) == now + 1s);
}

TEST_CASE("outbox: idempotency keys are distinct version 4 UUIDs") {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const std::string u = new_uuid();
        CHECK(RE2::FullMatch(
            u, "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
        seen.insert(u);
    }
    CHECK(seen.size() == 100);
}
