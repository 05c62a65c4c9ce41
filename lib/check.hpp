// What one check found: the result type, and the evaluation of a response
// against a check's expectations (http, tls, statuspage, feed).
#pragma once

#include "lib/clock.hpp"
#include "lib/config.hpp"
#include "lib/probe.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace shopkit {

enum class State { up = 0, degraded = 1, down = 2, unknown = 3 };

// "up", "degraded", "down", "unknown".
std::string_view to_string(State s);
// The inverse of to_string; nullopt for anything else.
std::optional<State> state_from_string(std::string_view s);
// The worse of two states (unknown counts as worse than up, better than degraded).
State worse(State a, State b);

struct CheckResult {
    std::string channel;
    std::string check;
    std::string kind;
    std::string url;
    TimePoint time;               // when the probe started
    State raw = State::unknown;   // what this probe alone found
    State state = State::unknown; // after fail_after / recover_after (== raw without state)
    bool critical = false;
    long http_status = 0;
    Timings timings;
    std::string error;            // why it is not up, for people ("HTTP 500", "text 'カート' not found"); empty when up
    std::optional<TimePoint> tls_expiry;
    std::optional<double> tls_days_left;
};

// The request that probes `check` (timeouts, body cap, auth from secrets, …).
// Throws config_error when a secret cannot be read.
Request make_request(const CheckConfig& check);

// Judges a response against the check. Fills raw, http_status, timings, error
// and the TLS fields; `state` is set equal to `raw`. Never throws.
CheckResult evaluate(const ChannelConfig& channel, const CheckConfig& check,
                     const Response& response, TimePoint started, TimePoint now);

} // namespace shopkit
