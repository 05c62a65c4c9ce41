// shoprecover as library calls, against in-memory stores, real programs
// (/bin/sh scripts) and a FakeTransport: which steps are due, once-only runs,
// retries, skipping, the landing page, confirmation and the drill.
#include "lib/config/config.hpp"
#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"
#include "lib/recover/run.hpp"
#include "lib/recover/steps.hpp"
#include "lib/recover/switch_link.hpp"

#include "fake_stores.hpp"
#include "fake_transport.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>
#include <fmt/core.h>

#include <fstream>
#include <sstream>

using namespace shopkit;
using shopkit::test::at;
using shopkit::test::FakeTransport;
using shopkit::test::ManualClock;
using shopkit::test::MemoryState;
using shopkit::test::TempDir;
using Json = nlohmann::json;

namespace {

const char* channels_toml = R"(
[shop]
name = "テスト商店"
timezone = "Asia/Tokyo"
[policy]
recover_after = 2
[[channel]]
id = "own"
url = "http://shop.test/"
[[channel.check]]
id = "top"
url = "http://shop.test/"
[[channel.check]]
id = "cart"
url = "http://shop.test/cart"
critical = true
[[channel]]
id = "mall"
url = "http://mall.test/"
[[channel.check]]
id = "item"
url = "http://mall.test/item"
[[channel]]
id = "yahoo"
url = "http://yahoo.test/"
[[channel.check]]
id = "store"
url = "http://yahoo.test/store"
[[sales.event]]
name = "SUPER SALE"
start = 2026-06-04T00:00:00Z
end = 2026-06-05T00:00:00Z
multiplier = 3.0
)";

Incident incident(const std::string& channel, std::vector<std::string> checks,
                  Severity severity = Severity::critical,
                  const char* since = "2026-06-04T03:00:00Z") {
    Incident i;
    i.id = channel + "-20260604T0300";
    i.channel = channel;
    i.severity = severity;
    i.checks = std::move(checks);
    i.since = at(since);
    return i;
}

std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

struct Fixture {
    TempDir dir;
    Config config;
    MemoryState state;
    ManualClock clock{at("2026-06-04T03:01:00Z")};
    std::vector<Json> records;
    std::vector<std::string> progress;
    RecoverSink sink;

    explicit Fixture(const std::string& runbook) {
        config = parse_config(channels_toml + fmt::format(fmt::runtime(runbook),
                                                          fmt::arg("dir", dir.path().string())),
                              "shop.toml");
        sink.pass = [](const std::string&) {};
        sink.record = [this](const Json& r) { records.push_back(r); };
        sink.bad_input = [](const std::string&) {};
        sink.progress = [this](const std::string& line) { progress.push_back(line); };
    }
    void open(const Incident& inc) {
        state.stores.transaction([&] {
            state.stores.incidents.record_event({Event::opened, inc, inc.since});
        });
    }
    void resolve(const std::string& id, const char* when) {
        state.stores.transaction([&] {
            auto inc = *state.stores.incidents.incident(id);
            inc.until = at(when);
            state.stores.incidents.record_event({Event::resolved, inc, at(when)});
        });
    }
    int run(bool dry_run = false) {
        records.clear();
        RecoverOptions o;
        o.stores = &state.stores;
        o.dry_run = dry_run;
        return run_recover(config, o, sink, clock);
    }
    std::vector<std::string> results() const {
        std::vector<std::string> out;
        for (const auto& r : records)
            out.push_back(r.value("step", "") + ":" + r.value("result", ""));
        return out;
    }
    void confirm_all_up(FakeTransport& net) {
        for (const auto& ch : config.channels)
            for (const auto& c : ch.checks)
                net.answer(c.url, 200, "ok");
    }
};

} // namespace

