// The variables a notice template sees: the incident in the shop's words and
// zone, and the alternatives (the shop's other channels confirmed up now).
#include "lib/config/config.hpp"
#include "lib/render/notice_context.hpp"
#include "lib/render/template.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace shopkit;
using shopkit::test::at;

namespace {

Config shop() {
    return parse_config(R"(
[shop]
name = "テスト商店"
timezone = "Asia/Tokyo"
language = "ja"
[[channel]]
id = "own"
name = "公式ショップ"
url = "https://shop.example.jp/"
[[channel.check]]
id = "cart"
critical = true
[[channel]]
id = "rakuten"
name = "楽天市場店"
url = "https://www.rakuten.co.jp/example/"
[[channel]]
id = "yahoo"
url = "https://store.shopping.yahoo.co.jp/example/"
[[channel.check]]
id = "top"
[[channel.check]]
id = "cart"
)",
                        "shop.toml");
}

CheckCounter counter(State s) {
    CheckCounter c;
    c.state = s;
    return c;
}

CheckCounter failing(int runs, const char* since) {
    CheckCounter c;
    c.state = State::down;
    c.fails = runs;
    c.first_fail = at(since);
    return c;
}

CheckResult probe(const std::string& check, long status, double seconds, std::string error) {
    CheckResult r;
    r.channel = "own";
    r.check = check;
    r.time = at("2026-06-04T03:12:00Z");
    r.state = r.raw = State::down;
    r.http_status = status;
    r.timings.total = seconds;
    r.error = std::move(error);
    return r;
}

// An outage of the own shop's cart (HTTP 500, slow) and checkout (a timeout), twelve
// minutes old; Rakuten is up; LINE's notice is held as outbox row 12, X's falls due
// at 12:15, Mastodon is not told at this severity.
ContextInput outage(const Config& config) {
    ContextInput in;
    in.config = &config;
    in.incident.id = "own-20260604T0300";
    in.incident.channel = "own";
    in.incident.severity = Severity::major;
    in.incident.checks = {"cart", "checkout"};
    in.incident.since = at("2026-06-04T03:00:00Z");
    in.event = Event::opened;
    in.now = at("2026-06-04T03:12:00Z");
    in.counters = {{{"own", "cart"}, failing(5, "2026-06-04T03:00:00Z")},
                   {{"own", "checkout"}, failing(3, "2026-06-04T03:06:00Z")},
                   {{"rakuten", "top"}, counter(State::up)}};
    in.probes = {{{"own", "cart"}, probe("cart", 500, 2.345, "HTTP 500")},
                 {{"own", "checkout"},
                  probe("checkout", 0, 10.0, "unreachable: Timeout was reached (10 s)")}};
    CustomerNotice line{"line-customers", "line", CustomerNotice::Status::held, {}, 12, false};
    CustomerNotice x{
        "x-customers", "x", CustomerNotice::Status::waiting, at("2026-06-04T03:15:00Z"), 0, false};
    CustomerNotice masto{"mastodon", "mastodon", CustomerNotice::Status::not_told, {}, 0, false};
    in.customers = {line, x, masto};
    return in;
}

Config staff_shop(const std::string& language) {
    return parse_config(R"(
[shop]
name = "Test Store"
timezone = "Asia/Tokyo"
language = ")" + language + R"("
[[channel]]
id = "own"
name = "Own shop"
url = "https://shop.example.jp/"
[[channel.check]]
id = "cart"
[[channel.check]]
id = "checkout"
[[channel]]
id = "rakuten"
name = "Rakuten"
[[channel.check]]
id = "top"
url = "https://www.rakuten.co.jp/example/"
[[runbook.step]]
id = "restart"
run = ["/bin/true"]
)",
                        "shop.toml");
}

std::string staff_notice(const ContextInput& in, const char* kind, const char* event = "opened") {
    const TemplateSearch search{std::nullopt, in.config->shop.language};
    return render_template(find_template(search, event, TemplateWant{kind, std::nullopt, true}),
                           notice_context(in));
}

} // namespace

TEST_CASE("announce context: alternatives are the other channels with every check up") {
    const Config config = shop();
    std::map<CheckKey, CheckCounter> counters = {{{"own", "cart"}, counter(State::down)},
                                                 {{"rakuten", "top"}, counter(State::up)},
                                                 {{"yahoo", "top"}, counter(State::up)},
                                                 {{"yahoo", "cart"}, counter(State::degraded)}};
    nlohmann::json alts = alternatives(config, "own", counters);
    REQUIRE(alts.size() == 1);
    CHECK(alts[0]["id"] == "rakuten");
    CHECK(alts[0]["name"] == "楽天市場店");
    CHECK(alts[0]["url"] == "https://www.rakuten.co.jp/example/");

    counters[{"yahoo", "cart"}] = counter(State::up);
    alts = alternatives(config, "own", counters);
    REQUIRE(alts.size() == 2);
    CHECK(alts[1]["id"] == "yahoo");
    CHECK(alts[1]["name"] == "yahoo"); // no name: the id

    // The incident's own channel never is one, and a channel never checked is not known up.
    counters.erase({"rakuten", "top"});
    alts = alternatives(config, "yahoo", counters);
    CHECK(alts.empty());
}

