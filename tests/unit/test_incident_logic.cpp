#include "lib/detect/incident_logic.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace shopkit;
using namespace std::chrono_literals;

using shopkit::test::at;

namespace {

const TimePoint t0 = std::chrono::sys_days{std::chrono::year{2026} / 6 / 4} + 3h;

// Feeds one raw state a minute through advance() and returns the confirmed
// state after each run.
std::vector<State> run(const std::vector<State>& raws, Thresholds t = {},
                       CheckCounter* last = nullptr) {
    CheckCounter c;
    std::vector<State> out;
    for (std::size_t i = 0; i < raws.size(); ++i) {
        c = advance(c, raws[i], t0 + std::chrono::minutes(i), t);
        out.push_back(c.state);
    }
    if (last)
        *last = c;
    return out;
}

constexpr State U = State::up;
constexpr State G = State::degraded;
constexpr State D = State::down;
constexpr State X = State::unknown;

CheckStatus status(std::string id, State s, bool critical = false,
                   std::optional<TimePoint> first_fail = std::nullopt) {
    CheckStatus c;
    c.id = std::move(id);
    c.state = s;
    c.critical = critical;
    c.first_fail = first_fail;
    return c;
}

} // namespace

TEST_CASE("incident: a blip does not change the state") {
    CheckCounter last;
    CHECK(run({D, U, U}, {}, &last) == std::vector<State>{U, U, U});
    CHECK(last.fails == 0);
    CHECK(last.passes == 2);
    CHECK_FALSE(last.first_fail);
}

TEST_CASE("incident: a failure sets first_fail, a pass while up clears it") {
    CheckCounter c = advance({}, D, t0, {});
    CHECK(c.state == U);
    CHECK(c.fails == 1);
    REQUIRE(c.first_fail);
    CHECK(*c.first_fail == t0);
    c = advance(c, D, t0 + 1min, {});
    CHECK(c.state == D);
    CHECK(c.fails == 2);
    CHECK(*c.first_fail == t0); // kept through the streak
    CHECK(*c.last_time == t0 + 1min);
    c = advance(c, U, t0 + 2min, {});
    CHECK(c.state == D);
    CHECK(*c.first_fail == t0); // still down: the outage started at t0
}

TEST_CASE("incident: flapping never opens with fail_after 2") {
    std::vector<State> raws;
    for (int i = 0; i < 20; ++i)
        raws.push_back(i % 2 ? U : D);
    for (State s : run(raws))
        CHECK(s == U);

    CheckCounter c;
    std::optional<Incident> open;
    for (std::size_t i = 0; i < raws.size(); ++i) {
        const TimePoint now = t0 + std::chrono::minutes(i);
        c = advance(c, raws[i], now, {});
        auto ev =
            assess_channel("own", {status("cart", c.state, true, c.first_fail)}, open, false, now);
        CHECK_FALSE(ev);
    }
}

TEST_CASE("incident: fail_after 1 confirms at once") {
    CHECK(run({D}, {1, 2}) == std::vector<State>{D});
    CHECK(run({G, U, U}, {1, 2}) == std::vector<State>{G, G, U});
}

TEST_CASE("incident: fail_after 3 needs three failures in a row") {
    CHECK(run({D, D, U, D, D, D}, {3, 2}) == std::vector<State>{U, U, U, U, U, D});
}

TEST_CASE("incident: recover_after 3 needs three passes in a row") {
    CheckCounter last;
    CHECK(run({D, D, U, U, D, U, U, U}, {2, 3}, &last) ==
          std::vector<State>{U, D, D, D, D, D, D, U});
    CHECK_FALSE(last.first_fail);
    CHECK(last.passes == 3);
}

TEST_CASE("incident: default recover_after is 2") {
    CHECK(run({D, D, U, U}) == std::vector<State>{U, D, D, U});
}

TEST_CASE("incident: a confirmed outage that answers degraded becomes degraded at once") {
    CHECK(run({D, D, G, G, U, U}) == std::vector<State>{U, D, G, G, G, U});
}

TEST_CASE("incident: unknown leaves the counters as they were") {
    CheckCounter c = advance({}, D, t0, {});
    const CheckCounter before = c;
    c = advance(c, X, t0 + 1min, {});
    CHECK(c.state == before.state);
    CHECK(c.fails == before.fails);
    CHECK(c.passes == before.passes);
    CHECK(c.first_fail == before.first_fail);
    CHECK(c.last_time == t0 + 1min);
    // …so the next failure still confirms the streak.
    CHECK(run({D, X, D}) == std::vector<State>{U, U, D});
}

