#include "lib/state/check_store.hpp"

#include "lib/state/database.hpp"

#include <fmt/core.h>
#include <sqlite3.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shopkit {

namespace {

// Inside a transaction, counters and history rows are written in batches of
// batch_rows per INSERT: at 10,000 checks a run, SQLite's cost per statement
// is a third of the total.
constexpr int batch_rows = 64;

constexpr const char* sql_load_counters =
    "SELECT channel, check_id, state, fails, passes, first_fail, last_time FROM check_state";
constexpr const char* sql_prune_history = "DELETE FROM check_history WHERE time < ?";
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

// Everything pending is written before anything reads those tables and before
// COMMIT (as a Database::Buffer); a rollback drops it.
class SqliteCheckStore final : public CheckStore, private Database::Buffer {
  public:
    explicit SqliteCheckStore(Database& db) : db_(db) { db_.add_buffer(this); }
    ~SqliteCheckStore() override;
    SqliteCheckStore(const SqliteCheckStore&) = delete;
    SqliteCheckStore& operator=(const SqliteCheckStore&) = delete;

    std::map<CheckKey, CheckCounter> load_counters() override;
    void save_counter(const CheckKey& key, const CheckCounter& counter) override;
    void add_history(const CheckResult& result) override;
    void prune_history(TimePoint before) override;

  private:
    void flush() override {
        flush_counters();
        flush_history();
    }
    void discard() override {
        pending_counters_.clear();
        pending_history_.clear();
    }

    // format_utc of `t`, from a small cache: a run's 10,000 rows share a handful
    // of distinct seconds, and formatting each anew was a quarter of a run's
    // cost. The text stays valid for at least the next utc_slots - 1 calls.
    const std::string& utc(TimePoint t);
    std::optional<std::string> utc_text(const std::optional<TimePoint>& t) {
        return t ? std::optional<std::string>(utc(*t)) : std::nullopt;
    }

    static constexpr std::size_t utc_slots = 4;
    struct CachedTime {
        std::optional<std::int64_t> seconds;
        std::string text;
    };
    std::array<CachedTime, utc_slots> utc_cache_;
    std::size_t utc_next_ = 0;

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
    // The INSERT of `rows` rows, prepared once per connection for 1 and batch_rows.
    sqlite3_stmt* counter_insert(int rows);
    sqlite3_stmt* history_insert(int rows);
    void bind_row(sqlite3_stmt* s, int first, const PendingCounter& c);
    void bind_row(sqlite3_stmt* s, int first, const PendingHistory& h);

