// The fail/recover logic, pure: no I/O, no clock of its own. A check is down
// after fail_after consecutive failing runs and up after recover_after
// consecutive passing runs; a channel has an open incident while any of its
// checks is not up.
#pragma once

#include "lib/config/sales.hpp"
#include "lib/core/clock.hpp"
#include "lib/model/check_counter.hpp"
#include "lib/model/check_state.hpp"
#include "lib/model/incident.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shopkit {

struct Thresholds {
    int fail_after = 2;
    int recover_after = 2;
};

// Applies one run's raw result. A non-up result counts toward fail_after; once
// reached, the state is the raw state (degraded or down) of this run. An up
// result counts toward recover_after; once reached the state is up. `unknown`
// leaves the counter unchanged (nothing was learnt).
CheckCounter advance(const CheckCounter& previous, State raw, TimePoint now, const Thresholds& t);

// One check of a channel as the incident logic sees it.
struct CheckStatus {
    std::string id;
    State state = State::up; // effective
    bool critical = false;
    std::optional<TimePoint> first_fail;
};

// "<channel>-<YYYYMMDDTHHMM>" in UTC.
std::string incident_id(const std::string& channel, TimePoint since);

// `base` if !exists(base), else the first of "base-2", "base-3", … for which
// exists() is false (two incidents of one channel starting in the same minute).
std::string unique_incident_id(const std::string& base,
                               const std::function<bool(const std::string&)>& exists);

// Severity of a channel from its checks: critical if a critical check is down,
// major if any check is down, minor if only degraded; nullopt if all up.
std::optional<Severity> channel_severity(const std::vector<CheckStatus>& checks);

// Decides the event of this run for one channel. `open` is its open incident,
// if any; `in_maintenance` suppresses opening (updates and resolution still
// happen). A new incident's `since` is the earliest first_fail of its affected
// checks (or now). Returns nullopt when nothing changed.
std::optional<IncidentEvent> assess_channel(const std::string& channel,
                                            const std::vector<CheckStatus>& checks,
                                            const std::optional<Incident>& open,
                                            bool in_maintenance, TimePoint now);

// The sale an incident opened at `opened` belongs to: the name of the
// [[sales.event]] running at its `since` (sale_at), else of the one running at
// `opened` (it failed just before the sale and is confirmed inside it); nullopt
// when neither runs.
std::optional<std::string> incident_sale(const SalesConfig& sales, const Incident& incident,
                                         TimePoint opened);

} // namespace shopkit
