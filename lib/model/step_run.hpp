// One runbook step's run for one incident event: the row shoprecover writes
// before the step starts, so that no step that finished is ever run twice.
#pragma once

#include "lib/core/clock.hpp"
#include "lib/model/incident.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shopkit {

// pending: due (now or at next_attempt); running: claimed by a run; ok and
// skipped: done for good; failed: gave up after the step's retries.
enum class StepState { pending, running, ok, failed, skipped };

// "pending", "running", "ok", "failed", "skipped".
std::string_view to_string(StepState s);
// The inverse of to_string; nullopt for anything else.
std::optional<StepState> step_state_from_string(std::string_view s);

struct StepRun {
    std::int64_t id = 0;
    std::string incident;
    Event event = Event::opened;
    std::string name; // the event occurrence: "opened", "resolved", "updated-<UTC time>"
    std::string step; // the [[runbook.step]] id
    StepState state = StepState::pending;
    int attempts = 0;
    TimePoint created;
    std::optional<TimePoint> next_attempt; // pending after a failure: not before this
    std::optional<TimePoint> finished;
    std::string owner; // "HOST:PID" while running
    std::optional<TimePoint> lease_until;
    std::optional<int> exit_status; // of the last attempt's command
    std::int64_t duration_ms = 0;   // of the last attempt
    std::string error;              // why the last attempt failed (redacted)
    std::string output;             // the last lines of its stderr (redacted)
};

// JSON (any nlohmann basic_json) writes a StepState as its name, never as a number.
template <class Json> void to_json(Json& j, StepState v) {
    j = std::string(to_string(v));
}

} // namespace shopkit
