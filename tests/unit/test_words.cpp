#include "lib/core/words.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

using namespace shopkit;
using shopkit::test::at;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

TEST_CASE("words: durations in whole minutes, rounded down, in both languages") {
    CHECK(words::duration(seconds(0), "ja") == "1分未満");
    CHECK(words::duration(seconds(0), "en") == "under a minute");
    CHECK(words::duration(seconds(59), "ja") == "1分未満");
    CHECK(words::duration(seconds(59), "en") == "under a minute");
    CHECK(words::duration(seconds(-5), "en") == "under a minute");
    CHECK(words::duration(seconds(60), "ja") == "1分");
    CHECK(words::duration(seconds(119), "en") == "1 min");
    CHECK(words::duration(minutes(45), "ja") == "45分");
    CHECK(words::duration(hours(1), "ja") == "1時間");
    CHECK(words::duration(hours(1), "en") == "1 h");
    CHECK(words::duration(hours(1) + minutes(5), "ja") == "1時間5分");
    CHECK(words::duration(hours(1) + minutes(5), "en") == "1 h 5 min");
    CHECK(words::duration(hours(24), "ja") == "1日");
    CHECK(words::duration(hours(24), "en") == "1 day");
    CHECK(words::duration(hours(49) + minutes(3), "ja") == "2日1時間3分");
    CHECK(words::duration(hours(49) + minutes(3), "en") == "2 days 1 h 3 min");
    CHECK(words::duration(hours(48) + minutes(7), "en") == "2 days 7 min");
    // Any language but Japanese is English.
    CHECK(words::duration(hours(1), "fr") == "1 h");
}

TEST_CASE("words: times in the shop's zone") {
    const TimePoint t = at("2026-06-04T03:00:03Z");
    CHECK(words::time(t, "Asia/Tokyo", "ja") == "2026年6月4日 12:00");
    CHECK(words::time(t, "Asia/Tokyo", "en") == "4 June 2026 12:00");
    CHECK(words::time(t, "", "en") == "4 June 2026 03:00");
    CHECK(words::time(t, "No/Such_Zone", "ja") == "2026年6月4日 03:00");
    CHECK(words::time(at("2026-12-31T15:30:00Z"), "Asia/Tokyo", "en") == "1 January 2027 00:30");
    CHECK(words::date(2026, 6, 4, "ja") == "2026年6月4日");
    CHECK(words::short_date(6, 4, "ja") == "6月4日");
    CHECK(words::short_date(12, 25, "en") == "25 December");
}

TEST_CASE("words: time ranges write the end's date only when it differs") {
    const TimePoint from = at("2026-06-04T03:00:00Z");
    CHECK(words::time_range(from, from + minutes(45), "Asia/Tokyo", "ja") ==
          "2026年6月4日 12:00 〜 12:45");
    CHECK(words::time_range(from, from + minutes(45), "Asia/Tokyo", "en") ==
          "4 June 2026 12:00 – 12:45");
    CHECK(words::time_range(from, from + hours(13), "Asia/Tokyo", "en") ==
          "4 June 2026 12:00 – 5 June 2026 01:00");
}

TEST_CASE("words: the zone times are written in") {
    const TimePoint t = at("2026-06-04T03:00:00Z");
    CHECK(words::zone(t, "", "ja") == "UTC");
    CHECK(words::zone(t, "Etc/UTC", "en") == "UTC");
    CHECK(words::zone(t, "Asia/Tokyo", "ja") == "日本時間（UTC+9）");
    CHECK(words::zone(t, "Asia/Tokyo", "en") == "JST (UTC+9)");
    CHECK(words::zone(t, "Asia/Kolkata", "en") == "IST (UTC+5:30)");
    CHECK(words::zone(t, "America/Sao_Paulo", "en") == "UTC-3");
}

TEST_CASE("words: severities as a sentence and as a label") {
    CHECK(words::severity_sentence("minor", "ja") == "一部の機能に遅延・不具合");
    CHECK(words::severity_sentence("major", "en") == "outage");
    CHECK(words::severity_sentence("critical", "en") == "major outage (orders cannot be placed)");
    CHECK(words::severity_sentence("other", "en").empty());
    CHECK(words::severity_label("major", "ja") == "重度");
    CHECK(words::severity_label("critical", "en") == "Critical");
    CHECK(words::severity_label("", "ja").empty());
}

TEST_CASE("words: common check names") {
    CHECK(words::common_check("cart", "ja") == "カート");
    CHECK(words::common_check("cart", "en") == "cart");
    CHECK(words::common_check("checkout", "ja") == "ご注文手続き");
    CHECK(words::common_check("tls", "en") == "TLS certificate");
    CHECK(!words::common_check("warehouse", "ja"));
}
