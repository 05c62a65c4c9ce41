// Which runbook steps an incident event calls for (pure: no state, no clock),
// and the names that make each step's run unique in the state.
#pragma once

#include "lib/config/config.hpp"
#include "lib/model/incident.hpp"

#include <optional>
#include <string>
#include <vector>

namespace shopkit {

// The [[sales.event]] the incident belongs to (its name): the one shopcheck
// recorded, else the one running at its `since`; nullopt outside any.
std::optional<std::string> incident_sale(const Config& config, const Incident& incident);

// True when `step` is due for `event` of `incident`: the event is one of its
// `on`, and the incident passes its filters (channels, severities, checks, sale).
// A switch_link step is due for incidents of its `home` and `prefer` channels.
bool step_due(const RunbookStep& step, const Config& config, const Incident& incident, Event event);

// The steps of the runbook due for the event, in config order.
std::vector<const RunbookStep*> due_steps(const Config& config, const Incident& incident,
                                          Event event);

// The occurrence of an event that a step run belongs to: "opened", "resolved",
// "maintenance", or "updated-20260604T031500Z" (an incident may be updated
// many times; each update is its own occurrence).
std::string occurrence_name(Event event, TimePoint time);

// The step with this id, or nullptr.
const RunbookStep* find_step(const Config& config, const std::string& id);

} // namespace shopkit
