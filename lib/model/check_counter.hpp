// What is remembered of one check between runs (its consecutive-result counter).
#pragma once

#include "lib/core/clock.hpp"
#include "lib/model/check_state.hpp"

#include <optional>
#include <string>
#include <utility>

namespace shopkit {

using CheckKey = std::pair<std::string, std::string>; // (channel, check)

// What is remembered of one check between runs.
struct CheckCounter {
    State state = State::up;             // the confirmed (effective) state
    int fails = 0;                       // consecutive runs not up
    int passes = 0;                      // consecutive runs up
    std::optional<TimePoint> first_fail; // start of the current failing streak
    std::optional<TimePoint> last_time;  // last run that touched it
};

} // namespace shopkit
