// What one check found: the evaluation of a response
// against a check's expectations (http, tls, statuspage, feed).
#pragma once

#include "lib/config/config.hpp"
#include "lib/core/clock.hpp"
#include "lib/model/check_result.hpp"
#include "lib/net/probe.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace shopkit {

// The request that probes `check` (timeouts, body cap, auth from secrets, …).
// Throws config_error when a secret cannot be read.
Request make_request(const CheckConfig& check);

// Judges a response against the check. Fills raw, http_status, timings, error
// and the TLS fields; `state` is set equal to `raw`. Never throws.
CheckResult evaluate(const ChannelConfig& channel, const CheckConfig& check,
                     const Response& response, TimePoint started, TimePoint now);

} // namespace shopkit
