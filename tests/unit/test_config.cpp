#include "lib/config/config.hpp"

#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using shopkit::Config;
using shopkit::parse_config;
using shopkit::SecretRef;

using shopkit::test::ScopedEnv;
using shopkit::test::TempDir;

namespace {

void write_file(const fs::path& path, const std::string& content) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
}

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

shopkit::TimePoint utc(std::chrono::sys_days day, std::chrono::seconds time) {
    return shopkit::TimePoint(day) + time;
}

// A channel to hang checks on, lines 1-3.
const std::string channel_head = "[[channel]]\n"
                                 "id = \"own\"\n"
                                 "url = \"https://shop.example.jp/\"\n";

std::string with_check(const std::string& check_lines) {
    return channel_head + "[[channel.check]]\nid = \"c\"\n" + check_lines;
}

} // namespace

TEST_CASE("config: a TOML syntax error names file:line:col") {
    const std::string message = error_of("[shop]\nname = \"x\"\nlanguage = = \"ja\"\n");
    CHECK_THAT(message, Catch::StartsWith("shop.toml:3:12: parsing value: "));
}

TEST_CASE("config: unknown key names file:line:col and the table") {
    const std::string message =
        error_of(channel_head + "  [[channel.check]]\n"
                                "  id = \"cart\"\n"
                                "  urll = \"https://shop.example.jp/cart\"\n");
    CHECK_THAT(message,
               Catch::StartsWith("shop.toml:6:3: unknown key 'urll' in [[channel.check]]"));
    CHECK_THAT(message, Catch::Contains("did you mean 'url'?"));

    CHECK_THAT(error_of("[policy]\nfail_after = 2\nretries = 3\n"),
               Catch::StartsWith("shop.toml:3:1: unknown key 'retries' in [policy]"));
    CHECK_THAT(error_of("[shop]\nname = \"x\"\n[chanel]\nid = \"a\"\n"),
               Catch::StartsWith("shop.toml:3:2: unknown key 'chanel'") &&
                   Catch::Contains("did you mean 'channel'?"));
    CHECK_THAT(error_of("[runbook]\nsteps = []\n"),
               Catch::StartsWith("shop.toml:2:1: unknown key 'steps' in [runbook]"));
}

TEST_CASE("config: the first unknown key in the file is reported") {
    CHECK_THAT(error_of("[shop]\nzzz = 1\naaa = 2\n"),
               Catch::StartsWith("shop.toml:2:1: unknown key 'zzz'"));
}

TEST_CASE("config: a wrong type names the key and position") {
    CHECK_THAT(error_of("[policy]\nfail_after = \"2\"\n"),
               Catch::StartsWith("shop.toml:2:14: 'fail_after' must be an integer, not a string"));
    CHECK_THAT(error_of("[policy]\nfail_after = 2.0\n"),
               Catch::Contains("'fail_after' must be an integer, not a float"));
    CHECK_THAT(error_of("[shop]\nname = 5\n"), Catch::Contains("'name' must be a string"));
    CHECK_THAT(error_of(with_check("critical = \"yes\"\n")),
               Catch::StartsWith("shop.toml:6:12: 'critical' must be a boolean"));
    CHECK_THAT(error_of("[policy]\ncanary = \"https://x.jp/\"\n"),
               Catch::Contains("'canary' must be an array of strings"));
    CHECK_THAT(error_of("[policy]\ncanary = [\"https://x.jp/\", 3]\n"),
               Catch::StartsWith("shop.toml:2:28: 'canary' must be an array of strings"));
    CHECK_THAT(error_of("shop = 1\n"), Catch::Contains("'shop' must be a table"));
    CHECK_THAT(error_of("[channel]\nid = \"own\"\n"),
               Catch::Contains("'channel' must be an array of tables: write [[channel]]"));
}

TEST_CASE("config: threshold ranges are checked") {
    CHECK_THAT(error_of("[policy]\nfail_after = 0\n"),
               Catch::StartsWith("shop.toml:2:14: 'fail_after' must be between 1 and 100"));
    CHECK_THAT(error_of("[policy]\nfail_after = 101\n"),
               Catch::Contains("'fail_after' must be between 1 and 100"));
    CHECK(parse_config("[policy]\nfail_after = 100\n", "shop.toml").policy.fail_after == 100);
    CHECK(parse_config("[policy]\nfail_after = 1\n", "shop.toml").policy.fail_after == 1);
    CHECK_THAT(error_of("[policy]\nrecover_after = 0\n"),
               Catch::Contains("'recover_after' must be between 1 and 100"));
    CHECK_THAT(error_of("[policy]\nrecover_after = 101\n"),
               Catch::Contains("'recover_after' must be between 1 and 100"));
    CHECK_THAT(error_of("[policy]\nconcurrency = 0\n"),
               Catch::Contains("'concurrency' must be between 1 and 10000"));
    CHECK_THAT(error_of("[policy]\nconcurrency = 10001\n"),
               Catch::Contains("'concurrency' must be between 1 and 10000"));
    CHECK_THAT(error_of("[policy]\ntimeout = \"0s\"\n"),
               Catch::Contains("'timeout' must be longer than 0s"));
    CHECK_THAT(error_of(with_check("max_redirects = 51\n")),
               Catch::Contains("'max_redirects' must be between 0 and 50"));
    CHECK(parse_config(with_check("max_redirects = 0\n"), "shop.toml")
              .channels[0]
              .checks[0]
              .max_redirects == 0);
    CHECK_THAT(error_of(with_check("days_warning = 3\ndays_critical = 7\n")),
               Catch::Contains("'days_warning' (3) must not be less than 'days_critical' (7)"));
    CHECK_THAT(error_of(with_check("days_critical = -1\n")),
               Catch::Contains("'days_critical' must be 0 or more"));
    CHECK_THAT(error_of(with_check("latency_warning = \"5s\"\nlatency_critical = \"2s\"\n")),
               Catch::Contains("'latency_warning' must not be longer than 'latency_critical'"));
    CHECK_THAT(error_of(with_check("timeout = \"0ms\"\n")),
               Catch::Contains("'timeout' must be longer than 0s"));
    CHECK_THAT(error_of(with_check("expect_status = [600]\n")),
               Catch::StartsWith("shop.toml:6:18: 'expect_status' takes status codes"));
    CHECK_THAT(error_of(with_check("expect_status = [\"299-200\"]\n")),
               Catch::Contains("'expect_status' takes status codes"));
    CHECK_THAT(error_of(with_check("max_body = \"1 furlong\"\n")),
               Catch::Contains("'max_body' must be a number of bytes"));
    CHECK_THAT(error_of(with_check("max_body = 0\n")), Catch::Contains("'max_body' must be more"));
}

