#include "lib/announce/policy.hpp"

#include <algorithm>
#include <fmt/core.h>

namespace shopkit {

namespace {

const OutboxRow* find_row(const std::vector<OutboxRow>& rows, const std::string& name) {
    for (const auto& r : rows)
        if (r.name == name)
            return &r;
    return nullptr;
}

bool unsent(const OutboxRow& r) {
    return r.state == OutboxState::held || r.state == OutboxState::pending ||
           r.state == OutboxState::failed;
}

CustomerNotice::Status status_of(OutboxState s) {
    using S = CustomerNotice::Status;
    switch (s) {
    case OutboxState::held:
        return S::held;
    case OutboxState::pending:
    case OutboxState::sending:
        return S::queued;
    case OutboxState::sent:
        return S::sent;
    case OutboxState::failed:
        return S::failed;
    case OutboxState::discarded:
    case OutboxState::dropped:
        break;
    }
    return S::dropped;
}

} // namespace

Severity worst_severity(const Incident& incident, const std::vector<IncidentEvent>& events) {
    Severity worst = incident.severity;
    for (const auto& e : events)
        worst = std::max(worst, e.incident.severity);
    return worst;
}

bool target_accepts(const TargetConfig& target, const Incident& incident, Severity worst) {
    if (!target.channels.empty() && std::find(target.channels.begin(), target.channels.end(),
                                              incident.channel) == target.channels.end())
        return false;
    if (!target.severities.empty() && std::find(target.severities.begin(), target.severities.end(),
                                                worst) == target.severities.end())
        return false;
    return true;
}

PolicyDecision decide(const TargetConfig& target, const PolicyConfig& policy,
                      const Incident& incident, const std::vector<IncidentEvent>& events,
                      const std::vector<OutboxRow>& rows, TimePoint now) {
    PolicyDecision d;
    const Severity worst = worst_severity(incident, events);
    if (!target_accepts(target, incident, worst))
        return d;
    const bool resolved = incident.until.has_value();
    const bool fresh_end = resolved && now - *incident.until <= stale_after;
    const OutboxRow* opened = find_row(rows, "opened");
    // Only what happened after this target was first told is news to it (max: never told).
    TimePoint first_told = TimePoint::max();
    for (const auto& r : rows)
        first_told = std::min(first_told, r.created);

    if (target.audience == Audience::staff) {
        if (!opened && (!resolved || fresh_end))
            d.due.push_back({Event::opened, "opened"});
        for (std::size_t i = 0; i < events.size(); ++i) {
            const auto& e = events[i];
            if (e.event != Event::updated || e.time < first_told)
                continue;
            const std::string name = fmt::format("updated-{}", i);
            if (!find_row(rows, name))
                d.due.push_back({Event::updated, name});
        }
        if (resolved && fresh_end && !find_row(rows, "resolved"))
            d.due.push_back({Event::resolved, "resolved"});
        return d;
    }

    // Customers.
    if (resolved) {
        for (const auto& r : rows)
            if (r.event != Event::resolved && unsent(r))
                d.drop.push_back(r.id);
        if (opened && opened->state == OutboxState::sent && fresh_end &&
            !find_row(rows, "resolved"))
            d.due.push_back({Event::resolved, "resolved"});
        return d;
    }
    if (!opened) {
        if (now - incident.since >= policy.customer_delay || worst == Severity::critical)
            d.due.push_back({Event::opened, "opened"});
        return d;
    }
    if (opened->state != OutboxState::sent)
        return d;
    // A change of severity is news at once.
    bool changed = false;
    for (std::size_t i = 1; i < events.size(); ++i) {
        const auto& e = events[i];
        if (e.event != Event::updated || e.time < opened->created ||
            e.incident.severity == events[i - 1].incident.severity)
            continue;
        const std::string name = fmt::format("updated-{}", i);
        if (!find_row(rows, name)) {
            d.due.push_back({Event::updated, name});
            changed = true;
        }
    }
    // Otherwise an update every update_every since the last notice. The name
    // counts the rows so far, so two overlapping runs name it alike and the
    // outbox keeps one.
    if (!changed && policy.update_every.count() > 0) {
        TimePoint last = opened->created;
        for (const auto& r : rows)
            last = std::max(last, r.created);
        if (now - last >= policy.update_every)
            d.due.push_back({Event::updated, fmt::format("update-{}", rows.size())});
    }
    return d;
}

std::optional<CustomerNotice> customer_notice(const TargetConfig& target,
                                              const PolicyConfig& policy, bool hold,
                                              const Incident& incident,
                                              const std::vector<IncidentEvent>& events,
                                              const std::vector<OutboxRow>& rows, TimePoint now) {
    using S = CustomerNotice::Status;
    if (!target.channels.empty() && std::find(target.channels.begin(), target.channels.end(),
                                              incident.channel) == target.channels.end())
        return std::nullopt;
    CustomerNotice n;
    n.target = target.id;
    n.kind = target.kind;
    const Severity worst = worst_severity(incident, events);
    if (!target_accepts(target, incident, worst)) {
        n.status = S::not_told;
        return n;
    }
    const OutboxRow* latest = nullptr;
    for (const auto& r : rows)
        if (!latest || r.created > latest->created ||
            (r.created == latest->created && r.id > latest->id))
            latest = &r;
    const OutboxRow* opened = find_row(rows, "opened");
    if (incident.until && (!opened || opened->state != OutboxState::sent)) {
        n.status = S::untold; // decide() sends no recovery to customers never told
        return n;
    }
    if (!latest) {
        n.status = S::waiting;
        n.hold = hold || target.hold;
        n.at = worst == Severity::critical ? std::max(incident.since, now)
                                           : std::max(incident.since + policy.customer_delay, now);
        return n;
    }
    n.status = status_of(latest->state);
    n.outbox = latest->id;
    if (n.status == S::sent)
        n.at = latest->finished.value_or(latest->created);
    return n;
}

std::optional<TimePoint> next_update(const PolicyConfig& policy, const Incident& incident,
                                     TimePoint now) {
    if (incident.until || policy.update_every.count() <= 0)
        return std::nullopt;
    return now + policy.update_every;
}

} // namespace shopkit
