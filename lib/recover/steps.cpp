#include "lib/recover/steps.hpp"

#include <algorithm>

namespace shopkit {

namespace {

template <class T> bool contains(const std::vector<T>& v, const T& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

} // namespace

std::optional<std::string> incident_sale(const Config& config, const Incident& incident) {
    if (incident.sale)
        return incident.sale;
    // An incident from before the state kept its sale: the event its start fell in.
    for (const auto& e : config.sales.events)
        if (e.start <= incident.since && incident.since < e.end)
            return e.name;
    return std::nullopt;
}

bool step_due(const RunbookStep& step, const Config& config, const Incident& incident,
              Event event) {
    if (!contains(step.on, event))
        return false;
    if (step.action == StepAction::switch_link)
        return incident.channel == step.home || contains(step.prefer, incident.channel);
    if (!step.channels.empty() && !contains(step.channels, incident.channel))
        return false;
    if (!step.severities.empty() && !contains(step.severities, incident.severity))
        return false;
    if (!step.checks.empty() &&
        std::none_of(incident.checks.begin(), incident.checks.end(),
                     [&](const std::string& c) { return contains(step.checks, c); }))
        return false;
    if (step.sale && *step.sale != incident_sale(config, incident).has_value())
        return false;
    return true;
}

std::vector<const RunbookStep*> due_steps(const Config& config, const Incident& incident,
                                          Event event) {
    std::vector<const RunbookStep*> out;
    for (const auto& step : config.runbook)
        if (step_due(step, config, incident, event))
            out.push_back(&step);
    return out;
}

std::string occurrence_name(Event event, TimePoint time) {
    if (event != Event::updated)
        return std::string(to_string(event));
    std::string t = format_utc(time); // 2026-06-04T03:15:00Z
    t.erase(std::remove_if(t.begin(), t.end(), [](char c) { return c == '-' || c == ':'; }),
            t.end());
    return "updated-" + t;
}

const RunbookStep* find_step(const Config& config, const std::string& id) {
    for (const auto& s : config.runbook)
        if (s.id == id)
            return &s;
    return nullptr;
}

} // namespace shopkit
