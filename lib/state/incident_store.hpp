// Incidents and their events: opened by shopcheck, read by shopannounce and the
// status page.
#pragma once

#include "lib/core/clock.hpp"
#include "lib/model/incident.hpp"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shopkit {

class Database;

class IncidentStore {
  public:
    virtual ~IncidentStore() = default;

    // Open incidents (until unset), keyed by channel.
    virtual std::map<std::string, Incident> open_incidents() = 0;
    // True when an incident with this id was ever recorded.
    virtual bool incident_exists(const std::string& id) = 0;
    // Records an event and applies it to the incident row (opened: insert;
    // updated: severity/checks; resolved: until). Throws for an unknown event or
    // an update/resolution of an incident never opened.
    virtual void record_event(const IncidentEvent& event) = 0;
    // Events of one incident, oldest first.
    virtual std::vector<IncidentEvent> incident_events(const std::string& id) = 0;
    // One incident, open or not.
    virtual std::optional<Incident> incident(const std::string& id) = 0;
    // Incidents open now or active at any time since `from`, newest first.
    virtual std::vector<Incident> incidents_since(TimePoint from) = 0;
};

// Brings the store up to date with an incident record another run wrote (a
// pipe's upstream program on the same state file has usually recorded it
// already): an unknown incident is recorded as opened (and then the event),
// a resolution or a changed update of an open one is applied, anything the
// store knows already is left alone. Idempotent.
void sync_incident(IncidentStore& store, const IncidentEvent& event);

// The SQLite IncidentStore on `db`, which must outlive it. Failures throw
// std::runtime_error naming the file.
std::unique_ptr<IncidentStore> make_sqlite_incident_store(Database& db);

} // namespace shopkit
