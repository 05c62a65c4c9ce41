// What shopreport reads of the checks' past: the raw check history (kept for
// [policy] history) and the daily roll-up (kept for good), seconds per bucket
// per check and per channel and local day, so a year's report reads ~365 rows a
// check instead of half a million probes. shopcheck fills the roll-up (rollup.hpp).
#pragma once

#include "lib/core/clock.hpp"
#include "lib/model/buckets.hpp"
#include "lib/model/check_counter.hpp"
#include "lib/model/check_state.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shopkit {

class Database;

// One row of check_history as the roll-up and the report need it.
struct HistoryProbe {
    TimePoint time;
    std::string channel;
    std::string check;
    State raw = State::unknown;   // what the probe found
    State state = State::unknown; // the result after fail_after/recover_after
    bool operator==(const HistoryProbe&) const = default;
};

// One row of check_daily (`check` set) or channel_daily (`check` empty). `day`
// is the local date "YYYY-MM-DD" in the shop's zone.
struct DailyRow {
    std::string channel;
    std::string check;
    std::string day;
    Buckets seconds;
    bool operator==(const DailyRow&) const = default;
};

class HistoryStore {
  public:
    virtual ~HistoryStore() = default;

    // The probes of check `key` (every check when nullopt) in [from, to), in time
    // order (ties in insertion order), preceded by each such check's last probe
    // before `from`, if any, in time order (what lib/report's check_timeline wants
    // first; with nullopt, for every check that has a counter in check_state).
    virtual std::vector<HistoryProbe> probes(const std::optional<CheckKey>& key, TimePoint from,
                                             TimePoint to) = 0;
    // Where the passing streak that ends at `to` began: the first probe that
    // found check `key` up after its last failing one (degraded or down) in
    // [from, to]; unknown probes neither pass nor fail. nullopt when no probe in
    // [from, to] passed after the last failing one, or none is left (pruned).
    // Walks back from `to`: reads about one streak's rows, not the span's.
    virtual std::optional<TimePoint> passing_since(const CheckKey& key, TimePoint from,
                                                   TimePoint to) = 0;
    // The time of check `key`'s first probe in [from, to), if any. Walks the
    // time index forward from `from` and stops at it.
    virtual std::optional<TimePoint> first_probe(const CheckKey& key, TimePoint from,
                                                 TimePoint to) = 0;
    // The latest probe of each check at or after `since` (ties: the later
    // inserted). Reads every row since `since`: keep it recent.
    virtual std::map<CheckKey, HistoryProbe> latest_probes(TimePoint since) = 0;
    // Adds `row.seconds` to the check_daily row (channel, check, day), creating it at 0.
    virtual void add_check_day(const DailyRow& row) = 0;
    // Adds `row.seconds` to the channel_daily row (channel, day); `row.check` ignored.
    virtual void add_channel_day(const DailyRow& row) = 0;
    // check_daily rows dated first..last (both "YYYY-MM-DD", both included),
    // ordered by channel, check, day.
    virtual std::vector<DailyRow> check_days(const std::string& first, const std::string& last) = 0;
    // channel_daily rows dated first..last (check empty), ordered by channel, day.
    virtual std::vector<DailyRow> channel_days(const std::string& first,
                                               const std::string& last) = 0;
};

// The SQLite HistoryStore on `db`, which must outlive it. Reads see the rows other
// stores hold back in the open transaction (it flushes them first); failures throw
// std::runtime_error naming the file.
std::unique_ptr<HistoryStore> make_sqlite_history_store(Database& db);

} // namespace shopkit
