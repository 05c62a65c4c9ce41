// An incident of a sales channel, its severity, and the events of its life.
#pragma once

#include "lib/core/clock.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shopkit {

enum class Severity { minor, major, critical };
std::string_view to_string(Severity s);
std::optional<Severity> severity_from_string(std::string_view s);

struct Incident {
    std::string id; // "<channel>-<YYYYMMDDTHHMM>" of `since`, in UTC
    std::string channel;
    Severity severity = Severity::major;
    std::vector<std::string> checks; // affected check ids, in config order
    TimePoint since;
    std::optional<TimePoint> until; // set once resolved
};

struct IncidentEvent {
    std::string event; // "opened" | "updated" | "resolved"
    Incident incident; // the incident as it is after the event
    TimePoint time;
};

} // namespace shopkit
