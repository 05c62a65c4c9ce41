#include "lib/state/state.hpp"

#include "lib/core/clock.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string_view>
#include <thread>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

namespace shopkit {

namespace {

// 1: checks and incidents (shopcheck). 2: the announcement outbox. Older files
// are brought up to date by the CREATE … IF NOT EXISTS below.
constexpr int schema_version = 2;

// The DDL is SQLite's; the queries below stay within what PostgreSQL also runs
// (TEXT/INTEGER, ON CONFLICT … DO UPDATE, partial indexes), so a second store is
// a port of this file's DDL, not of its logic. Times are RFC 3339 UTC text:
// readable in `sqlite3 state.db`, and text order is time order.
//
// check_history has no (channel, check_id, time) index on purpose: a run adds
// one row per check, and such an index puts each of them on a different leaf
// page once the history is a few hundred runs deep. At 10,000 checks and 2M
// history rows that made a run's writes ~8x slower (~800 ms against ~100 ms);
// the time index only ever appends, and reports read a time range anyway.
constexpr const char* schema_sql = R"(
CREATE TABLE IF NOT EXISTS check_state (
    channel    TEXT NOT NULL,
    check_id   TEXT NOT NULL,
    state      TEXT NOT NULL,
    fails      INTEGER NOT NULL,
    passes     INTEGER NOT NULL,
    first_fail TEXT,
    last_time  TEXT,
    PRIMARY KEY (channel, check_id)
);
CREATE TABLE IF NOT EXISTS check_history (
    id          INTEGER PRIMARY KEY,
    time        TEXT NOT NULL,
    channel     TEXT NOT NULL,
    check_id    TEXT NOT NULL,
    raw_state   TEXT NOT NULL,
    state       TEXT NOT NULL,
    http_status INTEGER,
    latency_ms  INTEGER,
    error       TEXT
);
CREATE INDEX IF NOT EXISTS check_history_time ON check_history (time);
CREATE TABLE IF NOT EXISTS incidents (
    id       TEXT PRIMARY KEY,
    channel  TEXT NOT NULL,
    severity TEXT NOT NULL,
    checks   TEXT NOT NULL,
    since    TEXT NOT NULL,
    until    TEXT
);
CREATE INDEX IF NOT EXISTS incidents_open ON incidents (channel) WHERE until IS NULL;
CREATE TABLE IF NOT EXISTS incident_events (
    id       INTEGER PRIMARY KEY,
    incident TEXT NOT NULL REFERENCES incidents (id),
    event    TEXT NOT NULL,
    time     TEXT NOT NULL,
    severity TEXT NOT NULL,
    checks   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS incident_events_incident ON incident_events (incident, id);
CREATE TABLE IF NOT EXISTS outbox (
    id              INTEGER PRIMARY KEY,
    incident        TEXT NOT NULL,
    event           TEXT NOT NULL,
    name            TEXT NOT NULL,
    target          TEXT NOT NULL,
    audience        TEXT NOT NULL,
    state           TEXT NOT NULL,
    key             TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    created         TEXT NOT NULL,
    next_attempt    TEXT,
    finished        TEXT,
    owner           TEXT,
    lease_until     TEXT,
    text            TEXT NOT NULL,
    template_source TEXT NOT NULL,
    template_path   TEXT NOT NULL,
    context         TEXT NOT NULL,
    remote_id       TEXT,
    error           TEXT,
    UNIQUE (incident, name, target)
);
CREATE INDEX IF NOT EXISTS outbox_state ON outbox (state);
CREATE TABLE IF NOT EXISTS outbox_recipients (
    outbox  INTEGER NOT NULL REFERENCES outbox (id),
    address TEXT NOT NULL,
    result  TEXT NOT NULL,
    error   TEXT,
    time    TEXT NOT NULL,
    PRIMARY KEY (outbox, address)
);
)";

constexpr const char* outbox_columns =
    "id, incident, event, name, target, audience, state, key, attempts, created, next_attempt,"
    " finished, owner, lease_until, text, template_source, template_path, context, remote_id,"
    " error";

// Every statement a run uses more than once, prepared once per connection.
constexpr int batch_rows = 64;

enum Sql : std::size_t {
    sql_begin,
    sql_commit,
    sql_rollback,
    sql_load_counters,
    sql_prune_history,
    sql_open_incidents,
    sql_incident_exists,
    sql_insert_incident,
    sql_update_incident,
    sql_resolve_incident,
    sql_insert_event,
    sql_incident_events,
    sql_count,
};

constexpr std::array<const char*, sql_count> sql_text = {
    "BEGIN IMMEDIATE",
    "COMMIT",
    "ROLLBACK",
    "SELECT channel, check_id, state, fails, passes, first_fail, last_time FROM check_state",
    "DELETE FROM check_history WHERE time < ?",
    "SELECT id, channel, severity, checks, since, until FROM incidents WHERE until IS NULL"
    " ORDER BY since, id",
    "SELECT 1 FROM incidents WHERE id = ?",
    "INSERT INTO incidents (id, channel, severity, checks, since, until)"
    " VALUES (?, ?, ?, ?, ?, NULL)",
    "UPDATE incidents SET severity = ?, checks = ? WHERE id = ?",
    "UPDATE incidents SET until = ? WHERE id = ?",
    "INSERT INTO incident_events (incident, event, time, severity, checks)"
    " VALUES (?, ?, ?, ?, ?)",
    "SELECT e.event, e.time, e.severity, e.checks, i.id, i.channel, i.since, i.until"
    " FROM incident_events e JOIN incidents i ON i.id = e.incident"
    " WHERE e.incident = ? ORDER BY e.id",
};

constexpr const char* counter_columns =
    "INSERT INTO check_state (channel, check_id, state, fails, passes, first_fail, last_time)"
    " VALUES ";
constexpr const char* counter_conflict =
    " ON CONFLICT (channel, check_id) DO UPDATE SET state = excluded.state,"
    " fails = excluded.fails, passes = excluded.passes, first_fail = excluded.first_fail,"
    " last_time = excluded.last_time";
constexpr const char* history_columns =
    "INSERT INTO check_history (time, channel, check_id, raw_state, state, http_status,"
    " latency_ms, error) VALUES ";
constexpr int counter_params = 7;
constexpr int history_params = 8;

// "(?, ?, …), (?, ?, …), …": `rows` rows of `params` parameters.
std::string values_rows(int rows, int params) {
    std::string row = "(";
    for (int i = 0; i < params; ++i)
        row += i ? ", ?" : "?";
    row += ")";
    std::string out;
    for (int r = 0; r < rows; ++r) {
        if (r)
            out += ", ";
        out += row;
    }
    return out;
}

bool is_busy(int rc) {
    return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

// Creates the missing directories above the state file, private to the user:
// the shop's outage history is nobody else's business.
void make_parent_dirs(const std::filesystem::path& file) {
    const std::filesystem::path parent = file.parent_path();
    if (parent.empty())
        return;
    std::filesystem::path prefix;
    for (const auto& part : parent) {
        prefix /= part;
        if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST)
            throw std::runtime_error(fmt::format("{}: cannot create directory {}: {}",
                                                 file.string(), prefix.string(),
                                                 std::strerror(errno)));
    }
}

// Resets a statement when the scope that used it ends, so no statement keeps a
// read open on the database between calls.
class Use {
  public:
    explicit Use(sqlite3_stmt* s) : s_(s) {}
    ~Use() {
        sqlite3_reset(s_);
        sqlite3_clear_bindings(s_);
    }
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    sqlite3_stmt* get() const { return s_; }

