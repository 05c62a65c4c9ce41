#include "lib/state/state.hpp"

#include "lib/state/database.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>
#include <fmt/core.h>
#include <sqlite3.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <sys/stat.h>

using namespace shopkit;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

using shopkit::test::at;
using shopkit::test::TempDir;

namespace {

// A direct look into the file, as `sqlite3 state.db` would give.
class RawDb {
  public:
    explicit RawDb(const fs::path& p) { REQUIRE(sqlite3_open(p.c_str(), &db_) == SQLITE_OK); }
    ~RawDb() { sqlite3_close(db_); }
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;
    std::string text(const std::string& sql) {
        sqlite3_stmt* s = nullptr;
        REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
        std::string out;
        if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
            out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
        sqlite3_finalize(s);
        return out;
    }
    void exec(const std::string& sql) {
        REQUIRE(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    }

  private:
    sqlite3* db_ = nullptr;
};

const TimePoint t0 = std::chrono::sys_days{std::chrono::year{2026} / 6 / 4} + 3h;

CheckResult result(const std::string& channel, const std::string& check, TimePoint t,
                   State raw = State::down) {
    CheckResult r;
    r.channel = channel;
    r.check = check;
    r.kind = "http";
    r.url = "https://shop.example/" + check;
    r.time = t;
    r.raw = raw;
    r.state = raw;
    r.http_status = raw == State::up ? 200 : 500;
    r.timings.total = 0.8124;
    r.error = raw == State::up ? "" : "HTTP 500";
    return r;
}

Incident incident(std::string id, Severity sev, std::vector<std::string> checks, TimePoint since) {
    Incident inc;
    inc.id = std::move(id);
    inc.channel = "own";
    inc.severity = sev;
    inc.checks = std::move(checks);
    inc.since = since;
    return inc;
}

} // namespace

TEST_CASE("state: counters round-trip") {
    TempDir dir;
    const fs::path db = dir.path() / "state.db";
    CheckCounter down;
    down.state = State::down;
    down.fails = 3;
    down.passes = 0;
    down.first_fail = t0;
    down.last_time = t0 + 2min;
    CheckCounter up;
    up.passes = 7;
    up.last_time = t0 + 2min;
    {
        auto store = open_sqlite_state(db);
        CHECK(store->stores().checks.load_counters().empty());
        store->stores().transaction([&] {
            store->stores().checks.save_counter({"own", "cart"}, down);
            store->stores().checks.save_counter({"own", "top"}, up);
            store->stores().checks.save_counter({"rakuten", "top"}, up);
        });
        // An upsert replaces.
        store->stores().transaction([&] {
            up.passes = 8;
            store->stores().checks.save_counter({"own", "top"}, up);
        });
    }
    auto store = open_sqlite_state(db);
    const auto counters = store->stores().checks.load_counters();
    REQUIRE(counters.size() == 3);
    const auto& c = counters.at({"own", "cart"});
    CHECK(c.state == State::down);
    CHECK(c.fails == 3);
    CHECK(c.passes == 0);
    CHECK(c.first_fail == t0);
    CHECK(c.last_time == t0 + 2min);
    const auto& u = counters.at({"own", "top"});
    CHECK(u.state == State::up);
    CHECK(u.passes == 8);
    CHECK_FALSE(u.first_fail);
    CHECK(counters.at({"rakuten", "top"}).passes == 7);

    RawDb raw(db);
    CHECK(raw.text("SELECT first_fail FROM check_state WHERE check_id = 'cart'") ==
          "2026-06-04T03:00:00Z");
}

TEST_CASE("state: history insert and prune") {
    TempDir dir;
    const fs::path db = dir.path() / "state.db";
    auto store = open_sqlite_state(db);
    store->stores().transaction([&] {
        for (int i = 0; i < 5; ++i)
            store->stores().checks.add_history(
                result("own", "cart", t0 + std::chrono::hours(i * 24)));
        CheckResult ok = result("own", "top", t0 + 96h, State::up);
        ok.state = State::down; // still confirmed down while recovering
        store->stores().checks.add_history(ok);
    });
    RawDb raw(db);
    CHECK(raw.text("SELECT count(*) FROM check_history") == "6");
    CHECK(raw.text("SELECT time || ' ' || raw_state || ' ' || state || ' ' || http_status || ' ' "
                   "|| latency_ms || ' ' || error FROM check_history ORDER BY id LIMIT 1") ==
          "2026-06-04T03:00:00Z down down 500 812 HTTP 500");
    CHECK(raw.text("SELECT raw_state || ' ' || state || ' ' || coalesce(error, 'none') "
                   "FROM check_history WHERE check_id = 'top'") == "up down none");

    store->stores().transaction([&] { store->stores().checks.prune_history(t0 + 48h); });
    CHECK(raw.text("SELECT count(*) FROM check_history") == "4");
    CHECK(raw.text("SELECT min(time) FROM check_history") == "2026-06-06T03:00:00Z");
}

TEST_CASE("state: incidents open, update and resolve through record_event") {
    TempDir dir;
    const fs::path db = dir.path() / "state.db";
    const std::string id = "own-20260604T0300";
    {
        auto store = open_sqlite_state(db);
        CHECK_FALSE(store->stores().incidents.incident_exists(id));
        CHECK(store->stores().incidents.open_incidents().empty());

        Incident inc = incident(id, Severity::major, {"top"}, t0);
        store->stores().transaction([&] {
            store->stores().incidents.record_event({Event::opened, inc, t0 + 1min});
        });
        CHECK(store->stores().incidents.incident_exists(id));
        auto open = store->stores().incidents.open_incidents();
        REQUIRE(open.count("own") == 1);
        CHECK(open.at("own").id == id);
        CHECK(open.at("own").severity == Severity::major);
        CHECK(open.at("own").checks == std::vector<std::string>{"top"});
        CHECK(open.at("own").since == t0);
        CHECK_FALSE(open.at("own").until);

        inc.severity = Severity::critical;
        inc.checks = {"top", "cart"};
        store->stores().transaction([&] {
            store->stores().incidents.record_event({Event::updated, inc, t0 + 5min});
        });
        open = store->stores().incidents.open_incidents();
        CHECK(open.at("own").severity == Severity::critical);
        CHECK(open.at("own").checks == std::vector<std::string>{"top", "cart"});

        inc.until = t0 + 45min;
        store->stores().transaction([&] {
            store->stores().incidents.record_event({Event::resolved, inc, t0 + 45min});
        });
        CHECK(store->stores().incidents.open_incidents().empty());
        CHECK(store->stores().incidents.incident_exists(id));
    }

    // Reopening the file keeps everything.
    auto store = open_sqlite_state(db);
    CHECK(store->stores().incidents.incident_exists(id));
    CHECK(store->stores().incidents.open_incidents().empty());
    const auto events = store->stores().incidents.incident_events(id);
    REQUIRE(events.size() == 3);
    CHECK(events[0].event == Event::opened);
    CHECK(events[0].time == t0 + 1min);
    CHECK(events[0].incident.severity == Severity::major);
    CHECK(events[0].incident.checks == std::vector<std::string>{"top"});
    CHECK(events[0].incident.since == t0);
    CHECK(events[0].incident.channel == "own");
    CHECK_FALSE(events[0].incident.until);
    CHECK(events[1].event == Event::updated);
    CHECK(events[1].incident.severity == Severity::critical);
    CHECK(events[1].incident.checks == std::vector<std::string>{"top", "cart"});
    CHECK(events[2].event == Event::resolved);
    CHECK(events[2].time == t0 + 45min);
    REQUIRE(events[2].incident.until);
    CHECK(*events[2].incident.until == t0 + 45min);
    CHECK(store->stores().incidents.incident_events("nope").empty());

    RawDb raw(db);
    CHECK(raw.text("SELECT checks FROM incidents") == R"(["top","cart"])");
    CHECK(raw.text("SELECT until FROM incidents") == "2026-06-04T03:45:00Z");
}

TEST_CASE("state: a transaction reads its own writes") {
    TempDir dir;
    const fs::path db = dir.path() / "state.db";
    auto store = open_sqlite_state(db);
    RawDb raw(db);
    CheckCounter c;
    c.fails = 1;
    store->stores().transaction([&] {
        for (int i = 0; i < 150; ++i)
            store->stores().checks.save_counter({"own", "c" + std::to_string(i)}, c);
        CHECK(store->stores().checks.load_counters().size() == 150);
        for (int i = 0; i < 150; ++i)
            store->stores().checks.add_history(result("own", "c" + std::to_string(i), t0 + i * 1s));
        store->stores().checks.prune_history(t0 + 100s);
    });
    CHECK(raw.text("SELECT count(*) FROM check_history") == "50");
    // Outside a transaction every call is written at once.
    store->stores().checks.save_counter({"own", "solo"}, c);
    store->stores().checks.add_history(result("own", "solo", t0 + 1h));
    CHECK(raw.text("SELECT fails FROM check_state WHERE check_id = 'solo'") == "1");
    CHECK(raw.text("SELECT count(*) FROM check_history") == "51");
}

TEST_CASE("state: an event for an unknown incident is an error") {
    TempDir dir;
    auto store = open_sqlite_state(dir.path() / "state.db");
    Incident inc = incident("own-20260604T0300", Severity::major, {"top"}, t0);
    CHECK_THROWS_AS(store->stores().incidents.record_event({Event::updated, inc, t0}),
                    std::runtime_error);
    CHECK_THROWS_AS(store->stores().incidents.record_event({static_cast<Event>(99), inc, t0}),
                    std::runtime_error);
    store->stores().incidents.record_event({Event::opened, inc, t0});
    // The same id twice is refused: callers make ids unique first.
    CHECK_THROWS_AS(store->stores().incidents.record_event({Event::opened, inc, t0}),
                    std::runtime_error);
}

TEST_CASE("state: a failing transaction leaves nothing behind") {
    TempDir dir;
    auto store = open_sqlite_state(dir.path() / "state.db");
    CheckCounter c;
    c.fails = 1;
    CHECK_THROWS_WITH(store->stores().transaction([&] {
        store->stores().checks.save_counter({"own", "cart"}, c);
        for (int i = 0; i < 100; ++i)
            store->stores().checks.add_history(result("own", "cart", t0));
        throw std::runtime_error("boom");
    }),
                      "boom");
    CHECK(store->stores().checks.load_counters().empty());
    RawDb raw(dir.path() / "state.db");
    CHECK(raw.text("SELECT count(*) FROM check_history") == "0");
    // And the store is usable afterwards.
    store->stores().transaction([&] { store->stores().checks.save_counter({"own", "cart"}, c); });
    CHECK(store->stores().checks.load_counters().size() == 1);
}

TEST_CASE("state: the file is in WAL mode and its directory is private") {
    TempDir dir;
    const fs::path db = dir.path() / "a" / "b" / "state.db";
    auto store = open_sqlite_state(db);
    CHECK(fs::exists(db));
    struct stat st {};
    REQUIRE(::stat(db.parent_path().c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    RawDb raw(db);
    CHECK(raw.text("PRAGMA journal_mode") == "wal");
    CHECK(raw.text("SELECT value FROM meta WHERE name = 'schema_version'") ==
          std::to_string(latest_schema_version()));
}

TEST_CASE("state: the file, its WAL and its SHM are created 0600 whatever the umask") {
    TempDir dir;
    const fs::path db = dir.path() / "state.db";
    const mode_t old = ::umask(022);
    {
        auto store = open_sqlite_state(db);
        CheckCounter c;
        store->stores().transaction([&] { store->stores().checks.save_counter({"own", "x"}, c); });
        for (const char* suffix : {"", "-wal", "-shm"}) {
            const fs::path file = db.string() + suffix;
            struct stat st {};
            INFO(file);
            REQUIRE(::stat(file.c_str(), &st) == 0);
            CHECK((st.st_mode & 0777) == 0600);
        }
    }
    ::umask(old);
}

TEST_CASE("state: a second run waits for the first one's transaction") {
    TempDir dir;
    const fs::path db = dir.path() / "state.db";
    auto first = open_sqlite_state(db);
    auto second = open_sqlite_state(db, 5s);
    std::atomic<bool> holding{false};
    CheckCounter c;
    c.fails = 1;

    std::thread holder([&] {
        first->stores().transaction([&] {
            first->stores().checks.save_counter({"own", "first"}, c);
            holding = true;
            std::this_thread::sleep_for(300ms);
        });
    });
    while (!holding)
        std::this_thread::sleep_for(1ms);
    const auto start = std::chrono::steady_clock::now();
    CHECK_NOTHROW(second->stores().transaction([&] {
        // It must see what the first run committed.
        CHECK(second->stores().checks.load_counters().count({"own", "first"}) == 1);
        second->stores().checks.save_counter({"own", "second"}, c);
    }));
    const auto waited = std::chrono::steady_clock::now() - start;
    holder.join();
    CHECK(waited >= 200ms);
    CHECK(first->stores().checks.load_counters().size() == 2);
}

TEST_CASE("state: first runs racing on a new file all succeed") {
    TempDir dir;
    const fs::path db = dir.path() / "new" / "state.db";
    constexpr int runs = 4;
    std::atomic<int> ok{0};
    std::vector<std::string> errors(runs);
    std::vector<std::thread> threads;
    for (int i = 0; i < runs; ++i) {
        threads.emplace_back([&, i] {
            try {
                auto store = open_sqlite_state(db, 10s);
                CheckCounter c;
                c.fails = i;
                store->stores().transaction([&] {
                    store->stores().checks.save_counter({"own", "c" + std::to_string(i)}, c);
                });
                ++ok;
            } catch (const std::exception& e) {
                errors[i] = e.what();
            }
        });
    }
    for (auto& t : threads)
        t.join();
    for (const auto& e : errors)
        CHECK(e == "");
    CHECK(ok == runs);
    CHECK(open_sqlite_state(db)->stores().checks.load_counters().size() == std::size_t(runs));
}

TEST_CASE("state: waiting longer than the busy timeout is an error naming the file") {
    TempDir dir;
    const fs::path db = dir.path() / "state.db";
    auto first = open_sqlite_state(db);
    auto second = open_sqlite_state(db, 100ms);
    std::atomic<bool> holding{false};
    std::atomic<bool> done{false};
    std::thread holder([&] {
        first->stores().transaction([&] {
            holding = true;
            while (!done)
                std::this_thread::sleep_for(5ms);
        });
    });
    while (!holding)
        std::this_thread::sleep_for(1ms);
    try {
        second->stores().transaction([] {});
        FAIL("no error");
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        CHECK_THAT(what, Catch::Contains(db.string()));
        CHECK_THAT(what, Catch::Contains("locked"));
    }
    done = true;
    holder.join();
}

TEST_CASE("state: a newer schema is refused") {
    TempDir dir;
    const fs::path db = dir.path() / "state.db";
    open_sqlite_state(db);
    {
        RawDb raw(db);
        raw.exec(fmt::format("UPDATE meta SET value = '{}' WHERE name = 'schema_version'",
                             latest_schema_version() + 1));
    }
    try {
        open_sqlite_state(db);
        FAIL("no error");
    } catch (const std::runtime_error& e) {
        CHECK_THAT(
            std::string(e.what()),
            Catch::Contains(db.string()) &&
                Catch::Contains(fmt::format("schema version {}", latest_schema_version() + 1)) &&
                Catch::Contains("newer"));
    }
}

TEST_CASE("state: a file that is not a database is an error naming it") {
    TempDir dir;
    const fs::path db = dir.path() / "state.db";
    std::ofstream(db) << "this is not sqlite, but it is long enough to have a header page........"
                         "..............................................................\n";
    try {
        open_sqlite_state(db);
        FAIL("no error");
    } catch (const std::runtime_error& e) {
        CHECK_THAT(std::string(e.what()),
                   Catch::StartsWith(db.string() + ": ") && Catch::Contains("not a database"));
    }
    const fs::path under_file = db / "state.db";
    CHECK_THROWS_AS(open_sqlite_state(under_file), std::runtime_error);
}

TEST_CASE("state: ten thousand checks in one transaction are fast") {
    TempDir dir;
    auto store = open_sqlite_state(dir.path() / "state.db");
    constexpr int n = 10000;
    CheckCounter c;
    c.state = State::down;
    c.fails = 2;
    c.first_fail = t0;
    c.last_time = t0 + 1min;
    std::vector<CheckResult> results;
    for (int i = 0; i < n; ++i)
        results.push_back(result("ch" + std::to_string(i / 100), "c" + std::to_string(i), t0));

    auto run = [&] {
        const auto start = std::chrono::steady_clock::now();
        store->stores().transaction([&] {
            auto counters = store->stores().checks.load_counters();
            for (const auto& r : results) {
                store->stores().checks.save_counter({r.channel, r.check}, c);
                store->stores().checks.add_history(r);
            }
        });
        return std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - start);
    };
    run(); // the first run inserts; the second updates, as steady cron runs do
    const auto ms = run();
    WARN("10000 counters + history rows: " << ms.count() << " ms");
    CHECK(store->stores().checks.load_counters().size() == n);
    // Generous, for sanitizer builds; a release build takes a few tens of ms.
    CHECK(ms < 2000ms);
}

TEST_CASE("state: default path follows XDG_STATE_HOME") {
    const char* old_xdg = std::getenv("XDG_STATE_HOME");
    const std::string saved = old_xdg ? old_xdg : "";
    ::setenv("XDG_STATE_HOME", "/var/tmp/xdg", 1);
    CHECK(default_state_path() == fs::path("/var/tmp/xdg/shopkit/state.db"));
    ::setenv("XDG_STATE_HOME", "relative", 1); // ignored, as the XDG spec says
    const char* home = std::getenv("HOME");
    if (home && *home)
        CHECK(default_state_path() == fs::path(home) / ".local/state/shopkit/state.db");
    if (old_xdg)
        ::setenv("XDG_STATE_HOME", saved.c_str(), 1);
    else
        ::unsetenv("XDG_STATE_HOME");
}

namespace {

OutboxRow sample_row(const std::string& name, const std::string& target = "line") {
    OutboxRow r;
    r.incident = "own-20260604T0300";
    r.event = Event::opened;
    r.name = name;
    r.target = target;
    r.audience = Audience::customers;
    r.key = "6f1c0a4e-0000-4000-8000-000000000001";
    r.created = shopkit::test::at("2026-06-04T03:10:00Z");
    r.text = "【障害のお知らせ】\n本文";
    r.template_source = "{{x}}";
    r.template_path = "builtin:ja/opened.mustache";
    r.context = R"({"x":1})";
    return r;
}

} // namespace

TEST_CASE("state: a version-1 file gains the outbox and every later table") {
    TempDir dir;
    const fs::path db = dir.path() / "state.db";
    {
        RawDb raw(db);
        raw.exec("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
        raw.exec(sqlite_migrations().front().sql); // what version 1 holds
        raw.exec("INSERT INTO meta VALUES ('schema_version', '1')");
    }
    auto store = open_sqlite_state(db);
    OutboxRow row = sample_row("opened");
    CHECK(store->stores().outbox.enqueue(row));
    RawDb raw(db);
    CHECK(raw.text("SELECT value FROM meta WHERE name = 'schema_version'") ==
          std::to_string(latest_schema_version()));
}

TEST_CASE("state: an incident keeps the sale it started in") {
    TempDir dir;
    const fs::path db = dir.path() / "state.db";
    {
        auto store = open_sqlite_state(db);
        Incident inc = incident("own-20260604T0300", Severity::major, {"top"}, t0);
        inc.sale = "summer";
        Incident plain = incident("mall-20260604T0300", Severity::major, {"top"}, t0);
        plain.channel = "mall";
        store->stores().transaction([&] {
            store->stores().incidents.record_event({Event::opened, inc, t0});
            store->stores().incidents.record_event({Event::opened, plain, t0});
            inc.severity = Severity::critical;
            store->stores().incidents.record_event({Event::updated, inc, t0 + 1min});
        });
    }
    auto store = open_sqlite_state(db);
    auto& incidents = store->stores().incidents;
    CHECK(incidents.incident("own-20260604T0300")->sale == "summer");
    CHECK_FALSE(incidents.incident("mall-20260604T0300")->sale);
    CHECK(incidents.open_incidents().at("own").sale == "summer");
    CHECK(incidents.incidents_since(t0).size() == 2);
    for (const auto& e : incidents.incident_events("own-20260604T0300"))
        CHECK(e.incident.sale == "summer");
    RawDb raw(db);
    CHECK(raw.text("SELECT sale FROM incidents WHERE id = 'own-20260604T0300'") == "summer");
    CHECK(raw.text("SELECT COUNT(*) FROM incidents WHERE sale IS NULL") == "1");
}

TEST_CASE("state: a version-2 file gains incidents.sale, its incidents in no sale") {
    TempDir dir;
    const fs::path db = dir.path() / "state.db";
    {
        RawDb raw(db);
        raw.exec("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
        for (const Migration& m : sqlite_migrations())
            if (m.version <= 2)
                raw.exec(m.sql);
        raw.exec("INSERT INTO meta VALUES ('schema_version', '2')");
        raw.exec("INSERT INTO incidents (id, channel, severity, checks, since) VALUES"
                 " ('own-20260604T0300', 'own', 'major', '[\"top\"]', '2026-06-04T03:00:00Z')");
    }
    auto store = open_sqlite_state(db);
    const auto open = store->stores().incidents.open_incidents();
    REQUIRE(open.count("own") == 1);
    CHECK_FALSE(open.at("own").sale);
    RawDb raw(db);
    CHECK(raw.text("SELECT value FROM meta WHERE name = 'schema_version'") ==
          std::to_string(latest_schema_version()));
}

TEST_CASE("state: the outbox keeps one row per incident, name and target") {
    TempDir dir;
    auto store = open_sqlite_state(dir.path() / "state.db");
    OutboxRow a = sample_row("opened");
    REQUIRE(store->stores().outbox.enqueue(a));
    CHECK(a.id > 0);
    OutboxRow again = sample_row("opened");
    CHECK_FALSE(store->stores().outbox.enqueue(again));
    OutboxRow other = sample_row("opened", "x");
    CHECK(store->stores().outbox.enqueue(other));
    const auto rows = store->stores().outbox.outbox_for_incident("own-20260604T0300");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].text == "【障害のお知らせ】\n本文");
    CHECK(rows[0].context == R"({"x":1})");
    CHECK(rows[0].created == shopkit::test::at("2026-06-04T03:10:00Z"));
    CHECK(rows[1].target == "x");
}

TEST_CASE("state: outbox rows are updated and found by state") {
    TempDir dir;
    auto store = open_sqlite_state(dir.path() / "state.db");
    OutboxRow a = sample_row("opened");
    OutboxRow b = sample_row("resolved");
    REQUIRE(store->stores().outbox.enqueue(a));
    REQUIRE(store->stores().outbox.enqueue(b));
    a.state = OutboxState::sending;
    a.attempts = 1;
    a.owner = "host:42";
    a.lease_until = shopkit::test::at("2026-06-04T03:25:00Z");
    store->stores().outbox.update_outbox(a);
    CHECK(store->stores().outbox.outbox_in_states({OutboxState::sending}).size() == 1);
    CHECK(store->stores()
              .outbox.outbox_in_states({OutboxState::pending, OutboxState::sending})
              .size() == 2);
    CHECK(store->stores().outbox.outbox_in_states({OutboxState::sent}).empty());
    auto back = store->stores().outbox.outbox_row(a.id);
    REQUIRE(back);
    CHECK(back->owner == "host:42");
    CHECK(back->attempts == 1);
    CHECK(back->lease_until == a.lease_until);
    back->state = OutboxState::sent;
    back->owner.clear();
    back->lease_until.reset();
    back->remote_id = "r-1";
    store->stores().outbox.update_outbox(*back);
    back = store->stores().outbox.outbox_row(a.id);
    CHECK(back->state == OutboxState::sent);
    CHECK(back->owner.empty());
    CHECK_FALSE(back->lease_until);
    CHECK(back->remote_id == "r-1");
    CHECK_FALSE(store->stores().outbox.outbox_row(9999));
}

TEST_CASE("state: e-mail recipients are remembered per outbox row") {
    TempDir dir;
    auto store = open_sqlite_state(dir.path() / "state.db");
    OutboxRow a = sample_row("opened", "mail");
    REQUIRE(store->stores().outbox.enqueue(a));
    store->stores().outbox.record_recipient(a.id, "b@example.jp", "sent", "");
    store->stores().outbox.record_recipient(a.id, "a@example.jp", "rejected", "550 no such user");
    store->stores().outbox.record_recipient(a.id, "b@example.jp", "sent", "");
    CHECK(store->stores().outbox.recipients_done(a.id) ==
          std::vector<std::string>{"a@example.jp", "b@example.jp"});
    CHECK(store->stores().outbox.recipients_done(a.id + 1).empty());
}

TEST_CASE("state: incidents are found by id and by time") {
    TempDir dir;
    auto store = open_sqlite_state(dir.path() / "state.db");
    IncidentEvent old;
    old.event = Event::opened;
    old.incident.id = "own-1";
    old.incident.channel = "own";
    old.incident.severity = Severity::major;
    old.incident.checks = {"cart"};
    old.incident.since = shopkit::test::at("2026-01-01T00:00:00Z");
    old.time = old.incident.since;
    IncidentEvent now = old;
    now.incident.id = "own-2";
    now.incident.since = now.time = shopkit::test::at("2026-06-04T03:00:00Z");
    store->stores().incidents.record_event(old);
    IncidentEvent end = old;
    end.event = Event::resolved;
    end.incident.until = end.time = shopkit::test::at("2026-01-01T01:00:00Z");
    store->stores().incidents.record_event(end);
    store->stores().incidents.record_event(now);
    REQUIRE(store->stores().incidents.incident("own-1"));
    CHECK(store->stores().incidents.incident("own-1")->until == end.time);
    CHECK_FALSE(store->stores().incidents.incident("nope"));
    const auto recent =
        store->stores().incidents.incidents_since(shopkit::test::at("2026-06-01T00:00:00Z"));
    REQUIRE(recent.size() == 1);
    CHECK(recent[0].id == "own-2");
    CHECK(store->stores()
              .incidents.incidents_since(shopkit::test::at("2025-12-01T00:00:00Z"))
              .size() == 2);
}

TEST_CASE("state: a runbook step run is recorded once per incident, occurrence and step") {
    TempDir dir;
    auto store = open_sqlite_state(dir.path() / "state.db");
    RunbookStore& runbook = store->stores().runbook;
    StepRun run;
    run.incident = "own-20260604T0300";
    run.event = Event::opened;
    run.name = "opened";
    run.step = "landing";
    run.created = at("2026-06-04T03:01:00Z");
    REQUIRE(runbook.add_step_run(run));
    CHECK(run.id > 0);
    StepRun again = run;
    CHECK_FALSE(runbook.add_step_run(again));
    StepRun other = run;
    other.step = "pager";
    CHECK(runbook.add_step_run(other));
    CHECK(runbook.unfinished_step_runs().size() == 2);

    run.state = StepState::pending;
    run.attempts = 1;
    run.exit_status = 3;
    run.duration_ms = 1234;
    run.error = "exit status 3";
    run.output = "it broke";
    run.next_attempt = at("2026-06-04T03:01:30Z");
    runbook.update_step_run(run);
    other.state = StepState::ok;
    other.finished = at("2026-06-04T03:01:02Z");
    runbook.update_step_run(other);
    const auto rows = runbook.step_runs("own-20260604T0300");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].exit_status == 3);
    CHECK(rows[0].output == "it broke");
    CHECK(rows[0].next_attempt == at("2026-06-04T03:01:30Z"));
    CHECK(rows[1].state == StepState::ok);
    CHECK(runbook.unfinished_step_runs().size() == 1);
    StepRun ghost = run;
    ghost.id = 999;
    CHECK_THROWS(runbook.update_step_run(ghost));
}

TEST_CASE("state: a credential is kept per target and kind, replaced whole, across opens") {
    TempDir dir;
    const fs::path db = dir.path() / "state.db";
    {
        auto state = open_sqlite_state(db);
        CredentialStore& creds = state->stores().credentials;
        CHECK_FALSE(creds.credential("x-1", "x").has_value());
        creds.save_credential("x-1", "x", R"({"refresh_token":"r1"})");
        creds.save_credential("x-1", "x", R"({"refresh_token":"r2"})");
        creds.save_credential("bsky-1", "bluesky", R"({"did":"did:plc:a"})");
    }
    auto state = open_sqlite_state(db);
    CredentialStore& creds = state->stores().credentials;
    CHECK(creds.credential("x-1", "x") == std::optional<std::string>(R"({"refresh_token":"r2"})"));
    CHECK(creds.credential("bsky-1", "bluesky") ==
          std::optional<std::string>(R"({"did":"did:plc:a"})"));
    // Another kind under the same id (a target re-purposed) reads nothing.
    CHECK_FALSE(creds.credential("x-1", "bluesky").has_value());
}
