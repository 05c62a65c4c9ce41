#include "lib/detect/incident_logic.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <climits>

namespace shopkit {

namespace {

// A counter that runs every minute for centuries still must not overflow.
int bump(int n) {
    return n < INT_MAX ? n + 1 : n;
}

bool is_failing(State s) {
    return s == State::degraded || s == State::down;
}

} // namespace

CheckCounter advance(const CheckCounter& previous, State raw, TimePoint now, const Thresholds& t) {
    // A threshold below 1 would confirm a state before any run saw it.
    const int fail_after = std::max(1, t.fail_after);
    const int recover_after = std::max(1, t.recover_after);

    CheckCounter c = previous;
    c.last_time = now;
    if (raw == State::unknown)
        return c;

    if (is_failing(raw)) {
        c.fails = bump(c.fails);
        c.passes = 0;
        // Kept through a confirmed outage even when a single pass interrupts
        // it, so an incident's start is when customers first saw the failure.
        if (!c.first_fail)
            c.first_fail = now;
        if (c.fails >= fail_after)
            c.state = raw;
        return c;
    }

    c.passes = bump(c.passes);
    c.fails = 0;
    if (c.state != State::up) {
        if (c.passes >= recover_after) {
            c.state = State::up;
            c.first_fail.reset();
        }
    } else {
        // A blip that never became an outage leaves nothing behind.
        c.first_fail.reset();
    }
    return c;
}

std::string incident_id(const std::string& channel, TimePoint since) {
    using namespace std::chrono;
    const auto day = floor<days>(since);
    const year_month_day ymd{day};
    const hh_mm_ss hms{floor<minutes>(since - day)};
    return fmt::format("{}-{:04}{:02}{:02}T{:02}{:02}", channel, int(ymd.year()),
                       unsigned(ymd.month()), unsigned(ymd.day()), hms.hours().count(),
                       hms.minutes().count());
}

std::string unique_incident_id(const std::string& base,
                               const std::function<bool(const std::string&)>& exists) {
    if (!exists(base))
        return base;
    for (int n = 2;; ++n) {
        std::string id = fmt::format("{}-{}", base, n);
        if (!exists(id))
            return id;
    }
}

std::optional<Severity> channel_severity(const std::vector<CheckStatus>& checks) {
    std::optional<Severity> worst;
    for (const auto& c : checks) {
        Severity s;
        if (c.state == State::down)
            s = c.critical ? Severity::critical : Severity::major;
        else if (c.state == State::degraded)
            s = Severity::minor;
        else
            continue;
        if (!worst || s > *worst)
            worst = s;
    }
    return worst;
}

std::optional<IncidentEvent> assess_channel(const std::string& channel,
                                            const std::vector<CheckStatus>& checks,
                                            const std::optional<Incident>& open,
                                            bool in_maintenance, TimePoint now) {
    const std::optional<Severity> severity = channel_severity(checks);
    std::vector<std::string> affected;
    for (const auto& c : checks)
        if (is_failing(c.state))
            affected.push_back(c.id);

    if (!open) {
        if (!severity || in_maintenance)
            return std::nullopt;
        Incident inc;
        inc.channel = channel;
        inc.severity = *severity;
        inc.checks = std::move(affected);
        inc.since = now;
        for (const auto& c : checks)
            if (is_failing(c.state) && c.first_fail && *c.first_fail < inc.since)
                inc.since = *c.first_fail;
        inc.id = incident_id(channel, inc.since);
        return IncidentEvent{Event::opened, std::move(inc), now};
    }

    if (!severity) {
        Incident inc = *open;
        inc.until = now;
        return IncidentEvent{Event::resolved, std::move(inc), now};
    }

    if (*severity != open->severity || affected != open->checks) {
        Incident inc = *open;
        inc.severity = *severity;
        inc.checks = std::move(affected);
        return IncidentEvent{Event::updated, std::move(inc), now};
    }
    return std::nullopt;
}

std::optional<std::string> incident_sale(const SalesConfig& sales, const Incident& incident,
                                         TimePoint opened) {
    const SalesEvent* sale = sale_at(sales, incident.since);
    if (sale == nullptr)
        sale = sale_at(sales, opened);
    if (sale == nullptr)
        return std::nullopt;
    return sale->name;
}

} // namespace shopkit
