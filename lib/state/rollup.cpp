#include "lib/state/rollup.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <optional>
#include <tuple>

namespace shopkit {

namespace {

using std::chrono::seconds;

TimePoint floor_second(TimePoint t) {
    return std::chrono::floor<seconds>(t);
}

// The first instant of the local day after the one `t` is in; nullopt when the
// zone gives none later than `t` (a broken zone), so a caller cannot loop.
std::optional<TimePoint> next_local_midnight(TimePoint t, const std::string& tz) {
    using namespace std::chrono;
    const LocalTime lt = local_time(t, tz);
    const year_month_day next{
        sys_days{year{lt.year} / month(unsigned(lt.month)) / day(unsigned(lt.day))} + days{1}};
    const auto m = local_civil(tz, int(next.year()), int(unsigned(next.month())),
                               int(unsigned(next.day())), 0, 0, 0);
    if (!m || *m <= t)
        return std::nullopt;
    return m;
}

std::string local_day(TimePoint t, const std::string& tz) {
    const LocalTime lt = local_time(t, tz);
    return fmt::format("{:04}-{:02}-{:02}", lt.year, lt.month, lt.day);
}

// The channel rule's order of the states a probe gives (maintenance and no data
// come from time, not probes): down > degraded > up > unknown.
int channel_rank(State s) {
    switch (s) {
    case State::down:
        return 3;
    case State::degraded:
        return 2;
    case State::up:
        return 1;
    case State::unknown:
        break;
    }
    return 0;
}

void add_rows(const std::vector<std::pair<std::string, Buckets>>& days, const std::string& channel,
              const std::string& check, bool is_check, HistoryStore& history) {
    for (const auto& [day, secs] : days) {
        const DailyRow row{channel, check, day, secs};
        if (is_check)
            history.add_check_day(row);
        else
            history.add_channel_day(row);
    }
}

} // namespace

std::vector<std::pair<std::string, Buckets>>
attribute_interval(TimePoint from, TimePoint to, State state, const std::string& channel,
                   const std::vector<MaintenanceConfig>& maintenance, const std::string& tz,
                   seconds max_gap) {
    from = floor_second(from);
    to = floor_second(to);
    std::vector<std::pair<std::string, Buckets>> out;
    if (to <= from)
        return out;
    struct Window {
        TimePoint start, end;
    };
    std::vector<Window> windows;
    std::vector<TimePoint> cuts{from, to};
    const auto cut = [&](TimePoint t) {
        if (from < t && t < to)
            cuts.push_back(t);
    };
    const TimePoint held_until = from + max_gap;
    cut(held_until);
    for (const auto& m : maintenance) {
        if (!m.channel.empty() && m.channel != channel)
            continue;
        windows.push_back({floor_second(m.start), floor_second(m.end)});
        cut(windows.back().start);
        cut(windows.back().end);
    }
    for (TimePoint t = from;;) {
        const auto midnight = next_local_midnight(t, tz);
        if (!midnight || *midnight >= to)
            break;
        cuts.push_back(*midnight);
        t = *midnight;
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());

    // Only the pieces' starts are looked up in the zone: a day's pieces are adjacent.
    std::optional<TimePoint> day_end;
    for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
        const TimePoint a = cuts[i];
        const seconds s = std::chrono::duration_cast<seconds>(cuts[i + 1] - a);
        if (out.empty() || !day_end || a >= *day_end) {
            out.emplace_back(local_day(a, tz), Buckets{});
            day_end = next_local_midnight(a, tz);
        }
        Buckets& d = out.back().second;
        const bool in_window = std::any_of(windows.begin(), windows.end(), [&](const Window& w) {
            return w.start <= a && a < w.end;
        });
        d.add(in_window        ? Bucket::maintenance
              : a < held_until ? bucket_of(state)
                               : Bucket::no_data,
              s);
    }
    return out;
}

void roll_up_run(HistoryStore& history, const std::vector<CheckResult>& run,
                 const std::map<CheckKey, CheckCounter>& counters,
                 const std::vector<MaintenanceConfig>& maintenance, const std::string& tz) {
    std::optional<TimePoint> since;
    for (const auto& r : run) {
        const auto c = counters.find(CheckKey{r.channel, r.check});
        if (c != counters.end() && c->second.last_time)
            since = since ? std::min(*since, *c->second.last_time) : *c->second.last_time;
    }
    if (!since)
        return; // no check of this run was probed before: nothing to attribute yet
    const auto previous = history.latest_probes(floor_second(*since));

    // A round's checks share their previous and current second: the zone and
    // the windows are looked at once per channel and distinct interval.
    using Key = std::tuple<std::string, long long, long long, State>;
    std::map<Key, std::vector<std::pair<std::string, Buckets>>> seen;
    const auto days_of = [&](TimePoint from, TimePoint to, State state,
                             const std::string& channel) -> const auto& {
        const auto secs = [](TimePoint t) {
            return std::chrono::floor<seconds>(t).time_since_epoch().count();
        };
        Key key{channel, secs(from), secs(to), state};
        auto found = seen.find(key);
        if (found == seen.end())
            found = seen.emplace(std::move(key),
                                 attribute_interval(from, to, state, channel, maintenance, tz))
                        .first;
        return found->second;
    };

    struct ChannelRun {
        std::vector<const HistoryProbe*> previous;
        std::optional<TimePoint> to;
    };
    std::map<std::string, ChannelRun> channels;
    for (const auto& r : run) {
        ChannelRun& ch = channels[r.channel];
        ch.to = ch.to ? std::max(*ch.to, r.time) : r.time;
        const auto p = previous.find(CheckKey{r.channel, r.check});
        if (p == previous.end())
            continue;
        ch.previous.push_back(&p->second);
        add_rows(days_of(p->second.time, r.time, p->second.raw, r.channel), r.channel, r.check,
                 true, history);
    }
    for (const auto& [channel, ch] : channels) {
        if (ch.previous.empty())
            continue;
        TimePoint from = ch.previous.front()->time;
        for (const HistoryProbe* p : ch.previous)
            from = std::max(from, p->time);
        std::optional<State> worst;
        for (const HistoryProbe* p : ch.previous)
            if (p->time + rollup_max_gap >= from &&
                (!worst || channel_rank(p->raw) > channel_rank(*worst)))
                worst = p->raw;
        add_rows(days_of(from, *ch.to, *worst, channel), channel, "", false, history);
    }
}

void record_probes(const Stores& state, const std::vector<CheckResult>& run,
                   const std::vector<MaintenanceConfig>& maintenance, const std::string& tz) {
    state.transaction([&] {
        auto counters = state.checks.load_counters();
        roll_up_run(state.history, run, counters, maintenance, tz);
        for (const CheckResult& r : run) {
            CheckCounter& c = counters[{r.channel, r.check}];
            c.last_time = r.time;
            state.checks.save_counter({r.channel, r.check}, c);
            state.checks.add_history(r);
        }
    });
}

} // namespace shopkit
