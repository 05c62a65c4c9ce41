// One notice in the announcement outbox, as the state stores it.
#pragma once

#include "lib/core/clock.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace shopkit {

// One notice in the announcement outbox: created before it is sent, finished
// after, so a notice goes out once even when runs overlap or one is killed.
struct OutboxRow {
    std::int64_t id = 0;
    std::string incident; // incident id
    std::string event;    // opened | updated | resolved | maintenance
    std::string
        name; // unique per (incident, target): "opened", "updated-17", "update-2", "manual-…"
    std::string target;   // target id
    std::string audience; // staff | customers
    // held (waits for a person) | pending (due, or waiting to retry) | sending (claimed
    // by a run) | sent | failed (permanent; a person must act) | discarded (by a person)
    // | dropped (no longer true: the incident ended before it could go out)
    std::string state = "pending";
    std::string key; // UUID: the idempotency key of every attempt
    int attempts = 0;
    TimePoint created{};
    std::optional<TimePoint> next_attempt; // pending: not before this
    std::optional<TimePoint> finished;     // sent / failed / discarded / dropped
    std::string owner;                     // sending: "host:pid" of the run that claimed it
    std::optional<TimePoint> lease_until;  // sending: another run may take it over after this
    std::string text;                      // the rendered notice
    std::string template_source;           // for targets that render again (per recipient, HTML)
    std::string template_path;
    std::string context; // JSON text: the template variables at creation
    std::string remote_id;
    std::string error; // the last attempt's error
};

} // namespace shopkit
