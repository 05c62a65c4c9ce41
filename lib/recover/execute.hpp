// One runbook step, run once for one incident event: a command (argv rendered
// from Mustache, no shell, the incident in its environment and on its stdin,
// killed with its process group at the timeout), the switch_link landing page,
// or a webhook. The caller (lib/recover/run) decides when and records the run.
#pragma once

#include "lib/config/config.hpp"
#include "lib/core/clock.hpp"
#include "lib/model/check_counter.hpp"
#include "lib/model/incident.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace shopkit {

// What a step sees of the world when it runs.
struct StepInput {
    const Config* config = nullptr;
    const RunbookStep* step = nullptr;
    Incident incident; // as it is after the event
    Event event = Event::opened;
    TimePoint event_time{};
    TimePoint now{};
    std::map<CheckKey, CheckCounter> counters; // for the alternatives
    std::map<std::string, Incident> open;      // open incidents by channel (switch_link)
};

struct StepOutcome {
    bool ok = false;
    std::optional<int> exit_status; // a command's exit status
    long long duration_ms = 0;
    std::string error;  // why it failed, one line (redacted)
    std::string output; // the last lines of a command's stderr (redacted)
    nlohmann::json detail = nlohmann::json::object(); // action facts: "link", "http_status"
};

// The variables a step's arguments see: the notice variables (lib/render/
// notice_context, alternatives included) and `step` (its id).
nlohmann::json step_context(const StepInput& in);

// The command's argv, each argument rendered once in plain mode (a "{{" inside
// a value is never expanded again). Throws config_error "WHERE: step 'ID': …"
// for a template syntax error.
std::vector<std::string> step_argv(const StepInput& in);

// SHOPKIT_INCIDENT, SHOPKIT_CHANNEL, SHOPKIT_EVENT, SHOPKIT_SEVERITY,
// SHOPKIT_CHECKS (comma-separated), SHOPKIT_SALE (when the incident started
// inside a sale): added to the inherited environment of a command.
std::vector<std::pair<std::string, std::string>> step_environment(const StepInput& in);

// Runs the step once. Never throws for the step's own failure (that is a
// failed outcome); throws config_error for a broken template.
StepOutcome run_step(const StepInput& in);

} // namespace shopkit
