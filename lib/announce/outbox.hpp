// The outbox's rules, apart from its storage (lib/state): who may take a row,
// when a failed row is tried again, and the idempotency key of a new row
// (new_uuid, from lib/core/crypto).
#pragma once

#include "lib/core/crypto.hpp"
#include "lib/core/duration.hpp"
#include "lib/state/state.hpp"

#include <optional>
#include <string>

namespace shopkit {

// "HOST:PID" of this process: the owner written on the rows it claims.
std::string outbox_owner();

// True when this run may send `row` now: pending and due, or claimed by a run
// whose lease ran out or whose process (on this host) no longer exists, so a
// killed run's notice is taken over at once, and a live run's never.
bool claimable(const OutboxRow& row, TimePoint now);

// When to try again after `attempts` failed attempts: 30 s, 1 m, 2 m, 4 m …
// capped at 1 h; an API's own wait (Retry-After, reset headers) wins when given.
TimePoint next_attempt_after(int attempts, std::optional<Millis> retry_after, TimePoint now);

} // namespace shopkit
