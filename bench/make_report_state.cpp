// make_report_state: writes a synthetic state for shopreport's benchmark
// (bench/run_report.sh): DAYS of 1-minute shopcheck runs of every check of a
// configuration, with planned outages that open and resolve incidents, and the
// notices and runbook steps those incidents would have had.
//
// Everything goes through the state layer as shopcheck's keep_state
// (lib/check/run.cpp) does it: per run, the counters, roll_up_run, the
// counters and history rows, the incident logic (assess_channel, record_event)
// and prune_history; so the roll-up, the incidents and the raw history are the
// ones a year of cron runs would leave. Only the probing is made up.
//
//   make_report_state --config bench/report_shop.toml --state OUT.db --days 365
//                     [--from 2025-11-28T00:00:00Z] [--history-days N]
//                     [--incidents N] [--batch-minutes N]
#include "lib/config/config.hpp"
#include "lib/core/cli.hpp"
#include "lib/core/clock.hpp"
#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"
#include "lib/detect/incident_logic.hpp"
#include "lib/state/rollup.hpp"
#include "lib/state/state.hpp"

#include <fmt/core.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

using namespace shopkit;
using std::chrono::duration_cast;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

// One planned outage: `checks` of `channel` probe `raw` (down or degraded) from
// `start` to `end`; the incident logic turns it into an incident.
struct Outage {
    std::string channel;
    std::vector<std::string> checks;
    State raw = State::down;
    TimePoint start;
    TimePoint end;
};