  private:
    sqlite3_stmt* s_;
};

std::string checks_json(const std::vector<std::string>& checks) {
    return nlohmann::json(checks).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

class SqliteState final : public StateStore {
  public:
    SqliteState(const std::filesystem::path& path, std::chrono::milliseconds busy_timeout);
    ~SqliteState() override;
    SqliteState(const SqliteState&) = delete;
    SqliteState& operator=(const SqliteState&) = delete;

    void transaction(const std::function<void()>& fn) override;
    std::map<CheckKey, CheckCounter> load_counters() override;
    void save_counter(const CheckKey& key, const CheckCounter& counter) override;
    void add_history(const CheckResult& result) override;
    void prune_history(TimePoint before) override;
    std::map<std::string, Incident> open_incidents() override;
    bool incident_exists(const std::string& id) override;
    void record_event(const IncidentEvent& event) override;
    std::vector<IncidentEvent> incident_events(const std::string& id) override;
    std::optional<Incident> incident(const std::string& id) override;
    std::vector<Incident> incidents_since(TimePoint from) override;
    bool enqueue(OutboxRow& row) override;
    std::vector<OutboxRow> outbox_for_incident(const std::string& incident) override;
    std::vector<OutboxRow> outbox_in_states(const std::vector<OutboxState>& states) override;
    std::optional<OutboxRow> outbox_row(std::int64_t id) override;
    void update_outbox(const OutboxRow& row) override;
    std::vector<std::string> recipients_done(std::int64_t outbox_id) override;
    void record_recipient(std::int64_t outbox_id, const std::string& address,
                          const std::string& result, const std::string& error) override;

  private:
    // A statement prepared once per connection, keyed by its text's address.
    sqlite3_stmt* prepared(const char* sql);
    std::map<const char*, sqlite3_stmt*> prepared_;
    Incident read_incident(sqlite3_stmt* s);
    OutboxRow read_outbox(sqlite3_stmt* s);
    std::vector<OutboxRow> outbox_query(const char* sql,
                                        const std::function<void(sqlite3_stmt*)>& bind_fn);

    [[noreturn]] void fail(std::string_view what) const;
    [[noreturn]] void fail_data(std::string_view what) const;
    sqlite3_stmt* stmt(Sql which);
    // Steps a statement; true for a row, false when done; throws otherwise.
    bool step(sqlite3_stmt* s, std::string_view what);
    void exec(const char* sql, std::string_view what);
    // Runs `attempt` (an sqlite return code) again while SQLite reports busy and
    // the busy timeout has not run out: the busy handler does not cover every
    // wait (a journal mode change, WAL recovery by another connection).
    int retry_busy(const std::function<int()>& attempt);
    void begin();
    void create_schema();

    void bind(sqlite3_stmt* s, int i, std::string_view text);
    void bind(sqlite3_stmt* s, int i, long long n);
    template <class E>
    requires std::is_enum_v<E>
    void bind(sqlite3_stmt* s, int i, E value) { bind(s, i, to_string(value)); }
    std::optional<std::string> column_text(sqlite3_stmt* s, int i) const;
    TimePoint column_time(sqlite3_stmt* s, int i, std::string_view what) const;
    std::optional<TimePoint> column_opt_time(sqlite3_stmt* s, int i, std::string_view what) const;
    Severity column_severity(sqlite3_stmt* s, int i) const;
    // An enum column read through its names table; an unknown name is a data error.
    template <class E>
    E column_enum(sqlite3_stmt* s, int i, std::optional<E> (*parse)(std::string_view),
                  std::string_view what) const {
        const auto text = column_text(s, i).value_or("");
        if (const auto v = parse(text))
            return *v;
        fail_data(fmt::format("unknown {} '{}'", what, text));
    }
    std::vector<std::string> column_checks(sqlite3_stmt* s, int i) const;

    // format_utc of `t`, from a small cache: a run's 10,000 rows share a handful
    // of distinct seconds, and formatting each anew was a quarter of a run's
    // cost. The text stays valid for at least the next utc_slots - 1 calls.
    const std::string& utc(TimePoint t);

    static constexpr std::size_t utc_slots = 4;
    struct CachedTime {
        std::optional<std::int64_t> seconds;
        std::string text;
    };
    std::array<CachedTime, utc_slots> utc_cache_;
    std::size_t utc_next_ = 0;

    // Inside a transaction, counters and history rows are written in batches of
    // batch_rows per INSERT: at 10,000 checks a run, SQLite's cost per statement
    // is a third of the total. Everything pending is written before anything
    // reads those tables and before COMMIT; a rollback drops it.
    struct PendingCounter {
        CheckKey key;
        std::string_view state;
        int fails;
        int passes;
        std::optional<std::string> first_fail;
        std::optional<std::string> last_time;
    };
    struct PendingHistory {
        std::string time;
        std::string channel;
        std::string check;
        std::string_view raw_state;
        std::string_view state;
        long http_status;
        long long latency_ms;
        std::string error;
    };
    void flush_counters();
    void flush_history();
    void flush() {
        flush_counters();
        flush_history();
    }
    // The INSERT of `rows` rows, prepared once per connection for 1 and batch_rows.
    sqlite3_stmt* counter_insert(int rows);
    sqlite3_stmt* history_insert(int rows);
    void bind_row(sqlite3_stmt* s, int first, const PendingCounter& c);
    void bind_row(sqlite3_stmt* s, int first, const PendingHistory& h);
    std::optional<std::string> utc_text(const std::optional<TimePoint>& t) {
        return t ? std::optional<std::string>(utc(*t)) : std::nullopt;
    }
    std::vector<PendingCounter> pending_counters_;
    std::vector<PendingHistory> pending_history_;
    sqlite3_stmt* counter_one_ = nullptr;
    sqlite3_stmt* counter_batch_ = nullptr;
    sqlite3_stmt* history_one_ = nullptr;
    sqlite3_stmt* history_batch_ = nullptr;

    std::string path_;
    std::chrono::milliseconds busy_timeout_;
    sqlite3* db_ = nullptr;
    std::array<sqlite3_stmt*, sql_count> stmts_{};
    bool in_transaction_ = false;
};

SqliteState::SqliteState(const std::filesystem::path& path, std::chrono::milliseconds busy_timeout)
    : path_(path.string()), busy_timeout_(busy_timeout) {
    make_parent_dirs(path);
    // One connection per object and per thread: SQLite's own mutexes are not needed.
    const int rc =
        sqlite3_open_v2(path_.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw std::runtime_error(fmt::format("{}: cannot open: {}", path_, msg));
    }
    try {
        sqlite3_extended_result_codes(db_, 1);
        sqlite3_busy_timeout(db_, static_cast<int>(std::min<long long>(
                                      busy_timeout_.count(), std::numeric_limits<int>::max())));
        // WAL lets a reader (shopreport) run beside a writer, and NORMAL sync is
        // durable across a process crash, which is what a cron job needs.
        exec("PRAGMA journal_mode = WAL", "set WAL mode");
        exec("PRAGMA synchronous = NORMAL", "set synchronous");
        exec("PRAGMA foreign_keys = ON", "enable foreign keys");
        create_schema();
    } catch (...) {
        for (auto* s : stmts_)
            sqlite3_finalize(s);
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw;
    }
}

SqliteState::~SqliteState() {
    for (auto* s : stmts_)
        sqlite3_finalize(s);
    for (auto* s : {counter_one_, counter_batch_, history_one_, history_batch_})
        sqlite3_finalize(s);
    for (auto& [sql, s] : prepared_)
        sqlite3_finalize(s);
    sqlite3_close_v2(db_);
}

void SqliteState::fail(std::string_view what) const {
    throw std::runtime_error(fmt::format("{}: {}: {}", path_, what, sqlite3_errmsg(db_)));
}

void SqliteState::fail_data(std::string_view what) const {
    throw std::runtime_error(fmt::format("{}: {}", path_, what));
}

sqlite3_stmt* SqliteState::stmt(Sql which) {
    if (!stmts_[which]) {
        if (sqlite3_prepare_v3(db_, sql_text[which], -1, SQLITE_PREPARE_PERSISTENT, &stmts_[which],
                               nullptr) != SQLITE_OK)
            fail(fmt::format("prepare \"{}\"", sql_text[which]));
    }
    return stmts_[which];
}

bool SqliteState::step(sqlite3_stmt* s, std::string_view what) {
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    fail(what);
}

void SqliteState::exec(const char* sql, std::string_view what) {
    const int rc = retry_busy([&] { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); });
    if (rc != SQLITE_OK)
        fail(what);
}

int SqliteState::retry_busy(const std::function<int()>& attempt) {
    const auto deadline = std::chrono::steady_clock::now() + busy_timeout_;
    for (;;) {
        const int rc = attempt();
        if (!is_busy(rc) || std::chrono::steady_clock::now() >= deadline)
            return rc;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

void SqliteState::begin() {
    sqlite3_stmt* s = stmt(sql_begin);
    const int rc = retry_busy([s] {
        const int r = sqlite3_step(s);
        sqlite3_reset(s);
        return r;
    });
    if (rc != SQLITE_DONE)
        fail("begin transaction");
}

void SqliteState::create_schema() {
    // Inside BEGIN IMMEDIATE, so two first runs racing on a new file take turns.
    begin();
    try {
        exec("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
             "create schema");
        std::optional<std::string> found;
        {
            sqlite3_stmt* raw = nullptr;
            if (sqlite3_prepare_v2(db_, "SELECT value FROM meta WHERE name = 'schema_version'", -1,
                                   &raw, nullptr) != SQLITE_OK)
                fail("read schema version");
            std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> s(raw, sqlite3_finalize);
            if (step(s.get(), "read schema version"))
                found = column_text(s.get(), 0);
        }
        if (found) {
            int version = 0;
            try {
                std::size_t used = 0;
                version = std::stoi(*found, &used);
                if (used != found->size())
                    version = 0;
            } catch (const std::exception&) {
                version = 0;
            }
            if (version < 1)
                fail_data(fmt::format("unrecognised schema version '{}'", *found));
            if (version > schema_version)
                fail_data(fmt::format(
                    "state file has schema version {}, newer than this shopkit knows ({}); "
                    "use a newer shopkit or another --state file",
                    version, schema_version));
        }
        exec(schema_sql, "create schema");
        // A version-1 file (shopcheck only) has just gained the outbox tables.
        exec(fmt::format("INSERT INTO meta (name, value) VALUES ('schema_version', '{}')"
                         " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                         schema_version)
                 .c_str(),
             "create schema");
        Use commit(stmt(sql_commit));
        step(commit.get(), "commit");
    } catch (...) {
        sqlite3_step(stmt(sql_rollback));
        sqlite3_reset(stmt(sql_rollback));
        throw;
    }
}

void SqliteState::transaction(const std::function<void()>& fn) {
    // A nested call joins the transaction already open: a run is one unit.
    if (in_transaction_) {
        fn();
        return;
    }
    begin();
    in_transaction_ = true;
    try {
        fn();
        flush();
        Use commit(stmt(sql_commit));
        if (step(commit.get(), "commit"))
            fail("commit");
    } catch (...) {
        in_transaction_ = false;
        pending_counters_.clear();
        pending_history_.clear();
        if (!sqlite3_get_autocommit(db_)) {
            sqlite3_step(stmt(sql_rollback));
            sqlite3_reset(stmt(sql_rollback));
        }
        throw;
    }
    in_transaction_ = false;
}

const std::string& SqliteState::utc(TimePoint t) {
    const std::int64_t seconds =
        std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
    for (const auto& slot : utc_cache_)
        if (slot.seconds == seconds)
            return slot.text;
    CachedTime& slot = utc_cache_[utc_next_];
    utc_next_ = (utc_next_ + 1) % utc_slots;
    slot.seconds = seconds;
    slot.text = format_utc(t);
    return slot.text;
}

// SQLITE_STATIC: SQLite does not copy the text, so it must live until the
// statement has been stepped. Every caller binds and steps within one call, and
// Use clears the bindings before the call returns.
void SqliteState::bind(sqlite3_stmt* s, int i, std::string_view text) {
    if (sqlite3_bind_text64(s, i, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8) !=
        SQLITE_OK)
        fail("bind");
}

void SqliteState::bind(sqlite3_stmt* s, int i, long long n) {
    if (sqlite3_bind_int64(s, i, n) != SQLITE_OK)
        fail("bind");
}

std::optional<std::string> SqliteState::column_text(sqlite3_stmt* s, int i) const {
    const auto* text = sqlite3_column_text(s, i);
    if (!text)
        return std::nullopt;
    return std::string(reinterpret_cast<const char*>(text),
                       static_cast<std::size_t>(sqlite3_column_bytes(s, i)));
}

TimePoint SqliteState::column_time(sqlite3_stmt* s, int i, std::string_view what) const {
    auto t = column_opt_time(s, i, what);
    if (!t)
        fail_data(fmt::format("{}: time missing", what));
    return *t;
}

std::optional<TimePoint> SqliteState::column_opt_time(sqlite3_stmt* s, int i,
                                                      std::string_view what) const {
    const auto text = column_text(s, i);
    if (!text)
        return std::nullopt;
    auto t = parse_rfc3339(*text);
    if (!t)
        fail_data(fmt::format("{}: bad time '{}'", what, *text));
    return t;
}

Severity SqliteState::column_severity(sqlite3_stmt* s, int i) const {
    const auto text = column_text(s, i).value_or("");
    const auto sev = severity_from_string(text);
    if (!sev)
        fail_data(fmt::format("incidents: bad severity '{}'", text));
    return *sev;
}

std::vector<std::string> SqliteState::column_checks(sqlite3_stmt* s, int i) const {
    const auto text = column_text(s, i).value_or("[]");
    const auto j = nlohmann::json::parse(text, nullptr, false);
    std::vector<std::string> out;
    if (!j.is_array())
        fail_data(fmt::format("incidents: bad checks '{}'", text));
    for (const auto& c : j) {
        if (!c.is_string())
            fail_data(fmt::format("incidents: bad checks '{}'", text));
        out.push_back(c.get<std::string>());
    }
    return out;
}

std::map<CheckKey, CheckCounter> SqliteState::load_counters() {
    flush_counters();
    std::map<CheckKey, CheckCounter> out;
    Use q(stmt(sql_load_counters));
    while (step(q.get(), "load counters")) {
        CheckKey key{column_text(q.get(), 0).value_or(""), column_text(q.get(), 1).value_or("")};
        CheckCounter c;
        const auto state_text = column_text(q.get(), 2).value_or("");
        const auto state = state_from_string(state_text);
        if (!state)
            fail_data(fmt::format("check_state: bad state '{}'", state_text));
        c.state = *state;
        c.fails = sqlite3_column_int(q.get(), 3);
        c.passes = sqlite3_column_int(q.get(), 4);
        c.first_fail = column_opt_time(q.get(), 5, "check_state");
        c.last_time = column_opt_time(q.get(), 6, "check_state");
        out.emplace_hint(out.end(), std::move(key), c);
    }
    return out;
}

void SqliteState::save_counter(const CheckKey& key, const CheckCounter& counter) {
    pending_counters_.push_back({key, to_string(counter.state), counter.fails, counter.passes,
                                 utc_text(counter.first_fail), utc_text(counter.last_time)});
    if (!in_transaction_ || pending_counters_.size() >= std::size_t(batch_rows))
        flush_counters();
}

void SqliteState::add_history(const CheckResult& r) {
    pending_history_.push_back({utc(r.time), r.channel, r.check, to_string(r.raw),
                                to_string(r.state), r.http_status,
                                std::llround(r.timings.total * 1000.0), r.error});
    if (!in_transaction_ || pending_history_.size() >= std::size_t(batch_rows))
        flush_history();
}

void SqliteState::bind_row(sqlite3_stmt* s, int first, const PendingCounter& c) {
    bind(s, first, c.key.first);
    bind(s, first + 1, c.key.second);
    bind(s, first + 2, c.state);
    bind(s, first + 3, static_cast<long long>(c.fails));
    bind(s, first + 4, static_cast<long long>(c.passes));
    if (c.first_fail)
        bind(s, first + 5, *c.first_fail);
    if (c.last_time)
        bind(s, first + 6, *c.last_time);
}

void SqliteState::bind_row(sqlite3_stmt* s, int first, const PendingHistory& h) {
    bind(s, first, h.time);
    bind(s, first + 1, h.channel);
    bind(s, first + 2, h.check);
    bind(s, first + 3, h.raw_state);
    bind(s, first + 4, h.state);
    if (h.http_status > 0)
        bind(s, first + 5, static_cast<long long>(h.http_status));
    bind(s, first + 6, h.latency_ms);
    if (!h.error.empty())
        bind(s, first + 7, h.error);
}

sqlite3_stmt* SqliteState::counter_insert(int rows) {
    sqlite3_stmt*& slot = rows == 1 ? counter_one_ : counter_batch_;
    if (!slot) {
        const std::string sql =
            counter_columns + values_rows(rows, counter_params) + counter_conflict;
        if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &slot, nullptr) !=
            SQLITE_OK)
            fail("prepare saving counters");
    }
    return slot;
}

sqlite3_stmt* SqliteState::history_insert(int rows) {
    sqlite3_stmt*& slot = rows == 1 ? history_one_ : history_batch_;
    if (!slot) {
        const std::string sql = history_columns + values_rows(rows, history_params);
        if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &slot, nullptr) !=
            SQLITE_OK)
            fail("prepare adding history");
    }
    return slot;
}

// Unbound parameters are NULL, and Use clears every binding after a statement.
void SqliteState::flush_counters() {
    const std::size_t n = pending_counters_.size();
    try {
        for (std::size_t i = 0; i < n;) {
            const int rows = n - i >= std::size_t(batch_rows) ? batch_rows : 1;
            Use q(counter_insert(rows));
            for (int r = 0; r < rows; ++r)
                bind_row(q.get(), 1 + r * counter_params, pending_counters_[i + r]);
            step(q.get(), "save counters");
            i += rows;
        }
    } catch (...) {
        pending_counters_.clear();
        throw;
    }
    pending_counters_.clear();
}

void SqliteState::flush_history() {
    const std::size_t n = pending_history_.size();
    try {
        for (std::size_t i = 0; i < n;) {
            const int rows = n - i >= std::size_t(batch_rows) ? batch_rows : 1;
            Use q(history_insert(rows));
            for (int r = 0; r < rows; ++r)
                bind_row(q.get(), 1 + r * history_params, pending_history_[i + r]);
            step(q.get(), "add history");
            i += rows;
        }
    } catch (...) {
        pending_history_.clear();
        throw;
    }
    pending_history_.clear();
}

void SqliteState::prune_history(TimePoint before) {
    flush_history();
    const std::string text = format_utc(before);
    Use q(stmt(sql_prune_history));
    bind(q.get(), 1, text);
    step(q.get(), "prune history");
}

std::map<std::string, Incident> SqliteState::open_incidents() {
    std::map<std::string, Incident> out;
    Use q(stmt(sql_open_incidents));
    while (step(q.get(), "load open incidents")) {
        Incident inc;
        inc.id = column_text(q.get(), 0).value_or("");
        inc.channel = column_text(q.get(), 1).value_or("");
        inc.severity = column_severity(q.get(), 2);
        inc.checks = column_checks(q.get(), 3);
        inc.since = column_time(q.get(), 4, "incidents");
        inc.until = column_opt_time(q.get(), 5, "incidents");
        // Ordered by start: should a channel ever hold two, the newest wins.
        out.insert_or_assign(inc.channel, std::move(inc));
    }
    return out;
}

bool SqliteState::incident_exists(const std::string& id) {
    Use q(stmt(sql_incident_exists));
    bind(q.get(), 1, id);
    return step(q.get(), "look up incident");
}

void SqliteState::record_event(const IncidentEvent& e) {
    const Incident& inc = e.incident;
    const std::string checks = checks_json(inc.checks);
    const std::string_view severity = to_string(inc.severity);
    const std::string since = format_utc(inc.since);
    const std::string until = format_utc(inc.until.value_or(e.time));
    const std::string time = format_utc(e.time);
    if (e.event == Event::opened) {
        Use q(stmt(sql_insert_incident));
        bind(q.get(), 1, inc.id);
        bind(q.get(), 2, inc.channel);
        bind(q.get(), 3, severity);
        bind(q.get(), 4, checks);
        bind(q.get(), 5, since);
        step(q.get(), fmt::format("open incident {}", inc.id));
    } else if (e.event == Event::updated) {
        Use q(stmt(sql_update_incident));
        bind(q.get(), 1, severity);
        bind(q.get(), 2, checks);
        bind(q.get(), 3, inc.id);
        step(q.get(), fmt::format("update incident {}", inc.id));
    } else if (e.event == Event::resolved) {
        Use q(stmt(sql_resolve_incident));
        bind(q.get(), 1, until);
        bind(q.get(), 2, inc.id);
        step(q.get(), fmt::format("resolve incident {}", inc.id));
    } else {
        fail_data(fmt::format("incident {}: unknown event '{}'", inc.id, to_string(e.event)));
    }
    if (sqlite3_changes(db_) == 0)
        fail_data(fmt::format("{} incident {}: no such incident", to_string(e.event), inc.id));

    Use q(stmt(sql_insert_event));
    bind(q.get(), 1, inc.id);
    bind(q.get(), 2, e.event);
    bind(q.get(), 3, time);
    bind(q.get(), 4, severity);
    bind(q.get(), 5, checks);
    step(q.get(), fmt::format("record event of incident {}", inc.id));
}

std::vector<IncidentEvent> SqliteState::incident_events(const std::string& id) {
    std::vector<IncidentEvent> out;
    Use q(stmt(sql_incident_events));
    bind(q.get(), 1, id);
    while (step(q.get(), "load incident events")) {
        IncidentEvent e;
        e.event = column_enum(q.get(), 0, &event_from_string, "incident event");
        e.time = column_time(q.get(), 1, "incident_events");
        e.incident.severity = column_severity(q.get(), 2);
        e.incident.checks = column_checks(q.get(), 3);
        e.incident.id = column_text(q.get(), 4).value_or("");
        e.incident.channel = column_text(q.get(), 5).value_or("");
        e.incident.since = column_time(q.get(), 6, "incidents");
        // The incident as it was after this event: only resolution sets `until`.
        if (e.event == Event::resolved)
            e.incident.until = column_opt_time(q.get(), 7, "incidents").value_or(e.time);
        out.push_back(std::move(e));
    }
    return out;
}

sqlite3_stmt* SqliteState::prepared(const char* sql) {
    auto [it, inserted] = prepared_.try_emplace(sql, nullptr);
    if (inserted) {
        if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &it->second, nullptr) !=
            SQLITE_OK) {
            prepared_.erase(it);
            fail(fmt::format("prepare \"{}\"", sql));
        }
    }
    return it->second;
}

