// The SQLite connection under the state stores: WAL, busy timeout, write
// transactions, prepared statements, and the numbered schema migrations that
// bring a state file of any earlier shopkit up to date.
#pragma once

#include "lib/core/clock.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace shopkit {

// Something that can run work as one write transaction: the SQLite database,
// a later PostgreSQL one, or an in-memory fake in tests.
class Transactional {
  public:
    virtual ~Transactional() = default;

    // Runs `fn` in one write transaction (SQLite: BEGIN IMMEDIATE, waiting up to
    // the busy timeout for another run). Commits when fn returns; rolls back and
    // rethrows when it throws. A nested call joins the transaction already open.
    virtual void transaction(const std::function<void()>& fn) = 0;
};

// One step of the schema: applied once, in its own transaction, to a file whose
// meta.schema_version is below `version`, which it then becomes.
struct Migration {
    int version;
    const char* description;
    const char* sql; // SQLite DDL, run as one script
};

// The migrations in order: 1 checks and incidents (shopcheck), 2 the
// announcement outbox, 3 the sale an incident started in, 4 runbook step runs, 5 the
// daily roll-up, 6 the credentials targets renew. Versions only grow.
const std::vector<Migration>& sqlite_migrations();

// The version a file has once every migration ran (the last one's).
int latest_schema_version();

class Database final : public Transactional {
  public:
    // Writes held back inside a transaction (batched INSERTs): flushed before
    // COMMIT and before the holder's own reads, discarded on rollback.
    class Buffer {
      public:
        virtual ~Buffer() = default;
        virtual void flush() = 0;
        virtual void discard() = 0;
    };

    // Opens (creating it and its directory, mode 0700, if need be) the file in
    // WAL mode with the given busy timeout, and runs the missing migrations.
    // Throws std::runtime_error naming the path and SQLite's message when the
    // file cannot be opened, or its schema version is unrecognised or newer
    // than latest_schema_version(); every later SQLite failure throws one too.
    //
    // Access::read_only opens an existing file without changing it (no WAL
    // switch, no migration) and throws when it is missing or its schema is not
    // the latest: a report must not write, and cannot read an older schema.
    enum class Access { read_write, read_only };
    Database(const std::filesystem::path& path, std::chrono::milliseconds busy_timeout,
             Access access = Access::read_write);
    ~Database() override;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void transaction(const std::function<void()>& fn) override;
    // True while transaction() runs its function.
    bool in_transaction() const { return in_transaction_; }
    // Registers a buffer for the connection's life (or until remove_buffer).
    void add_buffer(Buffer* buffer);
    void remove_buffer(Buffer* buffer);
    // Flushes every registered buffer: a store reading rows another store may be
    // holding back calls it first.
    void flush_buffers();

    // The file's path as given, for error messages.
    const std::string& path() const { return path_; }

    // A statement prepared once per connection, keyed by its text's address (so
    // `sql` must outlive the Database: a literal or a static string).
    sqlite3_stmt* prepared(const char* sql);
    // Prepares a statement the caller finalizes (for SQL built at run time).
    sqlite3_stmt* prepare_persistent(const std::string& sql, std::string_view what);
    // Steps a statement: true for a row, false when done; throws otherwise.
    bool step(sqlite3_stmt* s, std::string_view what);
    // Runs SQL without results, retrying while busy; throws on failure.
    void exec(const char* sql, std::string_view what);
    // Rows changed by the last INSERT/UPDATE/DELETE, and the last rowid inserted.
    long long changes() const;
    std::int64_t last_insert_rowid() const;

    // Binding. Text is bound without a copy: it must live until the statement
    // has been stepped and reset (Use does both within one call).
    void bind(sqlite3_stmt* s, int i, std::string_view text);
    void bind(sqlite3_stmt* s, int i, long long n);
    // An enum binds as its name (lib/model's to_string).
    template <class E>
    requires std::is_enum_v<E>
    void bind(sqlite3_stmt* s, int i, E value) { bind(s, i, to_string(value)); }
    // Columns. NULL text is nullopt; times are RFC 3339 text, and a bad one
    // throws naming `what` (the table).
    std::optional<std::string> column_text(sqlite3_stmt* s, int i) const;
    TimePoint column_time(sqlite3_stmt* s, int i, std::string_view what) const;
    std::optional<TimePoint> column_opt_time(sqlite3_stmt* s, int i, std::string_view what) const;

    // Throw std::runtime_error "<path>: <what>[: <SQLite's message>]".
    [[noreturn]] void fail(std::string_view what) const;
    [[noreturn]] void fail_data(std::string_view what) const;
    // An enum column read through its names table (`parse`); an unknown name
    // is a data error naming `what`.
    template <class E>
    E column_enum(sqlite3_stmt* s, int i, std::optional<E> (*parse)(std::string_view),
                  std::string_view what) const {
        const auto text = column_text(s, i).value_or("");
        if (const auto v = parse(text))
            return *v;
        fail_data(std::string("unknown ") + std::string(what) + " '" + text + "'");
    }

  private:
    // Runs `attempt` (an sqlite return code) again while SQLite reports busy and
    // the busy timeout has not run out: the busy handler does not cover every
    // wait (a journal mode change, WAL recovery by another connection).
    int retry_busy(const std::function<int()>& attempt);
    void begin();
    void commit();
    void rollback();
    // The file's meta.schema_version (0 when unset); throws when unrecognised
    // or newer than this code. Called inside a write transaction.
    // The schema version in meta (0 for none); `create` makes meta first.
    int read_version(bool create = true);
    void migrate();
    // Throws unless the schema is the latest (for a read-only connection).
    void check_current_version();

    std::string path_;
    std::chrono::milliseconds busy_timeout_;
    sqlite3* db_ = nullptr;
    std::map<const char*, sqlite3_stmt*> prepared_;
    std::vector<Buffer*> buffers_;
    bool in_transaction_ = false;
};

// Resets a statement and clears its bindings when the scope that used it ends,
// so no statement keeps a read open on the database between calls.
class Use {
  public:
    explicit Use(sqlite3_stmt* s) : s_(s) {}
    ~Use();
    Use(const Use&) = delete;
    Use& operator=(const Use&) = delete;
    // The statement in use.
    sqlite3_stmt* get() const { return s_; }

  private:
    sqlite3_stmt* s_;
};

} // namespace shopkit
