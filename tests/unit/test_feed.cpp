#include "lib/detect/feed.hpp"

#include "lib/config/config.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>

using namespace shopkit;
using namespace std::chrono;

namespace {

const std::string match = "障害|不具合|つながりにくい";
const std::string clear = "復旧|解消";

TimePoint at(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
    return sys_days(year(y) / mo / d) + hours(h) + minutes(mi) + seconds(s);
}

std::string rss(const std::string& items) {
    return R"(<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>お知らせ</title><link>https://example.jp/</link>)" +
           items + "</channel></rss>";
}

std::string item(const std::string& title, const std::string& date) {
    return "<item><title>" + title + "</title><link>https://example.jp/n</link><pubDate>" + date +
           "</pubDate></item>";
}

std::string atom(const std::string& entries) {
    return R"(<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Status</title><id>urn:x</id>
<updated>2026-06-04T12:00:00+09:00</updated>)" +
           entries + "</feed>";
}

std::string entry(const std::string& title, const std::string& updated) {
    return "<entry><title>" + title +
           R"(</title><link rel="alternate" href="https://example.jp/e"/>)" + "<id>urn:" + updated +
           "</id><updated>" + updated + "</updated></entry>";
}

const TimePoint now = at(2026, 6, 4, 6); // 15:00 JST

} // namespace

TEST_CASE("feed: RSS 2.0 entries with Japanese titles and RFC 822 dates") {
    const std::string body =
        rss(item("【障害】決済がつながりにくい状況について", "Thu, 04 Jun 2026 12:00:00 +0900") +
            item("新商品のお知らせ", "Wed, 03 Jun 2026 10:00:00 GMT"));
    const auto entries = parse_feed(body);
    REQUIRE(entries);
    REQUIRE(entries->size() == 2);
    CHECK((*entries)[0].title == "【障害】決済がつながりにくい状況について");
    CHECK((*entries)[0].link == "https://example.jp/n");
    REQUIRE((*entries)[0].time);
    CHECK(*(*entries)[0].time == at(2026, 6, 4, 3));
    CHECK(*(*entries)[1].time == at(2026, 6, 3, 10));

    const auto v = judge_feed(body, match, clear, std::nullopt, now);
    CHECK(v.parsed);
    CHECK(v.problem);
    CHECK(v.detail == "【障害】決済がつながりにくい状況について");
}

TEST_CASE("feed: Atom entries with RFC 3339 dates") {
    const std::string body = atom(entry("Checkout 不具合のお知らせ", "2026-06-04T11:00:00+09:00") +
                                  entry("メンテナンス予定", "2026-06-01T00:00:00Z"));
    const auto entries = parse_feed(body);
    REQUIRE(entries);
    REQUIRE(entries->size() == 2);
    CHECK((*entries)[0].link == "https://example.jp/e");
    REQUIRE((*entries)[0].time);
    CHECK(*(*entries)[0].time == at(2026, 6, 4, 2));

    const auto v = judge_feed(body, match, clear, std::nullopt, now);
    CHECK(v.parsed);
    CHECK(v.problem);
    CHECK(v.detail == "Checkout 不具合のお知らせ");
}

TEST_CASE("feed: a clearing entry after the problem ends it") {
    const std::string body =
        rss(item("【復旧】決済障害は復旧しました", "Thu, 04 Jun 2026 13:00:00 +0900") +
            item("【障害】決済障害が発生しています", "Thu, 04 Jun 2026 12:00:00 +0900"));
    const auto v = judge_feed(body, match, clear, std::nullopt, now);
    CHECK(v.parsed);
    CHECK_FALSE(v.problem);
    CHECK(v.detail == "【復旧】決済障害は復旧しました");
}

