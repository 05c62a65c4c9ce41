// The daily roll-up, filled by shopcheck one run at a time: each check's time
// since its previous probe goes to that probe's raw state, in seconds per local
// day, so shopreport reads days instead of probes.
//
// The rules (lib/report/availability.hpp's, applied one interval at a time):
// - The interval [previous probe, this probe) of a check holds the previous
//   probe's raw state for at most rollup_max_gap; the rest is no data (cron not
//   running). Time before a check's first probe is not counted.
// - Time inside a maintenance window for the channel (or every channel) is
//   maintenance, whatever the probes said.
// - Every time is floored to the whole second, and the interval is split at the
//   shop's local midnights.
// - A channel's interval runs from the latest previous probe of its checks to
//   the latest probe of this run, and holds the worst previous raw state (down >
//   degraded > up > unknown) of the checks whose previous probe is at most
//   rollup_max_gap older than the interval's start. This approximates
//   lib/report's channel_timeline (the union of the checks' seconds): it is exact
//   when a channel's checks are probed together, as shopcheck does, and differs
//   only by the seconds between two probes of one run otherwise.
#pragma once

#include "lib/config/sales.hpp"
#include "lib/core/clock.hpp"
#include "lib/model/check_counter.hpp"
#include "lib/model/check_result.hpp"
#include "lib/state/history_store.hpp"
#include "lib/state/state.hpp"

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace shopkit {

// Beyond this, the time between two probes of a check is no data: a run every
// minute or five is normal; ten minutes without one means cron did not run.
inline constexpr std::chrono::seconds rollup_max_gap{600};

// Where the seconds of [from, to) go when `state` held from `from` on, for channel
// `channel`, by the rules above: (local date "YYYY-MM-DD" in zone `tz`, seconds)
// per local day touched, in date order. Empty when `to` is not after `from`.
std::vector<std::pair<std::string, DailySeconds>>
attribute_interval(TimePoint from, TimePoint to, State state, const std::string& channel,
                   const std::vector<MaintenanceConfig>& maintenance, const std::string& tz,
                   std::chrono::seconds max_gap = rollup_max_gap);

// Adds one run's intervals to check_daily and channel_daily: for each result of
// `run`, the interval since its check's previous probe in `history`. Call it
// before the run's own history rows are added. `counters` (the state before the
// run) bound the read: only history since their oldest last_time of this run's
// checks is read, normally one previous run's rows. Throws what the store throws.
void roll_up_run(HistoryStore& history, const std::vector<CheckResult>& run,
                 const std::map<CheckKey, CheckCounter>& counters,
                 const std::vector<MaintenanceConfig>& maintenance, const std::string& tz);

// Keeps one run's probes as history without judging them (no thresholds, no
// incidents), in one transaction: the roll-up, each check's last probe time, the
// history rows. What shopreport --records replays a log's check records with.
void record_probes(const Stores& state, const std::vector<CheckResult>& run,
                   const std::vector<MaintenanceConfig>& maintenance, const std::string& tz);

} // namespace shopkit