TEST_CASE("config: a bad duration names the key, position and reason") {
    CHECK_THAT(error_of("[policy]\ncustomer_delay = \"10 minutes\"\n"),
               Catch::StartsWith("shop.toml:2:18: 'customer_delay' is not a duration: "));
    CHECK_THAT(error_of("[policy]\ncustomer_delay = \"10x\"\n"),
               Catch::Contains("unknown unit 'x'"));
    CHECK_THAT(error_of("[policy]\ntimeout = 10\n"),
               Catch::Contains("'timeout' must be a duration string such as \"90s\""));
    CHECK_THAT(error_of(with_check("max_latency = \"3\"\n")),
               Catch::StartsWith("shop.toml:6:15: 'max_latency' is not a duration: missing unit"));
}

TEST_CASE("config: bad RE2 patterns are refused with RE2's reason") {
    CHECK_THAT(error_of(with_check("expect_regex = \"(unclosed\"\n")),
               Catch::StartsWith("shop.toml:6:16: 'expect_regex' is not a valid RE2 pattern: ") &&
                   Catch::Contains("missing )"));
    // A backreference is PCRE, not RE2.
    CHECK_THAT(error_of(with_check("kind = \"feed\"\nmatch = \"(a)\\\\1\"\n")),
               Catch::Contains("'match' is not a valid RE2 pattern"));
    CHECK_THAT(error_of(with_check("kind = \"feed\"\nclear = \"[\"\n")),
               Catch::Contains("'clear' is not a valid RE2 pattern"));
}

TEST_CASE("config: bad enumerations and URLs are refused") {
    CHECK_THAT(error_of(with_check("kind = \"ping\"\n")),
               Catch::Contains("'kind' must be \"http\", \"tls\", \"statuspage\" or \"feed\""));
    CHECK_THAT(error_of(with_check("feed_state = \"broken\"\n")),
               Catch::Contains("'feed_state' must be \"degraded\" or \"down\""));
    CHECK_THAT(error_of(channel_head + "[[channel.check]]\nid = \"c\"\nurl = \"ftp://x.jp/\"\n"),
               Catch::StartsWith("shop.toml:6:7: 'url' must be an http:// or https:// URL"));
    CHECK_THAT(error_of("[[channel]]\nid = \"own\"\nurl = \"shop.example.jp\"\n"),
               Catch::Contains("'url' must be an http:// or https:// URL"));
    CHECK_THAT(error_of("[policy]\ncanary = [\"8.8.8.8\"]\n"),
               Catch::StartsWith("shop.toml:2:11: 'canary' takes http:// or https:// URLs"));
    CHECK_THAT(error_of("[shop]\ntimezone = \"Asia/Nowhere\"\n"),
               Catch::StartsWith("shop.toml:2:12: unknown time zone \"Asia/Nowhere\""));
    CHECK_THAT(error_of("[shop]\nlanguage = \"../etc\"\n"),
               Catch::Contains("'language' must be a language tag"));
    CHECK_THAT(error_of("[sales]\ncurrency = \"yen\"\n"),
               Catch::Contains("'currency' must be an ISO 4217 code"));
    CHECK_THAT(error_of("[sales]\nhourly = [1, 2, 3]\n"),
               Catch::Contains("'hourly' must be an array of 24 numbers"));
    CHECK_THAT(error_of(with_check("headers = { \"X-A\" = 1 }\n")),
               Catch::Contains("header 'X-A' must be a string"));
    CHECK_THAT(error_of(with_check("headers = { \"X A\" = \"b\" }\n")),
               Catch::Contains("'X A' is not a valid header name"));
    CHECK_THAT(error_of(with_check("headers = { \"X-A\" = \"b\\r\\nEvil: 1\" }\n")),
               Catch::Contains("header 'X-A' must be one line"));
}

TEST_CASE("config: duplicate and missing ids are refused") {
    CHECK_THAT(error_of(channel_head + channel_head),
               Catch::StartsWith("shop.toml:4:1: duplicate channel id 'own'"));
    CHECK_THAT(
        error_of(channel_head + "[[channel.check]]\nid = \"a\"\n[[channel.check]]\nid = \"a\"\n"),
        Catch::StartsWith("shop.toml:6:1: duplicate check id 'a' in channel 'own'"));
    // The same check id in two channels is fine.
    CHECK_NOTHROW(parse_config(channel_head + "[[channel.check]]\nid = \"a\"\n" +
                                   "[[channel]]\nid = \"mall\"\nurl = \"https://m.jp/\"\n" +
                                   "[[channel.check]]\nid = \"a\"\n",
                               "shop.toml"));
    CHECK_THAT(error_of("[[target]]\nid = \"t\"\nkind = \"slack\"\nurl_env = \"A\"\n"
                        "[[target]]\nid = \"t\"\nkind = \"line\"\ntoken_env = \"B\"\n"),
               Catch::StartsWith("shop.toml:5:1: duplicate target id 't'"));
    CHECK_THAT(error_of("[[runbook.step]]\nid = \"s\"\nrun = [\"true\"]\n"
                        "[[runbook.step]]\nid = \"s\"\nrun = [\"true\"]\n"),
               Catch::Contains("duplicate runbook step id 's'"));
    CHECK_THAT(error_of("[[channel]]\nurl = \"https://a.jp/\"\n"),
               Catch::StartsWith("shop.toml:1:1: [[channel]] has no 'id'"));
    CHECK_THAT(error_of(channel_head + "  [[channel.check]]\n  url = \"https://a.jp/x\"\n"),
               Catch::StartsWith("shop.toml:4:3: [[channel.check]] has no 'id'"));
    CHECK_THAT(error_of("[[target]]\nkind = \"line\"\n"),
               Catch::Contains("[[target]] has no 'id'"));
    CHECK_THAT(error_of("[[channel]]\nid = \"a b\"\nurl = \"https://a.jp/\"\n"),
               Catch::Contains("'id' must be letters, digits"));
}

TEST_CASE("config: a check needs a url of its own or its channel's") {
    CHECK_THAT(error_of("[[channel]]\nid = \"own\"\n[[channel.check]]\nid = \"cart\"\n"),
               Catch::StartsWith("shop.toml:3:1: check 'cart' has no 'url', and channel 'own'"));
    CHECK_THAT(error_of("[[channel]]\nid = \"own\"\n"),
               Catch::Contains("channel 'own' has no 'url' and no [[channel.check]]"));
    const Config config =
        parse_config("[[channel]]\nid = \"own\"\n[[channel.check]]\nid = \"cart\"\n"
                     "url = \"https://a.jp/cart\"\n",
                     "shop.toml");
    CHECK(config.channels[0].url.empty());
    CHECK(config.channels[0].checks[0].url == "https://a.jp/cart");
}