TEST_CASE("recover: filters by event, channel, severity, check and sale pick the steps") {
    Fixture f(R"(
[[runbook.step]]
id = "cart"
checks = ["cart"]
run = ["true"]
[[runbook.step]]
id = "critical-own"
channels = ["own"]
severities = ["critical"]
run = ["true"]
[[runbook.step]]
id = "sale-only"
sale = true
run = ["true"]
[[runbook.step]]
id = "no-sale"
sale = false
run = ["true"]
[[runbook.step]]
id = "restore"
on = "resolved"
run = ["true"]
)");
    auto ids = [&](const Incident& inc, Event e) {
        std::vector<std::string> out;
        for (const auto* s : due_steps(f.config, inc, e))
            out.push_back(s->id);
        return out;
    };
    const Incident cart = incident("own", {"cart"});
    CHECK(ids(cart, Event::opened) ==
          std::vector<std::string>{"cart", "critical-own", "sale-only"});
    CHECK(ids(cart, Event::resolved) == std::vector<std::string>{"restore"});
    const Incident top = incident("own", {"top"}, Severity::major, "2026-06-05T03:00:00Z");
    CHECK(ids(top, Event::opened) == std::vector<std::string>{"no-sale"});
    CHECK(incident_sale(f.config, cart) == "SUPER SALE");
    CHECK_FALSE(incident_sale(f.config, top));
    CHECK(occurrence_name(Event::updated, at("2026-06-04T03:15:00Z")) ==
          "updated-20260604T031500Z");
    CHECK(occurrence_name(Event::opened, at("2026-06-04T03:15:00Z")) == "opened");
}

TEST_CASE("recover: a step runs once however often the run is repeated") {
    Fixture f(R"(
[[runbook.step]]
id = "mark"
run = ["/bin/sh", "-c", "echo run >> {dir}/runs"]
)");
    f.open(incident("own", {"cart"}));
    CHECK(f.run() == exit_status::ok);
    CHECK(f.results() == std::vector<std::string>{"mark:ok"});
    CHECK(f.run() == exit_status::ok);
    CHECK(f.records.empty());
    f.clock.t += std::chrono::minutes(5);
    CHECK(f.run() == exit_status::ok);
    CHECK(slurp(f.dir.path() / "runs") == "run\n");
    REQUIRE(f.state.step_rows.size() == 1);
    CHECK(f.state.step_rows[0].state == StepState::ok);
    CHECK(f.state.step_rows[0].attempts == 1);
}

TEST_CASE("recover: a failing step is retried by later runs, then given up") {
    Fixture f(R"(
[[runbook.step]]
id = "flaky"
run = ["/bin/sh", "-c", "n=$(cat {dir}/n 2>/dev/null || echo 0); echo $((n+1)) > {dir}/n; [ $n -ge 1 ]"]
retries = 1
[[runbook.step]]
id = "broken"
run = ["/bin/sh", "-c", "echo 'it broke' >&2; exit 3"]
retries = 1
)");
    f.open(incident("own", {"cart"}));
    CHECK(f.run() == exit_status::tempfail);
    CHECK(f.results() == std::vector<std::string>{"flaky:retry", "broken:retry"});
    CHECK(f.records[1]["exit_status"] == 3);
    CHECK(f.records[1]["stderr"] == "it broke");
    CHECK(f.records[1]["phase"] == "failover");
    CHECK(f.records[0].contains("next_attempt"));
    // Not within the same minute: the first wait is 30 s.
    CHECK(f.run() == exit_status::tempfail);
    CHECK(f.results() == std::vector<std::string>{"flaky:retry", "broken:retry"});
    CHECK(slurp(f.dir.path() / "n") == "1\n");
    f.clock.t += std::chrono::seconds(31);
    CHECK(f.run() == exit_status::tempfail);
    CHECK(f.results() == std::vector<std::string>{"flaky:ok", "broken:failed"});
    f.clock.t += std::chrono::hours(2);
    CHECK(f.run() == exit_status::ok);
    CHECK(f.records.empty());
}

TEST_CASE("recover: steps of an incident already over are skipped; resolved steps run") {
    Fixture f(R"(
[[runbook.step]]
id = "failover"
run = ["true"]
[[runbook.step]]
id = "restore"
on = "resolved"
run = ["true"]
)");
    f.open(incident("own", {"cart"}));
    f.resolve("own-20260604T0300", "2026-06-04T03:00:40Z");
    CHECK(f.run() == exit_status::ok);
    CHECK(f.results() == std::vector<std::string>{"failover:skipped", "restore:ok"});
    CHECK(f.records[1]["phase"] == "restore");
}

TEST_CASE("recover: --dry-run says what would run and changes nothing") {
    Fixture f(R"(
[[runbook.step]]
id = "tell"
run = ["/bin/echo", "{{{{incident.id}}}}", "{{{{alternatives.0.url}}}}"]
)");
    f.open(incident("own", {"cart"}));
    CHECK(f.run(true) == exit_status::ok);
    REQUIRE(f.records.size() == 1);
    CHECK(f.records[0]["result"] == "dry-run");
    CHECK(f.records[0]["argv"] == Json::array({"/bin/echo", "own-20260604T0300", ""}));
    CHECK(f.state.step_rows.empty());
}

