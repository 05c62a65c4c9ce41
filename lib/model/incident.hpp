// An incident of a sales channel, its severity, and the events of its life.
#pragma once

#include "lib/core/clock.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shopkit {

enum class Severity { minor, major, critical };
// "minor", "major", "critical".
std::string_view to_string(Severity s);
// The inverse of to_string; nullopt for anything else.
std::optional<Severity> severity_from_string(std::string_view s);

// What happened to an incident, and what a notice tells of: the three events
// of its life, and planned maintenance (announced by a person, never detected).
enum class Event { opened, updated, resolved, maintenance };
// "opened", "updated", "resolved", "maintenance".
std::string_view to_string(Event e);
// The inverse of to_string; nullopt for anything else.
std::optional<Event> event_from_string(std::string_view s);

struct Incident {
    std::string id; // "<channel>-<YYYYMMDDTHHMM>" of `since`, in UTC
    std::string channel;
    Severity severity = Severity::major;
    std::vector<std::string> checks; // affected check ids, in config order
    TimePoint since;
    std::optional<TimePoint> until;  // set once resolved
    std::optional<std::string> sale; // the [[sales.event]] it started in, if any (by name)
};

struct IncidentEvent {
    Event event = Event::opened; // opened | updated | resolved
    Incident incident;           // the incident as it is after the event
    TimePoint time;
};

// JSON (any nlohmann basic_json) writes a Severity as its name, never as a number.
template <class Json> void to_json(Json& j, Severity v) {
    j = std::string(to_string(v));
}
// JSON (any nlohmann basic_json) writes a Event as its name, never as a number.
template <class Json> void to_json(Json& j, Event v) {
    j = std::string(to_string(v));
}

} // namespace shopkit
