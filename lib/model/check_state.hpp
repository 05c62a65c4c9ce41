// The state of a check or a channel: up, degraded, down, unknown.
#pragma once

#include <string>

#include <optional>
#include <string_view>

namespace shopkit {

enum class State { up = 0, degraded = 1, down = 2, unknown = 3 };

// "up", "degraded", "down", "unknown".
std::string_view to_string(State s);
// The inverse of to_string; nullopt for anything else.
std::optional<State> state_from_string(std::string_view s);
// The worse of two states (unknown counts as worse than up, better than degraded).
State worse(State a, State b);

// JSON (any nlohmann basic_json) writes a State as its name, never as a number.
template <class Json> void to_json(Json& j, State v) {
    j = std::string(to_string(v));
}

} // namespace shopkit
