#include "lib/core/clock.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

using namespace shopkit;
using shopkit::test::at;

TEST_CASE("clock: RFC 3339 in UTC and in the shop's zone") {
    const TimePoint t = at("2026-06-04T03:00:03Z");
    CHECK(format_utc(t) == "2026-06-04T03:00:03Z");
    CHECK(format_local(t, "Asia/Tokyo") == "2026-06-04T12:00:03+09:00");
    CHECK(format_local(t, "") == "2026-06-04T03:00:03Z");
    CHECK(format_local(t, "No/Such_Zone") == "2026-06-04T03:00:03Z");
}

TEST_CASE("clock: repeated formatting of one time does not mix up zones or times") {
    const TimePoint t = at("2026-06-04T03:00:03Z");
    CHECK(format_local(t, "Asia/Tokyo") == "2026-06-04T12:00:03+09:00");
    CHECK(format_local(t, "America/New_York") == "2026-06-03T23:00:03-04:00");
    CHECK(format_local(t, "Asia/Tokyo") == "2026-06-04T12:00:03+09:00");
    CHECK(format_local(t + std::chrono::seconds(1), "Asia/Tokyo") == "2026-06-04T12:00:04+09:00");
    // Winter time in New York: the offset follows the date, not a cached answer.
    CHECK(format_local(at("2026-01-04T03:00:03Z"), "America/New_York") ==
          "2026-01-03T22:00:03-05:00");
}

TEST_CASE("clock: parse_rfc3339 takes Z and offsets and refuses the rest") {
    CHECK(parse_rfc3339("2026-06-04T12:00:03+09:00") == at("2026-06-04T03:00:03Z"));
    CHECK(parse_rfc3339("2026-06-04t03:00:03.250z") == at("2026-06-04T03:00:03Z"));
    CHECK_FALSE(parse_rfc3339("2026-06-04T03:00:03"));  // no offset
    CHECK_FALSE(parse_rfc3339("2026-02-30T03:00:03Z")); // no such day
    CHECK_FALSE(parse_rfc3339("2026-06-04T03:00:03Z junk"));
    CHECK_FALSE(parse_rfc3339(""));
}

TEST_CASE("clock: a year a TimePoint cannot hold is refused, not overflowed") {
    // 64-bit nanoseconds reach from 1677 to 2262.
    CHECK(parse_rfc3339("2261-12-30T00:00:00Z"));
    CHECK(parse_rfc3339("1678-01-02T00:00:00Z"));
    CHECK_FALSE(parse_rfc3339("4410-06-04T12:00:03+09:00"));
    CHECK_FALSE(parse_rfc3339("9999-12-31T23:59:59Z"));
    CHECK_FALSE(parse_rfc3339("0001-01-01T00:00:00Z"));
    CHECK_FALSE(utc_civil(8349, 12, 26, 0, 0, 0));
    CHECK_FALSE(local_civil("Asia/Tokyo", 1000, 1, 1, 0, 0, 0));
}

TEST_CASE("clock: known_time_zone looks in the tz database") {
    CHECK(known_time_zone("Asia/Tokyo"));
    CHECK(known_time_zone("UTC"));
    CHECK_FALSE(known_time_zone("Asia/Atlantis"));
    CHECK_FALSE(known_time_zone("../etc/passwd"));
}

TEST_CASE("clock: local_civil reads a civil date-time in a zone") {
    CHECK(local_civil("Asia/Tokyo", 2026, 2, 1, 0, 0, 0) == at("2026-01-31T15:00:00Z"));
    CHECK(local_civil("", 2028, 2, 29, 12, 0, 0) == at("2028-02-29T12:00:00Z"));
    CHECK(local_civil("No/Such_Zone", 2026, 6, 4, 12, 0, 0) == at("2026-06-04T12:00:00Z"));
    CHECK_FALSE(local_civil("Asia/Tokyo", 2026, 2, 29, 0, 0, 0));
    CHECK_FALSE(local_civil("Asia/Tokyo", 2026, 6, 4, 24, 0, 0));
    // New York skips 02:00-03:00 on 2026-03-08: 02:30 is the change itself (07:00Z).
    CHECK(local_civil("America/New_York", 2026, 3, 8, 2, 30, 0) == at("2026-03-08T07:00:00Z"));
    CHECK(local_civil("America/New_York", 2026, 3, 8, 3, 30, 0) == at("2026-03-08T07:30:00Z"));
    // It repeats 01:00-02:00 on 2026-11-01: 01:30 is the first one, still EDT.
    CHECK(local_civil("America/New_York", 2026, 11, 1, 1, 30, 0) == at("2026-11-01T05:30:00Z"));
}
