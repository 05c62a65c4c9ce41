#include "lib/state/database.hpp"

#include <fmt/core.h>
#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace shopkit {

namespace {

// The DDL is SQLite's; the stores' queries stay within what PostgreSQL also runs
// (TEXT/INTEGER, ON CONFLICT … DO UPDATE, partial indexes), so a second store is
// a port of this DDL, not of the stores' logic. Times are RFC 3339 UTC text:
// readable in `sqlite3 state.db`, and text order is time order.
//
// check_history has no (channel, check_id, time) index on purpose: a run adds
// one row per check, and such an index puts each of them on a different leaf
// page once the history is a few hundred runs deep. At 10,000 checks and 2M
// history rows that made a run's writes ~8x slower (~800 ms against ~100 ms);
// the time index only ever appends, and reports read a time range anyway.
//
// IF NOT EXISTS throughout: files written before the migrations were numbered
// created every table on each open, so a file may already hold a table its
// version does not promise.
constexpr const char* migration_1 = R"(
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
)";

constexpr const char* migration_2 = R"(
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

// The sale an incident started in; NULL for every incident before it.
constexpr const char* migration_3 = R"(
ALTER TABLE incidents ADD COLUMN sale TEXT;
)";

constexpr const char* migration_4 = R"(
CREATE TABLE runbook_runs (
    id           INTEGER PRIMARY KEY,
    incident     TEXT NOT NULL,
    event        TEXT NOT NULL,
    name         TEXT NOT NULL,
    step         TEXT NOT NULL,
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL,
    created      TEXT NOT NULL,
    next_attempt TEXT,
    finished     TEXT,
    owner        TEXT,
    lease_until  TEXT,
    exit_status  INTEGER,
    duration_ms  INTEGER NOT NULL,
    error        TEXT,
    output       TEXT,
    UNIQUE (incident, name, step)
);
CREATE INDEX runbook_runs_state ON runbook_runs (state);
)";

// Seconds per bucket per local day ("YYYY-MM-DD" in the shop's zone), added to
// by every shopcheck run and never pruned: what a year's report reads instead of
// the raw history (see history_store.hpp and rollup.hpp).
constexpr const char* migration_5 = R"(
CREATE TABLE check_daily (
    channel       TEXT NOT NULL,
    check_id      TEXT NOT NULL,
    day           TEXT NOT NULL,
    up_s          INTEGER NOT NULL,
    degraded_s    INTEGER NOT NULL,
    down_s        INTEGER NOT NULL,
    unknown_s     INTEGER NOT NULL,
    maintenance_s INTEGER NOT NULL,
    nodata_s      INTEGER NOT NULL,
    PRIMARY KEY (channel, check_id, day)
);
CREATE INDEX check_daily_day ON check_daily (day);
CREATE TABLE channel_daily (
    channel       TEXT NOT NULL,
    day           TEXT NOT NULL,
    up_s          INTEGER NOT NULL,
    degraded_s    INTEGER NOT NULL,
    down_s        INTEGER NOT NULL,
    unknown_s     INTEGER NOT NULL,
    maintenance_s INTEGER NOT NULL,
    nodata_s      INTEGER NOT NULL,
    PRIMARY KEY (channel, day)
);
CREATE INDEX channel_daily_day ON channel_daily (day);
)";

// What an announce target renews by itself between runs (lib/state/credential_store):
// X's rotating OAuth 2.0 refresh token, a Bluesky session. A JSON object per
// (target, kind); the file's own permissions keep it private.
constexpr const char* migration_6 = R"(
CREATE TABLE IF NOT EXISTS credentials (
    target  TEXT NOT NULL,
    kind    TEXT NOT NULL,
    value   TEXT NOT NULL,
    updated TEXT NOT NULL,
    PRIMARY KEY (target, kind)
);
)";

constexpr const char* sql_begin = "BEGIN IMMEDIATE";
constexpr const char* sql_commit = "COMMIT";
constexpr const char* sql_rollback = "ROLLBACK";

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