Incident SqliteState::read_incident(sqlite3_stmt* s) {
    Incident inc;
    inc.id = column_text(s, 0).value_or("");
    inc.channel = column_text(s, 1).value_or("");
    inc.severity = column_severity(s, 2);
    inc.checks = column_checks(s, 3);
    inc.since = column_time(s, 4, "incidents");
    inc.until = column_opt_time(s, 5, "incidents");
    return inc;
}

std::optional<Incident> SqliteState::incident(const std::string& id) {
    static constexpr const char* sql =
        "SELECT id, channel, severity, checks, since, until FROM incidents WHERE id = ?";
    Use q(prepared(sql));
    bind(q.get(), 1, id);
    if (!step(q.get(), "load incident"))
        return std::nullopt;
    return read_incident(q.get());
}

std::vector<Incident> SqliteState::incidents_since(TimePoint from) {
    static constexpr const char* sql =
        "SELECT id, channel, severity, checks, since, until FROM incidents"
        " WHERE until IS NULL OR until >= ? ORDER BY since DESC, id DESC";
    const std::string text = format_utc(from);
    Use q(prepared(sql));
    bind(q.get(), 1, text);
    std::vector<Incident> out;
    while (step(q.get(), "load incidents"))
        out.push_back(read_incident(q.get()));
    return out;
}

