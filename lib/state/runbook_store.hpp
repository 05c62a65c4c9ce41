// The runbook's storage: one row per (incident, event occurrence, step), written
// before the step starts, so a re-run, an overlapping run or a run after a kill
// never repeats a step that finished.
#pragma once

#include "lib/model/step_run.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shopkit {

class Database;

class RunbookStore {
  public:
    virtual ~RunbookStore() = default;
    // Inserts a row unless one with the same (incident, name, step) exists;
    // returns true and sets run.id when it inserted.
    virtual bool add_step_run(StepRun& run) = 0;
    // Rows of one incident in creation order.
    virtual std::vector<StepRun> step_runs(const std::string& incident) = 0;
    // Rows in state pending or running, in creation order.
    virtual std::vector<StepRun> unfinished_step_runs() = 0;
    // Writes a row's mutable fields (state, attempts, next_attempt, finished,
    // owner, lease_until, exit_status, duration_ms, error, output); throws when
    // the row does not exist.
    virtual void update_step_run(const StepRun& run) = 0;
};

// The SQLite RunbookStore on `db`, which must outlive it. Failures throw
// std::runtime_error naming the file.
std::unique_ptr<RunbookStore> make_sqlite_runbook_store(Database& db);

} // namespace shopkit
