#include "lib/model/incident.hpp"

#include "lib/core/enum_names.hpp"

namespace shopkit {

namespace {
constexpr EnumNames<Severity, 3> severity_names{
    {{Severity::minor, "minor"}, {Severity::major, "major"}, {Severity::critical, "critical"}}};
constexpr EnumNames<Event, 4> event_names{{{Event::opened, "opened"},
                                           {Event::updated, "updated"},
                                           {Event::resolved, "resolved"},
                                           {Event::maintenance, "maintenance"}}};
} // namespace

std::string_view to_string(Severity s) {
    return enum_name(severity_names, s, "major");
}

std::optional<Severity> severity_from_string(std::string_view s) {
    return enum_value(severity_names, s);
}

std::string_view to_string(Event e) {
    return enum_name(event_names, e);
}

std::optional<Event> event_from_string(std::string_view s) {
    return enum_value(event_names, s);
}

} // namespace shopkit
