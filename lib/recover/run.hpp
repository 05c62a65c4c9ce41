// One run of shoprecover, as library calls:
//  - run_recover: take incident records (and the incident events in the state),
//    run each runbook step due for them once, retry failed ones on later runs;
//  - confirm_recovery (--confirm): probe an incident's channel until every check
//    passes recover_after rounds in a row, then resolve it and run its steps;
//  - drill_runbook (--drill): is everything ready for a sale?
#pragma once

#include "lib/config/config.hpp"
#include "lib/core/clock.hpp"
#include "lib/core/duration.hpp"
#include "lib/net/probe.hpp"
#include "lib/state/state.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <istream>
#include <optional>
#include <string>

namespace shopkit {

struct RecoverOptions {
    std::optional<std::filesystem::path> state; // --state; else [shop] state, else the default
    std::istream* input = nullptr;              // records to read, or null
    std::string input_name = "<stdin>";
    bool dry_run = false; // say what would run; run, record and change nothing

    // --confirm [--incident ID] [--wait D] [--interval D]
    std::optional<std::string> incident; // empty = every open incident
    Millis wait{std::chrono::minutes(30)};
    Millis interval{std::chrono::seconds(30)};

    // --drill [--event NAME]: the sale to drill for (steps with sale = true).
    std::optional<std::string> sale_event;

    // The state to use instead of opening the file (tests pass in-memory stores).
    const Stores* stores = nullptr;
    // Waits between confirmation rounds (tests pass one that only advances a clock).
    std::function<void(Millis)> sleep;
};

// Where a run's output goes, as it happens.
struct RecoverSink {
    std::function<void(const std::string& raw_line)> pass;     // an input line, unchanged
    std::function<void(const nlohmann::json& record)> record;  // step, incident, drill records
    std::function<void(const std::string& message)> bad_input; // "<stdin>:LINE: why"
    std::function<void(const std::string& message)> progress;  // one line per round (-v)
};

// Runs the due steps and returns the exit status: 0 every due step ran (or
// nothing was due), 75 a step failed or waits for its retry, 65 an input line
// was not a record (the rest was still handled). Throws Error for a bad config
// (78) or usage (64).
int run_recover(const Config& config, const RecoverOptions& options, const RecoverSink& sink,
                const Clock& clock);

// --confirm: 0 recovered (resolved, resolved steps run; 75 if one of them
// failed), 1 not recovered within options.wait (the incident stays open).
// Throws usage_error for an unknown --incident.
int confirm_recovery(const Config& config, const RecoverOptions& options, Transport& transport,
                     const RecoverSink& sink, const Clock& clock);

// --drill: 0 every step is ready, 1 something is not (each problem a record).
int drill_runbook(const Config& config, const RecoverOptions& options, Transport& transport,
                  const RecoverSink& sink, const Clock& clock);

// Checks what config load cannot: every command step's program exists and is
// executable, every argument is a valid template. Throws config_error
// "FILE:LINE:COL: step 'ID': …" (exit 78) for the first problem.
void check_runbook(const Config& config);

// Remembers the value of every secret the config names (and of environment
// variables whose names say they hold one: *TOKEN*, *SECRET*, *PASSWORD*,
// *_KEY*) for redact(), so a step that prints its environment leaks nothing.
void remember_runbook_secrets(const Config& config);

} // namespace shopkit
