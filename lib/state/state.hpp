// The state store: what shopkit remembers between runs (counters, check
// history, incidents and their events). One interface, so a PostgreSQL
// implementation can follow the SQLite one; the SQL is kept to what both run.
#pragma once

#include "lib/model/check_counter.hpp"
#include "lib/model/check_result.hpp"
#include "lib/model/incident.hpp"
#include "lib/model/outbox_row.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace shopkit {

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
    // One incident, open or not.
    virtual std::optional<Incident> incident(const std::string& id) = 0;
    // Incidents open now or active at any time since `from`, newest first.
    virtual std::vector<Incident> incidents_since(TimePoint from) = 0;

    // The outbox. enqueue inserts a row unless one with the same (incident, name,
    // target) exists; returns true and sets row.id when it inserted.
    virtual bool enqueue(OutboxRow& row) = 0;
    // Rows of one incident (all targets) in creation order.
    virtual std::vector<OutboxRow> outbox_for_incident(const std::string& incident) = 0;
    // Rows in any of these states, in creation order.
    virtual std::vector<OutboxRow> outbox_in_states(const std::vector<OutboxState>& states) = 0;
    virtual std::optional<OutboxRow> outbox_row(std::int64_t id) = 0;
    // Writes a row's mutable fields (state, attempts, next_attempt, finished,
    // owner, lease_until, remote_id, error).
    virtual void update_outbox(const OutboxRow& row) = 0;

    // E-mail batches: the recipients of an outbox row already dealt with
    // (accepted or refused), so a re-run after a kill mails only the rest.
    virtual std::vector<std::string> recipients_done(std::int64_t outbox_id) = 0;
    // Records one recipient's result ("sent" | "rejected") at once, in its own
    // transaction unless one is open.
    virtual void record_recipient(std::int64_t outbox_id, const std::string& address,
                                  const std::string& result, const std::string& error) = 0;
};

// $XDG_STATE_HOME/shopkit/state.db (~/.local/state when unset).
std::filesystem::path default_state_path();

// Opens (creating it and its directory if need be) an SQLite state file in WAL
// mode with the given busy timeout. Throws std::runtime_error naming the path and
// SQLite's message when the file cannot be opened, or its schema is from a newer
// shopkit; every later SQLite failure is a std::runtime_error too.
std::unique_ptr<StateStore>
open_sqlite_state(const std::filesystem::path& path,
                  std::chrono::milliseconds busy_timeout = std::chrono::seconds(60));

} // namespace shopkit
