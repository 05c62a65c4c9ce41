// The lost-sales estimate of shopreport (issue 9), with the inputs it came
// from so a report can show them beside the number. Pure: no state, no clock.
//
// For a downtime [from, to):
//   expected = sum over its seconds of baseline(hour of the week, shop-local)
//              / 3600 x the multiplier of the sale event running then (1 outside)
//   blocked  = expected x the blocked share of the incident's severity
//   recaptured = the recaptured share x the blocked revenue of the seconds at or
//              after customers were told (nothing when they never were)
//   lost     = blocked - recaptured
// When sale events overlap, the largest multiplier counts. Money is in the
// baseline's unit ([sales] currency), unrounded.
#pragma once

#include "lib/config/sales.hpp"
#include "lib/core/clock.hpp"
#include "lib/model/incident.hpp"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace shopkit::report {

// Expected revenue per hour for each hour of the week in the shop's zone:
// index = day * 24 + hour, day 0 Monday … 6 Sunday, hour 0 … 23.
struct Baseline {
    std::array<double, 168> per_hour{};
};

// The baseline of [sales] hourly: the same 24 values (0:00 first) every day.
// Fewer or more than 24 values give an all-zero baseline.
Baseline baseline_from_hourly(const std::vector<double>& hourly);

// The index into Baseline::per_hour of instant `t` in zone `tz`.
int hour_of_week(TimePoint t, const std::string& tz);

// The share (0..1) of selling an incident of `severity` blocks.
double blocked_share(const BlockedShare& shares, Severity severity);

// What one downtime stood in for, inside one sale event.
struct EventShare {
    std::string name;
    double multiplier = 1.0;
    double minutes = 0;      // downtime minutes inside the event
    double base_revenue = 0; // the baseline of those minutes, before the multiplier
};

// The estimate and its inputs. Minutes are exact (fractions of a minute kept).
struct LossEstimate {
    double minutes = 0;             // the downtime
    double base_revenue = 0;        // the baseline over the downtime, no multiplier
    double multiplied_minutes = 0;  // minutes inside a sale event
    double expected_revenue = 0;    // base_revenue with the events' multipliers
    std::vector<EventShare> events; // the events the downtime touched, by start
    double blocked_share = 0;       // of the severity
    double blocked_revenue = 0;     // expected_revenue x blocked_share
    double told_minutes = 0;        // minutes at or after customers were told
    double recaptured_share = 0;    // [sales] recaptured
    double recaptured_amount = 0;   // credited for told_minutes only
    double lost = 0;                // blocked_revenue - recaptured_amount
};

// What estimate_loss needs besides the downtime.
struct LossInputs {
    Baseline baseline;
    std::vector<SalesEvent> events;
    BlockedShare blocked;
    double recaptured = 0; // 0..1
    std::string timezone;  // the shop's zone; empty = UTC
};

// The estimate for a downtime [from, to) of an incident of `severity`; customers
// were told where else to buy at `told` (nullopt: never). An empty or reversed
// span gives all zeros but the shares.
LossEstimate estimate_loss(const LossInputs& in, TimePoint from, TimePoint to, Severity severity,
                           std::optional<TimePoint> told);

} // namespace shopkit::report