OutboxRow SqliteState::read_outbox(sqlite3_stmt* s) {
    OutboxRow r;
    r.id = sqlite3_column_int64(s, 0);
    r.incident = column_text(s, 1).value_or("");
    r.event = column_enum(s, 2, &event_from_string, "outbox event");
    r.name = column_text(s, 3).value_or("");
    r.target = column_text(s, 4).value_or("");
    r.audience = column_enum(s, 5, &audience_from_string, "audience");
    r.state = column_enum(s, 6, &outbox_state_from_string, "outbox state");
    r.key = column_text(s, 7).value_or("");
    r.attempts = sqlite3_column_int(s, 8);
    r.created = column_time(s, 9, "outbox");
    r.next_attempt = column_opt_time(s, 10, "outbox");
    r.finished = column_opt_time(s, 11, "outbox");
    r.owner = column_text(s, 12).value_or("");
    r.lease_until = column_opt_time(s, 13, "outbox");
    r.text = column_text(s, 14).value_or("");
    r.template_source = column_text(s, 15).value_or("");
    r.template_path = column_text(s, 16).value_or("");
    r.context = column_text(s, 17).value_or("{}");
    r.remote_id = column_text(s, 18).value_or("");
    r.error = column_text(s, 19).value_or("");
    return r;
}

