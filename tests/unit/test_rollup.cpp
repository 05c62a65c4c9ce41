// The daily roll-up: how one interval between two probes is attributed, how a
// run adds its intervals, and the SQLite tables that keep it past the raw history.
#include "lib/report/availability.hpp"
#include "lib/state/rollup.hpp"
#include "lib/state/state.hpp"

#include "fake_stores.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>
#include <fmt/core.h>
#include <sqlite3.h>

using namespace shopkit;
using namespace std::chrono_literals;
using shopkit::test::at;
using shopkit::test::TempDir;

namespace {

using Days = std::vector<std::pair<std::string, Buckets>>;

Buckets up(long long s) {
    Buckets d;
    d.up = std::chrono::seconds(s);
    return d;
}

CheckResult probe(const std::string& channel, const std::string& check, const char* time,
                  State raw) {
    CheckResult r;
    r.channel = channel;
    r.check = check;
    r.time = at(time);
    r.raw = raw;
    r.state = raw;
    return r;
}

// One shopcheck run's state work, as keep_state does it: roll-up, then counters
// and history.
void run(const Stores& s, const std::vector<CheckResult>& results,
         const std::vector<MaintenanceConfig>& maintenance = {}, const std::string& tz = "") {
    s.transaction([&] {
        const auto counters = s.checks.load_counters();
        roll_up_run(s.history, results, counters, maintenance, tz);
        for (const auto& r : results) {
            CheckCounter c;
            c.last_time = r.time;
            s.checks.save_counter({r.channel, r.check}, c);
            s.checks.add_history(r);
        }
    });
}

} // namespace

TEST_CASE("rollup: two probes a minute apart add 60 s to the first one's state") {
    CHECK(attribute_interval(at("2026-06-04T03:00:00Z"), at("2026-06-04T03:01:00Z"), State::up,
                             "own", {}, "") == Days{{"2026-06-04", up(60)}});
    Buckets down;
    down.down = 60s;
    CHECK(attribute_interval(at("2026-06-04T03:00:00.700Z"), at("2026-06-04T03:01:00.200Z"),
                             State::down, "own", {}, "") == Days{{"2026-06-04", down}});
    CHECK(attribute_interval(at("2026-06-04T03:01:00Z"), at("2026-06-04T03:01:00Z"), State::up,
                             "own", {}, "")
              .empty());
}

TEST_CASE("rollup: a gap over the cap is no data beyond the cap") {
    const auto days = attribute_interval(at("2026-06-04T03:00:00Z"), at("2026-06-04T04:00:00Z"),
                                         State::degraded, "own", {}, "");
    REQUIRE(days.size() == 1);
    CHECK(days[0].second.degraded == rollup_max_gap);
    CHECK(days[0].second.no_data == 3600s - rollup_max_gap);
    CHECK(days[0].second.counted() == 3600s);
}

TEST_CASE("rollup: an interval over local midnight in Asia/Tokyo splits between the days") {
    // 23:59:30 to 00:00:30 JST.
    const auto days = attribute_interval(at("2026-06-04T14:59:30Z"), at("2026-06-04T15:00:30Z"),
                                         State::up, "own", {}, "Asia/Tokyo");
    CHECK(days == Days{{"2026-06-04", up(30)}, {"2026-06-05", up(30)}});
    // In UTC the same minute is one day.
    CHECK(attribute_interval(at("2026-06-04T14:59:30Z"), at("2026-06-04T15:00:30Z"), State::up,
                             "own", {}, "") == Days{{"2026-06-04", up(60)}});
}

TEST_CASE("rollup: a maintenance window for the channel or every channel counts as maintenance") {
    std::vector<MaintenanceConfig> windows{
        {"own", at("2026-06-04T03:00:20Z"), at("2026-06-04T03:00:50Z"), "update"},
        {"mall", at("2026-06-04T03:00:00Z"), at("2026-06-04T04:00:00Z"), "not ours"}};
    const auto days = attribute_interval(at("2026-06-04T03:00:00Z"), at("2026-06-04T03:01:00Z"),
                                         State::down, "own", windows, "");
    REQUIRE(days.size() == 1);
    CHECK(days[0].second.down == 30s);
    CHECK(days[0].second.maintenance == 30s);
    windows.push_back({"", at("2026-06-04T02:00:00Z"), at("2026-06-04T05:00:00Z"), "all"});
    const auto all = attribute_interval(at("2026-06-04T03:00:00Z"), at("2026-06-04T04:00:00Z"),
                                        State::down, "own", windows, "");
    REQUIRE(all.size() == 1);
    CHECK(all[0].second.maintenance == 3600s);
}