TEST_CASE("incident: channel severity") {
    CHECK_FALSE(channel_severity({}));
    CHECK_FALSE(channel_severity({status("top", U), status("cart", U, true)}));
    CHECK(channel_severity({status("top", G), status("cart", U, true)}) == Severity::minor);
    CHECK(channel_severity({status("top", D), status("cart", G, true)}) == Severity::major);
    CHECK(channel_severity({status("top", U), status("cart", D, true)}) == Severity::critical);
    CHECK(channel_severity({status("top", X)}) == std::nullopt);
}

TEST_CASE("incident: severity names round-trip") {
    for (auto s : {Severity::minor, Severity::major, Severity::critical})
        CHECK(severity_from_string(to_string(s)) == s);
    CHECK_FALSE(severity_from_string("Major"));
}

TEST_CASE("incident: a degraded channel opens a minor incident") {
    auto ev = assess_channel("own", {status("top", G, false, t0)}, std::nullopt, false, t0 + 1min);
    REQUIRE(ev);
    CHECK(ev->event == Event::opened);
    CHECK(ev->incident.severity == Severity::minor);
    CHECK(ev->incident.checks == std::vector<std::string>{"top"});
}

TEST_CASE("incident: opening takes the earliest first failure and the checks in order") {
    const TimePoint now = t0 + 5min;
    auto ev = assess_channel(
        "own",
        {status("top", D, false, t0 + 2min), status("item", U), status("cart", D, true, t0 + 1min)},
        std::nullopt, false, now);
    REQUIRE(ev);
    CHECK(ev->event == Event::opened);
    CHECK(ev->time == now);
    CHECK(ev->incident.channel == "own");
    CHECK(ev->incident.severity == Severity::critical);
    CHECK(ev->incident.checks == std::vector<std::string>{"top", "cart"});
    CHECK(ev->incident.since == t0 + 1min);
    CHECK(ev->incident.id == "own-20260604T0301");
    CHECK_FALSE(ev->incident.until);

    // Without a first failure, the incident starts now.
    auto ev2 = assess_channel("own", {status("top", D)}, std::nullopt, false, now);
    REQUIRE(ev2);
    CHECK(ev2->incident.since == now);
}

TEST_CASE("incident: update on severity change and on affected checks change") {
    Incident open;
    open.id = "own-20260604T0300";
    open.channel = "own";
    open.severity = Severity::major;
    open.checks = {"top"};
    open.since = t0;
    const TimePoint now = t0 + 10min;

    SECTION("nothing changed") {
        CHECK_FALSE(
            assess_channel("own", {status("top", D), status("cart", U, true)}, open, false, now));
    }
    SECTION("severity rises") {
        auto ev =
            assess_channel("own", {status("top", D), status("cart", D, true)}, open, false, now);
        REQUIRE(ev);
        CHECK(ev->event == Event::updated);
        CHECK(ev->incident.id == open.id);
        CHECK(ev->incident.since == t0);
        CHECK(ev->incident.severity == Severity::critical);
        CHECK(ev->incident.checks == std::vector<std::string>{"top", "cart"});
    }
    SECTION("severity falls to minor") {
        auto ev = assess_channel("own", {status("top", G)}, open, false, now);
        REQUIRE(ev);
        CHECK(ev->event == Event::updated);
        CHECK(ev->incident.severity == Severity::minor);
    }
    SECTION("same severity, other checks") {
        auto ev = assess_channel("own", {status("top", U), status("item", D)}, open, false, now);
        REQUIRE(ev);
        CHECK(ev->event == Event::updated);
        CHECK(ev->incident.severity == Severity::major);
        CHECK(ev->incident.checks == std::vector<std::string>{"item"});
    }
    SECTION("all up resolves") {
        auto ev =
            assess_channel("own", {status("top", U), status("cart", U, true)}, open, false, now);
        REQUIRE(ev);
        CHECK(ev->event == Event::resolved);
        CHECK(ev->incident.id == open.id);
        REQUIRE(ev->incident.until);
        CHECK(*ev->incident.until == now);
        CHECK(ev->time == now);
    }
}

