#include "lib/report/availability.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <vector>

using namespace shopkit;
using namespace shopkit::report;
using namespace std::chrono_literals;
using shopkit::test::at;

namespace {

// A probe every `step` in [from, to), each in the state `state_at` gives.
std::vector<Probe> every(TimePoint from, TimePoint to, std::chrono::seconds step,
                         const std::function<State(TimePoint)>& state_at) {
    std::vector<Probe> out;
    for (TimePoint t = from; t < to; t += step)
        out.push_back({t, state_at(t)});
    return out;
}

std::function<State(TimePoint)> down_in(TimePoint from, TimePoint to) {
    return [=](TimePoint t) { return from <= t && t < to ? State::down : State::up; };
}

State always_up(TimePoint) {
    return State::up;
}

Buckets buckets(long up, long degraded, long down, long unknown, long maintenance, long no_data) {
    Buckets b;
    b.up = std::chrono::seconds(up);
    b.degraded = std::chrono::seconds(degraded);
    b.down = std::chrono::seconds(down);
    b.unknown = std::chrono::seconds(unknown);
    b.maintenance = std::chrono::seconds(maintenance);
    b.no_data = std::chrono::seconds(no_data);
    return b;
}

Buckets sum(const std::vector<DayBuckets>& days) {
    Buckets out;
    for (const DayBuckets& d : days)
        out += d.buckets;
    return out;
}

} // namespace

TEST_CASE("availability: a cron gap is no data, not up") {
    // Probes every minute 10:00-10:59, none from 10:21 to 10:40 (cron stopped);
    // down from 10:45 to 10:49, up again at 10:50. max_gap 2 min.
    std::vector<Probe> probes;
    for (const Probe& p : every(at("2026-06-04T10:00:00Z"), at("2026-06-04T11:00:00Z"), 60s,
                                down_in(at("2026-06-04T10:45:00Z"), at("2026-06-04T10:50:00Z"))))
        if (p.time <= at("2026-06-04T10:20:00Z") || p.time >= at("2026-06-04T10:41:00Z"))
            probes.push_back(p);
    const Buckets b = check_availability(
        probes, {at("2026-06-04T10:00:00Z"), at("2026-06-04T11:00:00Z")}, 120s, {});
    // up: 10:00-10:22 (the 10:20 probe holds for max_gap) = 1320 s, and
    //     10:41-10:45 + 10:50-11:00 (the last probe is cut at the period's end) = 840 s.
    // no data: 10:22-10:41 = 1140 s. down: 10:45-10:50 = 300 s.
    CHECK(b == buckets(2160, 0, 300, 0, 0, 1140));
    CHECK(b.counted() == 3600s);
    // 2160 / (2160 + 300)
    CHECK(b.availability().value() == Approx(2160.0 / 2460.0));
}

TEST_CASE("availability: after the last probe, max_gap then no data") {
    const std::vector<Probe> probes = {{at("2026-06-04T10:00:00Z"), State::up}};
    const Buckets b = check_availability(
        probes, {at("2026-06-04T10:00:00Z"), at("2026-06-04T10:10:00Z")}, 300s, {});
    CHECK(b == buckets(300, 0, 0, 0, 0, 300));
}

TEST_CASE("availability: a check added mid-period counts from its first probe") {
    // The period is the whole day; the check's first probe is at 12:00.
    const auto probes =
        every(at("2026-06-04T12:00:00Z"), at("2026-06-05T00:00:00Z"), 60s, always_up);
    const Buckets b = check_availability(
        probes, {at("2026-06-04T00:00:00Z"), at("2026-06-05T00:00:00Z")}, 120s, {});
    // 12 h up, the morning in no bucket at all (not no data, not down).
    CHECK(b == buckets(43200, 0, 0, 0, 0, 0));
    CHECK(b.availability() == 1.0);
    // Nothing before `to`: nothing counted, no availability.
    const Buckets none = check_availability(
        probes, {at("2026-06-03T00:00:00Z"), at("2026-06-04T00:00:00Z")}, 120s, {});
    CHECK(none == Buckets{});
    CHECK_FALSE(none.availability());
}

TEST_CASE("availability: the probe before the period gives the period's first seconds") {
    const std::vector<Probe> probes = {{at("2026-06-04T09:58:00Z"), State::down},
                                       {at("2026-06-04T10:01:00Z"), State::up}};
    const Buckets b = check_availability(
        probes, {at("2026-06-04T10:00:00Z"), at("2026-06-04T10:02:00Z")}, 300s, {});
    CHECK(b == buckets(60, 0, 60, 0, 0, 0)); // 10:00-10:01 down, 10:01-10:02 up
    // In any order, and sub-second times count from their whole second.
    const std::vector<Probe> shuffled = {{at("2026-06-04T10:01:00.900Z"), State::up},
                                         {at("2026-06-04T09:58:00Z"), State::down}};
    CHECK(check_availability(shuffled, {at("2026-06-04T10:00:00Z"), at("2026-06-04T10:02:00Z")},
                             300s, {}) == b);
}