TEST_CASE("feed: a problem after an earlier recovery is a problem again") {
    const std::string body = atom(entry("ログインできない障害が発生", "2026-06-04T14:00:00+09:00") +
                                  entry("障害は解消しました", "2026-06-03T14:00:00+09:00") +
                                  entry("障害が発生", "2026-06-03T12:00:00+09:00"));
    const auto v = judge_feed(body, match, clear, std::nullopt, now);
    CHECK(v.problem);
    CHECK(v.detail == "ログインできない障害が発生");
}

TEST_CASE("feed: dates decide when the feed lists oldest first") {
    const std::string body = rss(item("障害発生", "Thu, 04 Jun 2026 01:00:00 GMT") +
                                 item("復旧しました", "Thu, 04 Jun 2026 02:00:00 GMT"));
    CHECK_FALSE(judge_feed(body, match, clear, std::nullopt, now).problem);
    const std::string reversed = rss(item("復旧しました", "Thu, 04 Jun 2026 01:00:00 GMT") +
                                     item("障害発生", "Thu, 04 Jun 2026 02:00:00 GMT"));
    CHECK(judge_feed(reversed, match, clear, std::nullopt, now).problem);
}

TEST_CASE("feed: undated entries count in document order") {
    const std::string body = R"(<rss><channel>
        <item><title>障害が発生しています</title></item>
        <item><title>復旧しました</title></item></channel></rss>)";
    const auto v = judge_feed(body, match, clear, std::nullopt, now);
    CHECK(v.problem);
    CHECK(v.detail == "障害が発生しています");
}

TEST_CASE("feed: entries older than max_age are ignored") {
    const std::string body = rss(item("障害が発生", "Mon, 01 Jun 2026 12:00:00 +0900") +
                                 item("新商品", "Thu, 04 Jun 2026 12:00:00 +0900"));
    CHECK(judge_feed(body, match, clear, std::nullopt, now).problem);
    const auto v = judge_feed(body, match, clear, Millis(hours(24)), now);
    CHECK(v.parsed);
    CHECK_FALSE(v.problem);
    CHECK(v.detail.empty());
}

TEST_CASE("feed: nothing relevant is no problem") {
    const auto v = judge_feed(rss(item("夏のセール開始", "Thu, 04 Jun 2026 12:00:00 +0900")), match,
                              clear, std::nullopt, now);
    CHECK(v.parsed);
    CHECK_FALSE(v.problem);
    const auto empty = judge_feed(rss(""), match, clear, std::nullopt, now);
    CHECK(empty.parsed);
    CHECK_FALSE(empty.problem);
}

TEST_CASE("feed: CDATA titles, prefixed Atom and RSS 1.0") {
    const std::string cdata =
        rss("<item><title><![CDATA[ <b>障害</b>のお知らせ ]]></title></item>");
    auto entries = parse_feed(cdata);
    REQUIRE(entries);
    REQUIRE(entries->size() == 1);
    CHECK((*entries)[0].title == "<b>障害</b>のお知らせ");

    const std::string prefixed = R"(<a:feed xmlns:a="http://www.w3.org/2005/Atom">
        <a:entry><a:title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">決済 <b>障害</b></div></a:title>
        <a:published>2026-06-04T01:00:00Z</a:published></a:entry></a:feed>)";
    entries = parse_feed(prefixed);
    REQUIRE(entries);
    REQUIRE(entries->size() == 1);
    CHECK((*entries)[0].title == "決済 障害");
    CHECK((*entries)[0].time == at(2026, 6, 4, 1));

    const std::string rdf = R"(<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
        xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
        <channel><title>x</title></channel>
        <item><title>障害のお知らせ</title><link>https://e.jp/1</link><dc:date>2026-06-04T10:00:00+09:00</dc:date></item>
        </rdf:RDF>)";
    entries = parse_feed(rdf);
    REQUIRE(entries);
    REQUIRE(entries->size() == 1);
    CHECK((*entries)[0].time == at(2026, 6, 4, 1));
}

