// Who is told what, and when: the announce policy, pure (no I/O, no clock).
// Staff targets get every incident event at once; customer targets get the
// outage notice once the incident has lasted [policy] customer_delay or has been
// critical, updates when the severity changes or every update_every, and the
// recovery notice only when the outage notice reached them.
#pragma once

#include "lib/config/config.hpp"
#include "lib/model/incident.hpp"
#include "lib/render/notice_context.hpp"
#include "lib/state/state.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace shopkit {

struct DueNotice {
    Event event = Event::opened; // opened | updated | resolved
    std::string name; // the outbox row's name: "opened", "updated-3", "update-2", "resolved"
};

struct PolicyDecision {
    std::vector<DueNotice> due;
    // Rows not yet sent that are no longer true: the incident ended before a
    // customer outage notice or update went out. They become "dropped".
    std::vector<std::int64_t> drop;
};

// Notices older than this are not sent to staff when first seen (a target added
// to the config does not get last week's events), and a recovery notice is due
// only this long after the incident ended.
inline constexpr Millis stale_after{std::chrono::hours(24)};

// The highest severity an incident has had.
Severity worst_severity(const Incident& incident, const std::vector<IncidentEvent>& events);

// True when the target's `channels` and `severities` filters let this incident
// through (severities: its worst severity so far).
bool target_accepts(const TargetConfig& target, const Incident& incident, Severity worst);

// What is due for `target` about `incident` at `now`. `events` are the incident's
// events, oldest first; `rows` this target's outbox rows for the incident.
PolicyDecision decide(const TargetConfig& target, const PolicyConfig& policy,
                      const Incident& incident, const std::vector<IncidentEvent>& events,
                      const std::vector<OutboxRow>& rows, TimePoint now);

// Where the customers of `target` (audience customers) stand on `incident` at
// `now`, for a staff notice: what its latest outbox row says, else when the outage
// notice falls due (`hold`: this run holds customer notices). nullopt when the
// target does not take the incident's channel. `events` and `rows` as for decide().
std::optional<CustomerNotice> customer_notice(const TargetConfig& target,
                                              const PolicyConfig& policy, bool hold,
                                              const Incident& incident,
                                              const std::vector<IncidentEvent>& events,
                                              const std::vector<OutboxRow>& rows, TimePoint now);

// When customers hear next while the incident lasts (the template's next_update),
// or nullopt once it is resolved.
std::optional<TimePoint> next_update(const PolicyConfig& policy, const Incident& incident,
                                     TimePoint now);

} // namespace shopkit