TEST_CASE("availability: maintenance is its own bucket and out of the share") {
    // 00:00-02:00; the shop shows a maintenance page 00:30-01:30, so probes fail
    // then. Degraded 00:05-00:10, unknown at 01:40, down at 01:45.
    const auto probes =
        every(at("2026-06-04T00:00:00Z"), at("2026-06-04T02:00:00Z"), 60s, [](TimePoint t) {
            if (t >= at("2026-06-04T00:30:00Z") && t < at("2026-06-04T01:30:00Z"))
                return State::down;
            if (t >= at("2026-06-04T00:05:00Z") && t < at("2026-06-04T00:10:00Z"))
                return State::degraded;
            if (t == at("2026-06-04T01:40:00Z"))
                return State::unknown;
            if (t == at("2026-06-04T01:45:00Z"))
                return State::down;
            return State::up;
        });
    const std::vector<MaintenanceConfig> windows = {
        {"own", at("2026-06-04T00:30:00Z"), at("2026-06-04T01:30:00Z"), "upgrade"},
        {"mall", at("2026-06-04T00:00:00Z"), at("2026-06-04T00:10:00Z"), "not ours"},
        {"", at("2026-06-04T01:50:00Z"), at("2026-06-04T02:10:00Z"), "every channel"}};
    const auto mine = maintenance_for("own", windows);
    REQUIRE(mine.size() == 2);
    const Buckets b = check_availability(
        probes, {at("2026-06-04T00:00:00Z"), at("2026-06-04T02:00:00Z")}, 120s, mine);
    // maintenance: 00:30-01:30 (3600) + 01:50-02:00 (600, the rest is past the period) = 4200
    // degraded 300, unknown 60, down 60 (01:45 only; the maintenance downs do not count)
    // up: 7200 - 4200 - 300 - 60 - 60 = 2580
    CHECK(b == buckets(2580, 300, 60, 60, 4200, 0));
    // (2580 + 300) / (2580 + 300 + 60) = 2880 / 2940
    CHECK(b.availability().value() == Approx(2880.0 / 2940.0));
    // Overlapping windows count once.
    auto twice = mine;
    twice.push_back({at("2026-06-04T01:00:00Z"), at("2026-06-04T01:40:00Z")});
    CHECK(check_availability(probes, {at("2026-06-04T00:00:00Z"), at("2026-06-04T02:00:00Z")}, 120s,
                             twice)
              .maintenance == 4200s + 600s); // 00:30-01:40 and 01:50-02:00
}

TEST_CASE("availability: an incident spanning midnight splits into the shop's days") {
    // Tokyo 2026-06-04 22:00 to 06-05 02:00; down 23:30-00:45 local.
    const auto probes =
        every(at("2026-06-04T22:00:00+09:00"), at("2026-06-05T02:00:00+09:00"), 60s,
              down_in(at("2026-06-04T23:30:00+09:00"), at("2026-06-05T00:45:00+09:00")));
    const auto timeline = check_timeline(
        probes, {at("2026-06-04T22:00:00+09:00"), at("2026-06-05T02:00:00+09:00")}, 120s, {});
    REQUIRE(timeline.size() == 3); // up, down, up: adjacent probes merged
    CHECK(timeline[1].from == at("2026-06-04T23:30:00+09:00"));
    CHECK(timeline[1].to == at("2026-06-05T00:45:00+09:00"));
    CHECK(timeline[1].bucket == Bucket::down);

    const auto tokyo = by_day(timeline, "Asia/Tokyo");
    REQUIRE(tokyo.size() == 2);
    // June 4: 22:00-23:30 up (5400), 23:30-24:00 down (1800)
    CHECK(tokyo[0] == DayBuckets{{2026, 6, 4}, buckets(5400, 0, 1800, 0, 0, 0)});
    // June 5: 00:00-00:45 down (2700), 00:45-02:00 up (4500)
    CHECK(tokyo[1] == DayBuckets{{2026, 6, 5}, buckets(4500, 0, 2700, 0, 0, 0)});
    // In UTC the same hours are 13:00-17:00 on June 4: one day.
    const auto utc = by_day(timeline, "");
    REQUIRE(utc.size() == 1);
    CHECK(utc[0] == DayBuckets{{2026, 6, 4}, buckets(9900, 0, 4500, 0, 0, 0)});
    CHECK(sum(tokyo) == total(timeline));
    CHECK(sum(utc) == total(timeline));
}