TEST_CASE("config: secrets given inline are refused") {
    CHECK_THAT(error_of("[[target]]\nid = \"line\"\nkind = \"line\"\ntoken = \"abc\"\n"),
               Catch::StartsWith("shop.toml:4:9: ") &&
                   Catch::Contains("secrets never live in the file: use token_env or token_file"));
    CHECK_THAT(error_of("[[target]]\nid = \"s\"\nkind = \"slack\"\nurl = \"https://hooks.x/1\"\n"),
               Catch::Contains("secrets never live in the file: use url_env or url_file"));
    CHECK_THAT(error_of("[[target]]\nid = \"x\"\nkind = \"x\"\nconsumer_secret = \"abc\"\n"),
               Catch::Contains("use consumer_secret_env or consumer_secret_file"));
    CHECK_THAT(error_of(with_check("auth = \"basic\"\nusername = \"u\"\npassword = \"p\"\n")),
               Catch::Contains("use password_env or password_file"));
    CHECK_THAT(error_of("[[target]]\nid = \"l\"\nkind = \"line\"\ntoken_env = \"A\"\n"
                        "token_file = \"/x\"\n"),
               Catch::Contains("give token_env or token_file, not both"));
    CHECK_THAT(error_of("[[target]]\nid = \"l\"\nkind = \"line\"\ntoken_env = \"MY TOKEN\"\n"),
               Catch::Contains("'token_env' must name an environment variable"));
    // The value never shows up in the message.
    CHECK_THAT(error_of("[[target]]\nid = \"line\"\nkind = \"line\"\ntoken = \"abc123secret\"\n"),
               !Catch::Contains("abc123secret"));
}

TEST_CASE("config: auth needs its secrets") {
    CHECK_THAT(
        error_of(with_check("auth = \"basic\"\nusername = \"u\"\n")),
        Catch::Contains("basic auth needs 'username' and 'password_env' or 'password_file'"));
    CHECK_THAT(error_of(with_check("auth = \"bearer\"\n")),
               Catch::Contains("bearer auth needs 'token_env' or 'token_file'"));
    CHECK_THAT(error_of(with_check("auth = \"digest\"\n")),
               Catch::Contains("'auth' must be \"basic\" or \"bearer\""));
    const Config config = parse_config(with_check("token_env = \"API_TOKEN\"\n"), "shop.toml");
    const auto& check = config.channels[0].checks[0];
    CHECK(check.auth == "bearer");
    CHECK(check.token.source == SecretRef::Source::env);
    CHECK(check.token.name == "API_TOKEN");
    CHECK(check.token.where == "shop.toml:6:1");
}

TEST_CASE("config: unknown target kinds and bad target fields are refused") {
    CHECK_THAT(error_of("[[target]]\nid = \"t\"\nkind = \"myspace\"\n"),
               Catch::StartsWith("shop.toml:3:8: unknown target kind \"myspace\""));
    CHECK_THAT(error_of("[[target]]\nid = \"t\"\n"), Catch::Contains("target 't' has no 'kind'"));
    CHECK_THAT(error_of("[[target]]\nid = \"t\"\nkind = \"line\"\naudience = \"everyone\"\n"),
               Catch::Contains("'audience' must be \"staff\" or \"customers\""));
    CHECK_THAT(
        error_of("[[target]]\nid = \"t\"\nkind = \"line\"\nseverities = [\"major\", \"fatal\"]\n"),
        Catch::StartsWith("shop.toml:4:24: 'severities' takes"));
    CHECK_THAT(error_of("[[target]]\nid = \"t\"\nkind = \"line\"\nchannels = [\"nope\"]\n"),
               Catch::StartsWith("shop.toml:4:13: no channel with id 'nope'"));
    CHECK_THAT(error_of("[[target]]\nid = \"t\"\nkind = \"line\"\nchanel = [\"x\"]\n"),
               Catch::Contains("unknown key 'chanel' in [[target]]"));
    CHECK_THAT(error_of("[[target]]\nid = \"t\"\nkind = \"email\"\ntimeout = \"soon\"\n"),
               Catch::Contains("'timeout' is not a duration"));
}

TEST_CASE("config: maintenance, sales and runbook are checked") {
    CHECK_THAT(error_of("[[maintenance]]\nchannel = \"own\"\nstart = 2026-07-01T02:00:00+09:00\n"
                        "end = 2026-07-01T05:00:00+09:00\n"),
               Catch::StartsWith("shop.toml:2:11: no channel with id 'own'"));
    CHECK_THAT(error_of("[[maintenance]]\nstart = 2026-07-01T05:00:00+09:00\n"
                        "end = 2026-07-01T02:00:00+09:00\n"),
               Catch::StartsWith("shop.toml:3:7: 'end' must be after 'start'"));
    CHECK_THAT(error_of("[[maintenance]]\nstart = 2026-07-01T05:00:00+09:00\n"),
               Catch::Contains("needs 'start' and 'end'"));
    CHECK_THAT(error_of("[[maintenance]]\nstart = \"tomorrow\"\nend = 2026-07-01T02:00:00Z\n"),
               Catch::Contains("'start' must be a date-time with a UTC offset"));
    CHECK_THAT(error_of("[[maintenance]]\nstart = 2026-07-01\nend = 2026-07-02T02:00:00Z\n"),
               Catch::Contains("'start' must be a date-time"));
    // A local date-time needs [shop] timezone.
    CHECK_THAT(
        error_of("[[maintenance]]\nstart = 2026-07-01T02:00:00\nend = 2026-07-01T05:00:00\n"),
        Catch::StartsWith("shop.toml:2:9: 'start' has no UTC offset"));
    // A year beyond what a TimePoint holds (1678-2261) is refused, not overflowed.
    CHECK_THAT(error_of("[shop]\ntimezone = \"Asia/Tokyo\"\n[[sales.event]]\nname = \"x\"\n"
                        "start = 8349-12-26T00:00:00\nend = 2026-12-27T00:00:00\n"),
               Catch::StartsWith("shop.toml:5:9: 'start' is not a valid date"));
    CHECK_THAT(
        error_of("[[maintenance]]\nstart = 9999-07-01T02:00:00Z\nend = 9999-07-01T05:00:00Z\n"),
        Catch::StartsWith("shop.toml:2:9: 'start' is not a valid date"));
    CHECK_THAT(error_of("[[runbook.step]]\nid = \"s\"\nrun = []\n"),
               Catch::Contains("'run' must start with the command"));
    CHECK_THAT(error_of("[[runbook.step]]\nid = \"s\"\n"),
               Catch::Contains("step 's' has no 'run'"));
    CHECK_THAT(error_of("[[runbook.step]]\nid = \"s\"\non = \"closed\"\nrun = [\"x\"]\n"),
               Catch::Contains("'on' must be \"opened\", \"updated\", \"resolved\" or "
                               "\"maintenance\""));
    CHECK_THAT(error_of("[[sales.event]]\nname = \"x\"\nstart = 2026-07-01T02:00:00Z\n"
                        "end = 2026-07-02T02:00:00Z\nmultiplier = 0\n"),
               Catch::Contains("'multiplier' must be more than 0"));
    CHECK_THAT(error_of("[sales]\nrecaptured = 1.5\n"),
               Catch::StartsWith("shop.toml:2:14: 'recaptured' must be a share from 0 to 1"));
    CHECK_THAT(error_of("[sales]\nrecaptured = \"30%\"\n"),
               Catch::StartsWith("shop.toml:2:14: 'recaptured' must be"));
    CHECK_THAT(error_of("[sales]\nblocked = { critical = 1.0, major = -0.5 }\n"),
               Catch::StartsWith("shop.toml:2:37: 'major' must be a share from 0 to 1"));
    CHECK_THAT(error_of("[sales]\nblocked = { critcal = 1.0 }\n"),
               Catch::Contains("did you mean 'critical'?"));
    CHECK_THAT(error_of("[sales]\nblocked = 0.5\n"),
               Catch::StartsWith("shop.toml:2:11: 'blocked' must be a table"));
}

