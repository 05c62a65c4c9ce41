#include "lib/state/runbook_store.hpp"

#include "lib/core/clock.hpp"
#include "lib/state/database.hpp"

#include <fmt/core.h>
#include <sqlite3.h>

#include <functional>

namespace shopkit {

namespace {

constexpr const char* step_columns =
    "id, incident, event, name, step, state, attempts, created, next_attempt, finished, owner,"
    " lease_until, exit_status, duration_ms, error, output";

std::optional<std::string> time_text(const std::optional<TimePoint>& t) {
    return t ? std::optional(format_utc(*t)) : std::nullopt;
}

class SqliteRunbookStore final : public RunbookStore {
  public:
    explicit SqliteRunbookStore(Database& db) : db_(db) {}

    bool add_step_run(StepRun& run) override {
        static const std::string sql =
            fmt::format("INSERT INTO runbook_runs ({}) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, NULL,"
                        " NULL, NULL, NULL, 0, NULL, NULL) ON CONFLICT (incident, name, step)"
                        " DO NOTHING",
                        step_columns);
        const auto next = time_text(run.next_attempt);
        const std::string created = format_utc(run.created); // bound by reference: keep it alive
        Use q(db_.prepared(sql.c_str()));
        db_.bind(q.get(), 1, run.incident);
        db_.bind(q.get(), 2, run.event);
        db_.bind(q.get(), 3, run.name);
        db_.bind(q.get(), 4, run.step);
        db_.bind(q.get(), 5, run.state);
        db_.bind(q.get(), 6, static_cast<long long>(run.attempts));
        db_.bind(q.get(), 7, created);
        if (next)
            db_.bind(q.get(), 8, *next);
        db_.step(q.get(),
                 fmt::format("record step {} for {} of {}", run.step, run.name, run.incident));
        if (db_.changes() == 0)
            return false;
        run.id = db_.last_insert_rowid();
        return true;
    }

    std::vector<StepRun> step_runs(const std::string& incident) override {
        static const std::string sql =
            fmt::format("SELECT {} FROM runbook_runs WHERE incident = ? ORDER BY id", step_columns);
        return query(sql.c_str(), [&](sqlite3_stmt* s) { db_.bind(s, 1, incident); });
    }

    std::vector<StepRun> unfinished_step_runs() override {
        static const std::string sql = fmt::format(
            "SELECT {} FROM runbook_runs WHERE state IN ('pending', 'running') ORDER BY id",
            step_columns);
        return query(sql.c_str(), [](sqlite3_stmt*) {});
    }

    void update_step_run(const StepRun& run) override {
        static constexpr const char* sql =
            "UPDATE runbook_runs SET state = ?, attempts = ?, next_attempt = ?, finished = ?,"
            " owner = ?, lease_until = ?, exit_status = ?, duration_ms = ?, error = ?, output = ?"
            " WHERE id = ?";
        const auto next = time_text(run.next_attempt);
        const auto finished = time_text(run.finished);
        const auto lease = time_text(run.lease_until);
        Use q(db_.prepared(sql));
        db_.bind(q.get(), 1, run.state);
        db_.bind(q.get(), 2, static_cast<long long>(run.attempts));
        if (next)
            db_.bind(q.get(), 3, *next);
        if (finished)
            db_.bind(q.get(), 4, *finished);
        if (!run.owner.empty())
            db_.bind(q.get(), 5, run.owner);
        if (lease)
            db_.bind(q.get(), 6, *lease);
        if (run.exit_status)
            db_.bind(q.get(), 7, static_cast<long long>(*run.exit_status));
        db_.bind(q.get(), 8, static_cast<long long>(run.duration_ms));
        if (!run.error.empty())
            db_.bind(q.get(), 9, run.error);
        if (!run.output.empty())
            db_.bind(q.get(), 10, run.output);
        db_.bind(q.get(), 11, static_cast<long long>(run.id));
        db_.step(q.get(), fmt::format("update runbook run {}", run.id));
        if (db_.changes() == 0)
            db_.fail_data(fmt::format("runbook run {} does not exist", run.id));
    }

  private:
    StepRun read(sqlite3_stmt* s) const {
        StepRun r;
        r.id = sqlite3_column_int64(s, 0);
        r.incident = db_.column_text(s, 1).value_or("");
        r.event = db_.column_enum(s, 2, &event_from_string, "runbook event");
        r.name = db_.column_text(s, 3).value_or("");
        r.step = db_.column_text(s, 4).value_or("");
        r.state = db_.column_enum(s, 5, &step_state_from_string, "runbook state");
        r.attempts = sqlite3_column_int(s, 6);
        r.created = db_.column_time(s, 7, "runbook");
        r.next_attempt = db_.column_opt_time(s, 8, "runbook");
        r.finished = db_.column_opt_time(s, 9, "runbook");
        r.owner = db_.column_text(s, 10).value_or("");
        r.lease_until = db_.column_opt_time(s, 11, "runbook");
        if (sqlite3_column_type(s, 12) != SQLITE_NULL)
            r.exit_status = sqlite3_column_int(s, 12);
        r.duration_ms = sqlite3_column_int64(s, 13);
        r.error = db_.column_text(s, 14).value_or("");
        r.output = db_.column_text(s, 15).value_or("");
        return r;
    }

    std::vector<StepRun> query(const char* sql, const std::function<void(sqlite3_stmt*)>& bind_fn) {
        Use q(db_.prepared(sql));
        bind_fn(q.get());
        std::vector<StepRun> out;
        while (db_.step(q.get(), "read runbook runs"))
            out.push_back(read(q.get()));
        return out;
    }

    Database& db_;
};

} // namespace

std::unique_ptr<RunbookStore> make_sqlite_runbook_store(Database& db) {
    return std::make_unique<SqliteRunbookStore>(db);
}

} // namespace shopkit