TEST_CASE("availability: Asia/Tokyo and UTC disagree at a month's end") {
    // 2026-01-31T16:00Z is February 1, 01:00 in Tokyo.
    CHECK(local_date(at("2026-01-31T16:00:00Z"), "Asia/Tokyo") == LocalDate{2026, 2, 1});
    CHECK(local_date(at("2026-01-31T16:00:00Z"), "") == LocalDate{2026, 1, 31});
    CHECK(start_of_day({2026, 2, 1}, "Asia/Tokyo") == at("2026-01-31T15:00:00Z"));
    // Probes 14:00Z-17:00Z, all up but the one at 16:00Z (down for its minute).
    const auto probes =
        every(at("2026-01-31T14:00:00Z"), at("2026-01-31T17:00:00Z"), 60s, [](TimePoint t) {
            return t == at("2026-01-31T16:00:00Z") ? State::down : State::up;
        });
    const auto timeline =
        check_timeline(probes, {at("2026-01-31T14:00:00Z"), at("2026-01-31T17:00:00Z")}, 120s, {});
    const auto tokyo = by_month(by_day(timeline, "Asia/Tokyo"));
    REQUIRE(tokyo.size() == 2);
    // January: 14:00Z-15:00Z is Jan 31 23:00-24:00 JST, 3600 up.
    CHECK(tokyo[0] == MonthBuckets{2026, 1, buckets(3600, 0, 0, 0, 0, 0)});
    // February: 15:00Z-17:00Z is Feb 1 00:00-02:00 JST, the down minute and 7140 up.
    CHECK(tokyo[1] == MonthBuckets{2026, 2, buckets(7140, 0, 60, 0, 0, 0)});
    // In UTC all three hours are January 31.
    const auto utc = by_month(by_day(timeline, "UTC"));
    REQUIRE(utc.size() == 1);
    CHECK(utc[0] == MonthBuckets{2026, 1, buckets(10740, 0, 60, 0, 0, 0)});
}

TEST_CASE("availability: a leap day is a day of its own") {
    // Hourly probes 2028-02-28T12:00Z to 03-01T12:00Z, max_gap a little over
    // an hour; down at 02-29 10:00Z and 11:00Z, so down 10:00-12:00.
    const auto probes = every(at("2028-02-28T12:00:00Z"), at("2028-03-01T12:00:00Z"), 3600s,
                              down_in(at("2028-02-29T10:00:00Z"), at("2028-02-29T12:00:00Z")));
    const auto timeline =
        check_timeline(probes, {at("2028-02-28T12:00:00Z"), at("2028-03-01T12:00:00Z")}, 3700s, {});
    const auto utc = by_day(timeline, "");
    REQUIRE(utc.size() == 3);
    CHECK(utc[0] == DayBuckets{{2028, 2, 28}, buckets(43200, 0, 0, 0, 0, 0)});
    CHECK(utc[1] == DayBuckets{{2028, 2, 29}, buckets(79200, 0, 7200, 0, 0, 0)});
    CHECK(utc[2] == DayBuckets{{2028, 3, 1}, buckets(43200, 0, 0, 0, 0, 0)});
    const auto months = by_month(utc);
    REQUIRE(months.size() == 2);
    CHECK(months[0] == MonthBuckets{2028, 2, buckets(122400, 0, 7200, 0, 0, 0)});
    CHECK(months[1] == MonthBuckets{2028, 3, buckets(43200, 0, 0, 0, 0, 0)});
    // In Tokyo the span is 02-28 21:00 to 03-01 21:00: 3 h, 24 h, 21 h.
    const auto tokyo = by_day(timeline, "Asia/Tokyo");
    REQUIRE(tokyo.size() == 3);
    CHECK(tokyo[0] == DayBuckets{{2028, 2, 28}, buckets(10800, 0, 0, 0, 0, 0)});
    CHECK(tokyo[1] == DayBuckets{{2028, 2, 29}, buckets(79200, 0, 7200, 0, 0, 0)});
    CHECK(tokyo[2] == DayBuckets{{2028, 3, 1}, buckets(75600, 0, 0, 0, 0, 0)});
    CHECK(sum_days(tokyo, {2028, 2, 29}, {2028, 3, 31}) ==
          buckets(79200 + 75600, 0, 7200, 0, 0, 0));
}

TEST_CASE("availability: days of 23 and 25 hours where clocks change") {
    const auto up = [](const char* from, const char* to) {
        return std::vector<Segment>{{at(from), at(to), Bucket::up}};
    };
    // New York springs forward on 2026-03-08 and falls back on 2026-11-01.
    const auto spring =
        by_day(up("2026-03-07T00:00:00-05:00", "2026-03-10T00:00:00-04:00"), "America/New_York");
    REQUIRE(spring.size() == 3);
    CHECK(spring[0].buckets.up == 24h);
    CHECK(spring[1] == DayBuckets{{2026, 3, 8}, buckets(23 * 3600, 0, 0, 0, 0, 0)});
    CHECK(spring[2].buckets.up == 24h);
    const auto autumn =
        by_day(up("2026-10-31T00:00:00-04:00", "2026-11-02T00:00:00-05:00"), "America/New_York");
    REQUIRE(autumn.size() == 2);
    CHECK(autumn[0].buckets.up == 24h);
    CHECK(autumn[1] == DayBuckets{{2026, 11, 1}, buckets(25 * 3600, 0, 0, 0, 0, 0)});
}

