#include "lib/model/check_state.hpp"

#include "lib/core/enum_names.hpp"

namespace shopkit {

namespace {
constexpr EnumNames<State, 4> state_names{{{State::up, "up"},
                                           {State::degraded, "degraded"},
                                           {State::down, "down"},
                                           {State::unknown, "unknown"}}};
} // namespace

std::string_view to_string(State s) {
    return enum_name(state_names, s);
}

std::optional<State> state_from_string(std::string_view s) {
    return enum_value(state_names, s);
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
