#include "lib/check/run.hpp"

#include "lib/core/error.hpp"
#include "lib/detect/round.hpp"
#include "lib/state/permissions.hpp"
#include "lib/state/rollup.hpp"
#include "lib/state/state.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <map>

namespace shopkit {

namespace {

std::vector<const ChannelConfig*> select_channels(const Config& config,
                                                  const std::vector<std::string>& wanted) {
    std::vector<const ChannelConfig*> out;
    for (const auto& id : wanted) {
        if (!config.channel(id)) {
            // Name a few, not ten thousand.
            std::string known;
            for (std::size_t i = 0; i < config.channels.size() && i < 8; ++i)
                known += (known.empty() ? "" : ", ") + config.channels[i].id;
            if (config.channels.size() > 8)
                known += fmt::format(" and {} more", config.channels.size() - 8);
            throw usage_error("unknown channel '" + id + "'" +
                              (known.empty() ? "" : " (known: " + known + ")"));
        }
    }
    for (const auto& c : config.channels)
        if (wanted.empty() || std::find(wanted.begin(), wanted.end(), c.id) != wanted.end())
            out.push_back(&c);
    return out;
}

bool in_maintenance(const Config& config, const std::string& channel, TimePoint now) {
    return std::any_of(config.maintenance.begin(), config.maintenance.end(), [&](const auto& m) {
        return (m.channel.empty() || m.channel == channel) && m.start <= now && now < m.end;
    });
}

int exit_for(State worst) {
    switch (worst) {
    case State::up:
        return 0;
    case State::degraded:
        return 1;
    case State::down:
        return 2;
    case State::unknown:
        break;
    }
    return 3;
}

// Applies this run to the remembered counters and incidents, in one transaction.
void keep_state(const Config& config, const RunOptions& options,
                const std::vector<const ChannelConfig*>& channels, RunOutcome& out, TimePoint now) {
    const std::filesystem::path path =
        options.state ? *options.state : config.shop.state.value_or(default_state_path());
    std::unique_ptr<StateHandle> handle;
    if (!options.stores) {
        check_state_permissions(path, options.state.has_value());
        handle = open_sqlite_state(path);
    }
    const Stores& store = options.stores ? *options.stores : handle->stores();
    // A sale's thresholds while it runs: the run is judged by the policy of its own time.
    const PolicyConfig policy = policy_at(config, now);
    const Thresholds thresholds{policy.fail_after, policy.recover_after};

    store.transaction([&] {
        out.events.clear();
        out.open_channels.clear();
        auto counters = store.checks.load_counters();
        // Before this run's own history rows: the roll-up reads the previous probes.
        roll_up_run(store.history, out.results, counters, config.maintenance, config.shop.timezone);
        std::map<std::string, std::vector<CheckStatus>> by_channel;
        for (auto& r : out.results) {
            const CheckKey key{r.channel, r.check};
            const auto found = counters.find(key);
            const CheckCounter previous = found == counters.end() ? CheckCounter{} : found->second;
            const CheckCounter next = advance(previous, r.raw, r.time, thresholds);
            // An unknown probe taught nothing: the counter keeps its state, the
            // result says unknown.
            r.state = r.raw == State::unknown ? State::unknown : next.state;
            store.checks.save_counter(key, next);
            store.checks.add_history(r);
            by_channel[r.channel].push_back({r.check, next.state, r.critical, next.first_fail});
        }

        auto open = store.incidents.open_incidents();
        for (const ChannelConfig* channel : channels) {
            const auto o = open.find(channel->id);
            std::optional<Incident> current;
            if (o != open.end())
                current = o->second;
            auto event = assess_channel(channel->id, by_channel[channel->id], current,
                                        in_maintenance(config, channel->id, now), now);
            if (event) {
                if (event->event == Event::opened) {
                    event->incident.id =
                        unique_incident_id(event->incident.id, [&](const std::string& id) {
                            return store.incidents.incident_exists(id);
                        });
                    event->incident.sale = incident_sale(config.sales, event->incident, now);
                }
                store.incidents.record_event(*event);
                if (event->event != Event::resolved)
                    out.open_channels.insert(channel->id);
                out.events.push_back(std::move(*event));
            } else if (current) {
                out.open_channels.insert(channel->id);
            }
        }
        store.checks.prune_history(now - config.policy.history);
    });
    out.state_kept = true;
    out.state_path = path;
}

} // namespace

RunOutcome run_checks(const Config& config, const RunOptions& options, Transport& transport,
                      const Clock& clock) {
    // A truncated file, or one that lost its channels, must not pass as "all up".
    if (config.channels.empty())
        throw config_error(config.path.string() + ": no [[channel]]: nothing to check");
    const auto channels = select_channels(config, options.channels);
    const auto items = probe_items(channels);
    RunOutcome out;
    auto concurrency = static_cast<std::size_t>(
        std::max(1, options.concurrency.value_or(config.policy.concurrency)));
    // Out of descriptors, a connection fails as if the shop were down: run no
    // more transfers than the limit allows (the canaries ride in the reserve).
    out.open_file_limit = raise_open_file_limit();
    const std::size_t cap = transfers_within(out.open_file_limit);
    if (std::min(concurrency, items.size()) > cap) {
        concurrency = cap;
        out.concurrency_cap = cap;
    }
    RoundResult round = probe_round(config, items, transport, clock, concurrency);

    out.results = std::move(round.results);
    if (round.network_down) {
        // The shop is not the problem: judge nothing, remember nothing.
        out.network_down = true;
        out.network_detail = std::move(round.network_detail);
        out.exit_status = 3;
        return out;
    }

    if (options.keep_state)
        keep_state(config, options, channels, out, clock.now());

    State worst = State::up;
    for (const auto& r : out.results)
        worst = worse(worst, r.state);
    out.exit_status = exit_for(worst);
    return out;
}

} // namespace shopkit