TEST_CASE("config: [sales] blocked and recaptured, a severity left out keeps its default") {
    const Config config = parse_config("[sales]\n"
                                       "blocked = { critical = 0.9, minor = 0 }\n"
                                       "recaptured = 0.3\n",
                                       "shop.toml");
    CHECK(config.sales.blocked.critical == 0.9);
    CHECK(config.sales.blocked.major == 0.5);
    CHECK(config.sales.blocked.minor == 0.0);
    CHECK(config.sales.recaptured == 0.3);
    const Config table = parse_config("[sales.blocked]\nmajor = 1\n", "shop.toml");
    CHECK(table.sales.blocked.major == 1.0);
    CHECK(table.sales.blocked.critical == 1.0);
}

TEST_CASE("config: defaults") {
    const Config config = parse_config("[[channel]]\nid = \"own\"\nurl = \"https://a.jp/\"\n"
                                       "[[channel.check]]\nid = \"top\"\n",
                                       "shop.toml");
    CHECK(config.path == "shop.toml");
    CHECK(config.shop.name == "shop");
    CHECK(config.shop.timezone.empty());
    CHECK(config.shop.language == "en");
    CHECK_FALSE(config.shop.state);
    CHECK(config.policy.fail_after == 2);
    CHECK(config.policy.recover_after == 2);
    CHECK(config.policy.customer_delay == 10min);
    CHECK(config.policy.timeout == 10s);
    CHECK(config.policy.concurrency == 64);
    CHECK(config.policy.canary.empty());
    CHECK(config.sales.currency == "JPY");
    CHECK(config.sales.hourly.empty());
    CHECK(config.sales.blocked.critical == 1.0);
    CHECK(config.sales.blocked.major == 0.5);
    CHECK(config.sales.blocked.minor == 0.1);
    CHECK(config.sales.recaptured == 0.0);
    REQUIRE(config.channels.size() == 1);
    const auto& channel = config.channels[0];
    CHECK(channel.name == "own");
    CHECK(channel.where == "shop.toml:1:1");
    REQUIRE(channel.checks.size() == 1);
    const auto& check = channel.checks[0];
    CHECK(check.kind == "http");
    CHECK(check.url == "https://a.jp/");
    CHECK(check.expect_status.empty());
    CHECK_FALSE(check.expect_text);
    CHECK_FALSE(check.latency_critical);
    CHECK(check.auth.empty());
    CHECK(check.timeout == 10s);
    CHECK(check.max_redirects == 5);
    CHECK(check.max_body == 1024 * 1024);
    CHECK(check.days_warning == 14);
    CHECK(check.days_critical == 3);
    CHECK(check.feed_state == "degraded");
    CHECK_FALSE(check.critical);
    CHECK_FALSE(check.insecure);
    CHECK(check.where == "shop.toml:4:1");
    CHECK(config.maintenance.empty());
    CHECK(config.targets.empty());
    CHECK(config.runbook.empty());

    // A check's timeout defaults to [policy] timeout.
    CHECK(parse_config("[policy]\ntimeout = \"3s\"\n" + with_check(""), "shop.toml")
              .channels[0]
              .checks[0]
              .timeout == 3s);
    // An empty file is a valid, empty config.
    CHECK(parse_config("", "shop.toml").channels.empty());
}

TEST_CASE("config: a channel without checks gets one of its url") {
    const Config config = parse_config(channel_head, "shop.toml");
    REQUIRE(config.channels[0].checks.size() == 1);
    CHECK(config.channels[0].checks[0].id == "top");
    CHECK(config.channels[0].checks[0].url == "https://shop.example.jp/");
    CHECK(config.channel("own") == &config.channels[0]);
    CHECK(config.channel("nope") == nullptr);
}

TEST_CASE("config: a full example parses with every field") {
    const std::string text = R"toml(
[shop]
name = "Example Store"
timezone = "Asia/Tokyo"
language = "ja"
contact = "support@example.jp"
state = "/var/lib/shopkit/state.db"
templates = "tpl"

[policy]
fail_after = 3
recover_after = 4
customer_delay = "15m"
update_every = "2h"
canary = ["https://canary.example.net/"]
timeout = "7s"
concurrency = 16
history = "30d"

[sales]
currency = "JPY"
hourly = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23.5]
orders_csv = "/srv/orders.csv"
[[sales.event]]
name = "楽天スーパーSALE"
start = 2026-12-04T20:00:00+09:00
end = "2026-12-11T01:59:00+09:00"
multiplier = 4
[[sales.event]]
name = "local"
start = 2026-12-26T00:00:00
end = 2026-12-27T00:00:00

[[channel]]
id = "own"
name = "公式オンラインショップ"
kind = "own"
url = "https://shop.example.jp/"
[[channel.check]]
id = "cart"
url = "https://shop.example.jp/cart"
expect_status = [200, "300-302"]
expect_text = "カートに入れる"
expect_regex = "カート|cart"
reject_text = "メンテナンス中"
latency_warning = "1s"
max_latency = "3s"
headers = { "Accept-Language" = "ja", "X-Probe" = "shopkit" }
auth = "basic"
username = "probe"
password_env = "CART_PASSWORD"
critical = true
timeout = "5s"
insecure = true
max_redirects = 2
max_body = "512KiB"
[[channel.check]]
id = "cert"
kind = "tls"
days_warning = 30
days_critical = 0
[[channel.check]]
id = "platform"
kind = "statuspage"
url = "https://status.example-platform.com/api/v2/summary.json"
components = ["Checkout", "Storefront"]
[[channel.check]]
id = "news"
kind = "feed"
url = "https://example-platform.com/feed.xml"
match = "障害"
clear = "復旧"
feed_state = "down"
max_age = "2d"
max_body = 2000000

[[channel]]
id = "rakuten"
url = "https://www.rakuten.co.jp/example/"

[[maintenance]]
channel = "own"
start = 2026-07-01T02:00:00+09:00
end = 2026-07-01T05:00:00+09:00
reason = "定期メンテナンス"
[[maintenance]]
start = "2026-08-01T00:00:00Z"
end = "2026-08-01T01:00:00Z"

