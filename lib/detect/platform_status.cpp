#include "lib/detect/platform_status.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace shopkit {

namespace {

constexpr int up = 0, degraded = 1, down = 2, unknown = 3;

// Deeper than any Statuspage document goes; the parser is not recursive, but
// what a caller does with a deep document may be.
constexpr int max_json_depth = 64;

std::string fmt_too_deep() {
    return "too deeply nested (more than " + std::to_string(max_json_depth) + " levels)";
}

// The order of State's worse(): down > degraded > unknown > up.
int rank(int state) {
    switch (state) {
    case up:
        return 0;
    case unknown:
        return 1;
    case degraded:
        return 2;
    default:
        return 3;
    }
}

int worse(int a, int b) {
    return rank(a) >= rank(b) ? a : b;
}

int indicator_state(std::string_view indicator) {
    if (indicator == "none")
        return up;
    if (indicator == "minor" || indicator == "maintenance")
        return degraded;
    if (indicator == "major" || indicator == "critical")
        return down;
    return unknown;
}

int component_state(std::string_view status) {
    if (status == "operational")
        return up;
    if (status == "degraded_performance" || status == "under_maintenance")
        return degraded;
    if (status == "partial_outage" || status == "major_outage")
        return down;
    return unknown;
}

// A string member of an object, or "" when absent or of another type.
std::string_view string_at(const nlohmann::json& object, const char* key) {
    if (!object.is_object())
        return {};
    const auto it = object.find(key);
    if (it == object.end() || !it->is_string())
        return {};
    return it->get_ref<const std::string&>();
}

void append(std::string& detail, std::string_view part) {
    if (!detail.empty())
        detail += "; ";
    detail += part;
}

StatuspageVerdict by_indicator(const nlohmann::json& doc) {
    const auto status = doc.find("status");
    if (status == doc.end() || !status->is_object())
        return {unknown, "no status in the status page"};
    const std::string_view indicator = string_at(*status, "indicator");
    if (indicator.empty())
        return {unknown, "no status indicator in the status page"};
    StatuspageVerdict verdict;
    verdict.state = indicator_state(indicator);
    verdict.detail = indicator;
    if (verdict.state == unknown)
        verdict.detail = "unknown indicator '" + std::string(indicator) + "'";
    const std::string_view description = string_at(*status, "description");
    if (!description.empty()) {
        verdict.detail += ": ";
        verdict.detail += description;
    }
    return verdict;
}

StatuspageVerdict by_components(const nlohmann::json& doc, const std::vector<std::string>& wanted) {
    const auto list = doc.find("components");
    const bool have_list = list != doc.end() && list->is_array();
    StatuspageVerdict verdict;
    verdict.state = up;
    for (const std::string& name : wanted) {
        bool found = false;
        if (have_list) {
            // Names repeat across component groups; every match counts.
            for (const auto& component : *list) {
                if (string_at(component, "name") != name && string_at(component, "id") != name)
                    continue;
                found = true;
                const std::string_view status = string_at(component, "status");
                const int state = component_state(status);
                verdict.state = worse(verdict.state, state);
                if (state != up) {
                    const std::string_view shown = string_at(component, "name");
                    const std::string what = status.empty() ? "no status" : std::string(status);
                    append(verdict.detail, std::string(shown.empty() ? name : shown) + ": " + what);
                }
            }
        }
        if (!found) {
            verdict.state = worse(verdict.state, unknown);
            append(verdict.detail, "component '" + name + "' not found");
        }
    }
    return verdict;
}

} // namespace

StatuspageVerdict judge_statuspage(const std::string& body,
                                   const std::vector<std::string>& components) {
    // Only what the verdict reads is kept, and nesting is bounded: a whole
    // summary.json at max_body as a DOM costs tens of times its size.
    bool too_deep = false;
    const nlohmann::json::parser_callback_t keep =
        [&too_deep](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
            using event_t = nlohmann::json::parse_event_t;
            if (depth > max_json_depth) {
                too_deep = true;
                return false;
            }
            if (event != event_t::key)
                return true;
            const std::string& key = parsed.get_ref<const std::string&>();
            switch (depth) {
            case 1: // the document's members
                return key == "status" || key == "components";
            case 2: // status's members (the components are array elements, not members)
                return key == "indicator" || key == "description";
            case 3: // a component's members
                return key == "name" || key == "id" || key == "status";
            default:
                return false;
            }
        };
    const nlohmann::json doc = nlohmann::json::parse(body, keep, /*allow_exceptions=*/false);
    if (too_deep)
        return {unknown, fmt_too_deep()};
    if (doc.is_discarded())
        return {unknown, "malformed JSON"};
    if (!doc.is_object())
        return {unknown, "not a Statuspage document"};
    if (components.empty())
        return by_indicator(doc);
    return by_components(doc, components);
}

} // namespace shopkit
