// shoprecover --confirm: a recovery is declared only when every check of the
// channel passes recover_after rounds in a row, not on one good page load.
#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"
#include "lib/detect/incident_logic.hpp"
#include "lib/detect/round.hpp"
#include "lib/record/record.hpp"
#include "lib/recover/run.hpp"
#include "lib/recover/runner.hpp"
#include "lib/state/rollup.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <thread>

namespace shopkit {

namespace {

struct Watch {
    Incident incident;
    std::vector<ProbeItem> items;
    int streak = 0;
    bool done = false;
};

std::string round_line(const Watch& w, int round, const RoundResult& r, int needed) {
    std::string failing;
    int up = 0;
    for (const auto& c : r.results) {
        if (c.raw == State::up) {
            ++up;
            continue;
        }
        failing += fmt::format("{}{}: {}", failing.empty() ? "" : ", ", c.check,
                               c.error.empty() ? std::string(to_string(c.raw)) : c.error);
    }
    if (r.network_down)
        return fmt::format("{} round {}: {}; the round does not count", w.incident.id, round,
                           r.network_detail);
    return fmt::format("{} round {}: {}/{} checks up{}; {} of {} in a row", w.incident.id, round,
                       up, r.results.size(), failing.empty() ? "" : " (" + failing + ")", w.streak,
                       needed);
}

} // namespace

int confirm_recovery(const Config& config, const RecoverOptions& options, Transport& transport,
                     const RecoverSink& sink, const Clock& clock) {
    Runner run(config, options, sink, clock);
    run.open_state();
    const Stores& state = *run.state;

    std::vector<Watch> watches;
    if (options.incident) {
        const auto inc = state.incidents.incident(*options.incident);
        if (!inc)
            throw usage_error(
                fmt::format("--incident {}: no such incident in the state", *options.incident));
        watches.push_back({*inc, {}, 0, inc->until.has_value()});
    } else {
        for (const auto& [channel, inc] : state.incidents.open_incidents())
            watches.push_back({inc, {}, 0, false});
    }
    if (watches.empty() && sink.progress)
        sink.progress("no open incident to confirm");
    for (auto& w : watches) {
        const ChannelConfig* channel = config.channel(w.incident.channel);
        if (channel == nullptr)
            throw usage_error(fmt::format("incident {}: channel '{}' is not in {}", w.incident.id,
                                          w.incident.channel, config.path.string()));
        w.items = probe_items({channel});
        if (w.done && sink.progress)
            sink.progress(fmt::format("{} was resolved already", w.incident.id));
    }

    // During a sale, [policy.sale]'s thresholds, as shopcheck would use them.
    const PolicyConfig policy = policy_at(config, clock.now());
    const int needed = std::max(1, policy.recover_after);
    const Thresholds thresholds{policy.fail_after, policy.recover_after};
    const TimePoint deadline = clock.now() + options.wait;
    const auto concurrency = static_cast<std::size_t>(std::max(1, policy.concurrency));
    for (int round = 1;; ++round) {
        bool all_done = true;
        for (auto& w : watches) {
            if (w.done)
                continue;
            RoundResult r = probe_round(config, w.items, transport, clock, concurrency);
            const bool pass = !r.network_down && !r.results.empty() &&
                              std::all_of(r.results.begin(), r.results.end(),
                                          [](const CheckResult& c) { return c.raw == State::up; });
            if (!r.network_down)
                w.streak = pass ? w.streak + 1 : 0;
            if (sink.progress)
                sink.progress(round_line(w, round, r, needed));
            const TimePoint t = clock.now();
            state.transaction([&] {
                if (r.network_down)
                    return; // as shopcheck: a round that judged nothing records nothing
                auto counters = state.checks.load_counters();
                // The daily roll-up counts these probes as shopcheck's own.
                roll_up_run(state.history, r.results, counters, config.maintenance,
                            config.shop.timezone);
                for (auto& c : r.results) {
                    const CheckKey key{c.channel, c.check};
                    const auto found = counters.find(key);
                    CheckCounter next =
                        advance(found == counters.end() ? CheckCounter{} : found->second, c.raw, t,
                                thresholds);
                    c.state = next.state;
                    state.checks.save_counter(key, next);
                    state.checks.add_history(c);
                }
                if (w.streak < needed)
                    return;
                // Confirmed: the checks are up now, whatever shopcheck's counters
                // said, so its next run opens nothing new.
                for (const auto& c : r.results) {
                    CheckCounter up;
                    up.state = State::up;
                    up.passes = needed;
                    up.last_time = t;
                    state.checks.save_counter({c.channel, c.check}, up);
                }
                const auto current = state.incidents.incident(w.incident.id);
                if (current && !current->until) {
                    IncidentEvent e{Event::resolved, *current, t};
                    e.incident.until = t;
                    state.incidents.record_event(e);
                    sink.record(incident_record(e, config.shop.timezone));
                }
                w.done = true;
            });
            all_done = all_done && w.done;
        }
        if (all_done)
            break;
        const TimePoint t = clock.now();
        if (t + options.interval > deadline) {
            for (const auto& w : watches)
                if (!w.done && sink.progress)
                    sink.progress(fmt::format("{} not recovered within {}; it stays open",
                                              w.incident.id, format_duration(options.wait)));
            // The steps of events that did happen still run.
            run.now = clock.now();
            state.transaction([&] { run.plan({}); });
            run.run_claimed();
            return exit_status::not_recovered;
        }
        if (options.sleep)
            options.sleep(options.interval);
        else
            std::this_thread::sleep_for(options.interval);
    }
    run.now = clock.now();
    state.transaction([&] { run.plan({}); });
    run.run_claimed();
    return run.status;
}

} // namespace shopkit
