#include "lib/state/history_store.hpp"

#include "lib/state/database.hpp"

#include <sqlite3.h>

#include <algorithm>

namespace shopkit {

namespace {

constexpr const char* sql_probes_all =
    "SELECT time, channel, check_id, raw_state, state FROM check_history"
    " WHERE time >= ? AND time < ? ORDER BY time, id";
constexpr const char* sql_probes_one =
    "SELECT time, channel, check_id, raw_state, state FROM check_history"
    " WHERE time >= ? AND time < ? AND channel = ? AND check_id = ? ORDER BY time, id";
// Walks the time index backwards from `from`: normally a single run's rows.
constexpr const char* sql_probe_before =
    "SELECT time, channel, check_id, raw_state, state FROM check_history"
    " WHERE time < ? AND channel = ? AND check_id = ? ORDER BY time DESC, id DESC LIMIT 1";
// Newest first from `to`, through the time index: the caller stops at the
// first failing row.
constexpr const char* sql_streak =
    "SELECT time, raw_state FROM check_history"
    " WHERE time >= ? AND time <= ? AND channel = ? AND check_id = ? ORDER BY time DESC, id DESC";
constexpr const char* sql_first =
    "SELECT time FROM check_history"
    " WHERE time >= ? AND time < ? AND channel = ? AND check_id = ? ORDER BY time, id LIMIT 1";
constexpr const char* sql_known_checks =
    "SELECT channel, check_id FROM check_state ORDER BY channel, check_id";
constexpr const char* sql_since = "SELECT time, channel, check_id, raw_state, state"
                                  " FROM check_history WHERE time >= ? ORDER BY time, id";
constexpr const char* sql_add_check_day =
    "INSERT INTO check_daily (channel, check_id, day, up_s, degraded_s, down_s, unknown_s,"
    " maintenance_s, nodata_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (channel, check_id, day) DO UPDATE SET up_s = check_daily.up_s + excluded.up_s,"
    " degraded_s = check_daily.degraded_s + excluded.degraded_s,"
    " down_s = check_daily.down_s + excluded.down_s,"
    " unknown_s = check_daily.unknown_s + excluded.unknown_s,"
    " maintenance_s = check_daily.maintenance_s + excluded.maintenance_s,"
    " nodata_s = check_daily.nodata_s + excluded.nodata_s";
constexpr const char* sql_add_channel_day =
    "INSERT INTO channel_daily (channel, day, up_s, degraded_s, down_s, unknown_s,"
    " maintenance_s, nodata_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (channel, day) DO UPDATE SET up_s = channel_daily.up_s + excluded.up_s,"
    " degraded_s = channel_daily.degraded_s + excluded.degraded_s,"
    " down_s = channel_daily.down_s + excluded.down_s,"
    " unknown_s = channel_daily.unknown_s + excluded.unknown_s,"
    " maintenance_s = channel_daily.maintenance_s + excluded.maintenance_s,"
    " nodata_s = channel_daily.nodata_s + excluded.nodata_s";
constexpr const char* sql_check_days =
    "SELECT channel, check_id, day, up_s, degraded_s, down_s, unknown_s, maintenance_s, nodata_s"
    " FROM check_daily WHERE day >= ? AND day <= ? ORDER BY channel, check_id, day";
constexpr const char* sql_channel_days =
    "SELECT channel, '', day, up_s, degraded_s, down_s, unknown_s, maintenance_s, nodata_s"
    " FROM channel_daily WHERE day >= ? AND day <= ? ORDER BY channel, day";

class SqliteHistoryStore final : public HistoryStore {
  public:
    explicit SqliteHistoryStore(Database& db) : db_(db) {}

    std::vector<HistoryProbe> probes(const std::optional<CheckKey>& key, TimePoint from,
                                     TimePoint to) override;
    std::map<CheckKey, HistoryProbe> latest_probes(TimePoint since) override;
    void add_check_day(const DailyRow& row) override { add_day(sql_add_check_day, row, true); }
    void add_channel_day(const DailyRow& row) override { add_day(sql_add_channel_day, row, false); }
    std::vector<DailyRow> check_days(const std::string& first, const std::string& last) override {
        return days(sql_check_days, first, last);
    }
    std::vector<DailyRow> channel_days(const std::string& first, const std::string& last) override {
        return days(sql_channel_days, first, last);
    }

  private:
    HistoryProbe probe_row(sqlite3_stmt* s);
    std::optional<HistoryProbe> probe_before(const CheckKey& key, const std::string& from);
    std::optional<TimePoint> passing_since(const CheckKey& key, TimePoint from,
                                           TimePoint to) override;
    std::optional<TimePoint> first_probe(const CheckKey& key, TimePoint from,
                                         TimePoint to) override;
    void add_day(const char* sql, const DailyRow& row, bool with_check);
    std::vector<DailyRow> days(const char* sql, const std::string& first, const std::string& last);

