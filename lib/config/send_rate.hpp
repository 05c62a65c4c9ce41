// The e-mail target's sending limits, checked when the config loads: `rate`
// (messages per second, minute or hour over all connections) and `connections`
// (parallel SMTP connections).
#pragma once

#include <optional>
#include <string_view>

namespace shopkit {

// "10/s", "600/m" or "36000/h" (a whole number from 1 to 1000000, then per
// second, minute or hour) as messages per second; nullopt for anything else.
std::optional<double> parse_send_rate(std::string_view text);

// The bounds of an e-mail target's `connections`.
inline constexpr int min_connections = 1;
inline constexpr int max_connections = 16;
inline constexpr int default_connections = 4;

} // namespace shopkit
