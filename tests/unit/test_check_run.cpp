// shopcheck's run as a library call, against a FakeTransport and in-memory
// stores: thresholds, incidents, canaries, exit statuses, no socket, no file.
#include "lib/check/run.hpp"
#include "lib/config/config.hpp"
#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"

#include "fake_stores.hpp"
#include "fake_transport.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

using namespace shopkit;
using shopkit::test::at;
using shopkit::test::FakeTransport;
using shopkit::test::ManualClock;
using shopkit::test::MemoryState;

namespace {

const char* shop_toml = R"(
[shop]
name = "テスト商店"
[policy]
fail_after = 2
recover_after = 2
canary = ["http://canary.test/"]
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
)";

struct Fixture {
    Config config = parse_config(shop_toml, "shop.toml");
    FakeTransport net;
    MemoryState state;
    ManualClock clock{at("2026-06-04T03:00:00Z")};

    Fixture() {
        net.answer("http://shop.test/", 200, "ok");
        net.answer("http://shop.test/cart", 200, "ok");
        net.answer("http://mall.test/", 200, "ok");
        net.answer("http://canary.test/", 204);
    }
    RunOutcome run() {
        RunOptions options;
        options.stores = &state.stores;
        RunOutcome out = run_checks(config, options, net, clock);
        clock.t += std::chrono::minutes(1);
        return out;
    }
};

} // namespace

TEST_CASE("check run: every check and canary goes through the transport in one batch") {
    Fixture f;
    const RunOutcome out = f.run();
    CHECK(f.net.asked == std::vector<std::string>{"http://shop.test/", "http://shop.test/cart",
                                                  "http://mall.test/", "http://canary.test/"});
    CHECK(f.net.last_concurrency == 64);
    CHECK(out.exit_status == 0);
    CHECK(out.events.empty());
    CHECK(f.state.history.size() == 3);
    CHECK(f.state.counters.size() == 3);
    CHECK(f.state.transactions == 1);
}

TEST_CASE("check run: a cart down fail_after runs opens a critical incident, passes resolve it") {
    Fixture f;
    f.net.answer("http://shop.test/cart", 500);
    const RunOutcome first = f.run();
    CHECK(first.exit_status == 0); // one failure is a blip
    CHECK(first.events.empty());
    CHECK(f.state.incidents.empty());

    const RunOutcome second = f.run();
    CHECK(second.exit_status == 2);
    REQUIRE(second.events.size() == 1);
    CHECK(second.events[0].event == Event::opened);
    CHECK(second.events[0].incident.severity == Severity::critical);
    CHECK(second.events[0].incident.checks == std::vector<std::string>{"cart"});
    CHECK(second.events[0].incident.since == at("2026-06-04T03:00:00Z"));
    CHECK(second.open_channels == std::set<std::string>{"own"});
    REQUIRE(f.state.incidents.size() == 1);

    f.net.answer("http://shop.test/cart", 200, "ok");
    CHECK(f.run().exit_status == 2); // one pass is not yet a recovery
    const RunOutcome back = f.run();
    CHECK(back.exit_status == 0);
    REQUIRE(back.events.size() == 1);
    CHECK(back.events[0].event == Event::resolved);
    CHECK(f.state.incidents[0].until.has_value());
    CHECK(f.state.open_incidents().empty());
}

TEST_CASE("check run: every canary failing while a check fails records nothing, exit 3") {
    Fixture f;
    f.net.refuse("http://canary.test/");
    f.net.refuse("http://shop.test/cart");
    const RunOutcome out = f.run();
    CHECK(out.network_down);
    CHECK(out.exit_status == 3);
    CHECK(f.state.transactions == 0);
    CHECK(f.state.history.empty());
    CHECK(out.network_detail.find("http://canary.test/") != std::string::npos);
}

