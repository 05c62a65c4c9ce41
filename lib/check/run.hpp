// One run of shopcheck, as a library call: probe every selected check once,
// concurrently, judge the answers, advance the counters, open/update/resolve
// incidents, all in one state transaction.
#pragma once

#include "lib/config/config.hpp"
#include "lib/detect/evaluate.hpp"
#include "lib/detect/incident_logic.hpp"
#include "lib/net/probe.hpp"
#include "lib/state/state.hpp"

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace shopkit {

struct RunOptions {
    std::vector<std::string> channels;          // empty = all; unknown id = usage_error
    std::optional<std::filesystem::path> state; // overrides [shop] state
    bool keep_state = true;                     // false: no counters, no incidents (thresholds off)
    std::optional<int> concurrency;             // overrides [policy] concurrency
    // The state to use instead of opening the file (tests pass in-memory
    // stores). Unset: the file (`state`, else [shop] state, else the default)
    // is opened only once the probes are judged, so a run that records
    // nothing (our own network down) never creates it.
    const Stores* stores = nullptr;
};

struct RunOutcome {
    std::vector<CheckResult> results;    // config order; `state` after thresholds
    std::vector<IncidentEvent> events;   // opened/updated/resolved in this run
    std::set<std::string> open_channels; // channels with an open incident after the run
    bool state_kept = false;
    std::filesystem::path state_path; // the state database used, when kept
    bool network_down = false;        // every canary failed: nothing was judged
    std::string network_detail;       // why, for people
    int exit_status = 0;              // 0 up, 1 degraded, 2 down, 3 unknown
    // Set when the open-file limit lowered --concurrency: the transfers run at
    // once, and the limit (after raising the soft limit to the hard one).
    std::optional<std::size_t> concurrency_cap;
    std::size_t open_file_limit = 0;
};

// Runs the checks, at most `concurrency` at once and no more than the open-file
// limit allows (raise_open_file_limit, transfers_within). Throws usage_error for an
// unknown --channel, config_error for a config without [[channel]] or an
// unreadable secret, std::runtime_error for a state store failure.
RunOutcome run_checks(const Config& config, const RunOptions& options, Transport& transport,
                      const Clock& clock);

} // namespace shopkit
