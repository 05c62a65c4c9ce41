// Fills a Report (report.hpp) from the configuration and the state: the
// incidents and their notices and steps, availability from the daily roll-up
// (and the raw history for a day the period cuts), and the lost-sales estimate.
// Reads only; never writes to the state.
#pragma once

#include "lib/config/config.hpp"
#include "lib/core/clock.hpp"
#include "lib/report/orders_csv.hpp"
#include "lib/report/report.hpp"
#include "lib/state/state.hpp"

#include <optional>
#include <string>
#include <vector>

namespace shopkit::report {

// What the command line says of the period, as given.
struct PeriodArgs {
    std::optional<std::string> since; // YYYY-MM-DD (local, from its start) or RFC 3339
    std::optional<std::string> until; // YYYY-MM-DD (local, to its end) or RFC 3339
    std::optional<std::string> month; // YYYY-MM or "last" (the month before now's)
};

// The period [from, to) the arguments name, in the shop's zone `tz`. Without any:
// the 30 local days that end today, up to `now`; --since alone runs to `now`;
// --until alone starts 30 days before it. Throws usage_error (64) naming the
// argument for a date that cannot be read, --month with --since/--until, or a
// period that ends before it starts.
Span parse_period(const PeriodArgs& args, TimePoint now, const std::string& tz);

struct ReportOptions {
    Span period;
    std::vector<std::string> channels; // empty: every channel
    TimePoint now;                     // when the report is made: the end of an ongoing incident
};

// The report of `options.period`. Reads [sales] orders_csv when set (data_error
// 65 "FILE:LINE: why" for a broken one). Throws usage_error for a channel the
// configuration does not have, and what the stores throw.
Report build_report(const Config& config, const Stores& state, const ReportOptions& options);

} // namespace shopkit::report