std::vector<OutboxRow>
SqliteState::outbox_query(const char* sql, const std::function<void(sqlite3_stmt*)>& bind_fn) {
    Use q(prepared(sql));
    bind_fn(q.get());
    std::vector<OutboxRow> out;
    while (step(q.get(), "read outbox"))
        out.push_back(read_outbox(q.get()));
    return out;
}

bool SqliteState::enqueue(OutboxRow& row) {
    static const std::string sql = fmt::format(
        "INSERT INTO outbox ({}) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " ?, ?, ?) ON CONFLICT (incident, name, target) DO NOTHING",
        outbox_columns);
    const std::string created = format_utc(row.created);
    const auto next =
        row.next_attempt ? std::optional(format_utc(*row.next_attempt)) : std::nullopt;
    Use q(prepared(sql.c_str()));
    bind(q.get(), 1, row.incident);
    bind(q.get(), 2, row.event);
    bind(q.get(), 3, row.name);
    bind(q.get(), 4, row.target);
    bind(q.get(), 5, row.audience);
    bind(q.get(), 6, row.state);
    bind(q.get(), 7, row.key);
    bind(q.get(), 8, static_cast<long long>(row.attempts));
    bind(q.get(), 9, created);
    if (next)
        bind(q.get(), 10, *next);
    bind(q.get(), 14, row.text);
    bind(q.get(), 15, row.template_source);
    bind(q.get(), 16, row.template_path);
    bind(q.get(), 17, row.context);
    step(q.get(), fmt::format("queue notice {} of {} for {}", row.name, row.incident, row.target));
    if (sqlite3_changes(db_) == 0)
        return false;
    row.id = sqlite3_last_insert_rowid(db_);
    return true;
}

