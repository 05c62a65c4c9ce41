// One run of shopannounce: take incident records (and the incidents open in the
// state), decide what each target is due (lib/announce/policy), queue it in the
// outbox, send what may be sent now, and report each notice handled.
#pragma once

#include "lib/config/config.hpp"
#include "lib/core/clock.hpp"
#include "lib/state/state.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace shopkit {

struct AnnounceOptions {
    std::optional<std::filesystem::path> state; // --state; else [shop] state, else the default
    std::istream* input = nullptr;              // records to read, or null
    std::string input_name = "<stdin>";
    bool dry_run = false;             // render, print, change and send nothing
    bool hold = false;                // customer notices wait for --approve
    std::vector<std::string> targets; // only these target ids (empty = all)
    // A notice a person asks for now (--event, --channel, --message).
    std::optional<Event> event;
    std::optional<std::string> channel;
    std::string message;
    // Looking after the outbox.
    bool list_pending = false;
    std::optional<std::int64_t> approve;
    std::optional<std::int64_t> discard;
    // The state to use instead of opening the file `state` names (tests pass
    // in-memory stores).
    const Stores* stores = nullptr;
};

// Where a run's output goes, as it happens.
struct AnnounceSink {
    std::function<void(const std::string& raw_line)> pass;    // an input line, unchanged
    std::function<void(const nlohmann::json& record)> record; // an announcement (or outbox) record
    // --dry-run: the notice as its target would receive it.
    std::function<void(const nlohmann::json& record, const std::string& preview)> preview;
    std::function<void(const std::string& message)> bad_input; // "<stdin>:LINE: why"
};

// Runs once and returns the exit status: 0 everything due was sent (held
// notices wait for a person and are not failures), 75 something stays queued or
// failed, 65 an input line was not a record (the rest was still handled). Throws
// Error for a bad config (78) or usage (64).
int run_announce(const Config& config, const AnnounceOptions& options, const AnnounceSink& sink,
                 const Clock& clock);

} // namespace shopkit
