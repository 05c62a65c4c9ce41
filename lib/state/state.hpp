// The state: what shopkit remembers between runs, as one small store per
// concern (checks, incidents, the outbox, the runbook's step runs, the history
// shopreport reads, the credentials targets renew), each an interface so a
// PostgreSQL implementation can follow the SQLite one; the SQL is kept to what both run.
//
// Code that uses the state takes a `Stores` (references, not owned) and never
// opens a file itself; a program opens one with open_sqlite_state() and hands
// its stores() down. Tests pass in-memory stores instead.
#pragma once

#include "lib/state/check_store.hpp"
#include "lib/state/credential_store.hpp"
#include "lib/state/database.hpp"
#include "lib/state/history_store.hpp"
#include "lib/state/incident_store.hpp"
#include "lib/state/outbox_store.hpp"
#include "lib/state/runbook_store.hpp"

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>

namespace shopkit {

// The stores of one state, and the transaction that spans them all.
struct Stores {
    Transactional& tx;
    CheckStore& checks;
    IncidentStore& incidents;
    OutboxStore& outbox;
    RunbookStore& runbook;
    HistoryStore& history;
    CredentialStore& credentials;

    // tx.transaction(fn): one write transaction over every store.
    void transaction(const std::function<void()>& fn) const { tx.transaction(fn); }
};

// An open SQLite state file and its stores; closes the file when destroyed.
class StateHandle {
  public:
    explicit StateHandle(std::unique_ptr<Database> db);
    ~StateHandle();
    StateHandle(const StateHandle&) = delete;
    StateHandle& operator=(const StateHandle&) = delete;

    // The connection under the stores.
    Database& db() { return *db_; }
    // The stores, valid while this handle lives.
    const Stores& stores() const { return stores_; }

  private:
    std::unique_ptr<Database> db_;
    std::unique_ptr<CheckStore> checks_;
    std::unique_ptr<IncidentStore> incidents_;
    std::unique_ptr<OutboxStore> outbox_;
    std::unique_ptr<RunbookStore> runbook_;
    std::unique_ptr<HistoryStore> history_;
    std::unique_ptr<CredentialStore> credentials_;
    Stores stores_;
};

// $XDG_STATE_HOME/shopkit/state.db (~/.local/state when unset).
std::filesystem::path default_state_path();

// Opens (creating it and its directory if need be) an SQLite state file in WAL
// mode with the given busy timeout, bringing its schema up to date. Throws
// std::runtime_error naming the path and SQLite's message when the file cannot
// be opened, or its schema is from a newer shopkit; every later SQLite failure
// is a std::runtime_error too.
std::unique_ptr<StateHandle>
open_sqlite_state(const std::filesystem::path& path,
                  std::chrono::milliseconds busy_timeout = std::chrono::seconds(60));

// Opens an existing SQLite state file for reading only (shopreport): nothing in
// it changes, its schema included. Throws std::runtime_error naming the path when
// it is missing, cannot be opened, or its schema is not the latest.
std::unique_ptr<StateHandle> open_sqlite_state_read_only(const std::filesystem::path& path);

} // namespace shopkit
