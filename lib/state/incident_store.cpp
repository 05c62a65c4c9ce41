#include "lib/state/incident_store.hpp"

#include "lib/state/database.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <string_view>

namespace shopkit {

namespace {

constexpr const char* sql_open_incidents =
    "SELECT id, channel, severity, checks, since, until, sale FROM incidents WHERE until IS NULL"
    " ORDER BY since, id";
constexpr const char* sql_incident_exists = "SELECT 1 FROM incidents WHERE id = ?";
constexpr const char* sql_insert_incident =
    "INSERT INTO incidents (id, channel, severity, checks, since, until, sale)"
    " VALUES (?, ?, ?, ?, ?, NULL, ?)";
constexpr const char* sql_update_incident =
    "UPDATE incidents SET severity = ?, checks = ? WHERE id = ?";
constexpr const char* sql_resolve_incident = "UPDATE incidents SET until = ? WHERE id = ?";
constexpr const char* sql_insert_event =
    "INSERT INTO incident_events (incident, event, time, severity, checks)"
    " VALUES (?, ?, ?, ?, ?)";
constexpr const char* sql_incident_events =
    "SELECT e.event, e.time, e.severity, e.checks, i.id, i.channel, i.since, i.until, i.sale"
    " FROM incident_events e JOIN incidents i ON i.id = e.incident"
    " WHERE e.incident = ? ORDER BY e.id";
constexpr const char* sql_incident =
    "SELECT id, channel, severity, checks, since, until, sale FROM incidents WHERE id = ?";
constexpr const char* sql_incidents_since =
    "SELECT id, channel, severity, checks, since, until, sale FROM incidents"
    " WHERE until IS NULL OR until >= ? ORDER BY since DESC, id DESC";

std::string checks_json(const std::vector<std::string>& checks) {
    return nlohmann::json(checks).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

class SqliteIncidentStore final : public IncidentStore {
  public:
    explicit SqliteIncidentStore(Database& db) : db_(db) {}

    std::map<std::string, Incident> open_incidents() override;
    bool incident_exists(const std::string& id) override;
    void record_event(const IncidentEvent& event) override;
    std::vector<IncidentEvent> incident_events(const std::string& id) override;
    std::optional<Incident> incident(const std::string& id) override;
    std::vector<Incident> incidents_since(TimePoint from) override;

  private:
    Severity column_severity(sqlite3_stmt* s, int i) const;
    std::vector<std::string> column_checks(sqlite3_stmt* s, int i) const;
    // An incident from columns id, channel, severity, checks, since, until, sale.
    Incident read_incident(sqlite3_stmt* s) const;

    Database& db_;
};

Severity SqliteIncidentStore::column_severity(sqlite3_stmt* s, int i) const {
    const auto text = db_.column_text(s, i).value_or("");
    const auto sev = severity_from_string(text);
    if (!sev)
        db_.fail_data(fmt::format("incidents: bad severity '{}'", text));
    return *sev;
}

std::vector<std::string> SqliteIncidentStore::column_checks(sqlite3_stmt* s, int i) const {
    const auto text = db_.column_text(s, i).value_or("[]");
    const auto j = nlohmann::json::parse(text, nullptr, false);
    std::vector<std::string> out;
    if (!j.is_array())
        db_.fail_data(fmt::format("incidents: bad checks '{}'", text));
    for (const auto& c : j) {
        if (!c.is_string())
            db_.fail_data(fmt::format("incidents: bad checks '{}'", text));
        out.push_back(c.get<std::string>());
    }
    return out;
}

Incident SqliteIncidentStore::read_incident(sqlite3_stmt* s) const {
    Incident inc;
    inc.id = db_.column_text(s, 0).value_or("");
    inc.channel = db_.column_text(s, 1).value_or("");
    inc.severity = column_severity(s, 2);
    inc.checks = column_checks(s, 3);
    inc.since = db_.column_time(s, 4, "incidents");
    inc.until = db_.column_opt_time(s, 5, "incidents");
    inc.sale = db_.column_text(s, 6);
    return inc;
}

std::map<std::string, Incident> SqliteIncidentStore::open_incidents() {
    std::map<std::string, Incident> out;
    Use q(db_.prepared(sql_open_incidents));
    while (db_.step(q.get(), "load open incidents")) {
        Incident inc = read_incident(q.get());
        // Ordered by start: should a channel ever hold two, the newest wins.
        out.insert_or_assign(inc.channel, std::move(inc));
    }
    return out;
}

bool SqliteIncidentStore::incident_exists(const std::string& id) {
    Use q(db_.prepared(sql_incident_exists));
    db_.bind(q.get(), 1, id);
    return db_.step(q.get(), "look up incident");
}

void SqliteIncidentStore::record_event(const IncidentEvent& e) {
    const Incident& inc = e.incident;
    const std::string checks = checks_json(inc.checks);
    const std::string_view severity = to_string(inc.severity);
    const std::string since = format_utc(inc.since);
    const std::string until = format_utc(inc.until.value_or(e.time));
    const std::string time = format_utc(e.time);
    if (e.event == Event::opened) {
        Use q(db_.prepared(sql_insert_incident));
        db_.bind(q.get(), 1, inc.id);
        db_.bind(q.get(), 2, inc.channel);
        db_.bind(q.get(), 3, severity);
        db_.bind(q.get(), 4, checks);
        db_.bind(q.get(), 5, since);
        if (inc.sale)
            db_.bind(q.get(), 6, *inc.sale);
        db_.step(q.get(), fmt::format("open incident {}", inc.id));
    } else if (e.event == Event::updated) {
        Use q(db_.prepared(sql_update_incident));
        db_.bind(q.get(), 1, severity);
        db_.bind(q.get(), 2, checks);
        db_.bind(q.get(), 3, inc.id);
        db_.step(q.get(), fmt::format("update incident {}", inc.id));
    } else if (e.event == Event::resolved) {
        Use q(db_.prepared(sql_resolve_incident));
        db_.bind(q.get(), 1, until);
        db_.bind(q.get(), 2, inc.id);
        db_.step(q.get(), fmt::format("resolve incident {}", inc.id));
    } else {
        db_.fail_data(fmt::format("incident {}: unknown event '{}'", inc.id, to_string(e.event)));
    }
    if (db_.changes() == 0)
        db_.fail_data(fmt::format("{} incident {}: no such incident", to_string(e.event), inc.id));

    Use q(db_.prepared(sql_insert_event));
    db_.bind(q.get(), 1, inc.id);
    db_.bind(q.get(), 2, e.event);
    db_.bind(q.get(), 3, time);
    db_.bind(q.get(), 4, severity);
    db_.bind(q.get(), 5, checks);
    db_.step(q.get(), fmt::format("record event of incident {}", inc.id));
}

std::vector<IncidentEvent> SqliteIncidentStore::incident_events(const std::string& id) {
    std::vector<IncidentEvent> out;
    Use q(db_.prepared(sql_incident_events));
    db_.bind(q.get(), 1, id);
    while (db_.step(q.get(), "load incident events")) {
        IncidentEvent e;
        e.event = db_.column_enum(q.get(), 0, &event_from_string, "incident event");
        e.time = db_.column_time(q.get(), 1, "incident_events");
        e.incident.severity = column_severity(q.get(), 2);
        e.incident.checks = column_checks(q.get(), 3);
        e.incident.id = db_.column_text(q.get(), 4).value_or("");
        e.incident.channel = db_.column_text(q.get(), 5).value_or("");
        e.incident.since = db_.column_time(q.get(), 6, "incidents");
        e.incident.sale = db_.column_text(q.get(), 8);
        // The incident as it was after this event: only resolution sets `until`.
        if (e.event == Event::resolved)
            e.incident.until = db_.column_opt_time(q.get(), 7, "incidents").value_or(e.time);
        out.push_back(std::move(e));
    }
    return out;
}

std::optional<Incident> SqliteIncidentStore::incident(const std::string& id) {
    Use q(db_.prepared(sql_incident));
    db_.bind(q.get(), 1, id);
    if (!db_.step(q.get(), "load incident"))
        return std::nullopt;
    return read_incident(q.get());
}

std::vector<Incident> SqliteIncidentStore::incidents_since(TimePoint from) {
    const std::string text = format_utc(from);
    Use q(db_.prepared(sql_incidents_since));
    db_.bind(q.get(), 1, text);
    std::vector<Incident> out;
    while (db_.step(q.get(), "load incidents"))
        out.push_back(read_incident(q.get()));
    return out;
}

} // namespace

std::unique_ptr<IncidentStore> make_sqlite_incident_store(Database& db) {
    return std::make_unique<SqliteIncidentStore>(db);
}

void sync_incident(IncidentStore& store, const IncidentEvent& e) {
    const auto known = store.incident(e.incident.id);
    if (!known) {
        IncidentEvent opened = e;
        opened.event = Event::opened;
        opened.incident.until.reset();
        opened.time = e.event == Event::opened ? e.time : e.incident.since;
        store.record_event(opened);
        if (e.event != Event::opened)
            store.record_event(e);
        return;
    }
    if (e.event == Event::resolved && !known->until)
        store.record_event(e);
    else if (e.event == Event::updated && !known->until &&
             (known->severity != e.incident.severity || known->checks != e.incident.checks))
        store.record_event(e);
}

} // namespace shopkit