TEST_CASE("rollup: runs fill check_daily and channel_daily in the state file") {
    TempDir dir;
    auto state = open_sqlite_state(dir.path() / "state.db");
    const Stores& s = state->stores();
    run(s, {probe("own", "top", "2026-06-04T03:00:00Z", State::up),
            probe("own", "cart", "2026-06-04T03:00:00Z", State::down)});
    CHECK(s.history.check_days("2026-06-01", "2026-06-30").empty()); // nothing before a probe
    run(s, {probe("own", "top", "2026-06-04T03:01:00Z", State::up),
            probe("own", "cart", "2026-06-04T03:01:00Z", State::up)});
    run(s, {probe("own", "top", "2026-06-04T03:02:00Z", State::up),
            probe("own", "cart", "2026-06-04T03:02:00Z", State::up)});

    Buckets cart;
    cart.down = 60s;
    cart.up = 60s;
    CHECK(s.history.check_days("2026-06-01", "2026-06-30") ==
          std::vector<DailyRow>{{"own", "cart", "2026-06-04", cart},
                                {"own", "top", "2026-06-04", up(120)}});
    // The channel is down while any check is.
    CHECK(s.history.channel_days("2026-06-04", "2026-06-04") ==
          std::vector<DailyRow>{{"own", "", "2026-06-04", cart}});
    CHECK(s.history.channel_days("2026-06-05", "2026-06-30").empty());
}

TEST_CASE("rollup: the in-memory state adds up the same rows") {
    shopkit::test::MemoryState m;
    run(m.stores, {probe("own", "top", "2026-06-04T03:00:00Z", State::unknown)});
    run(m.stores, {probe("own", "top", "2026-06-04T03:20:00Z", State::up)});
    Buckets d;
    d.unknown = rollup_max_gap;
    d.no_data = 1200s - rollup_max_gap;
    CHECK(m.stores.history.check_days("2026-06-04", "2026-06-04") ==
          std::vector<DailyRow>{{"own", "top", "2026-06-04", d}});
    CHECK(m.stores.history.channel_days("2026-06-04", "2026-06-04") ==
          std::vector<DailyRow>{{"own", "", "2026-06-04", d}});
}