// The state holds customer addresses: it is created 0600 before SQLite opens
// it, whatever the umask, and SQLite gives its -wal and -shm files the mode of
// the database file (unix VFS, findCreateFileMode).
void create_private(const std::filesystem::path& file) {
    if (file.empty() || file == ":memory:")
        return;
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        // The umask may have taken bits off, never added them; make sure of 0600.
        (void)::fchmod(fd, 0600);
        ::close(fd);
        return;
    }
    if (errno != EEXIST)
        throw std::runtime_error(
            fmt::format("{}: cannot create: {}", file.string(), std::strerror(errno)));
}

} // namespace

const std::vector<Migration>& sqlite_migrations() {
    static const std::vector<Migration> all = {
        {1, "checks and incidents", migration_1},
        {2, "the announcement outbox", migration_2},
        {3, "the sale an incident started in", migration_3},
        {4, "runbook step runs", migration_4},
        {5, "the daily roll-up of check history", migration_5},
        {6, "credentials targets renew", migration_6},
    };
    return all;
}

int latest_schema_version() {
    return sqlite_migrations().back().version;
}

Use::~Use() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
}

Database::Database(const std::filesystem::path& path, std::chrono::milliseconds busy_timeout,
                   Access access)
    : path_(path.string()), busy_timeout_(busy_timeout) {
    const bool read_only = access == Access::read_only;
    if (read_only && !std::filesystem::exists(path))
        throw std::runtime_error(fmt::format("{}: no such state file", path_));
    if (!read_only) {
        make_parent_dirs(path);
        create_private(path);
    }
    // One connection per object and per thread: SQLite's own mutexes are not needed.
    const int flags = read_only ? SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
                                : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    const int rc = sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr);
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
        if (read_only) {
            // A reader changes nothing, not even the schema: an older file is
            // upgraded by the next program that writes.
            check_current_version();
        } else {
            // WAL lets a reader (shopreport) run beside a writer, and NORMAL sync is
            // durable across a process crash, which is what a cron job needs.
            exec("PRAGMA journal_mode = WAL", "set WAL mode");
            exec("PRAGMA synchronous = NORMAL", "set synchronous");
            exec("PRAGMA foreign_keys = ON", "enable foreign keys");
            migrate();
        }
    } catch (...) {
        for (auto& [sql, s] : prepared_)
            sqlite3_finalize(s);
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw;
    }
}

Database::~Database() {
    for (auto& [sql, s] : prepared_)
        sqlite3_finalize(s);
    sqlite3_close_v2(db_);
}

void Database::fail(std::string_view what) const {
    throw std::runtime_error(fmt::format("{}: {}: {}", path_, what, sqlite3_errmsg(db_)));
}

void Database::fail_data(std::string_view what) const {
    throw std::runtime_error(fmt::format("{}: {}", path_, what));
}

sqlite3_stmt* Database::prepared(const char* sql) {
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

sqlite3_stmt* Database::prepare_persistent(const std::string& sql, std::string_view what) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr) !=
        SQLITE_OK)
        fail(what);
    return s;
}

bool Database::step(sqlite3_stmt* s, std::string_view what) {
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    fail(what);
}

void Database::exec(const char* sql, std::string_view what) {
    const int rc = retry_busy([&] { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); });
    if (rc != SQLITE_OK)
        fail(what);
}

long long Database::changes() const {
    return sqlite3_changes(db_);
}

std::int64_t Database::last_insert_rowid() const {
    return sqlite3_last_insert_rowid(db_);
}

