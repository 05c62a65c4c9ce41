// What one probe of one check found, as every program sees it.
#pragma once

#include "lib/core/clock.hpp"
#include "lib/model/check_state.hpp"

#include <optional>
#include <string>

namespace shopkit {

// Phase timings of one transfer, in seconds since it started (as libcurl reports them).
struct Timings {
    double dns = 0;        // name resolved
    double connect = 0;    // TCP connected
    double tls = 0;        // TLS handshake done (0 for plain HTTP)
    double first_byte = 0; // first response byte
    double total = 0;      // transfer ended
};

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
    std::string error; // why it is not up, for people ("HTTP 500", "text 'カート' not found");
                       // empty when up
    std::optional<TimePoint> tls_expiry;
    std::optional<double> tls_days_left;
};

} // namespace shopkit
