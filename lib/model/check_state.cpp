#include "lib/model/check_state.hpp"

namespace shopkit {

std::string_view to_string(State s) {
    switch (s) {
    case State::up:
        return "up";
    case State::degraded:
        return "degraded";
    case State::down:
        return "down";
    case State::unknown:
        break;
    }
    return "unknown";
}

std::optional<State> state_from_string(std::string_view s) {
    if (s == "up")
        return State::up;
    if (s == "degraded")
        return State::degraded;
    if (s == "down")
        return State::down;
    if (s == "unknown")
        return State::unknown;
    return std::nullopt;
}

State worse(State a, State b) {
    // Severity order: up < unknown < degraded < down.
    auto rank = [](State s) {
        switch (s) {
        case State::up:
            return 0;
        case State::unknown:
            return 1;
        case State::degraded:
            return 2;
        case State::down:
            return 3;
        }
        return 1;
    };
    return rank(a) >= rank(b) ? a : b;
}

} // namespace shopkit
