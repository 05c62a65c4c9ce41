// Availability arithmetic for shopreport: where a check's (or a channel's) time
// went, from its probes, in seconds per bucket, for a period, per local day and
// per month. Pure: no state, no clock; the inputs are plain values that raw
// check history and a daily roll-up can both feed.
//
// The rules, for one check over a period [from, to):
// - A probe's state holds from its time until the next probe, for at most
//   `max_gap`; the rest of a longer gap is "no data" (cron not running), and so
//   is the time after the last probe beyond `max_gap`. Pass the last probe
//   before `from` too, so that the period's first seconds are known.
// - Time before the check's first probe is not counted at all (a check added
//   mid-period counts from its first probe).
// - Time inside a maintenance window counts as maintenance, whatever the probes
//   said (or did not say).
// - Every time is taken to the whole second (floored), so a period split into
//   days sums to exactly the period.
// Available time is up + degraded (a slow shop still sells); down is not. The
// availability is (up + degraded) / (up + degraded + down): maintenance,
// unknown (the probe could not judge) and no data are left out of both sides.
#pragma once

#include "lib/config/sales.hpp"
#include "lib/core/clock.hpp"
#include "lib/model/check_state.hpp"

#include <chrono>
#include <compare>
#include <optional>
#include <string>
#include <vector>

namespace shopkit::report {

// One probe of one check: when, and what it found.
struct Probe {
    TimePoint time;
    State state = State::unknown;
};

// A half-open span of time [from, to).
struct Span {
    TimePoint from;
    TimePoint to;
    bool operator==(const Span&) const = default;
};

// Where a second of a check's (or channel's) time went.
enum class Bucket { up, degraded, down, unknown, maintenance, no_data };

// A stretch of time in one bucket, [from, to), whole seconds.
struct Segment {
    TimePoint from;
    TimePoint to;
    Bucket bucket = Bucket::no_data;
    bool operator==(const Segment&) const = default;
};

// Seconds in each bucket. Time not counted (before a first probe) is in none.
struct Buckets {
    std::chrono::seconds up{0};
    std::chrono::seconds degraded{0};
    std::chrono::seconds down{0};
    std::chrono::seconds unknown{0};
    std::chrono::seconds maintenance{0};
    std::chrono::seconds no_data{0};

    // Adds `d` to `bucket`.
    void add(Bucket bucket, std::chrono::seconds d);
    // Adds every bucket of `other`.
    Buckets& operator+=(const Buckets& other);
    // up + degraded: the time customers could buy.
    std::chrono::seconds available() const { return up + degraded; }
    // up + degraded + down: the time availability is a share of.
    std::chrono::seconds observed() const { return up + degraded + down; }
    // Every bucket together: the time counted.
    std::chrono::seconds counted() const;
    // available() / observed(), 0..1; nullopt when nothing was observed.
    std::optional<double> availability() const;
    bool operator==(const Buckets&) const = default;
};

// The maintenance windows that apply to channel `channel`: those for it and those
// for every channel (an empty channel), as spans, in the order given.
std::vector<Span> maintenance_for(const std::string& channel,
                                  const std::vector<MaintenanceConfig>& windows);

// One check's time in [period.from, period.to) as segments in time order, no two
// adjacent ones in the same bucket, by the rules at the top of this file.
// `probes` sorted by time (ties: the later one wins); `max_gap` more than 0;
// `maintenance` in any order, may overlap. Empty when no probe is before `to`.
std::vector<Segment> check_timeline(const std::vector<Probe>& probes, Span period,
                                    std::chrono::seconds max_gap,
                                    const std::vector<Span>& maintenance);

// A channel's time from its checks' timelines (check_timeline, same period): at
// each second, the first of maintenance, down, degraded, up, unknown, no data
// that any counted check is in. So the channel is down exactly in the union of
// its checks' downtimes, and up while any check is up and none is down or
// degraded; time no check counts yet is not counted. To count only critical
// checks, pass only theirs. Per-check day sums cannot give this union, so a
// channel's daily roll-up is made from this timeline (by_day), not from them.
std::vector<Segment> channel_timeline(const std::vector<std::vector<Segment>>& checks);

// The seconds of `timeline` in each bucket.
Buckets total(const std::vector<Segment>& timeline);

// check_timeline, totalled: one check's buckets over `period`.
Buckets check_availability(const std::vector<Probe>& probes, Span period,
                           std::chrono::seconds max_gap, const std::vector<Span>& maintenance);

// A calendar day in the shop's zone.
struct LocalDate {
    int year = 1970;
    int month = 1;
    int day = 1;
    auto operator<=>(const LocalDate&) const = default;
};

// One local day's buckets of one check or channel: a row of the daily roll-up.
struct DayBuckets {
    LocalDate date;
    Buckets buckets;
    bool operator==(const DayBuckets&) const = default;
};

// One month's buckets (the sum of its days).
struct MonthBuckets {
    int year = 1970;
    int month = 1;
    Buckets buckets;
    bool operator==(const MonthBuckets&) const = default;
};

// `timeline` split at local midnights in zone `tz` (clock.hpp's rules for an empty
// or unknown zone): one row per local day that holds counted time, in date order.
// The rows sum to total(timeline).
std::vector<DayBuckets> by_day(const std::vector<Segment>& timeline, const std::string& tz);

// Daily rows (in date order, as by_day gives or a roll-up stores them) summed into
// calendar months, in month order.
std::vector<MonthBuckets> by_month(const std::vector<DayBuckets>& days);

// The sum of the daily rows dated first..last, both included.
Buckets sum_days(const std::vector<DayBuckets>& days, LocalDate first, LocalDate last);

// The instant local day `date` starts in zone `tz` (its first second).
TimePoint start_of_day(LocalDate date, const std::string& tz);

// The date `n` days after `d` (before, for a negative n), by the calendar.
LocalDate add_days(LocalDate d, int n);

// The local date of instant `t` in zone `tz`.
LocalDate local_date(TimePoint t, const std::string& tz);

} // namespace shopkit::report