[[target]]
id = "line"
kind = "line"
token_env = "SHOPKIT_LINE_TOKEN"
audience = "customers"
api_base = "http://127.0.0.1:8080/"
channels = ["own", "rakuten"]
severities = ["major", "critical"]
hold = true
template = "short"
[[target]]
id = "staff"
kind = "slack"
url_file = "secrets/slack-url"
[[target]]
id = "mail"
kind = "email"
audience = "customers"
from = "shop@example.jp"
segments = ["vip", "newsletter"]
plaintext = true
user_id = 42
dir = "/var/spool/shopkit"
timeout = "30s"
username = "smtp-user"
password_file = "/etc/shopkit/smtp"
[[target]]
id = "x"
kind = "x"
consumer_key_env = "X_KEY"
consumer_secret_env = "X_SECRET"
access_token_env = "X_TOKEN"
access_secret_file = "/etc/shopkit/x-access"

[runbook]
[[runbook.step]]
id = "bio-link"
on = "opened"
run = ["/usr/local/bin/point-bio-link", "{{alternatives.0.url}}"]
channels = ["own"]
timeout = "30s"
[[runbook.step]]
id = "restore"
on = "resolved"
run = ["restore"]
)toml";
    const Config config = parse_config(text, "/etc/shopkit/shop.toml");
    CHECK(config.path == "/etc/shopkit/shop.toml");

    CHECK(config.shop.name == "Example Store");
    CHECK(config.shop.timezone == "Asia/Tokyo");
    CHECK(config.shop.language == "ja");
    CHECK(config.shop.contact == "support@example.jp");
    CHECK(config.shop.state == fs::path("/var/lib/shopkit/state.db"));
    CHECK(config.shop.templates == fs::path("/etc/shopkit/tpl"));

    CHECK(config.policy.fail_after == 3);
    CHECK(config.policy.recover_after == 4);
    CHECK(config.policy.customer_delay == 15min);
    CHECK(config.policy.update_every == 2h);
    CHECK(config.policy.canary == std::vector<std::string>{"https://canary.example.net/"});
    CHECK(config.policy.timeout == 7s);
    CHECK(config.policy.concurrency == 16);
    CHECK(config.policy.history == 30 * 24h);

    using namespace std::chrono;
    CHECK(config.sales.currency == "JPY");
    REQUIRE(config.sales.hourly.size() == 24);
    CHECK(config.sales.hourly[1] == 1.0);
    CHECK(config.sales.hourly[23] == 23.5);
    CHECK(config.sales.orders_csv == fs::path("/srv/orders.csv"));
    REQUIRE(config.sales.events.size() == 2);
    CHECK(config.sales.events[0].name == "楽天スーパーSALE");
    CHECK(config.sales.events[0].start == utc(sys_days(2026y / 12 / 4), 11h));
    CHECK(config.sales.events[0].end == utc(sys_days(2026y / 12 / 10), 16h + 59min));
    CHECK(config.sales.events[0].multiplier == 4.0);
    // A local date-time is read in [shop] timezone (Tokyo, UTC+9).
    CHECK(config.sales.events[1].start == utc(sys_days(2026y / 12 / 25), 15h));
    CHECK(config.sales.events[1].end == utc(sys_days(2026y / 12 / 26), 15h));
    CHECK(config.sales.events[1].multiplier == 1.0);

    REQUIRE(config.channels.size() == 2);
    const auto& own = config.channels[0];
    CHECK(own.id == "own");
    CHECK(own.name == "公式オンラインショップ");
    CHECK(own.kind == "own");
    CHECK(own.url == "https://shop.example.jp/");
    REQUIRE(own.checks.size() == 4);

    const auto& cart = own.checks[0];
    CHECK(cart.id == "cart");
    CHECK(cart.kind == "http");
    CHECK(cart.url == "https://shop.example.jp/cart");
    CHECK(cart.expect_status == std::vector<std::pair<int, int>>{{200, 200}, {300, 302}});
    CHECK(cart.expect_text == "カートに入れる");
    CHECK(cart.expect_regex == "カート|cart");
    CHECK(cart.reject_text == "メンテナンス中");
    CHECK(cart.latency_warning == 1s);
    CHECK(cart.latency_critical == 3s);
    CHECK(cart.headers == std::vector<std::pair<std::string, std::string>>{
                              {"Accept-Language", "ja"}, {"X-Probe", "shopkit"}});
    CHECK(cart.auth == "basic");
    CHECK(cart.username == "probe");
    CHECK(cart.password.source == SecretRef::Source::env);
    CHECK(cart.password.name == "CART_PASSWORD");
    CHECK(cart.token.empty());
    CHECK(cart.critical);
    CHECK(cart.timeout == 5s);
    CHECK(cart.insecure);
    CHECK(cart.max_redirects == 2);
    CHECK(cart.max_body == 512 * 1024);
    CHECK(cart.where == "/etc/shopkit/shop.toml:39:1");

    const auto& cert = own.checks[1];
    CHECK(cert.kind == "tls");
    CHECK(cert.url == "https://shop.example.jp/");
    CHECK(cert.days_warning == 30);
    CHECK(cert.days_critical == 0);
    CHECK(cert.timeout == 7s);

    const auto& platform = own.checks[2];
    CHECK(platform.kind == "statuspage");
    CHECK(platform.components == std::vector<std::string>{"Checkout", "Storefront"});

    const auto& news = own.checks[3];
    CHECK(news.kind == "feed");
    CHECK(news.match == "障害");
    CHECK(news.clear == "復旧");
    CHECK(news.feed_state == "down");
    CHECK(news.max_age == 48h);
    CHECK(news.max_body == 2000000);

    const auto& rakuten = config.channels[1];
    CHECK(rakuten.name == "rakuten");
    REQUIRE(rakuten.checks.size() == 1);
    CHECK(rakuten.checks[0].id == "top");
    CHECK(rakuten.checks[0].url == "https://www.rakuten.co.jp/example/");
    CHECK(rakuten.checks[0].timeout == 7s);

    REQUIRE(config.maintenance.size() == 2);
    CHECK(config.maintenance[0].channel == "own");
    CHECK(config.maintenance[0].start == utc(sys_days(2026y / 6 / 30), 17h));
    CHECK(config.maintenance[0].end == utc(sys_days(2026y / 6 / 30), 20h));
    CHECK(config.maintenance[0].reason == "定期メンテナンス");
    CHECK(config.maintenance[1].channel.empty());
    CHECK(config.maintenance[1].start == utc(sys_days(2026y / 8 / 1), 0h));

    REQUIRE(config.targets.size() == 4);
    const auto& line = config.targets[0];
    CHECK(line.id == "line");
    CHECK(line.kind == "line");
    CHECK(line.audience == shopkit::Audience::customers);
    CHECK(line.api_base == "http://127.0.0.1:8080/");
    CHECK(line.channels == std::vector<std::string>{"own", "rakuten"});
    CHECK(line.severities ==
          std::vector<shopkit::Severity>{shopkit::Severity::major, shopkit::Severity::critical});
    CHECK(line.hold);
    CHECK(line.template_name == "short");
    REQUIRE(line.secrets.count("token") == 1);
    CHECK(line.secrets.at("token").source == SecretRef::Source::env);
    CHECK(line.secrets.at("token").name == "SHOPKIT_LINE_TOKEN");
    CHECK(line.secrets.at("token").where == "/etc/shopkit/shop.toml:93:1");
    CHECK(line.params.empty());
    CHECK(line.where == "/etc/shopkit/shop.toml:90:1");

    const auto& staff = config.targets[1];
    CHECK(staff.audience == shopkit::Audience::staff);
    CHECK_FALSE(staff.hold);
    REQUIRE(staff.secrets.count("url") == 1);
    CHECK(staff.secrets.at("url").source == SecretRef::Source::file);
    // Relative paths hang on the config file's directory.
    CHECK(staff.secrets.at("url").name == "/etc/shopkit/secrets/slack-url");
    CHECK(staff.params.empty());

    const auto& mail = config.targets[2];
    CHECK(mail.params.at("from") == "shop@example.jp");
    CHECK(mail.params.at("segments") == R"(["vip","newsletter"])");
    CHECK(mail.params.at("plaintext") == "true");
    CHECK(mail.params.at("user_id") == "42");
    CHECK(mail.params.at("dir") == "/var/spool/shopkit");
    CHECK(mail.params.at("timeout") == "30s");
    CHECK(mail.params.at("username") == "smtp-user");
    CHECK(mail.params.size() == 7);
    CHECK(mail.secrets.at("password").name == "/etc/shopkit/smtp");
    CHECK(mail.secrets.size() == 1);

    const auto& x = config.targets[3];
    CHECK(x.secrets.size() == 4);
    CHECK(x.secrets.at("consumer_key").name == "X_KEY");
    CHECK(x.secrets.at("consumer_secret").name == "X_SECRET");
    CHECK(x.secrets.at("access_token").name == "X_TOKEN");
    CHECK(x.secrets.at("access_secret").source == SecretRef::Source::file);

    REQUIRE(config.runbook.size() == 2);
    CHECK(config.runbook[0].id == "bio-link");
    CHECK(config.runbook[0].on == std::vector<shopkit::Event>{shopkit::Event::opened});
    CHECK(config.runbook[0].run ==
          std::vector<std::string>{"/usr/local/bin/point-bio-link", "{{alternatives.0.url}}"});
    CHECK(config.runbook[0].channels == std::vector<std::string>{"own"});
    CHECK(config.runbook[0].timeout == 30s);
    CHECK(config.runbook[1].on == std::vector<shopkit::Event>{shopkit::Event::resolved});
    CHECK(config.runbook[1].timeout == 60s);
    CHECK(config.runbook[1].channels.empty());
}