// A small deterministic mix, so two runs with the same arguments write the same file.
std::uint64_t mix(std::uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

bool overlaps(TimePoint a0, TimePoint a1, TimePoint b0, TimePoint b1) {
    return a0 < b1 && b0 < a1;
}

// `count` outages spread evenly over [from, to), 2-6 hours each, channels in
// turn; severities in turn: a critical check down (critical), another check
// down (major), a check slow (minor). One outage is moved into each
// [[sales.event]] of the period, and none overlaps a maintenance window of its
// channel (incidents do not open there).
std::vector<Outage> plan_outages(const Config& config, TimePoint from, TimePoint to, int count) {
    std::vector<Outage> out;
    if (count <= 0 || config.channels.empty())
        return out;
    const auto slot = (to - from) / count;
    for (int i = 0; i < count; ++i) {
        const ChannelConfig& channel = config.channels[std::size_t(i) % config.channels.size()];
        const std::uint64_t h = mix(std::uint64_t(i) + 1);
        Outage o;
        o.channel = channel.id;
        // Starts in the first half of its slot, at any minute of the day.
        o.start = std::chrono::floor<minutes>(from + slot * i +
                                              (slot / 2) * std::int64_t(h % 1000) / 1000);
        o.end = o.start + hours(2) + minutes((h >> 12) % 241);
        std::vector<const CheckConfig*> critical, other;
        for (const auto& c : channel.checks)
            (c.critical ? critical : other).push_back(&c);
        const int kind = i % 3;
        if (kind == 0 && !critical.empty()) {
            o.checks.push_back(critical[(h >> 24) % critical.size()]->id);
        } else if (!other.empty()) {
            o.checks.push_back(other[(h >> 24) % other.size()]->id);
            if ((h >> 32) % 2 && other.size() > 1)
                o.checks.push_back(other[((h >> 24) + 1) % other.size()]->id);
        } else {
            o.checks.push_back(channel.checks.front().id);
        }
        o.raw = kind == 2 ? State::degraded : State::down;
        out.push_back(std::move(o));
    }
    for (const auto& sale : config.sales.events) {
        const TimePoint at = sale.start + hours(6);
        if (at < from || at + hours(6) >= to || at + hours(6) >= sale.end)
            continue;
        auto& o = out[std::size_t((at - from) / slot)];
        const auto length = o.end - o.start;
        o.start = std::chrono::floor<minutes>(at);
        o.end = o.start + length;
    }
    for (auto& o : out)
        for (const auto& m : config.maintenance)
            if ((m.channel.empty() || m.channel == o.channel) &&
                overlaps(o.start, o.end + hours(1), m.start, m.end)) {
                const auto length = o.end - o.start;
                o.start = std::chrono::ceil<minutes>(m.end) + hours(24);
                o.end = o.start + length;
            }
    return out;
}

// One minute's results of every check, as shopcheck's probe round gives them.
std::vector<CheckResult> probe_minute(const Config& config, const std::vector<Outage>& outages,
                                      TimePoint minute) {
    std::vector<CheckResult> out;
    std::uint64_t n = 0;
    const std::uint64_t m =
        std::uint64_t(duration_cast<minutes>(minute.time_since_epoch()).count());
    for (const auto& channel : config.channels) {
        for (const auto& check : channel.checks) {
            CheckResult r;
            r.channel = channel.id;
            r.check = check.id;
            r.kind = check.kind;
            r.url = check.url;
            r.critical = check.critical;
            // A round starts a second into the minute; its probes start within a few ms.
            r.time = minute + seconds(1) + milliseconds(2 * n++);
            State raw = State::up;
            for (const auto& o : outages)
                if (o.channel == channel.id && o.start <= minute && minute < o.end &&
                    std::find(o.checks.begin(), o.checks.end(), check.id) != o.checks.end())
                    raw = o.raw;
            const double base = 0.08 + double(mix(m * 64 + n) % 200) / 1000;
            r.raw = raw;
            r.state = raw;
            r.timings = {0.001, 0.002, 0, base * 0.8, base};
            if (raw == State::down) {
                r.http_status = 503;
                r.error = "HTTP 503";
            } else if (raw == State::degraded) {
                r.http_status = 200;
                r.timings.first_byte = 5.5;
                r.timings.total = 6.2;
                r.error = "応答が遅い (6.2 秒)";
            } else {
                r.http_status = 200;
            }
            out.push_back(std::move(r));
        }
    }
    return out;
}

bool in_maintenance(const Config& config, const std::string& channel, TimePoint now) {
    return std::any_of(config.maintenance.begin(), config.maintenance.end(), [&](const auto& m) {
        return (m.channel.empty() || m.channel == channel) && m.start <= now && now < m.end;
    });
}

// keep_state of lib/check/run.cpp for one run, inside the caller's transaction.
// Returns the incident events it recorded.
std::vector<IncidentEvent> keep_run(const Config& config, const Stores& store,
                                    std::vector<CheckResult>& results, TimePoint now) {
    const PolicyConfig policy = policy_at(config, now);
    const Thresholds thresholds{policy.fail_after, policy.recover_after};
    std::vector<IncidentEvent> events;
    auto counters = store.checks.load_counters();
    roll_up_run(store.history, results, counters, config.maintenance, config.shop.timezone);
    std::map<std::string, std::vector<CheckStatus>> by_channel;
    for (auto& r : results) {
        const CheckKey key{r.channel, r.check};
        const auto found = counters.find(key);
        const CheckCounter previous = found == counters.end() ? CheckCounter{} : found->second;
        const CheckCounter next = advance(previous, r.raw, r.time, thresholds);
        r.state = r.raw == State::unknown ? State::unknown : next.state;
        store.checks.save_counter(key, next);
        store.checks.add_history(r);
        by_channel[r.channel].push_back({r.check, next.state, r.critical, next.first_fail});
    }
    auto open = store.incidents.open_incidents();
    for (const auto& channel : config.channels) {
        const auto o = open.find(channel.id);
        std::optional<Incident> current;
        if (o != open.end())
            current = o->second;
        auto event = assess_channel(channel.id, by_channel[channel.id], current,
                                    in_maintenance(config, channel.id, now), now);
        if (!event)
            continue;
        if (event->event == Event::opened) {
            event->incident.id = unique_incident_id(event->incident.id, [&](const std::string& id) {
                return store.incidents.incident_exists(id);
            });
            event->incident.sale = incident_sale(config.sales, event->incident, now);
        }
        store.incidents.record_event(*event);
        events.push_back(std::move(*event));
    }
    return events;
}

bool wants(const std::vector<Severity>& severities, Severity s) {
    return severities.empty() ||
           std::find(severities.begin(), severities.end(), s) != severities.end();
}

bool wants(const std::vector<std::string>& channels, const std::string& channel) {
    return channels.empty() ||
           std::find(channels.begin(), channels.end(), channel) != channels.end();
}

// The notices shopannounce and the steps shoprecover would have left for a
// resolved incident opened at `opened`: every one sent or done a few seconds
// after it was due.
void write_notices_and_steps(const Config& config, const Stores& store, const Incident& incident,
                             TimePoint opened) {
    const TimePoint until = incident.until.value_or(opened);
    const PolicyConfig policy = policy_at(config, opened);
    const std::string local = format_local(incident.since, config.shop.timezone);
    const ChannelConfig* channel = config.channel(incident.channel);
    const std::string name = channel ? channel->name : incident.channel;
    const auto notice = [&](const TargetConfig& target, Event event, const std::string& row_name,
                            TimePoint created, const std::string& text) {
        OutboxRow row;
        row.incident = incident.id;
        row.event = event;
        row.name = row_name;
        row.target = target.id;
        row.audience = target.audience;
        row.state = OutboxState::sent;
        row.key = uuid_v5(uuid_namespace_url,
                          "shopkit-bench:" + incident.id + "/" + row_name + "/" + target.id);
        row.attempts = 1;
        row.created = created;
        row.finished = created + milliseconds(1200);
        row.text = text;
        row.context = "{}";
        store.outbox.enqueue(row);
    };
    for (const auto& target : config.targets) {
        if (!wants(target.severities, incident.severity) ||
            !wants(target.channels, incident.channel))
            continue;
        const bool staff = target.audience == Audience::staff;
        const TimePoint told = staff ? opened : opened + policy.customer_delay;
        if (told >= until)
            continue;
        notice(target, Event::opened, "opened", told,
               fmt::format("【障害】{}で{}から問題が起きています（{}）。", name, local,
                           to_string(incident.severity)));
        if (staff) {
            int n = 1;
            for (TimePoint t = opened + policy.update_every; t < until; t += policy.update_every)
                notice(target, Event::updated, fmt::format("update-{}", n++), t,
                       fmt::format("【継続中】{}の障害は続いています（{}から）。", name, local));
        }
        notice(target, Event::resolved, "resolved", until,
               fmt::format("【復旧】{}は復旧しました（{}から）。", name, local));
    }
    for (const auto& step : config.runbook) {
        if (!wants(step.severities, incident.severity) || !wants(step.channels, incident.channel))
            continue;
        for (const Event event : {Event::opened, Event::resolved}) {
            if (std::find(step.on.begin(), step.on.end(), event) == step.on.end())
                continue;
            StepRun run;
            run.incident = incident.id;
            run.event = event;
            run.name = std::string(to_string(event));
            run.step = step.id;
            run.state = StepState::ok;
            run.attempts = 1;
            run.created = event == Event::opened ? opened : until;
            run.finished = run.created + milliseconds(1500);
            run.exit_status = 0;
            run.duration_ms = 1500;
            store.runbook.add_step_run(run);
        }
    }
}

long long count_rows(Database& db, const char* table) {
    sqlite3_stmt* s = db.prepare_persistent(fmt::format("SELECT count(*) FROM {}", table), table);
    db.step(s, table);
    const long long n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"Write a synthetic state of 1-minute shopcheck runs for shopreport's benchmark.",
                 "make_report_state"};
    std::string config_path;
    std::string state_path;
    int days = 365;
    std::string from_text = "2025-11-28T00:00:00Z";
    int history_days = 0;
    int incidents = -1;
    int batch_minutes = 60;
    app.add_option("-c,--config", config_path, "Configuration file")->required();
    app.add_option("--state", state_path, "State file to create (must not exist)")->required();
    app.add_option("--days", days, "Days of runs (default 365)")->check(CLI::Range(1, 3660));
    app.add_option("--from", from_text, "First run, RFC 3339 (default 2025-11-28T00:00:00Z)");
    app.add_option("--history-days", history_days,
                   "Raw history kept, in days (default: the config's [policy] history)")
        ->check(CLI::Range(1, 100000));
    app.add_option("--incidents", incidents, "Planned outages (default: 40 a year, pro rata)")
        ->check(CLI::Range(0, 100000));
    app.add_option("--batch-minutes", batch_minutes, "Runs per transaction (default 60)")
        ->check(CLI::Range(1, 100000));
    cli::add_common_options(app);

    return cli::main(
        "make_report_state", argc, argv, app,
        [&]() -> int {
            const Config config = load_config(config_path);
            const auto from = parse_rfc3339(from_text);
            if (!from)
                throw usage_error("--from '" + from_text + "': not an RFC 3339 time");
            if (std::filesystem::exists(state_path))
                throw usage_error(state_path + " exists: give a new file");
            const TimePoint start = std::chrono::floor<minutes>(*from);
            const TimePoint end = start + hours(24) * days;
            const auto keep = history_days > 0 ? duration_cast<Millis>(hours(24) * history_days)
                                               : config.policy.history;
            if (incidents < 0)
                incidents = std::max(1, int((40LL * days + 182) / 365));
            const auto outages = plan_outages(config, start, end, incidents);

            auto handle = open_sqlite_state(state_path);
            const Stores& store = handle->stores();
            std::map<std::string, TimePoint> opened_at;
            long long runs = 0, probes = 0, events = 0;
            const auto wall = std::chrono::steady_clock::now();
            int last_day = -1;
            for (TimePoint batch = start; batch < end; batch += minutes(batch_minutes)) {
                const TimePoint batch_end = std::min(end, batch + minutes(batch_minutes));
                store.transaction([&] {
                    TimePoint now = batch;
                    for (TimePoint minute = batch; minute < batch_end; minute += minutes(1)) {
                        auto results = probe_minute(config, outages, minute);
                        now = results.back().time + milliseconds(300);
                        for (auto& e : keep_run(config, store, results, now)) {
                            ++events;
                            if (e.event == Event::opened)
                                opened_at[e.incident.id] = e.time;
                            if (e.event == Event::resolved)
                                write_notices_and_steps(config, store, e.incident,
                                                        opened_at.count(e.incident.id)
                                                            ? opened_at[e.incident.id]
                                                            : e.time);
                        }
                        ++runs;
                        probes += long(results.size());
                    }
                    // shopcheck prunes after every run; once per transaction
                    // leaves the same rows at its end.
                    store.checks.prune_history(now - keep);
                });
                const int day = int((batch_end - start) / hours(24));
                if (day != last_day && (day % 10 == 0 || batch_end == end)) {
                    last_day = day;
                    const double s =
                        duration_cast<milliseconds>(std::chrono::steady_clock::now() - wall)
                            .count() /
                        1000.0;
                    std::cerr << fmt::format(
                        "make_report_state: day {}/{}, {} probes, {} incident events, {:.1f} s\n",
                        day, days, probes, events, s);
                }
            }
            const double s =
                duration_cast<milliseconds>(std::chrono::steady_clock::now() - wall).count() /
                1000.0;
            Database& db = handle->db();
            std::cout << fmt::format("runs {}\nprobes {}\nincident events {}\nseconds {:.1f}\n",
                                     runs, probes, events, s);
            for (const char* table :
                 {"check_history", "check_state", "check_daily", "channel_daily", "incidents",
                  "incident_events", "outbox", "runbook_runs"})
                std::cout << fmt::format("{} {}\n", table, count_rows(db, table));
            return 0;
        },
        1, 1);
}
