// One notice in the announcement outbox, as the state stores it.
#pragma once

#include "lib/core/clock.hpp"
#include "lib/model/incident.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shopkit {

// Who a notice is for.
enum class Audience { staff, customers };
// "staff", "customers".
std::string_view to_string(Audience a);
// The inverse of to_string; nullopt for anything else.
std::optional<Audience> audience_from_string(std::string_view s);

// Where a notice is in its life. held: waits for a person; pending: due, or
// waiting to retry; sending: claimed by a run; sent; failed: permanent, a
// person must act; discarded: by a person; dropped: no longer true (the
// incident ended before it could go out).
enum class OutboxState { held, pending, sending, sent, failed, discarded, dropped };
// "held", "pending", "sending", "sent", "failed", "discarded", "dropped".
std::string_view to_string(OutboxState s);
// The inverse of to_string; nullopt for anything else.
std::optional<OutboxState> outbox_state_from_string(std::string_view s);

// One notice in the announcement outbox: created before it is sent, finished
// after, so a notice goes out once even when runs overlap or one is killed.
struct OutboxRow {
    std::int64_t id = 0;
    std::string incident; // incident id
    Event event = Event::opened;
    std::string
        name; // unique per (incident, target): "opened", "updated-17", "update-2", "manual-…"
    std::string target; // target id
    Audience audience = Audience::staff;
    OutboxState state = OutboxState::pending;
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

// JSON (any nlohmann basic_json) writes a Audience as its name, never as a number.
template <class Json> void to_json(Json& j, Audience v) {
    j = std::string(to_string(v));
}
// JSON (any nlohmann basic_json) writes a OutboxState as its name, never as a number.
template <class Json> void to_json(Json& j, OutboxState v) {
    j = std::string(to_string(v));
}

} // namespace shopkit