TEST_CASE("config: non-secret urls of a target are plain parameters") {
    const Config config = parse_config("[[target]]\nid = \"m\"\nkind = \"mastodon\"\n"
                                       "url = \"https://social.example/\"\ntoken_env = \"M\"\n",
                                       "shop.toml");
    CHECK(config.targets[0].params.at("url") == "https://social.example/");
    CHECK(config.targets[0].secrets.count("url") == 0);
}

TEST_CASE("config: an email target takes an smtp:// or smtps:// url") {
    const std::string head = "[[target]]\nid = \"mail\"\nkind = \"email\"\n";
    const Config config =
        parse_config(head + "url = \"smtps://smtp.example.jp:465\"\n", "shop.toml");
    CHECK(config.targets[0].params.at("url") == "smtps://smtp.example.jp:465");
    CHECK(parse_config(head + "url = \"smtp://127.0.0.1:587\"\n", "shop.toml")
              .targets[0]
              .params.at("url") == "smtp://127.0.0.1:587");
    try {
        parse_config(head + "url = \"https://smtp.example.jp/\"\n", "shop.toml");
        FAIL("an https url was accepted for email");
    } catch (const shopkit::Error& e) {
        CHECK(e.status() == shopkit::exit_status::config);
        CHECK_THAT(e.what(), Catch::Contains("shop.toml:4:") && Catch::Contains("smtp://"));
    }
}

TEST_CASE("config: an email target's connections and rate are checked when it loads") {
    const std::string head =
        "[[target]]\nid = \"mail\"\nkind = \"email\"\nurl = \"smtp://127.0.0.1:587\"\n";
    const Config config = parse_config(head + "connections = 8\nrate = \"600/m\"\n", "shop.toml");
    CHECK(config.targets[0].params.at("connections") == "8");
    CHECK(config.targets[0].params.at("rate") == "600/m");
    CHECK_THAT(error_of(head + "connections = 17\n"),
               Catch::StartsWith("shop.toml:5:") && Catch::Contains("1 to 16"));
    CHECK_THAT(error_of(head + "connections = 0\n"), Catch::StartsWith("shop.toml:5:"));
    CHECK_THAT(error_of(head + "connections = \"4\"\n"), Catch::StartsWith("shop.toml:5:"));
    CHECK_THAT(error_of(head + "rate = \"10/day\"\n"),
               Catch::StartsWith("shop.toml:5:") && Catch::Contains("10/s"));
    // The secrets of a bulk sender are secrets: _env or _file, never the value.
    const Config keys = parse_config(
        head + "unsubscribe_secret_env = \"U\"\ndkim_key_file = \"/etc/k.pem\"\n", "shop.toml");
    CHECK(keys.targets[0].secrets.count("unsubscribe_secret") == 1);
    CHECK(keys.targets[0].secrets.count("dkim_key") == 1);
}

TEST_CASE("config: credentials in a check url are refused, and never echoed") {
    const std::string text = "[[channel]]\nid = \"own\"\nurl = \"https://shop.example.jp/\"\n"
                             "[[channel.check]]\nid = \"admin\"\n"
                             "url = \"https://owner:hunter2@shop.example.jp/admin\"\n";
    try {
        parse_config(text, "shop.toml");
        FAIL("a url with user:password@ was accepted");
    } catch (const shopkit::Error& e) {
        CHECK(e.status() == shopkit::exit_status::config);
        CHECK_THAT(e.what(), Catch::Contains("shop.toml:6:") && Catch::Contains("password_env"));
        CHECK_THAT(e.what(), !Catch::Contains("hunter2"));
    }
    try {
        shopkit::config_from_urls({"https://owner:hunter2@shop.example.jp/"});
        FAIL("a URL operand with credentials was accepted");
    } catch (const shopkit::Error& e) {
        CHECK(e.status() == shopkit::exit_status::usage);
        CHECK_THAT(e.what(), !Catch::Contains("hunter2"));
    }
    // An @ in the path or query is no credential.
    CHECK_NOTHROW(shopkit::config_from_urls({"https://shop.example.jp/u/@shop?to=a@b.jp"}));
}

