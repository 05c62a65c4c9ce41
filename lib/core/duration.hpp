// Durations as people write them in the config: "1500ms", "90s", "10m", "2h", "1d",
// and combinations such as "1h30m".
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace shopkit {

using Millis = std::chrono::milliseconds;

// Parses a duration. Throws std::invalid_argument with a short reason
// (e.g. "unknown unit 'x'") on anything else, including an empty string,
// a negative value, a bare number without a unit, a fraction ("1.5h"), or units
// out of order or repeated ("30m1h", "1m1m"). "0s" is zero.
Millis parse_duration(std::string_view text);

// Formats a duration exactly, largest unit first, zero parts left out, in a form
// parse_duration reads back: "1m30s", "1h30m", "250ms", "1d2h", "0s". A negative
// duration gets a leading '-' (which parse_duration refuses).
std::string format_duration(Millis d);

} // namespace shopkit