TEST_CASE("incident: maintenance suppresses opening but not resolving or updating") {
    CHECK_FALSE(assess_channel("own", {status("cart", D, true)}, std::nullopt, true, t0));

    Incident open;
    open.id = "own-20260604T0300";
    open.channel = "own";
    open.severity = Severity::major;
    open.checks = {"top"};
    open.since = t0;
    auto resolved = assess_channel("own", {status("top", U)}, open, true, t0 + 1h);
    REQUIRE(resolved);
    CHECK(resolved->event == Event::resolved);
    auto updated = assess_channel("own", {status("top", D, true)}, open, true, t0 + 1h);
    REQUIRE(updated);
    CHECK(updated->event == Event::updated);
}

TEST_CASE("incident: a whole outage from first failure to resolution") {
    // top fails for four runs, then recovers; fail_after 2, recover_after 2.
    const std::vector<State> raws = {U, D, D, D, D, U, U, U};
    CheckCounter c;
    std::optional<Incident> open;
    std::vector<std::string> events;
    for (std::size_t i = 0; i < raws.size(); ++i) {
        const TimePoint now = t0 + std::chrono::minutes(i);
        c = advance(c, raws[i], now, {});
        auto ev =
            assess_channel("own", {status("top", c.state, false, c.first_fail)}, open, false, now);
        if (!ev)
            continue;
        events.push_back(std::string(to_string(ev->event)) + "@" + std::to_string(i));
        if (ev->event == Event::resolved) {
            CHECK(ev->incident.since == t0 + 1min);
            CHECK(*ev->incident.until == t0 + 6min);
            open.reset();
        } else {
            open = ev->incident;
        }
    }
    CHECK(events == std::vector<std::string>{"opened@2", "resolved@6"});
}

TEST_CASE("incident: id is the start minute in UTC") {
    CHECK(incident_id("own", at("2026-06-04T12:00:03+09:00")) == "own-20260604T0300");
    CHECK(incident_id("own", at("2026-06-04T09:05:59+09:00")) == "own-20260604T0005");
    // Across midnight and the year in UTC.
    CHECK(incident_id("rakuten", at("2027-01-01T08:30:00+09:00")) == "rakuten-20261231T2330");
    CHECK(incident_id("own", at("2026-06-04T23:59:59Z")) == "own-20260604T2359");
    CHECK(incident_id("us", at("2026-03-01T20:15:00-05:00")) == "us-20260302T0115");
}

TEST_CASE("incident: unique ids add a counter") {
    std::set<std::string> taken;
    auto exists = [&taken](const std::string& id) { return taken.count(id) > 0; };
    CHECK(unique_incident_id("own-20260604T0300", exists) == "own-20260604T0300");
    taken.insert("own-20260604T0300");
    CHECK(unique_incident_id("own-20260604T0300", exists) == "own-20260604T0300-2");
    taken.insert("own-20260604T0300-2");
    CHECK(unique_incident_id("own-20260604T0300", exists) == "own-20260604T0300-3");
}

TEST_CASE("incident: thresholds below 1 act as 1") {
    CHECK(run({D, U}, {0, 0}) == std::vector<State>{D, U});
}

TEST_CASE("incident: the sale it belongs to is the one running when it started, or opened") {
    SalesConfig sales;
    sales.events.push_back({"summer", at("2026-06-04T03:00:00Z"), at("2026-06-04T04:00:00Z"), 2});
    Incident inc;
    inc.since = at("2026-06-04T03:30:00Z");
    CHECK(incident_sale(sales, inc, at("2026-06-04T03:31:00Z")) == "summer");
    // Started in the sale, confirmed just after its end: still the sale's.
    inc.since = at("2026-06-04T03:59:00Z");
    CHECK(incident_sale(sales, inc, at("2026-06-04T04:01:00Z")) == "summer");
    // Started just before, confirmed inside.
    inc.since = at("2026-06-04T02:59:00Z");
    CHECK(incident_sale(sales, inc, at("2026-06-04T03:01:00Z")) == "summer");
    // Neither.
    inc.since = at("2026-06-04T04:00:00Z");
    CHECK_FALSE(incident_sale(sales, inc, at("2026-06-04T04:01:00Z")));
    CHECK_FALSE(incident_sale(SalesConfig{}, inc, at("2026-06-04T03:30:00Z")));
}
