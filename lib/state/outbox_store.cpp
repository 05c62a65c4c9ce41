#include "lib/state/outbox_store.hpp"

#include "lib/core/clock.hpp"
#include "lib/state/database.hpp"

#include <fmt/core.h>
#include <sqlite3.h>

#include <chrono>
#include <functional>

namespace shopkit {

namespace {

constexpr const char* outbox_columns =
    "id, incident, event, name, target, audience, state, key, attempts, created, next_attempt,"
    " finished, owner, lease_until, text, template_source, template_path, context, remote_id,"
    " error";

class SqliteOutboxStore final : public OutboxStore {
  public:
    explicit SqliteOutboxStore(Database& db) : db_(db) {}

    bool enqueue(OutboxRow& row) override;
    std::vector<OutboxRow> outbox_for_incident(const std::string& incident) override;
    std::vector<OutboxRow> outbox_in_states(const std::vector<OutboxState>& states) override;
    std::optional<OutboxRow> outbox_row(std::int64_t id) override;
    void update_outbox(const OutboxRow& row) override;
    std::vector<std::string> recipients_done(std::int64_t outbox_id) override;
    void record_recipient(std::int64_t outbox_id, const std::string& address,
                          const std::string& result, const std::string& error) override;

  private:
    // A row from the outbox_columns, in order.
    OutboxRow read_outbox(sqlite3_stmt* s) const;
    std::vector<OutboxRow> outbox_query(const char* sql,
                                        const std::function<void(sqlite3_stmt*)>& bind_fn);