TEST_CASE("announce context: the incident in the shop's words and time zone") {
    const Config config = shop();
    ContextInput in;
    in.config = &config;
    in.incident.id = "own-20260604T0300";
    in.incident.channel = "own";
    in.incident.severity = Severity::critical;
    in.incident.checks = {"cart"};
    in.incident.since = at("2026-06-04T03:00:00Z");
    in.event = Event::opened;
    in.now = at("2026-06-04T04:05:00Z");
    in.counters = {{{"rakuten", "top"}, counter(State::up)}};
    const nlohmann::json c = notice_context(in);
    CHECK(c["event"] == "opened");
    CHECK(c["opened"] == true);
    CHECK(c["resolved"] == false);
    CHECK(c["shop"]["name"] == "テスト商店");
    CHECK(c["channel"]["name"] == "公式ショップ");
    CHECK(c["incident"]["critical"] == true);
    CHECK(c["incident"]["severity"] == "critical");
    CHECK(c["incident"]["since_iso"] == "2026-06-04T12:00:00+09:00");
    CHECK(c["incident"]["since"] == "2026年6月4日 12:00");
    CHECK(c["incident"]["duration"] == "1時間5分");
    CHECK(c["incident"]["checks"][0]["id"] == "cart");
    CHECK(c["has_alternatives"] == true);
    CHECK(c["alternatives"][0]["id"] == "rakuten");
    CHECK(c["incident"]["until"] == "");
}

TEST_CASE("announce context: the sale an incident started in, empty outside one") {
    const Config config = shop();
    ContextInput in;
    in.config = &config;
    in.incident.id = "own-20260604T0300";
    in.incident.channel = "own";
    in.incident.since = at("2026-06-04T03:00:00Z");
    in.now = at("2026-06-04T03:05:00Z");
    CHECK(notice_context(in)["incident"]["sale"] == "");
    in.incident.sale = "夏の大感謝祭";
    CHECK(notice_context(in)["incident"]["sale"] == "夏の大感謝祭");
}

TEST_CASE("announce context: the facts a staff notice needs") {
    const Config config = staff_shop("en");
    const nlohmann::json c = notice_context(outage(config));
    const auto& cart = c["incident"]["checks"][0];
    CHECK(cart["id"] == "cart");
    CHECK(cart["state"] == "down");
    CHECK(cart["http_status"] == 500);
    CHECK(cart["latency_ms"] == 2345);
    CHECK(cart["error"] == "HTTP 500");
    CHECK(cart["detail"] == ""); // says no more than http_status
    CHECK(cart["runs"] == 5);
    CHECK(cart["failing_since"] == "4 June 2026 12:00");
    CHECK(cart["failing_since_iso"] == "2026-06-04T12:00:00+09:00");
    const auto& checkout = c["incident"]["checks"][1];
    CHECK(checkout["http_status"] == ""); // no answer: no status
    CHECK(checkout["error"] == "unreachable: Timeout was reached (10 s)");
    CHECK(checkout["detail"] == checkout["error"]);
    CHECK(checkout["runs"] == 3);
    CHECK(c["incident"]["runs"] == 5);
    CHECK(c["incident"]["severity_label"] == "Major");
    // Rakuten has no URL: no alternative for customers, but up for staff.
    CHECK(c["has_alternatives"] == false);
    CHECK(c["channels_up_text"] == "Rakuten");
    const auto& customers = c["customers"];
    CHECK(customers["held"] == true);
    CHECK(customers["sent"] == false);
    CHECK(customers["targets"][0]["approve"] == "shopannounce --approve 12");
    CHECK(customers["targets"][1]["status"] == "waiting");
    CHECK(customers["targets"][1]["at"] == "4 June 2026 12:15");
    CHECK(customers["targets"][2]["not_told"] == true);
    CHECK(c["commands"]["pending"] == "shopannounce --pending");
    CHECK(c["commands"]["runbook"] == "shoprecover --list");
    CHECK(c["commands"]["confirm"] == "shoprecover --confirm --incident own-20260604T0300");

    // A check with no probe on the pipe and no counter: every fact is there, empty.
    ContextInput bare = outage(config);
    bare.probes.clear();
    bare.counters.clear();
    const nlohmann::json bare_context = notice_context(bare);
    const auto& unknown = bare_context["incident"]["checks"][0];
    CHECK(unknown["state"] == "");
    CHECK(unknown["latency_ms"] == "");
    CHECK(unknown["runs"] == "");
    CHECK_THAT(staff_notice(bare, "slack"), Catch::Contains("• *cart* `cart`: no result known\n"));
}