TEST_CASE("availability: days sum to the period, months to the days, months computed directly") {
    // Three months of probes every 5 minutes in a made-up pattern of states and
    // cron gaps, with a maintenance window across a month's end in Tokyo.
    const TimePoint from = at("2026-01-01T00:00:00+09:00");
    const TimePoint to = at("2026-04-01T00:00:00+09:00");
    std::vector<Probe> probes;
    unsigned seed = 12345;
    for (TimePoint t = from + 7min; t < to; t += 5min) {
        seed = seed * 1103515245u + 12345u;
        const unsigned r = (seed >> 16) % 100;
        if (r < 3)
            t += 40min; // cron gap
        const State s = r < 80   ? State::up
                        : r < 88 ? State::degraded
                        : r < 97 ? State::down
                                 : State::unknown;
        probes.push_back({t + std::chrono::seconds(r), s});
    }
    const std::vector<Span> maintenance = {
        {at("2026-01-31T22:00:00+09:00"), at("2026-02-01T03:00:00+09:00")}};
    const auto timeline = check_timeline(probes, {from, to}, 600s, maintenance);
    const Buckets whole = total(timeline);
    CHECK(whole.maintenance == 5h);
    // Counted from the first probe's whole second to the end.
    CHECK(whole.counted() == std::chrono::duration_cast<std::chrono::seconds>(
                                 to - std::chrono::floor<std::chrono::seconds>(probes[0].time)));
    const auto days = by_day(timeline, "Asia/Tokyo");
    CHECK(days.size() == 31 + 28 + 31);
    CHECK(sum(days) == whole);
    const auto months = by_month(days);
    REQUIRE(months.size() == 3);
    Buckets of_months;
    for (const MonthBuckets& m : months)
        of_months += m.buckets;
    CHECK(of_months == whole);
    // February on its own, from the same probes: the same row.
    const Buckets february = check_availability(
        probes,
        {start_of_day({2026, 2, 1}, "Asia/Tokyo"), start_of_day({2026, 3, 1}, "Asia/Tokyo")}, 600s,
        maintenance);
    CHECK(months[1] == MonthBuckets{2026, 2, february});
    CHECK(sum_days(days, {2026, 2, 1}, {2026, 2, 28}) == february);
    CHECK(february.counted() == 28 * 24h);
}

TEST_CASE("availability: a channel is down whenever any of its checks is") {
    const TimePoint t0 = at("2026-06-04T00:00:00Z");
    const auto s = [&](int from, int to, Bucket b) {
        return Segment{t0 + std::chrono::seconds(from), t0 + std::chrono::seconds(to), b};
    };
    const std::vector<Segment> cart = {s(0, 600, Bucket::up), s(600, 1200, Bucket::down),
                                       s(1200, 1800, Bucket::up)};
    // Added at 300; down 900-1500; degraded, then no data.
    const std::vector<Segment> top = {s(300, 900, Bucket::up), s(900, 1500, Bucket::down),
                                      s(1500, 1700, Bucket::degraded),
                                      s(1700, 1800, Bucket::no_data)};
    const auto channel = channel_timeline({cart, top});
    // 0-600 up, 600-1500 down (600-1200 ∪ 900-1500), 1500-1700 degraded,
    // 1700-1800 up (cart up outranks top's no data).
    REQUIRE(channel.size() == 4);
    CHECK(channel[0].from == t0);
    CHECK(channel[1].from == t0 + 600s);
    CHECK(channel[1].to == t0 + 1500s);
    CHECK(channel[1].bucket == Bucket::down);
    CHECK(total(channel) == buckets(700, 200, 900, 0, 0, 0));
    // Maintenance outranks everything; an empty channel counts nothing.
    const std::vector<Segment> in_maintenance = {s(1000, 1100, Bucket::maintenance)};
    CHECK(total(channel_timeline({cart, top, in_maintenance})) ==
          buckets(700, 200, 800, 0, 100, 0));
    CHECK(channel_timeline({}).empty());
    CHECK(channel_timeline({{s(0, 60, Bucket::no_data)}, {s(30, 90, Bucket::unknown)}}) ==
          std::vector<Segment>{s(0, 30, Bucket::no_data), s(30, 90, Bucket::unknown)});
}