    Database& db_;
    std::vector<PendingCounter> pending_counters_;
    std::vector<PendingHistory> pending_history_;
    sqlite3_stmt* counter_one_ = nullptr;
    sqlite3_stmt* counter_batch_ = nullptr;
    sqlite3_stmt* history_one_ = nullptr;
    sqlite3_stmt* history_batch_ = nullptr;
};

SqliteCheckStore::~SqliteCheckStore() {
    db_.remove_buffer(this);
    for (auto* s : {counter_one_, counter_batch_, history_one_, history_batch_})
        sqlite3_finalize(s);
}

const std::string& SqliteCheckStore::utc(TimePoint t) {
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

std::map<CheckKey, CheckCounter> SqliteCheckStore::load_counters() {
    flush_counters();
    std::map<CheckKey, CheckCounter> out;
    Use q(db_.prepared(sql_load_counters));
    while (db_.step(q.get(), "load counters")) {
        CheckKey key{db_.column_text(q.get(), 0).value_or(""),
                     db_.column_text(q.get(), 1).value_or("")};
        CheckCounter c;
        const auto state_text = db_.column_text(q.get(), 2).value_or("");
        const auto state = state_from_string(state_text);
        if (!state)
            db_.fail_data(fmt::format("check_state: bad state '{}'", state_text));
        c.state = *state;
        c.fails = sqlite3_column_int(q.get(), 3);
        c.passes = sqlite3_column_int(q.get(), 4);
        c.first_fail = db_.column_opt_time(q.get(), 5, "check_state");
        c.last_time = db_.column_opt_time(q.get(), 6, "check_state");
        out.emplace_hint(out.end(), std::move(key), c);
    }
    return out;
}

void SqliteCheckStore::save_counter(const CheckKey& key, const CheckCounter& counter) {
    pending_counters_.push_back({key, to_string(counter.state), counter.fails, counter.passes,
                                 utc_text(counter.first_fail), utc_text(counter.last_time)});
    if (!db_.in_transaction() || pending_counters_.size() >= std::size_t(batch_rows))
        flush_counters();
}

void SqliteCheckStore::add_history(const CheckResult& r) {
    pending_history_.push_back({utc(r.time), r.channel, r.check, to_string(r.raw),
                                to_string(r.state), r.http_status,
                                std::llround(r.timings.total * 1000.0), r.error});
    if (!db_.in_transaction() || pending_history_.size() >= std::size_t(batch_rows))
        flush_history();
}

void SqliteCheckStore::bind_row(sqlite3_stmt* s, int first, const PendingCounter& c) {
    db_.bind(s, first, c.key.first);
    db_.bind(s, first + 1, c.key.second);
    db_.bind(s, first + 2, c.state);
    db_.bind(s, first + 3, static_cast<long long>(c.fails));
    db_.bind(s, first + 4, static_cast<long long>(c.passes));
    if (c.first_fail)
        db_.bind(s, first + 5, *c.first_fail);
    if (c.last_time)
        db_.bind(s, first + 6, *c.last_time);
}

void SqliteCheckStore::bind_row(sqlite3_stmt* s, int first, const PendingHistory& h) {
    db_.bind(s, first, h.time);
    db_.bind(s, first + 1, h.channel);
    db_.bind(s, first + 2, h.check);
    db_.bind(s, first + 3, h.raw_state);
    db_.bind(s, first + 4, h.state);
    if (h.http_status > 0)
        db_.bind(s, first + 5, static_cast<long long>(h.http_status));
    db_.bind(s, first + 6, h.latency_ms);
    if (!h.error.empty())
        db_.bind(s, first + 7, h.error);
}

sqlite3_stmt* SqliteCheckStore::counter_insert(int rows) {
    sqlite3_stmt*& slot = rows == 1 ? counter_one_ : counter_batch_;
    if (!slot)
        slot = db_.prepare_persistent(counter_columns + values_rows(rows, counter_params) +
                                          counter_conflict,
                                      "prepare saving counters");
    return slot;
}

sqlite3_stmt* SqliteCheckStore::history_insert(int rows) {
    sqlite3_stmt*& slot = rows == 1 ? history_one_ : history_batch_;
    if (!slot)
        slot = db_.prepare_persistent(history_columns + values_rows(rows, history_params),
                                      "prepare adding history");
    return slot;
}

// Unbound parameters are NULL, and Use clears every binding after a statement.
void SqliteCheckStore::flush_counters() {
    const std::size_t n = pending_counters_.size();
    try {
        for (std::size_t i = 0; i < n;) {
            const int rows = n - i >= std::size_t(batch_rows) ? batch_rows : 1;
            Use q(counter_insert(rows));
            for (int r = 0; r < rows; ++r)
                bind_row(q.get(), 1 + r * counter_params, pending_counters_[i + r]);
            db_.step(q.get(), "save counters");
            i += rows;
        }
    } catch (...) {
        pending_counters_.clear();
        throw;
    }
    pending_counters_.clear();
}

void SqliteCheckStore::flush_history() {
    const std::size_t n = pending_history_.size();
    try {
        for (std::size_t i = 0; i < n;) {
            const int rows = n - i >= std::size_t(batch_rows) ? batch_rows : 1;
            Use q(history_insert(rows));
            for (int r = 0; r < rows; ++r)
                bind_row(q.get(), 1 + r * history_params, pending_history_[i + r]);
            db_.step(q.get(), "add history");
            i += rows;
        }
    } catch (...) {
        pending_history_.clear();
        throw;
    }
    pending_history_.clear();
}

void SqliteCheckStore::prune_history(TimePoint before) {
    flush_history();
    const std::string text = format_utc(before);
    Use q(db_.prepared(sql_prune_history));
    db_.bind(q.get(), 1, text);
    db_.step(q.get(), "prune history");
}

} // namespace

std::unique_ptr<CheckStore> make_sqlite_check_store(Database& db) {
    return std::make_unique<SqliteCheckStore>(db);
}

} // namespace shopkit