int Database::retry_busy(const std::function<int()>& attempt) {
    const auto deadline = std::chrono::steady_clock::now() + busy_timeout_;
    for (;;) {
        const int rc = attempt();
        if (!is_busy(rc) || std::chrono::steady_clock::now() >= deadline)
            return rc;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

void Database::begin() {
    sqlite3_stmt* s = prepared(sql_begin);
    const int rc = retry_busy([s] {
        const int r = sqlite3_step(s);
        sqlite3_reset(s);
        return r;
    });
    if (rc != SQLITE_DONE)
        fail("begin transaction");
}

void Database::commit() {
    Use commit(prepared(sql_commit));
    if (step(commit.get(), "commit"))
        fail("commit");
}

void Database::rollback() {
    if (!sqlite3_get_autocommit(db_)) {
        sqlite3_stmt* s = prepared(sql_rollback);
        sqlite3_step(s);
        sqlite3_reset(s);
    }
}

void Database::check_current_version() {
    sqlite3_stmt* raw = nullptr;
    const bool has_meta =
        sqlite3_prepare_v2(db_, "SELECT 1 FROM sqlite_master WHERE name = 'meta'", -1, &raw,
                           nullptr) == SQLITE_OK &&
        [&] {
            std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> s(raw, sqlite3_finalize);
            return step(s.get(), "read schema");
        }();
    const int version = has_meta ? read_version(false) : 0;
    if (version < latest_schema_version())
        fail_data(fmt::format("state file has schema version {}, older than this shopkit's ({}); "
                              "run shopcheck once to bring it up to date",
                              version, latest_schema_version()));
}

int Database::read_version(bool create) {
    if (create)
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
    if (!found)
        return 0;
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
    if (version > latest_schema_version())
        fail_data(fmt::format("state file has schema version {}, newer than this shopkit knows "
                              "({}); use a newer shopkit or another --state file",
                              version, latest_schema_version()));
    return version;
}

void Database::migrate() {
    // Each step inside BEGIN IMMEDIATE, re-reading the version there: two first
    // runs racing on a new file take turns, and the second finds the work done.
    int version = 0;
    transaction([&] { version = read_version(); });
    for (const Migration& m : sqlite_migrations()) {
        if (m.version <= version)
            continue;
        transaction([&] {
            version = read_version();
            if (version >= m.version)
                return;
            exec(m.sql, fmt::format("migrate schema to version {} ({})", m.version, m.description));
            exec(fmt::format("INSERT INTO meta (name, value) VALUES ('schema_version', '{}')"
                             " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                             m.version)
                     .c_str(),
                 "create schema");
            version = m.version;
        });
    }
}

void Database::add_buffer(Buffer* buffer) {
    buffers_.push_back(buffer);
}

void Database::remove_buffer(Buffer* buffer) {
    buffers_.erase(std::remove(buffers_.begin(), buffers_.end(), buffer), buffers_.end());
}

void Database::flush_buffers() {
    for (Buffer* b : buffers_)
        b->flush();
}

void Database::transaction(const std::function<void()>& fn) {
    // A nested call joins the transaction already open: a run is one unit.
    if (in_transaction_) {
        fn();
        return;
    }
    begin();
    in_transaction_ = true;
    try {
        fn();
        for (Buffer* b : buffers_)
            b->flush();
        commit();
    } catch (...) {
        in_transaction_ = false;
        for (Buffer* b : buffers_)
            b->discard();
        rollback();
        throw;
    }
    in_transaction_ = false;
}

// SQLITE_STATIC: SQLite does not copy the text, so it must live until the
// statement has been stepped. Every caller binds and steps within one call, and
// Use clears the bindings before the call returns.
void Database::bind(sqlite3_stmt* s, int i, std::string_view text) {
    if (sqlite3_bind_text64(s, i, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8) !=
        SQLITE_OK)
        fail("bind");
}

void Database::bind(sqlite3_stmt* s, int i, long long n) {
    if (sqlite3_bind_int64(s, i, n) != SQLITE_OK)
        fail("bind");
}

std::optional<std::string> Database::column_text(sqlite3_stmt* s, int i) const {
    const auto* text = sqlite3_column_text(s, i);
    if (!text)
        return std::nullopt;
    return std::string(reinterpret_cast<const char*>(text),
                       static_cast<std::size_t>(sqlite3_column_bytes(s, i)));
}

TimePoint Database::column_time(sqlite3_stmt* s, int i, std::string_view what) const {
    auto t = column_opt_time(s, i, what);
    if (!t)
        fail_data(fmt::format("{}: time missing", what));
    return *t;
}

std::optional<TimePoint> Database::column_opt_time(sqlite3_stmt* s, int i,
                                                   std::string_view what) const {
    const auto text = column_text(s, i);
    if (!text)
        return std::nullopt;
    auto t = parse_rfc3339(*text);
    if (!t)
        fail_data(fmt::format("{}: bad time '{}'", what, *text));
    return t;
}

} // namespace shopkit
