// The TOML reader behind every section (lib/config/toml_reader), seen through
// parse_config: the parts of it no section test reaches.
#include "lib/config/config.hpp"

#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace std::chrono_literals;
using shopkit::Config;
using shopkit::parse_config;

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
    return "";
}

// max_body of the one check of a config whose check sets `value`.
std::size_t max_body(const std::string& value) {
    const Config config = parse_config("[[channel]]\nid = \"own\"\nurl = \"https://x.jp/\"\n"
                                       "[[channel.check]]\nid = \"c\"\nmax_body = " +
                                           value + "\n",
                                       "shop.toml");
    return config.channels.at(0).checks.at(0).max_body;
}

} // namespace

TEST_CASE("config reader: no 'did you mean' when no allowed key is near") {
    const std::string far = error_of("[policy]\nretries = 3\n");
    CHECK_THAT(far, Catch::StartsWith("shop.toml:2:1: unknown key 'retries' in [policy]"));
    CHECK_THAT(far, !Catch::Contains("did you mean"));
    // "x" is two edits from "id" and "on", but a one-letter key is not "near" two letters away.
    CHECK_THAT(error_of("[[runbook.step]]\nid = \"s\"\nrun = [\"x\"]\nx = 1\n"),
               Catch::StartsWith("shop.toml:4:1: unknown key 'x' in [[runbook.step]]") &&
                   !Catch::Contains("did you mean"));
    // The nearest allowed key wins.
    CHECK_THAT(error_of("[shop]\nnam = \"x\"\n"), Catch::Contains("did you mean 'name'?"));
}

TEST_CASE("config reader: byte sizes take decimal and binary units in any case") {
    CHECK(max_body("\"2MB\"") == 2000000);
    CHECK(max_body("\"3kb\"") == 3000);
    CHECK(max_body("\"1 mib\"") == 1024 * 1024);
    CHECK(max_body("\"100\"") == 100);
    CHECK(max_body("\"100B\"") == 100);
    const std::string head = "[[channel]]\nid = \"own\"\nurl = \"https://x.jp/\"\n"
                             "[[channel.check]]\nid = \"c\"\n";
    // 1GiB is 2^30 bytes, which max_body refuses (above 64MiB) saying so.
    CHECK_THAT(error_of(head + "max_body = \"1GiB\"\n"),
               Catch::Contains("not " + std::to_string(std::size_t{1} << 30)));
    CHECK_THAT(error_of(head + "max_body = \"0MiB\"\n"),
               Catch::StartsWith("shop.toml:6:12: 'max_body' must be more than 0"));
    CHECK_THAT(error_of(head + "max_body = \"MiB\"\n"),
               Catch::Contains("'max_body' must be a number of bytes"));
    CHECK_THAT(error_of(head + "max_body = \"99999999999999999999\"\n"),
               Catch::Contains("'max_body' is too large"));
    CHECK_THAT(error_of(head + "max_body = 1.5\n"),
               Catch::Contains("'max_body' must be a number of bytes"));
}

TEST_CASE("config reader: a local date-time just after a DST change gets the new offset") {
    // New York springs forward at 2026-03-08 02:00 EST (07:00 UTC): 03:30 that
    // morning is EDT (-04:00), although 03:30 read as UTC is still EST in New York.
    const Config config = parse_config("[shop]\ntimezone = \"America/New_York\"\n"
                                       "[[maintenance]]\n"
                                       "start = 2026-03-08T03:30:00\n"
                                       "end = 2026-07-01T12:00:00\n"
                                       "[[sales.event]]\nname = \"winter\"\n"
                                       "start = 2026-01-15T12:00:00\n"
                                       "end = 2026-01-15T13:00:00\n",
                                       "shop.toml");
    using namespace std::chrono;
    CHECK(config.maintenance.at(0).start ==
          shopkit::TimePoint(sys_days(2026y / March / 8)) + 7h + 30min);
    CHECK(config.maintenance.at(0).end == shopkit::TimePoint(sys_days(2026y / July / 1)) + 16h);
    CHECK(config.sales.events.at(0).start ==
          shopkit::TimePoint(sys_days(2026y / January / 15)) + 17h);
}

TEST_CASE("config reader: an environment variable's name cannot start with a digit") {
    CHECK_THAT(error_of("[[target]]\nid = \"l\"\nkind = \"line\"\ntoken_env = \"1TOKEN\"\n"),
               Catch::StartsWith("shop.toml:4:13: 'token_env' must name an environment variable"));
}

TEST_CASE("config reader: a URL needs a host and no whitespace") {
    CHECK_THAT(error_of("[[channel]]\nid = \"own\"\nurl = \"https:///cart\"\n"),
               Catch::Contains("'url' must be an http:// or https:// URL"));
    CHECK_THAT(error_of("[[channel]]\nid = \"own\"\nurl = \"https://x.jp/a b\"\n"),
               Catch::Contains("'url' must be an http:// or https:// URL"));
}
