#include "lib/report/loss.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace shopkit;
using namespace shopkit::report;
using shopkit::test::at;

namespace {

// Hour h sells 600 x (h + 1) an hour: 10 x (h + 1) a minute, so hour 0 is 10 a
// minute, hour 19 is 200, hour 20 is 210, hour 23 is 240.
LossInputs inputs(const std::string& tz) {
    std::vector<double> hourly;
    for (int h = 0; h < 24; ++h)
        hourly.push_back(600.0 * (h + 1));
    LossInputs in;
    in.baseline = baseline_from_hourly(hourly);
    in.timezone = tz;
    return in;
}

SalesEvent super_sale() {
    return {"楽天スーパーSALE", at("2026-12-04T20:00:00+09:00"), at("2026-12-11T01:59:00+09:00"),
            4.0};
}

} // namespace

TEST_CASE("loss: the hour of the week is read in the shop's zone") {
    // 2026-06-01 is a Monday.
    CHECK(hour_of_week(at("2026-06-01T00:00:00+09:00"), "Asia/Tokyo") == 0);
    // The same instant is Sunday 15:00 in UTC: 6 x 24 + 15.
    CHECK(hour_of_week(at("2026-06-01T00:00:00+09:00"), "") == 159);
    CHECK(hour_of_week(at("2026-06-07T23:59:59+09:00"), "Asia/Tokyo") == 167);
    // Not 24 values: nothing expected.
    CHECK(baseline_from_hourly({1, 2, 3}).per_hour[0] == 0);
    const Baseline daily = baseline_from_hourly(std::vector<double>(24, 5));
    CHECK(daily.per_hour[167] == 5);
}

TEST_CASE("loss: an incident spanning midnight, in Tokyo and in UTC") {
    const TimePoint from = at("2026-06-04T23:30:00+09:00");
    const TimePoint to = at("2026-06-05T00:45:00+09:00");
    // Tokyo: 23:30-24:00 is 30 min of hour 23 (240 a minute) = 7200, and
    // 00:00-00:45 is 45 min of hour 0 (10 a minute) = 450: 7650.
    const LossEstimate tokyo =
        estimate_loss(inputs("Asia/Tokyo"), from, to, Severity::critical, std::nullopt);
    CHECK(tokyo.minutes == Approx(75));
    CHECK(tokyo.base_revenue == Approx(7650));
    CHECK(tokyo.expected_revenue == Approx(7650));
    CHECK(tokyo.multiplied_minutes == 0);
    CHECK(tokyo.events.empty());
    CHECK(tokyo.blocked_share == 1.0);
    CHECK(tokyo.blocked_revenue == Approx(7650));
    CHECK(tokyo.told_minutes == 0);
    CHECK(tokyo.recaptured_amount == 0);
    CHECK(tokyo.lost == Approx(7650));
    // UTC: the same instants are 14:30-15:45: 30 min x 150 + 45 min x 160 = 11700.
    const LossEstimate utc = estimate_loss(inputs(""), from, to, Severity::critical, std::nullopt);
    CHECK(utc.base_revenue == Approx(11700));
    CHECK(utc.lost == Approx(11700));
}

TEST_CASE("loss: an incident crossing a sale's start, told halfway, some recaptured") {
    LossInputs in = inputs("Asia/Tokyo");
    in.events = {super_sale()};
    in.recaptured = 0.3;
    // Friday 2026-12-04 19:30-20:30 JST, major; customers told at 20:10.
    const LossEstimate e =
        estimate_loss(in, at("2026-12-04T19:30:00+09:00"), at("2026-12-04T20:30:00+09:00"),
                      Severity::major, at("2026-12-04T20:10:00+09:00"));
    // 19:30-20:00: 30 min x 200 = 6000, no sale.
    // 20:00-20:30: 30 min x 210 = 6300, x 4 in the sale = 25200.
    CHECK(e.minutes == Approx(60));
    CHECK(e.base_revenue == Approx(12300));
    CHECK(e.multiplied_minutes == Approx(30));
    CHECK(e.expected_revenue == Approx(31200));
    REQUIRE(e.events.size() == 1);
    CHECK(e.events[0].name == "楽天スーパーSALE");
    CHECK(e.events[0].multiplier == 4.0);
    CHECK(e.events[0].minutes == Approx(30));
    CHECK(e.events[0].base_revenue == Approx(6300));
    // major blocks half: 15600.
    CHECK(e.blocked_share == 0.5);
    CHECK(e.blocked_revenue == Approx(15600));
    // Told at 20:10: 20 min x 210 x 4 x 0.5 = 8400 blocked after, 0.3 of it = 2520.
    CHECK(e.told_minutes == Approx(20));
    CHECK(e.recaptured_share == 0.3);
    CHECK(e.recaptured_amount == Approx(2520));
    CHECK(e.lost == Approx(13080));
}