TEST_CASE("rollup: pruning the raw history leaves the daily rows") {
    TempDir dir;
    auto state = open_sqlite_state(dir.path() / "state.db");
    const Stores& s = state->stores();
    run(s, {probe("own", "top", "2026-06-04T03:00:00Z", State::up)});
    run(s, {probe("own", "top", "2026-06-04T03:01:00Z", State::up)});
    s.transaction([&] { s.checks.prune_history(at("2026-07-01T00:00:00Z")); });
    CHECK(s.history.probes(std::nullopt, at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"))
              .empty());
    CHECK(s.history.check_days("2026-06-04", "2026-06-04") ==
          std::vector<DailyRow>{{"own", "top", "2026-06-04", up(60)}});
    CHECK(s.history.channel_days("2026-06-04", "2026-06-04").size() == 1);
}

TEST_CASE("history: probes of a period come after each check's last probe before it") {
    TempDir dir;
    auto state = open_sqlite_state(dir.path() / "state.db");
    const Stores& s = state->stores();
    run(s, {probe("own", "top", "2026-06-04T02:00:00Z", State::up),
            probe("own", "cart", "2026-06-04T02:30:00Z", State::down)});
    run(s, {probe("own", "top", "2026-06-04T02:59:00Z", State::degraded)});
    run(s, {probe("own", "top", "2026-06-04T03:00:00Z", State::up),
            probe("own", "cart", "2026-06-04T03:00:00Z", State::up)});
    run(s, {probe("own", "top", "2026-06-04T04:00:00Z", State::up)});

    const auto all =
        s.history.probes(std::nullopt, at("2026-06-04T03:00:00Z"), at("2026-06-04T04:00:00Z"));
    REQUIRE(all.size() == 4);
    CHECK(all[0] ==
          HistoryProbe{at("2026-06-04T02:30:00Z"), "own", "cart", State::down, State::down});
    CHECK(all[1].time == at("2026-06-04T02:59:00Z"));
    CHECK(all[1].raw == State::degraded);
    CHECK(all[2].time == at("2026-06-04T03:00:00Z"));
    CHECK(all[3].time == at("2026-06-04T03:00:00Z"));

    const auto top = s.history.probes(CheckKey{"own", "top"}, at("2026-06-04T03:00:00Z"),
                                      at("2026-06-05T00:00:00Z"));
    REQUIRE(top.size() == 3);
    CHECK(top[0].time == at("2026-06-04T02:59:00Z"));
    CHECK(top[2].time == at("2026-06-04T04:00:00Z"));
    // The memory fake agrees.
    shopkit::test::MemoryState m;
    for (const auto& r : {probe("own", "top", "2026-06-04T02:00:00Z", State::up),
                          probe("own", "top", "2026-06-04T03:30:00Z", State::down)})
        m.history.push_back(r);
    const auto fake =
        m.probes(CheckKey{"own", "top"}, at("2026-06-04T03:00:00Z"), at("2026-06-04T04:00:00Z"));
    REQUIRE(fake.size() == 2);
    CHECK(fake[0].time == at("2026-06-04T02:00:00Z"));
}

TEST_CASE("rollup: a schema-4 state file gains the daily tables") {
    TempDir dir;
    const auto path = dir.path() / "state.db";
    open_sqlite_state(path).reset();
    {
        sqlite3* db = nullptr;
        REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
        REQUIRE(sqlite3_exec(db,
                             "DROP TABLE check_daily; DROP TABLE channel_daily;"
                             " UPDATE meta SET value = '4' WHERE name = 'schema_version'",
                             nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(db);
    }
    auto state = open_sqlite_state(path);
    const Stores& s = state->stores();
    run(s, {probe("own", "top", "2026-06-04T03:00:00Z", State::up)});
    run(s, {probe("own", "top", "2026-06-04T03:01:00Z", State::up)});
    CHECK(s.history.check_days("2026-06-04", "2026-06-04").size() == 1);
    CHECK(s.history.channel_days("2026-06-04", "2026-06-04").size() == 1);
    CHECK(latest_schema_version() >= 5); // 6 (credentials) left in place: IF NOT EXISTS
}

TEST_CASE("rollup: run by run, it gives the days lib/report computes from the raw probes") {
    const std::string tz = "Asia/Tokyo";
    const std::vector<MaintenanceConfig> windows{
        {"own", at("2026-06-04T14:50:00Z"), at("2026-06-04T14:55:30Z"), "update"}};
    // Minutes, a cron gap of 40 minutes, and local midnight (15:00Z) inside.
    const std::vector<std::pair<const char*, State>> seen{
        {"2026-06-04T14:30:00Z", State::up},       {"2026-06-04T14:31:00Z", State::down},
        {"2026-06-04T14:32:00Z", State::degraded}, {"2026-06-04T15:12:00Z", State::unknown},
        {"2026-06-04T15:13:30Z", State::up},       {"2026-06-04T15:14:00Z", State::up}};
    shopkit::test::MemoryState m;
    std::vector<report::Probe> probes;
    for (const auto& [time, state] : seen) {
        run(m.stores, {probe("own", "top", time, state)}, windows, tz);
        probes.push_back({at(time), state});
    }
    std::vector<report::Span> maintenance;
    for (const auto& w : windows)
        maintenance.push_back({w.start, w.end});
    const auto timeline = report::check_timeline(probes, {probes.front().time, probes.back().time},
                                                 rollup_max_gap, maintenance);
    std::vector<DailyRow> expected;
    for (const auto& d : report::by_day(timeline, tz)) {
        expected.push_back({"own", "top",
                            fmt::format("{:04}-{:02}-{:02}", d.date.year, d.date.month, d.date.day),
                            d.buckets});
    }
    REQUIRE(expected.size() == 2);
    CHECK(m.stores.history.check_days("2026-06-01", "2026-06-30") == expected);
    // One check: the channel's days are the check's.
    for (auto& row : expected)
        row.check.clear();
    CHECK(m.stores.history.channel_days("2026-06-01", "2026-06-30") == expected);
}