TEST_CASE("check run: a degraded check exits 1, without state the raw state decides") {
    Fixture f;
    f.config.channels[1].checks[0].latency_warning = Millis(0);
    f.net.answers["http://mall.test/"].timings.total = 0.5;
    RunOptions stateless;
    stateless.keep_state = false;
    const RunOutcome out = run_checks(f.config, stateless, f.net, f.clock);
    CHECK(out.exit_status == 1);
    CHECK_FALSE(out.state_kept);
    CHECK(f.state.transactions == 0);
}

TEST_CASE("check run: during a sale policy.sale's thresholds apply and the incident names it") {
    Fixture f;
    f.config = parse_config(std::string(shop_toml) + R"(
[policy.sale]
fail_after = 1
recover_after = 3
[[sales.event]]
name = "summer"
start = 2026-06-04T03:00:00Z
end = 2026-06-04T03:10:00Z
)",
                            "shop.toml");
    f.net.answer("http://shop.test/cart", 500);
    const RunOutcome first = f.run();
    CHECK(first.exit_status == 2); // one failure is enough during the sale
    REQUIRE(first.events.size() == 1);
    CHECK(first.events[0].event == Event::opened);
    CHECK(first.events[0].incident.sale == "summer");
    REQUIRE(f.state.incidents.size() == 1);
    CHECK(f.state.incidents[0].sale == "summer");

    f.net.answer("http://shop.test/cart", 200, "ok");
    CHECK(f.run().events.empty());
    CHECK(f.run().events.empty()); // recover_after 3 during the sale
    const RunOutcome back = f.run();
    REQUIRE(back.events.size() == 1);
    CHECK(back.events[0].event == Event::resolved);
    CHECK(back.events[0].incident.sale == "summer"); // kept from the opening
}

TEST_CASE("check run: outside a sale the policy holds and the incident names no sale") {
    Fixture f;
    f.config = parse_config(std::string(shop_toml) + R"(
[policy.sale]
fail_after = 1
[[sales.event]]
name = "summer"
start = 2026-06-05T00:00:00Z
end = 2026-06-06T00:00:00Z
)",
                            "shop.toml");
    f.net.answer("http://shop.test/cart", 500);
    CHECK(f.run().events.empty());
    const RunOutcome second = f.run();
    REQUIRE(second.events.size() == 1);
    CHECK_FALSE(second.events[0].incident.sale);
}

TEST_CASE("check run: each run adds the minute since the previous probe to the daily roll-up") {
    Fixture f;
    f.run();
    CHECK(f.state.check_daily.empty());
    f.net.answer("http://shop.test/cart", 500);
    f.run();
    f.run();
    const auto cart = f.state.check_daily.at({"own", "cart", "2026-06-04"});
    CHECK(cart.up == std::chrono::seconds(60));
    CHECK(cart.down == std::chrono::seconds(60));
    CHECK(f.state.check_daily.at({"own", "top", "2026-06-04"}).up == std::chrono::seconds(120));
    CHECK(f.state.channel_daily.at({"own", "2026-06-04"}) == cart);
    CHECK(f.state.channel_daily.at({"mall", "2026-06-04"}).up == std::chrono::seconds(120));
}

TEST_CASE("check run: a config without [[channel]] is a config error, never \"all up\"") {
    Fixture f;
    const Config empty = parse_config("[shop]\nname = \"テスト商店\"\n", "shop.toml");
    RunOptions options;
    options.stores = &f.state.stores;
    try {
        run_checks(empty, options, f.net, f.clock);
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.status() == exit_status::config);
        CHECK(std::string(e.what()) == "shop.toml: no [[channel]]: nothing to check");
    }
    CHECK(f.net.asked.empty());
}

TEST_CASE("check run: concurrency stays within the open-file limit") {
    Fixture f;
    RunOptions options;
    options.stores = &f.state.stores;
    options.concurrency = 1'000'000;
    const RunOutcome out = run_checks(f.config, options, f.net, f.clock);
    // Four checks: far below any cap, so nothing is capped.
    CHECK_FALSE(out.concurrency_cap.has_value());
    CHECK(out.open_file_limit >= 1);
}
