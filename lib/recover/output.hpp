// shoprecover's human output: a line per step record, drill record and
// incident record, and the runbook as a table (--list).
#pragma once

#include "lib/config/config.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace shopkit {

// One line (plus indented stderr lines, if any) for a "step", "drill" or
// "incident" record; `color` paints the result (ok green, retry yellow,
// failed red).
std::string recover_text(const nlohmann::json& record, bool color);

// The runbook as a table: step id, events, filters, what runs.
std::string runbook_table(const Config& config);

} // namespace shopkit
