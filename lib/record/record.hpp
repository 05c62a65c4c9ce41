// The pipe format: JSON Lines, one record per line, each with "v":1 and "type".
#pragma once

#include "lib/model/check_result.hpp"
#include "lib/model/incident.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace shopkit {

using Json = nlohmann::json;

inline constexpr int record_version = 1;

// Writes one record as one line (UTF-8, no pretty printing). Does not flush:
// a run writes many records, and the caller flushes once.
void write_record(std::ostream& out, const Json& record);

// {"v":1,"type":"check",…}; times in the zone `tz` (empty = UTC).
Json check_record(const CheckResult& r, const std::string& tz);
// {"v":1,"type":"incident","event":…,"id":…,…}; "sale" (the event's name) only
// for an incident that started during a sale.
Json incident_record(const IncidentEvent& e, const std::string& tz);
// The reverse: the incident event an incident record describes (missing
// "until" of a resolved one, and a missing "time", are `now`). Throws
// data_error "why" for a record that lacks id, event or since, or has a bad
// time, event or severity, or a "sale" that is not a string.
IncidentEvent incident_from_record(const Json& record, TimePoint now);
// What a check record says of one probe: channel, check, kind, url, time, state,
// raw state, http_status, latency (timings.total) and error; nullopt when it lacks
// channel or check, or a field has the wrong type. Never throws.
std::optional<CheckResult> check_from_record(const Json& record);

// Reads records from a stream, one per line; blank lines are skipped.
class RecordReader {
  public:
    // `name` stands for the stream in messages ("<stdin>").
    RecordReader(std::istream& in, std::string name);
    // The next record, or nullopt at end of input. Throws data_error
    // "NAME:LINE: why" for a line that is not a JSON object, lacks "type"
    // (a string) or "v" (an integer), or has a "v" newer than record_version;
    // also for a line over 16 MiB, nested deeper than 64 levels, or holding a
    // number beyond a double (1e400): every nlohmann error is one bad line. CRLF line
    // ends and a UTF-8 BOM on line 1 are accepted (and left out of raw()).
    std::optional<Json> next();
    // The number of the line last read (1-based).
    std::size_t line() const noexcept { return line_; }
    // The raw text of the line last read (without its line end), to pass it
    // through unchanged.
    const std::string& raw() const noexcept { return raw_; }

  private:
    std::istream& in_;
    std::string name_;
    std::size_t line_ = 0;
    std::string raw_;
};

// A record's field as text for people: a string as it is, anything else as
// JSON, "" when absent.
std::string field_text(const Json& record, const char* key);

// A filter's input: reads every record of `in`, hands each line to `pass`
// unchanged (bad ones too, so nothing upstream wrote is lost), and returns the
// incident events of the incident records; every other record goes to `other`
// (when set). A line that is not a record, or an incident record that does not
// parse, goes to `bad` as "NAME:LINE: why" and the reading goes on.
std::vector<IncidentEvent>
read_incident_events(std::istream& in, const std::string& name, TimePoint now,
                     const std::function<void(const std::string& raw_line)>& pass,
                     const std::function<void(const std::string& message)>& bad,
                     const std::function<void(const Json& record)>& other = {});

} // namespace shopkit