std::vector<OutboxRow> SqliteState::outbox_for_incident(const std::string& incident) {
    static const std::string sql =
        fmt::format("SELECT {} FROM outbox WHERE incident = ? ORDER BY id", outbox_columns);
    return outbox_query(sql.c_str(), [&](sqlite3_stmt* s) { bind(s, 1, incident); });
}

std::vector<OutboxRow> SqliteState::outbox_in_states(const std::vector<OutboxState>& states) {
    // One statement for any set of states: the set is passed as JSON text and
    // compared with instr on a delimited list, which both engines can run.
    static const std::string sql =
        fmt::format("SELECT {} FROM outbox WHERE instr(?, ',' || state || ',') > 0 ORDER BY id",
                    outbox_columns);
    std::string list = ",";
    for (const auto& st : states)
        list += std::string(to_string(st)) + ",";
    return outbox_query(sql.c_str(), [&](sqlite3_stmt* s) { bind(s, 1, list); });
}

std::optional<OutboxRow> SqliteState::outbox_row(std::int64_t id) {
    static const std::string sql =
        fmt::format("SELECT {} FROM outbox WHERE id = ?", outbox_columns);
    auto rows =
        outbox_query(sql.c_str(), [&](sqlite3_stmt* s) { bind(s, 1, static_cast<long long>(id)); });
    if (rows.empty())
        return std::nullopt;
    return std::move(rows.front());
}