TEST_CASE("config: load_config reads a file and names it in errors") {
    TempDir dir;
    const fs::path path = dir.path() / "shop.toml";
    write_file(path, "[policy]\nfail_after = 0\n");
    try {
        shopkit::load_config(path);
        FAIL("no error");
    } catch (const shopkit::Error& e) {
        CHECK(e.status() == shopkit::exit_status::config);
        CHECK_THAT(e.what(), Catch::StartsWith(path.string() + ":2:14: 'fail_after'"));
    }
    write_file(path, "[shop]\nstate = \"state.db\"\n");
    const Config config = shopkit::load_config(path);
    CHECK(config.path == path);
    CHECK(config.shop.state == dir.path() / "state.db");

    try {
        shopkit::load_config(dir.path() / "missing.toml");
        FAIL("no error");
    } catch (const shopkit::Error& e) {
        CHECK(e.status() == shopkit::exit_status::config);
        CHECK(std::string(e.what()) ==
              (dir.path() / "missing.toml").string() + ": cannot read: No such file or directory");
    }
}

TEST_CASE("config: ~ in paths is $HOME") {
    ScopedEnv home("HOME", std::string("/home/tanaka"));
    const Config config = parse_config("[shop]\nstate = \"~/state.db\"\n", "/etc/shop.toml");
    CHECK(config.shop.state == fs::path("/home/tanaka/state.db"));
}

TEST_CASE("config: config_from_urls makes one check per URL") {
    const Config config = shopkit::config_from_urls(
        {"https://shop.example.jp/", "https://shop.example.jp/cart", "http://127.0.0.1:8080/x",
         "https://Other.Example.jp:8443/?q", "https://shop.example.jp/admin"});
    CHECK(config.path.empty());
    REQUIRE(config.channels.size() == 1);
    const auto& channel = config.channels[0];
    CHECK(channel.id == "cli");
    CHECK(channel.name == "cli");
    REQUIRE(channel.checks.size() == 5);
    CHECK(channel.checks[0].id == "shop.example.jp");
    CHECK(channel.checks[1].id == "shop.example.jp-2");
    CHECK(channel.checks[2].id == "127.0.0.1");
    CHECK(channel.checks[3].id == "other.example.jp");
    CHECK(channel.checks[4].id == "shop.example.jp-3");
    for (const auto& check : channel.checks) {
        CHECK(check.kind == "http");
        CHECK(check.expect_status == std::vector<std::pair<int, int>>{{200, 399}});
        CHECK(check.timeout == 10s);
    }
    CHECK(channel.checks[1].url == "https://shop.example.jp/cart");

    // An id a suffix would collide with is skipped.
    const Config tricky = shopkit::config_from_urls({"http://a/", "http://a-2/", "http://a/"});
    CHECK(tricky.channels[0].checks[2].id == "a-3");

    try {
        shopkit::config_from_urls({"https://ok.jp/", "ftp://x.jp/"});
        FAIL("no error");
    } catch (const shopkit::Error& e) {
        CHECK(e.status() == shopkit::exit_status::usage);
        CHECK_THAT(e.what(), Catch::Contains("ftp://x.jp/"));
    }
    CHECK_THROWS_AS(shopkit::config_from_urls({}), shopkit::Error);
}

TEST_CASE("config: find_config looks in -c, $SHOPKIT_CONFIG, $XDG_CONFIG_HOME, ~/.config") {
    TempDir dir;
    const fs::path explicit_file = dir.path() / "explicit.toml";
    const fs::path env_file = dir.path() / "env.toml";
    const fs::path xdg_file = dir.path() / "xdg" / "shopkit" / "shop.toml";
    const fs::path home_file = dir.path() / "home" / ".config" / "shopkit" / "shop.toml";
    for (const fs::path& p : {explicit_file, env_file, xdg_file, home_file})
        write_file(p, "");

    ScopedEnv config_env("SHOPKIT_CONFIG", env_file.string());
    ScopedEnv xdg_env("XDG_CONFIG_HOME", (dir.path() / "xdg").string());
    ScopedEnv home_env("HOME", (dir.path() / "home").string());

    CHECK(shopkit::find_config(explicit_file) == explicit_file);
    CHECK(shopkit::find_config(std::nullopt) == env_file);
    {
        ScopedEnv unset("SHOPKIT_CONFIG", std::nullopt);
        CHECK(shopkit::find_config(std::nullopt) == xdg_file);
        {
            ScopedEnv empty("SHOPKIT_CONFIG", std::string());
            CHECK(shopkit::find_config(std::nullopt) == xdg_file);
        }
        {
            ScopedEnv unset_xdg("XDG_CONFIG_HOME", std::nullopt);
            CHECK(shopkit::find_config(std::nullopt) == home_file);
        }
        {
            // An XDG directory without the file falls through to the system file.
            ScopedEnv other_xdg("XDG_CONFIG_HOME", (dir.path() / "nothing").string());
            const auto found = shopkit::find_config(std::nullopt);
            if (fs::exists("/etc/shopkit/shop.toml"))
                CHECK(found == fs::path("/etc/shopkit/shop.toml"));
            else
                CHECK_FALSE(found);
        }
    }

    // A named file that does not exist is an error, not a fall-through.
    try {
        shopkit::find_config(dir.path() / "nope.toml");
        FAIL("no error");
    } catch (const shopkit::Error& e) {
        CHECK(e.status() == shopkit::exit_status::config);
        CHECK_THAT(e.what(), Catch::Contains("nope.toml"));
    }
    ScopedEnv missing_env("SHOPKIT_CONFIG", (dir.path() / "gone.toml").string());
    try {
        shopkit::find_config(std::nullopt);
        FAIL("no error");
    } catch (const shopkit::Error& e) {
        CHECK_THAT(e.what(), Catch::Contains("gone.toml") && Catch::Contains("$SHOPKIT_CONFIG"));
    }
}

TEST_CASE("config: the shipped example loads") {
#ifdef SHOPKIT_SOURCE_DIR
    const fs::path path = fs::path(SHOPKIT_SOURCE_DIR) / "share" / "examples" / "shop.toml";
    Config config;
    REQUIRE_NOTHROW(config = shopkit::load_config(path));
    CHECK(config.shop.timezone == "Asia/Tokyo");
    CHECK(config.channels.size() == 3);
    CHECK(config.channel("own") != nullptr);
    CHECK(config.channel("rakuten") != nullptr);
    CHECK(config.channel("yahoo") != nullptr);
    CHECK(config.sales.hourly.size() == 24);
    CHECK_FALSE(config.targets.empty());
    CHECK_FALSE(config.runbook.empty());
#else
    WARN("SHOPKIT_SOURCE_DIR is not defined: share/examples/shop.toml not checked");
#endif
}

