#include "lib/model/incident.hpp"

namespace shopkit {

std::string_view to_string(Severity s) {
    switch (s) {
    case Severity::minor:
        return "minor";
    case Severity::major:
        return "major";
    case Severity::critical:
        return "critical";
    }
    return "major";
}

std::optional<Severity> severity_from_string(std::string_view s) {
    if (s == "minor")
        return Severity::minor;
    if (s == "major")
        return Severity::major;
    if (s == "critical")
        return Severity::critical;
    return std::nullopt;
}

} // namespace shopkit
