// shopreport --records: a JSON Lines log (what the crontab line appends to)
// replayed into a state, so a report can be made from the log alone: check
// records become history and the daily roll-up, incident records incidents,
// announcement and step records the notices and steps of their incidents.
#pragma once

#include "lib/config/config.hpp"
#include "lib/state/state.hpp"

#include <istream>
#include <string>

namespace shopkit::report {

// What a log gave, for the report to say.
struct RecordsRead {
    std::size_t lines = 0;
    std::size_t checks = 0;
    std::size_t incidents = 0;
    std::size_t announcements = 0;
    std::size_t steps = 0;
};

// Reads every record of `in` (named `name` in messages) into `state`. Records of
// other types are skipped. Throws data_error (65) "NAME:LINE: why" for a line that
// is not a record or a record of a known type that lacks what it needs; nothing
// is replayed then.
RecordsRead load_records(std::istream& in, const std::string& name, const Config& config,
                         const Stores& state, TimePoint now);

} // namespace shopkit::report