TEST_CASE("feed: not a feed") {
    std::string why;
    CHECK_FALSE(parse_feed("<html><body>hello</body></html>", &why));
    CHECK(why.find("<html>") != std::string::npos);
    CHECK_FALSE(parse_feed("{\"status\":1}", &why));
    CHECK(why.find("not XML") != std::string::npos);
    CHECK_FALSE(parse_feed("", &why));
    CHECK_FALSE(parse_feed("<rss version=\"2.0\"></rss>", &why));

    const auto v = judge_feed("<html/>", match, clear, std::nullopt, now);
    CHECK_FALSE(v.parsed);
    CHECK_FALSE(v.problem);
    CHECK_FALSE(v.detail.empty());
}

TEST_CASE("feed: external entities are not expanded") {
    const std::string body = R"(<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss><channel><item><title>障害 &x;</title></item></channel></rss>)";
    std::string why;
    const auto entries = parse_feed(body, &why);
    if (entries) {
        REQUIRE(entries->size() == 1);
        CHECK((*entries)[0].title.find("root:") == std::string::npos);
    }
}

TEST_CASE("feed: a bad pattern is reported, not thrown") {
    const auto v = judge_feed(rss(item("障害", "")), "(", clear, std::nullopt, now);
    CHECK_FALSE(v.parsed);
    CHECK(v.detail.find("bad pattern") != std::string::npos);
}

TEST_CASE("feed: RFC 822 dates") {
    CHECK(parse_rfc822("Thu, 04 Jun 2026 12:00:00 +0900") == at(2026, 6, 4, 3));
    CHECK(parse_rfc822("4 Jun 2026 12:00:00 GMT") == at(2026, 6, 4, 12));
    CHECK(parse_rfc822("Thu, 04 Jun 2026 12:00 JST") == at(2026, 6, 4, 3));
    CHECK(parse_rfc822("Thu, 04 Jun 26 12:00:00 -0500") == at(2026, 6, 4, 17));
    CHECK(parse_rfc822("Thu, 04 Jun 2026 12:00:00 EDT") == at(2026, 6, 4, 16));
    CHECK(parse_rfc822("Thu,  4 June 2026 12:00:00 +0000") == at(2026, 6, 4, 12));
    CHECK(parse_rfc822("Thu, 04 Jun 2026 12:00:00") == at(2026, 6, 4, 12));
    CHECK_FALSE(parse_rfc822(""));
    CHECK_FALSE(parse_rfc822("2026-06-04T12:00:00Z"));
    CHECK_FALSE(parse_rfc822("Thu, 31 Jun 2026 12:00:00 GMT"));
    CHECK_FALSE(parse_rfc822("Thu, 04 Jux 2026 12:00:00 GMT"));
    CHECK_FALSE(parse_rfc822("Thu, 04 Jun 2026 25:00:00 GMT"));
    CHECK_FALSE(parse_rfc822("Thu, 04 Jun 9999 12:00:00 GMT")); // beyond a TimePoint
    CHECK_FALSE(parse_rfc822("Thu, 04 Jun 2026 12:00:00 +09"));
    CHECK_FALSE(parse_rfc822("Thu, 04 Jun 2026 12:00:00 XYZ"));
}

TEST_CASE("feed: the default patterns match English notices in any case") {
    const CheckConfig defaults;
    const TimePoint now = at(2026, 6, 4, 4);
    const auto outage =
        rss(item("Major Outage: checkout unavailable", "Thu, 04 Jun 2026 12:00:00 +0900"));
    CHECK(judge_feed(outage, defaults.match, defaults.clear, std::nullopt, now).problem);
    const auto fixed =
        rss(item("RESOLVED: checkout is back", "Thu, 04 Jun 2026 12:40:00 +0900") +
            item("Major Outage: checkout unavailable", "Thu, 04 Jun 2026 12:00:00 +0900"));
    CHECK_FALSE(judge_feed(fixed, defaults.match, defaults.clear, std::nullopt, now).problem);
}