    Database& db_;
};

OutboxRow SqliteOutboxStore::read_outbox(sqlite3_stmt* s) const {
    OutboxRow r;
    r.id = sqlite3_column_int64(s, 0);
    r.incident = db_.column_text(s, 1).value_or("");
    r.event = db_.column_enum(s, 2, &event_from_string, "outbox event");
    r.name = db_.column_text(s, 3).value_or("");
    r.target = db_.column_text(s, 4).value_or("");
    r.audience = db_.column_enum(s, 5, &audience_from_string, "audience");
    r.state = db_.column_enum(s, 6, &outbox_state_from_string, "outbox state");
    r.key = db_.column_text(s, 7).value_or("");
    r.attempts = sqlite3_column_int(s, 8);
    r.created = db_.column_time(s, 9, "outbox");
    r.next_attempt = db_.column_opt_time(s, 10, "outbox");
    r.finished = db_.column_opt_time(s, 11, "outbox");
    r.owner = db_.column_text(s, 12).value_or("");
    r.lease_until = db_.column_opt_time(s, 13, "outbox");
    r.text = db_.column_text(s, 14).value_or("");
    r.template_source = db_.column_text(s, 15).value_or("");
    r.template_path = db_.column_text(s, 16).value_or("");
    r.context = db_.column_text(s, 17).value_or("{}");
    r.remote_id = db_.column_text(s, 18).value_or("");
    r.error = db_.column_text(s, 19).value_or("");
    return r;
}

std::vector<OutboxRow>
SqliteOutboxStore::outbox_query(const char* sql,
                                const std::function<void(sqlite3_stmt*)>& bind_fn) {
    Use q(db_.prepared(sql));
    bind_fn(q.get());
    std::vector<OutboxRow> out;
    while (db_.step(q.get(), "read outbox"))
        out.push_back(read_outbox(q.get()));
    return out;
}

bool SqliteOutboxStore::enqueue(OutboxRow& row) {
    static const std::string sql = fmt::format(
        "INSERT INTO outbox ({}) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " ?, ?, ?) ON CONFLICT (incident, name, target) DO NOTHING",
        outbox_columns);
    const std::string created = format_utc(row.created);
    const auto next =
        row.next_attempt ? std::optional(format_utc(*row.next_attempt)) : std::nullopt;
    Use q(db_.prepared(sql.c_str()));
    db_.bind(q.get(), 1, row.incident);
    db_.bind(q.get(), 2, row.event);
    db_.bind(q.get(), 3, row.name);
    db_.bind(q.get(), 4, row.target);
    db_.bind(q.get(), 5, row.audience);
    db_.bind(q.get(), 6, row.state);
    db_.bind(q.get(), 7, row.key);
    db_.bind(q.get(), 8, static_cast<long long>(row.attempts));
    db_.bind(q.get(), 9, created);
    if (next)
        db_.bind(q.get(), 10, *next);
    db_.bind(q.get(), 14, row.text);
    db_.bind(q.get(), 15, row.template_source);
    db_.bind(q.get(), 16, row.template_path);
    db_.bind(q.get(), 17, row.context);
    db_.step(q.get(),
             fmt::format("queue notice {} of {} for {}", row.name, row.incident, row.target));
    if (db_.changes() == 0)
        return false;
    row.id = db_.last_insert_rowid();
    return true;
}

std::vector<OutboxRow> SqliteOutboxStore::outbox_for_incident(const std::string& incident) {
    static const std::string sql =
        fmt::format("SELECT {} FROM outbox WHERE incident = ? ORDER BY id", outbox_columns);
    return outbox_query(sql.c_str(), [&](sqlite3_stmt* s) { db_.bind(s, 1, incident); });
}

std::vector<OutboxRow> SqliteOutboxStore::outbox_in_states(const std::vector<OutboxState>& states) {
    // One statement for any set of states: the set is passed as JSON text and
    // compared with instr on a delimited list, which both engines can run.
    static const std::string sql =
        fmt::format("SELECT {} FROM outbox WHERE instr(?, ',' || state || ',') > 0 ORDER BY id",
                    outbox_columns);
    std::string list = ",";
    for (const auto& st : states)
        list += std::string(to_string(st)) + ",";
    return outbox_query(sql.c_str(), [&](sqlite3_stmt* s) { db_.bind(s, 1, list); });
}

std::optional<OutboxRow> SqliteOutboxStore::outbox_row(std::int64_t id) {
    static const std::string sql =
        fmt::format("SELECT {} FROM outbox WHERE id = ?", outbox_columns);
    auto rows = outbox_query(sql.c_str(),
                             [&](sqlite3_stmt* s) { db_.bind(s, 1, static_cast<long long>(id)); });
    if (rows.empty())
        return std::nullopt;
    return std::move(rows.front());
}

void SqliteOutboxStore::update_outbox(const OutboxRow& row) {
    static constexpr const char* sql =
        "UPDATE outbox SET state = ?, attempts = ?, next_attempt = ?, finished = ?, owner = ?,"
        " lease_until = ?, remote_id = ?, error = ? WHERE id = ?";
    auto text = [](const std::optional<TimePoint>& t) {
        return t ? std::optional(format_utc(*t)) : std::nullopt;
    };
    const auto next = text(row.next_attempt);
    const auto finished = text(row.finished);
    const auto lease = text(row.lease_until);
    Use q(db_.prepared(sql));
    db_.bind(q.get(), 1, row.state);
    db_.bind(q.get(), 2, static_cast<long long>(row.attempts));
    if (next)
        db_.bind(q.get(), 3, *next);
    if (finished)
        db_.bind(q.get(), 4, *finished);
    if (!row.owner.empty())
        db_.bind(q.get(), 5, row.owner);
    if (lease)
        db_.bind(q.get(), 6, *lease);
    if (!row.remote_id.empty())
        db_.bind(q.get(), 7, row.remote_id);
    if (!row.error.empty())
        db_.bind(q.get(), 8, row.error);
    db_.bind(q.get(), 9, static_cast<long long>(row.id));
    db_.step(q.get(), fmt::format("update outbox row {}", row.id));
    if (db_.changes() == 0)
        db_.fail_data(fmt::format("outbox row {} does not exist", row.id));
}

std::vector<std::string> SqliteOutboxStore::recipients_done(std::int64_t outbox_id) {
    static constexpr const char* sql =
        "SELECT address FROM outbox_recipients WHERE outbox = ? ORDER BY address";
    Use q(db_.prepared(sql));
    db_.bind(q.get(), 1, static_cast<long long>(outbox_id));
    std::vector<std::string> out;
    while (db_.step(q.get(), "read outbox recipients"))
        out.push_back(db_.column_text(q.get(), 0).value_or(""));
    return out;
}

void SqliteOutboxStore::record_recipient(std::int64_t outbox_id, const std::string& address,
                                         const std::string& result, const std::string& error) {
    static constexpr const char* sql =
        "INSERT INTO outbox_recipients (outbox, address, result, error, time)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (outbox, address) DO UPDATE SET"
        " result = excluded.result, error = excluded.error, time = excluded.time";
    const std::string now = format_utc(std::chrono::system_clock::now());
    db_.transaction([&] {
        Use q(db_.prepared(sql));
        db_.bind(q.get(), 1, static_cast<long long>(outbox_id));
        db_.bind(q.get(), 2, address);
        db_.bind(q.get(), 3, result);
        if (!error.empty())
            db_.bind(q.get(), 4, error);
        db_.bind(q.get(), 5, now);
        db_.step(q.get(), "record an e-mail recipient");
    });
}

} // namespace

std::unique_ptr<OutboxStore> make_sqlite_outbox_store(Database& db) {
    return std::make_unique<SqliteOutboxStore>(db);
}

} // namespace shopkit