void SqliteState::update_outbox(const OutboxRow& row) {
    static constexpr const char* sql =
        "UPDATE outbox SET state = ?, attempts = ?, next_attempt = ?, finished = ?, owner = ?,"
        " lease_until = ?, remote_id = ?, error = ? WHERE id = ?";
    auto text = [](const std::optional<TimePoint>& t) {
        return t ? std::optional(format_utc(*t)) : std::nullopt;
    };
    const auto next = text(row.next_attempt);
    const auto finished = text(row.finished);
    const auto lease = text(row.lease_until);
    Use q(prepared(sql));
    bind(q.get(), 1, row.state);
    bind(q.get(), 2, static_cast<long long>(row.attempts));
    if (next)
        bind(q.get(), 3, *next);
    if (finished)
        bind(q.get(), 4, *finished);
    if (!row.owner.empty())
        bind(q.get(), 5, row.owner);
    if (lease)
        bind(q.get(), 6, *lease);
    if (!row.remote_id.empty())
        bind(q.get(), 7, row.remote_id);
    if (!row.error.empty())
        bind(q.get(), 8, row.error);
    bind(q.get(), 9, static_cast<long long>(row.id));
    step(q.get(), fmt::format("update outbox row {}", row.id));
    if (sqlite3_changes(db_) == 0)
        fail_data(fmt::format("outbox row {} does not exist", row.id));
}

