// shopannounce's output for people: one line per notice handled, the text of
// outbox rows under --pending, and --dry-run previews. (jsonl is lib/record.)
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace shopkit {

// "sent      #7     line           customers  opened    own-20260604T0300  remote-id\n",
// the detail being the error, the next attempt, or the remote id; an outbox
// record (--pending) adds its creation time and its text, indented.
std::string announcement_text(const nlohmann::json& record, bool color);

// "── line (line, customers) · opened · own-20260604T0300\n" + the notice as
// its target would receive it, and REFUSED: why, when it would not fit.
std::string preview_text(const nlohmann::json& record, const std::string& preview);

} // namespace shopkit
