// The state store: what shopkit remembers between runs (counters, check
// history, incidents and their events). One interface, so a PostgreSQL
// implementation can follow the SQLite one; the SQL is kept to what both run.
#pragma once

#include "lib/check.hpp"
#include "lib/incident.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace shopkit {

using CheckKey = std::pair<std::string, std::string>; // (channel, check)

class StateStore {
public:
    virtual ~StateStore() = default;

    // Runs `fn` in one write transaction (SQLite: BEGIN IMMEDIATE, waiting up to
    // the busy timeout for another run). Commits when fn returns; rolls back and
    // rethrows when it throws.
    virtual void transaction(const std::function<void()>& fn) = 0;

    // All remembered counters.
    virtual std::map<CheckKey, CheckCounter> load_counters() = 0;
    virtual void save_counter(const CheckKey& key, const CheckCounter& counter) = 0;

    // Appends one result to the check history.
    virtual void add_history(const CheckResult& result) = 0;
    // Deletes history older than `before`.
    virtual void prune_history(TimePoint before) = 0;

    // Open incidents (until unset), keyed by channel.
    virtual std::map<std::string, Incident> open_incidents() = 0;
    // True when an incident with this id was ever recorded.
    virtual bool incident_exists(const std::string& id) = 0;
    // Records an event and applies it to the incident row (opened: insert;
    // updated: severity/checks; resolved: until).
    virtual void record_event(const IncidentEvent& event) = 0;
    // Events of one incident, oldest first.
    virtual std::vector<IncidentEvent> incident_events(const std::string& id) = 0;
};

// $XDG_STATE_HOME/shopkit/state.db (~/.local/state when unset).
std::filesystem::path default_state_path();

// Opens (creating it and its directory if need be) an SQLite state file in WAL
// mode with the given busy timeout. Throws std::runtime_error naming the path and
// SQLite's message when the file cannot be opened, or its schema is from a newer
// shopkit; every later SQLite failure is a std::runtime_error too.
std::unique_ptr<StateStore> open_sqlite_state(const std::filesystem::path& path,
                                              std::chrono::milliseconds busy_timeout = std::chrono::seconds(60));

} // namespace shopkit