std::vector<std::string> SqliteState::recipients_done(std::int64_t outbox_id) {
    static constexpr const char* sql =
        "SELECT address FROM outbox_recipients WHERE outbox = ? ORDER BY address";
    Use q(prepared(sql));
    bind(q.get(), 1, static_cast<long long>(outbox_id));
    std::vector<std::string> out;
    while (step(q.get(), "read outbox recipients"))
        out.push_back(column_text(q.get(), 0).value_or(""));
    return out;
}

void SqliteState::record_recipient(std::int64_t outbox_id, const std::string& address,
                                   const std::string& result, const std::string& error) {
    static constexpr const char* sql =
        "INSERT INTO outbox_recipients (outbox, address, result, error, time)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (outbox, address) DO UPDATE SET"
        " result = excluded.result, error = excluded.error, time = excluded.time";
    const std::string now = format_utc(std::chrono::system_clock::now());
    transaction([&] {
        Use q(prepared(sql));
        bind(q.get(), 1, static_cast<long long>(outbox_id));
        bind(q.get(), 2, address);
        bind(q.get(), 3, result);
        if (!error.empty())
            bind(q.get(), 4, error);
        bind(q.get(), 5, now);
        step(q.get(), "record an e-mail recipient");
    });
}

} // namespace

std::filesystem::path default_state_path() {
    // The XDG spec says a relative $XDG_STATE_HOME is to be ignored.
    if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg == '/')
        return std::filesystem::path(xdg) / "shopkit" / "state.db";
    std::filesystem::path home;
    if (const char* h = std::getenv("HOME"); h && *h)
        home = h;
    else if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_dir)
        home = pw->pw_dir;
    else
        home = "/";
    return home / ".local" / "state" / "shopkit" / "state.db";
}

std::unique_ptr<StateStore> open_sqlite_state(const std::filesystem::path& path,
                                              std::chrono::milliseconds busy_timeout) {
    return std::make_unique<SqliteState>(path, busy_timeout);
}

} // namespace shopkit
