#include "lib/config/config.hpp"

#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace std::chrono_literals;
using shopkit::Config;
using shopkit::parse_config;
using shopkit::policy_at;
using shopkit::sale_at;
using shopkit::TimePoint;

namespace {

// The message of the config_error that parsing `text` as "shop.toml" throws.
std::string error_of(const std::string& text) {
    try {
        parse_config(text, "shop.toml");
    } catch (const shopkit::Error& e) {
        CHECK(e.status() == shopkit::exit_status::config);
        return e.what();
    }
    FAIL("no error for:\n" << text);
    return {};
}

TimePoint at(int day, int hour, int minute = 0) {
    return *shopkit::utc_civil(2026, 11, day, hour, minute, 0);
}

// Two overlapping events: "black-friday" 27th 00:00..29th 00:00 and "weekend"
// 28th 12:00..30th 00:00 (UTC).
const char* const calendar = R"(
[policy]
fail_after = 3
recover_after = 4
customer_delay = "10m"
update_every = "2h"

[policy.sale]
fail_after = 1
customer_delay = "0s"
update_every = "30m"

[[sales.event]]
name = "black-friday"
start = 2026-11-27T00:00:00Z
end = 2026-11-29T00:00:00Z
multiplier = 5

[[sales.event]]
name = "weekend"
start = 2026-11-28T12:00:00Z
end = 2026-11-30T00:00:00Z
)";

} // namespace

TEST_CASE("sales: policy.sale reads the four keys it shares with policy") {
    const Config config = parse_config(calendar, "shop.toml");
    CHECK(config.policy.sale.fail_after == 1);
    CHECK_FALSE(config.policy.sale.recover_after);
    CHECK(config.policy.sale.customer_delay == 0ms);
    CHECK(config.policy.sale.update_every == 30min);
    // [policy] itself keeps its own values.
    CHECK(config.policy.fail_after == 3);
    CHECK(config.policy.customer_delay == 10min);
}

TEST_CASE("sales: policy.sale is checked like policy") {
    CHECK_THAT(error_of("[policy.sale]\nfail_after = 0\n"),
               Catch::StartsWith("shop.toml:2:14: 'fail_after' must be between 1 and 100"));
    CHECK_THAT(error_of("[policy.sale]\nrecover_after = 101\n"),
               Catch::Contains("'recover_after' must be between 1 and 100"));
    CHECK_THAT(error_of("[policy.sale]\nupdate_every = \"0s\"\n"),
               Catch::StartsWith("shop.toml:2:16: 'update_every' must be longer than 0s"));
    CHECK_THAT(error_of("[policy.sale]\ncustomer_delay = \"soon\"\n"),
               Catch::StartsWith("shop.toml:2:18:"));
    CHECK_THAT(error_of("[policy.sale]\nfail_after = \"1\"\n"),
               Catch::StartsWith("shop.toml:2:14:"));
    // Only the keys a sale may change.
    CHECK_THAT(error_of("[policy.sale]\ntimeout = \"5s\"\n"),
               Catch::StartsWith("shop.toml:2:1: unknown key 'timeout' in [policy.sale]"));
    CHECK_THAT(error_of("[policy]\nsale = 1\n"), Catch::StartsWith("shop.toml:2:"));
    // "0s" is a delay [policy] accepts too.
    CHECK(parse_config("[policy]\ncustomer_delay = \"0s\"\n", "shop.toml").policy.customer_delay ==
          0ms);
}

TEST_CASE("sales: sale_at runs from start up to end, the first event in the file winning") {
    const Config config = parse_config(calendar, "shop.toml");
    CHECK(sale_at(config.sales, at(26, 23, 59)) == nullptr);
    REQUIRE(sale_at(config.sales, at(27, 0)) != nullptr);
    CHECK(sale_at(config.sales, at(27, 0))->name == "black-friday");
    // Both run from the 28th 12:00: the first one listed wins.
    CHECK(sale_at(config.sales, at(28, 12))->name == "black-friday");
    CHECK(sale_at(config.sales, at(28, 23, 59))->name == "black-friday");
    // The end is outside its event, and inside the one still running.
    CHECK(sale_at(config.sales, at(29, 0))->name == "weekend");
    CHECK(sale_at(config.sales, at(30, 0)) == nullptr);
    CHECK(sale_at(shopkit::SalesConfig{}, at(28, 0)) == nullptr);
}

TEST_CASE("sales: policy_at applies policy.sale only while an event runs") {
    const Config config = parse_config(calendar, "shop.toml");
    const auto outside = policy_at(config, at(26, 12));
    CHECK(outside.fail_after == 3);
    CHECK(outside.recover_after == 4);
    CHECK(outside.customer_delay == 10min);
    CHECK(outside.update_every == 2h);

    const auto inside = policy_at(config, at(28, 0));
    CHECK(inside.fail_after == 1);
    CHECK(inside.recover_after == 4); // not overridden
    CHECK(inside.customer_delay == 0ms);
    CHECK(inside.update_every == 30min);

    CHECK(policy_at(config, at(27, 0)).fail_after == 1);  // start: inside
    CHECK(policy_at(config, at(30, 0)).fail_after == 3);  // end: outside
    CHECK(policy_at(config, at(29, 12)).fail_after == 1); // the second event
}

TEST_CASE("sales: without policy.sale a sale changes nothing") {
    const Config config = parse_config(R"(
[policy]
fail_after = 3

[[sales.event]]
name = "black-friday"
start = 2026-11-27T00:00:00Z
end = 2026-11-29T00:00:00Z
)",
                                       "shop.toml");
    REQUIRE(sale_at(config.sales, at(28, 0)) != nullptr);
    const auto inside = policy_at(config, at(28, 0));
    CHECK(inside.fail_after == 3);
    CHECK(inside.recover_after == 2);
    CHECK(inside.customer_delay == 10min);
    CHECK(inside.update_every == 1h);
}
