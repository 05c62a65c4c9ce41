// The variables a notice template sees: the incident in the shop's words and
// zone, and the alternatives (the shop's other channels confirmed up now).
#include "lib/config/config.hpp"
#include "lib/render/notice_context.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

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