TEST_CASE("recover: arguments are rendered once and reach the program verbatim") {
    Fixture f(R"(
[[runbook.step]]
id = "args"
run = ["/bin/sh", "-c", "printf '%s\n' \"$1\" \"$SHOPKIT_CHANNEL\" \"$SHOPKIT_CHECKS\" \"$SHOPKIT_SALE\" > {dir}/out; cat > {dir}/stdin", "sh", "{{{{channel.name}}}}"]
)");
    f.config.channels[0].name = "Shop {{x}} $(touch /tmp/no) | ; *";
    f.open(incident("own", {"top", "cart"}));
    CHECK(f.run() == exit_status::ok);
    CHECK(slurp(f.dir.path() / "out") ==
          "Shop {{x}} $(touch /tmp/no) | ; *\nown\ntop,cart\nSUPER SALE\n");
    const Json rec = Json::parse(slurp(f.dir.path() / "stdin"));
    CHECK(rec["type"] == "incident");
    CHECK(rec["id"] == "own-20260604T0300");
}

TEST_CASE("recover: a secret in a step's environment never reaches its record") {
    shopkit::test::ScopedEnv token("SHOPKIT_TEST_API_TOKEN", "tok-3f9a8b7c6d5e");
    Fixture f(R"(
[[runbook.step]]
id = "leaky"
run = ["/bin/sh", "-c", "echo \"using $SHOPKIT_TEST_API_TOKEN\" >&2; exit 1"]
)");
    remember_runbook_secrets(f.config);
    f.open(incident("own", {"cart"}));
    CHECK(f.run() == exit_status::tempfail);
    CHECK(f.records.at(0)["stderr"] == "using [secret]");
    CHECK(f.records.at(0).dump().find("tok-3f9a8b7c6d5e") == std::string::npos);
    CHECK(f.state.step_rows.at(0).output.find("tok-3f9a") == std::string::npos);
}

TEST_CASE("recover: the landing page follows the healthy channels") {
    Fixture f(R"(
[[runbook.step]]
id = "landing"
action = "switch_link"
dir = "{dir}/landing"
home = "own"
prefer = ["mall", "yahoo"]
)");
    const auto link_dir = f.dir.path() / "landing";
    // Every check confirmed up.
    for (const auto& ch : f.config.channels)
        for (const auto& c : ch.checks) {
            CheckCounter up;
            up.state = State::up;
            f.state.counters[{ch.id, c.id}] = up;
        }
    f.open(incident("own", {"cart"}));
    CHECK(f.run() == exit_status::ok);
    CHECK(current_link(link_dir) == "mall");
    CHECK(slurp(link_dir / "index.html").find("url=http://mall.test/") != std::string::npos);

    // The mall fails too: its incident moves the page to the next one.
    f.clock.t += std::chrono::minutes(1);
    f.open(incident("mall", {"item"}, Severity::critical, "2026-06-04T03:02:00Z"));
    f.state.counters[{"mall", "item"}].state = State::down;
    CHECK(f.run() == exit_status::ok);
    CHECK(current_link(link_dir) == "yahoo");

    // The own site is back: home again.
    f.clock.t += std::chrono::minutes(10);
    f.resolve("own-20260604T0300", "2026-06-04T03:12:00Z");
    CHECK(f.run() == exit_status::ok);
    CHECK(current_link(link_dir) == "own");
    const Json link = Json::parse(slurp(link_dir / "link.json"));
    CHECK(link["url"] == "http://shop.test/");
}

TEST_CASE("recover: --confirm resolves only after recover_after passes in a row") {
    Fixture f(R"(
[[runbook.step]]
id = "restore"
on = "resolved"
run = ["true"]
)");
    f.open(incident("own", {"cart"}));
    FakeTransport net;
    f.confirm_all_up(net);
    // Flapping: up, down, up, up.
    std::vector<long> cart = {200, 500, 200, 200};
    std::size_t round = 0;
    net.answer("http://shop.test/cart", cart[0]);
    RecoverOptions o;
    o.stores = &f.state.stores;
    o.interval = std::chrono::seconds(30);
    o.wait = std::chrono::minutes(10);
    o.sleep = [&](Millis d) {
        f.clock.t += d;
        ++round;
        net.answer("http://shop.test/cart", cart.at(round));
    };
    CHECK(confirm_recovery(f.config, o, net, f.sink, f.clock) == exit_status::ok);
    CHECK(round == 3);
    REQUIRE(f.records.size() == 2);
    CHECK(f.records[0]["type"] == "incident");
    CHECK(f.records[0]["event"] == "resolved");
    CHECK(f.records[1]["step"] == "restore");
    CHECK(f.records[1]["result"] == "ok");
    CHECK(f.state.stores.incidents.open_incidents().empty());
    CHECK(f.state.counters[{"own", "cart"}].state == State::up);
    CHECK(f.progress.size() == 4);
}