TEST_CASE("announce context: the staff Slack notice an on-call person can act on") {
    const Config config = staff_shop("en");
    const std::string text = staff_notice(outage(config), "slack");
    INFO(text);
    // First line: what is wrong, and how bad.
    const std::string first = text.substr(0, text.find('\n'));
    CHECK_THAT(first, Catch::Contains("Major outage") && Catch::Contains("Own shop") &&
                          Catch::StartsWith(":rotating_light: *"));
    // Each failing check on its own line, with status, error and latency.
    CHECK_THAT(text, Catch::Contains("\n• *cart* `cart`: down, HTTP 500, 2345 ms; 5 runs "
                                     "in a row since 4 June 2026 12:00\n"));
    CHECK_THAT(text, Catch::Contains("\n• *checkout* `checkout`: down, unreachable: Timeout was "
                                     "reached (10 s), 10000 ms; 3 runs in a row since 4 June "
                                     "2026 12:06\n"));
    CHECK_THAT(text, Catch::Contains("*Since*: 4 June 2026 12:00 JST"));
    CHECK_THAT(text, Catch::Contains("5 failed runs"));
    CHECK_THAT(text, Catch::Contains("*Severity*: Major"));
    CHECK_THAT(text, Catch::Contains("*Still up*: Rakuten"));
    CHECK_THAT(text, Catch::Contains("`line-customers` (line): held for approval: "
                                     "`shopannounce --approve 12`"));
    CHECK_THAT(text, Catch::Contains("`x-customers` (x): told at 4 June 2026 12:15 unless it "
                                     "recovers first"));
    CHECK_THAT(text, Catch::Contains("`mastodon` (mastodon): not told at this severity"));
    CHECK_THAT(text, Catch::Contains("• `shopannounce --pending`"));
    CHECK_THAT(text, Catch::Contains("• `shoprecover --list`"));
    CHECK_THAT(text, Catch::Contains("• `shoprecover --confirm --incident own-20260604T0300`"));
    // Not the customers' apology.
    CHECK_THAT(text, !Catch::Contains("sorry"));
}

TEST_CASE("announce context: the staff notice in Japanese, plain and for Teams") {
    const Config config = staff_shop("ja");
    ContextInput in = outage(config);
    const std::string plain = staff_notice(in, "telegram");
    INFO(plain);
    CHECK(plain.rfind("【障害のお知らせ】Own shop：カート、ご注文手続きが失敗（重度）\n", 0) == 0);
    CHECK_THAT(plain, Catch::Contains("\n- カート (cart)：down、HTTP 500、2345 ms、5回連続"
                                      "（2026年6月4日 12:00から）\n"));
    CHECK_THAT(plain, Catch::Contains("発生：2026年6月4日 12:00"));
    CHECK_THAT(plain, Catch::Contains("稼働中のチャネル：Rakuten"));
    CHECK_THAT(plain, Catch::Contains("承認待ち：shopannounce --approve 12"));
    CHECK_THAT(plain, Catch::Contains("2026年6月4日 12:15に告知予定"));
    CHECK_THAT(plain, !Catch::Contains("申し訳"));

    const std::string teams = staff_notice(in, "teams");
    INFO(teams);
    // Teams' markdown: bold labels, and a blank line before each list.
    CHECK_THAT(teams, Catch::Contains("**失敗しているチェック**\n\n- **カート** (cart)："));
    CHECK_THAT(teams, Catch::Contains("**次の対応**\n\n- shopannounce --pending"));

    // The recovery: how long, and what customers were told.
    in.event = Event::resolved;
    in.incident.until = at("2026-06-04T03:40:00Z");
    in.customers = {{"line-customers", "line", CustomerNotice::Status::sent,
                     at("2026-06-04T03:41:00Z"), 14, false}};
    const std::string resolved = staff_notice(in, "slack", "resolved");
    INFO(resolved);
    CHECK_THAT(resolved,
               Catch::Contains("【復旧のお知らせ】Own shop：2026年6月4日 12:40に復旧（40分）"));
    CHECK_THAT(resolved, Catch::Contains("2026年6月4日 12:41に告知済み"));
    CHECK_THAT(resolved, !Catch::Contains("--confirm"));
}

TEST_CASE("announce context: every shipped staff template renders for every event") {
    for (const char* lang : {"ja", "en"}) {
        const Config config = staff_shop(lang);
        ContextInput in = outage(config);
        for (const auto event :
             {Event::opened, Event::updated, Event::resolved, Event::maintenance}) {
            in.event = event;
            for (const char* kind : {"slack", "teams", "discord", "email"}) {
                const std::string text =
                    staff_notice(in, kind, std::string(to_string(event)).c_str());
                INFO(lang << " " << to_string(event) << " " << kind << "\n" << text);
                CHECK_THAT(text, Catch::Contains("Own shop"));
                CHECK_THAT(text, Catch::Contains("shopannounce --pending"));
                CHECK(text.find("{{") == std::string::npos);
                // Discord's 2,000 code points, the smallest limit of a staff kind.
                CHECK(std::count_if(text.begin(), text.end(), [](char ch) {
                          return (static_cast<unsigned char>(ch) & 0xC0) != 0x80;
                      }) < 2000);
            }
        }
    }
}