TEST_CASE("loss: nothing is recaptured before customers are told, or when they never are") {
    LossInputs in = inputs("Asia/Tokyo");
    in.recaptured = 0.3;
    // 10:00-10:30 JST, minor (0.1 by default): 30 min x 110 = 3300, blocked 330.
    const TimePoint from = at("2026-06-04T10:00:00+09:00");
    const TimePoint to = at("2026-06-04T10:30:00+09:00");
    const LossEstimate never = estimate_loss(in, from, to, Severity::minor, std::nullopt);
    CHECK(never.blocked_share == 0.1);
    CHECK(never.blocked_revenue == Approx(330));
    CHECK(never.recaptured_amount == 0);
    CHECK(never.lost == Approx(330));
    // Told after the downtime ended: the same.
    CHECK(estimate_loss(in, from, to, Severity::minor, to).lost == Approx(330));
    // Told before it began: all of it, 0.3 x 330 = 99 back.
    const LossEstimate before =
        estimate_loss(in, from, to, Severity::minor, from - std::chrono::hours(1));
    CHECK(before.told_minutes == Approx(30));
    CHECK(before.recaptured_amount == Approx(99));
    CHECK(before.lost == Approx(231));
    // The shop's own shares.
    in.blocked.minor = 0.2;
    CHECK(estimate_loss(in, from, to, Severity::minor, std::nullopt).lost == Approx(660));
}

TEST_CASE("loss: overlapping sales count the largest multiplier once") {
    LossInputs in = inputs("");
    in.events = {{"week", at("2026-06-04T00:00:00Z"), at("2026-06-11T00:00:00Z"), 2.0},
                 {"flash", at("2026-06-04T10:10:00Z"), at("2026-06-04T10:20:00Z"), 5.0}};
    // 10:00-10:30 UTC, hour 10 = 110 a minute: 10 min x 2 + 10 min x 5 + 10 min x 2
    // = 90 minute-equivalents x 110 = 9900.
    const LossEstimate e = estimate_loss(in, at("2026-06-04T10:00:00Z"), at("2026-06-04T10:30:00Z"),
                                         Severity::critical, std::nullopt);
    CHECK(e.base_revenue == Approx(3300));
    CHECK(e.expected_revenue == Approx(9900));
    CHECK(e.multiplied_minutes == Approx(30));
    REQUIRE(e.events.size() == 2);
    CHECK(e.events[0].name == "week");
    CHECK(e.events[0].minutes == Approx(20));
    CHECK(e.events[1].name == "flash");
    CHECK(e.events[1].minutes == Approx(10));
}

TEST_CASE("loss: fractions of a minute count; an empty span costs nothing") {
    const LossInputs in = inputs("");
    // 30 s of hour 10 (110 a minute) = 55.
    const LossEstimate half =
        estimate_loss(in, at("2026-06-04T10:00:30Z"), at("2026-06-04T10:01:00Z"),
                      Severity::critical, std::nullopt);
    CHECK(half.minutes == Approx(0.5));
    CHECK(half.lost == Approx(55));
    const LossEstimate none = estimate_loss(
        in, at("2026-06-04T10:00:00Z"), at("2026-06-04T09:00:00Z"), Severity::major, std::nullopt);
    CHECK(none.minutes == 0);
    CHECK(none.lost == 0);
    CHECK(none.blocked_share == 0.5);
}

TEST_CASE("loss: a leap day and a week-long baseline") {
    // A baseline only Tuesdays sell in: 2028-02-29 is a Tuesday.
    LossInputs in = inputs("Asia/Tokyo");
    in.baseline = Baseline{};
    for (int h = 0; h < 24; ++h)
        in.baseline.per_hour[static_cast<std::size_t>(24 + h)] = 60; // 1 a minute
    // 2028-02-28 23:00 to 03-01 01:00 JST: only the 24 h of the 29th sell, 1440.
    const LossEstimate e =
        estimate_loss(in, at("2028-02-28T23:00:00+09:00"), at("2028-03-01T01:00:00+09:00"),
                      Severity::critical, std::nullopt);
    CHECK(e.minutes == Approx(26 * 60));
    CHECK(e.lost == Approx(1440));
}