TEST_CASE("config: runbook steps take events, filters and built-in actions") {
    const std::string channels = "[[channel]]\nid = \"own\"\nurl = \"https://shop.example.jp/\"\n"
                                 "[[channel.check]]\nid = \"cart\"\n"
                                 "[[channel]]\nid = \"mall\"\nurl = \"https://mall.example.jp/\"\n"
                                 "[[channel.check]]\nid = \"item\"\n";
    const Config config = parse_config(
        channels + "[[runbook.step]]\nid = \"a\"\non = [\"opened\", \"updated\"]\n"
                   "channels = [\"own\"]\nseverities = [\"critical\"]\nchecks = [\"cart\"]\n"
                   "sale = true\nrun = [\"true\"]\nretries = 2\n"
                   "[[runbook.step]]\nid = \"link\"\naction = \"switch_link\"\ndir = \"/tmp/l\"\n"
                   "[[runbook.step]]\nid = \"hook\"\naction = \"webhook\"\n"
                   "url = \"https://hooks.example.jp/x\"\nsecret_env = \"HOOK_SECRET\"\n",
        "shop.toml");
    REQUIRE(config.runbook.size() == 3);
    const auto& a = config.runbook[0];
    CHECK(a.on == std::vector<shopkit::Event>{shopkit::Event::opened, shopkit::Event::updated});
    CHECK(a.severities == std::vector<shopkit::Severity>{shopkit::Severity::critical});
    CHECK(a.checks == std::vector<std::string>{"cart"});
    CHECK(a.sale == true);
    CHECK(a.retries == 2);
    const auto& link = config.runbook[1];
    CHECK(link.action == shopkit::StepAction::switch_link);
    CHECK(link.home == "own");
    CHECK(link.prefer == std::vector<std::string>{"mall"});
    CHECK(link.on.size() == 3);
    const auto& hook = config.runbook[2];
    CHECK(hook.action == shopkit::StepAction::webhook);
    CHECK(hook.url == "https://hooks.example.jp/x");
    CHECK(hook.secret.name == "HOOK_SECRET");
    CHECK(config.runbook[0].retries == 2);
    CHECK(parse_config(channels + "[[runbook.step]]\nid = \"b\"\nrun = [\"x\"]\n", "shop.toml")
              .runbook[0]
              .retries == 5);

    // Mistakes are found at load, with the line.
    CHECK_THAT(error_of(channels + "[[runbook.step]]\nid = \"s\"\nchecks = [\"basket\"]\n"
                                   "run = [\"x\"]\n"),
               Catch::StartsWith("shop.toml:13:11:") &&
                   Catch::Contains("no check with id 'basket' in any channel"));
    CHECK_THAT(error_of(channels + "[[runbook.step]]\nid = \"s\"\nchannels = [\"mall\"]\n"
                                   "checks = [\"cart\"]\nrun = [\"x\"]\n"),
               Catch::Contains("no check with id 'cart' in the step's channels"));
    CHECK_THAT(error_of(channels + "[[runbook.step]]\nid = \"s\"\nchannels = [\"shop\"]\n"
                                   "run = [\"x\"]\n"),
               Catch::Contains("no channel with id 'shop'"));
    CHECK_THAT(error_of(channels + "[[runbook.step]]\nid = \"s\"\naction = \"switch_link\"\n"
                                   "run = [\"x\"]\ndir = \"/tmp\"\n"),
               Catch::Contains("'run' cannot go with action = \"switch_link\""));
    CHECK_THAT(error_of(channels + "[[runbook.step]]\nid = \"s\"\naction = \"switch_link\"\n"),
               Catch::Contains("needs 'dir'"));
    CHECK_THAT(error_of(channels + "[[runbook.step]]\nid = \"s\"\naction = \"switch_link\"\n"
                                   "dir = \"/tmp\"\nprefer = [\"own\"]\n"),
               Catch::Contains("must not hold the home channel"));
    CHECK_THAT(error_of(channels + "[[runbook.step]]\nid = \"s\"\naction = \"webhook\"\n"),
               Catch::Contains("needs 'url'"));
    CHECK_THAT(error_of(channels + "[[runbook.step]]\nid = \"s\"\nrun = [\"x\"]\nretries = -1\n"),
               Catch::Contains("retries"));
}

TEST_CASE("config: max_body is at most 64MiB") {
    CHECK(parse_config(with_check("max_body = \"64MiB\"\n"), "shop.toml")
              .channels[0]
              .checks[0]
              .max_body == 64 * 1024 * 1024);
    CHECK_THAT(error_of(with_check("max_body = \"1GiB\"\n")),
               Catch::StartsWith("shop.toml:6:") && Catch::Contains("at most 64MiB"));
    CHECK_THAT(error_of(with_check("max_body = 67108865\n")), Catch::Contains("at most 64MiB"));
}

TEST_CASE("config: every URL is parsed at load, a broken port is file:line and the key") {
    CHECK_THAT(error_of(with_check("url = \"http://shop.example.jp:80x/\"\n")),
               Catch::StartsWith("shop.toml:6:") && Catch::Contains("'url'") &&
                   Catch::Contains("ort"));
    CHECK_THAT(error_of(with_check("url = \"http://shop.example.jp:99999/\"\n")),
               Catch::StartsWith("shop.toml:6:"));
    CHECK_THAT(error_of(with_check("url = \"http://[::1/\"\n")), Catch::StartsWith("shop.toml:6:"));
    CHECK_NOTHROW(parse_config(with_check("url = \"https://[::1]:8443/a?b#c\"\n"), "shop.toml"));
    CHECK_THAT(error_of("[[channel]]\nid = \"own\"\nurl = \"https://shop.example.jp:x/\"\n"),
               Catch::StartsWith("shop.toml:3:"));
    CHECK_THAT(
        error_of("[policy]\ncanary = [\"http://a.example:1/\", \"http://b.example:80x/\"]\n"),
        Catch::StartsWith("shop.toml:2:") && Catch::Contains("canary"));
    CHECK_THAT(error_of(channel_head + "[[target]]\nid = \"s\"\nkind = \"slack\"\n"
                                       "api_base = \"https://slack.test:0x1/\"\n"),
               Catch::StartsWith("shop.toml:7:") && Catch::Contains("'api_base'"));
}

TEST_CASE("config: a tls check needs an https:// URL") {
    CHECK_THAT(error_of(with_check("kind = \"tls\"\nurl = \"http://shop.example.jp/\"\n")),
               Catch::StartsWith("shop.toml:7:") && Catch::Contains("https://"));
    // Lent by an http:// channel: the kind is what is wrong.
    CHECK_THAT(error_of("[[channel]]\nid = \"own\"\nurl = \"http://shop.example.jp/\"\n"
                        "[[channel.check]]\nid = \"cert\"\nkind = \"tls\"\n"),
               Catch::StartsWith("shop.toml:6:") && Catch::Contains("https://"));
    CHECK_NOTHROW(parse_config(with_check("kind = \"tls\"\n"), "shop.toml"));
}