TEST_CASE("recover: --confirm gives up after --wait and leaves the incident open") {
    Fixture f("");
    f.open(incident("own", {"cart"}));
    FakeTransport net;
    f.confirm_all_up(net);
    net.answer("http://shop.test/cart", 500);
    RecoverOptions o;
    o.stores = &f.state.stores;
    o.interval = std::chrono::seconds(30);
    o.wait = std::chrono::minutes(2);
    int rounds = 0;
    o.sleep = [&](Millis d) {
        f.clock.t += d;
        ++rounds;
    };
    CHECK(confirm_recovery(f.config, o, net, f.sink, f.clock) == exit_status::not_recovered);
    CHECK(rounds == 4);
    CHECK(f.state.stores.incidents.open_incidents().size() == 1);
    RecoverOptions unknown = o;
    unknown.incident = "nope";
    CHECK_THROWS_AS(confirm_recovery(f.config, unknown, net, f.sink, f.clock), shopkit::Error);
}

TEST_CASE("recover: a missing program or a broken template is a config error at load") {
    Fixture missing(R"(
[[runbook.step]]
id = "gone"
run = ["/no/such/program-xyz"]
)");
    try {
        check_runbook(missing.config);
        FAIL("a missing program passed");
    } catch (const shopkit::Error& e) {
        CHECK(e.status() == exit_status::config);
        CHECK_THAT(e.what(), Catch::Contains("shop.toml:") && Catch::Contains("step 'gone'") &&
                                 Catch::Contains("/no/such/program-xyz"));
    }
    Fixture broken(R"(
[[runbook.step]]
id = "bad"
run = ["/bin/echo", "{{{{#alternatives}}"]
)");
    CHECK_THROWS_AS(check_runbook(broken.config), shopkit::Error);
    Fixture fine(R"(
[[runbook.step]]
id = "ok"
run = ["sh", "-c", "true"]
)");
    CHECK_NOTHROW(check_runbook(fine.config));
}

TEST_CASE("recover: --drill fails on a missing program and reports the channels") {
    Fixture f(R"(
[[runbook.step]]
id = "gone"
run = ["/no/such/program-xyz"]
[[runbook.step]]
id = "landing"
action = "switch_link"
dir = "{dir}/never"
)");
    FakeTransport net;
    f.confirm_all_up(net);
    net.answer("http://yahoo.test/store", 503);
    RecoverOptions o;
    CHECK(drill_runbook(f.config, o, net, f.sink, f.clock) == exit_status::not_recovered);
    std::map<std::string, std::string> result;
    for (const auto& r : f.records)
        result[r.value("step", r.value("channel", ""))] = r["result"];
    CHECK(result["gone"] == "failed");
    CHECK(result["landing"] == "ok");
    CHECK(result["own"] == "ok");
    CHECK(result["yahoo"] == "failed");
    CHECK_FALSE(std::filesystem::exists(f.dir.path() / "never"));
    o.sale_event = "no such sale";
    CHECK_THROWS_AS(drill_runbook(f.config, o, net, f.sink, f.clock), shopkit::Error);
}

TEST_CASE("recover: during a sale --confirm uses [policy.sale]'s recover_after") {
    Fixture f(R"(
[policy.sale]
recover_after = 1
)");
    f.open(incident("own", {"cart"}));
    FakeTransport net;
    f.confirm_all_up(net);
    RecoverOptions o;
    o.stores = &f.state.stores;
    int rounds = 0;
    o.sleep = [&](Millis d) {
        f.clock.t += d;
        ++rounds;
    };
    CHECK(confirm_recovery(f.config, o, net, f.sink, f.clock) == exit_status::ok);
    CHECK(rounds == 0); // one passing round is enough during the sale
    CHECK(f.state.stores.incidents.open_incidents().empty());
}