    Database& db_;
};

HistoryProbe SqliteHistoryStore::probe_row(sqlite3_stmt* s) {
    return {db_.column_time(s, 0, "check_history"), db_.column_text(s, 1).value_or(""),
            db_.column_text(s, 2).value_or(""),
            db_.column_enum(s, 3, state_from_string, "check_history state"),
            db_.column_enum(s, 4, state_from_string, "check_history state")};
}

std::optional<HistoryProbe> SqliteHistoryStore::probe_before(const CheckKey& key,
                                                             const std::string& from) {
    Use q(db_.prepared(sql_probe_before));
    db_.bind(q.get(), 1, from);
    db_.bind(q.get(), 2, key.first);
    db_.bind(q.get(), 3, key.second);
    if (db_.step(q.get(), "read history"))
        return probe_row(q.get());
    return std::nullopt;
}

std::vector<HistoryProbe> SqliteHistoryStore::probes(const std::optional<CheckKey>& key,
                                                     TimePoint from, TimePoint to) {
    db_.flush_buffers();
    const std::string from_text = format_utc(from);
    const std::string to_text = format_utc(to);
    std::vector<CheckKey> keys;
    if (key) {
        keys.push_back(*key);
    } else {
        Use q(db_.prepared(sql_known_checks));
        while (db_.step(q.get(), "read checks"))
            keys.emplace_back(db_.column_text(q.get(), 0).value_or(""),
                              db_.column_text(q.get(), 1).value_or(""));
    }
    std::vector<HistoryProbe> out;
    for (const auto& k : keys)
        if (auto p = probe_before(k, from_text))
            out.push_back(std::move(*p));
    std::stable_sort(out.begin(), out.end(),
                     [](const auto& a, const auto& b) { return a.time < b.time; });
    Use q(db_.prepared(key ? sql_probes_one : sql_probes_all));
    db_.bind(q.get(), 1, from_text);
    db_.bind(q.get(), 2, to_text);
    if (key) {
        db_.bind(q.get(), 3, key->first);
        db_.bind(q.get(), 4, key->second);
    }
    while (db_.step(q.get(), "read history"))
        out.push_back(probe_row(q.get()));
    return out;
}

std::optional<TimePoint> SqliteHistoryStore::passing_since(const CheckKey& key, TimePoint from,
                                                           TimePoint to) {
    db_.flush_buffers();
    const std::string from_text = format_utc(from);
    const std::string to_text = format_utc(to);
    Use q(db_.prepared(sql_streak));
    db_.bind(q.get(), 1, from_text);
    db_.bind(q.get(), 2, to_text);
    db_.bind(q.get(), 3, key.first);
    db_.bind(q.get(), 4, key.second);
    std::optional<TimePoint> first_pass;
    while (db_.step(q.get(), "read history")) {
        const State raw = db_.column_enum(q.get(), 1, state_from_string, "check_history state");
        if (raw == State::degraded || raw == State::down)
            return first_pass;
        if (raw == State::up)
            first_pass = db_.column_time(q.get(), 0, "check_history");
    }
    // No failing probe left in the span: the streak may have begun before it,
    // or its start was pruned.
    return std::nullopt;
}

std::optional<TimePoint> SqliteHistoryStore::first_probe(const CheckKey& key, TimePoint from,
                                                         TimePoint to) {
    db_.flush_buffers();
    const std::string from_text = format_utc(from);
    const std::string to_text = format_utc(to);
    Use q(db_.prepared(sql_first));
    db_.bind(q.get(), 1, from_text);
    db_.bind(q.get(), 2, to_text);
    db_.bind(q.get(), 3, key.first);
    db_.bind(q.get(), 4, key.second);
    if (db_.step(q.get(), "read history"))
        return db_.column_time(q.get(), 0, "check_history");
    return std::nullopt;
}

std::map<CheckKey, HistoryProbe> SqliteHistoryStore::latest_probes(TimePoint since) {
    db_.flush_buffers();
    const std::string since_text = format_utc(since);
    std::map<CheckKey, HistoryProbe> out;
    Use q(db_.prepared(sql_since));
    db_.bind(q.get(), 1, since_text);
    while (db_.step(q.get(), "read history")) {
        HistoryProbe p = probe_row(q.get());
        CheckKey k{p.channel, p.check};
        out.insert_or_assign(std::move(k), std::move(p));
    }
    return out;
}

void SqliteHistoryStore::add_day(const char* sql, const DailyRow& row, bool with_check) {
    Use q(db_.prepared(sql));
    int i = 1;
    db_.bind(q.get(), i++, row.channel);
    if (with_check)
        db_.bind(q.get(), i++, row.check);
    db_.bind(q.get(), i++, row.day);
    const Buckets& d = row.seconds;
    for (std::chrono::seconds v : {d.up, d.degraded, d.down, d.unknown, d.maintenance, d.no_data})
        db_.bind(q.get(), i++, static_cast<long long>(v.count()));
    db_.step(q.get(), "add daily roll-up");
}

std::vector<DailyRow> SqliteHistoryStore::days(const char* sql, const std::string& first,
                                               const std::string& last) {
    Use q(db_.prepared(sql));
    db_.bind(q.get(), 1, first);
    db_.bind(q.get(), 2, last);
    std::vector<DailyRow> out;
    while (db_.step(q.get(), "read daily roll-up")) {
        DailyRow r{db_.column_text(q.get(), 0).value_or(""),
                   db_.column_text(q.get(), 1).value_or(""),
                   db_.column_text(q.get(), 2).value_or(""),
                   {}};
        const auto col = [&](int i) {
            return std::chrono::seconds(sqlite3_column_int64(q.get(), i));
        };
        r.seconds = {col(3), col(4), col(5), col(6), col(7), col(8)};
        out.push_back(std::move(r));
    }
    return out;
}

} // namespace

std::unique_ptr<HistoryStore> make_sqlite_history_store(Database& db) {
    return std::make_unique<SqliteHistoryStore>(db);
}

} // namespace shopkit
