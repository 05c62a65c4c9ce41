// Claims on rows of the state that a run works on outside a transaction (an
// outbox notice being sent, a runbook step being run): who holds one, when it
// lapses, and when a failed attempt is tried again.
#pragma once

#include "lib/core/clock.hpp"
#include "lib/core/duration.hpp"

#include <optional>
#include <string>

namespace shopkit {

// "HOST:PID" of this process: the owner written on the rows it claims.
std::string lease_owner();

// True when a claim held by `owner` until `lease_until` may be taken over now:
// the lease ran out (or was never set), or the owner is a process on this host
// that no longer exists, so a killed run's work is taken over at once and a
// live run's never. False for this process's own claims.
bool lease_lapsed(const std::string& owner, std::optional<TimePoint> lease_until, TimePoint now);

// When to try again after `attempts` failed attempts: 30 s, 1 m, 2 m, 4 m …
// capped at 1 h; a server's own wait (Retry-After, reset headers) wins when given.
TimePoint next_attempt_after(int attempts, std::optional<Millis> retry_after, TimePoint now);

} // namespace shopkit
