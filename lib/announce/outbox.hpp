// The outbox's rules, apart from its storage (lib/state): who may take a row.
// Owners, leases and the retry backoff are lib/state/lease's; the idempotency
// key of a new row is new_uuid (lib/core/crypto).
#pragma once

#include "lib/core/crypto.hpp"
#include "lib/state/lease.hpp"
#include "lib/state/state.hpp"

namespace shopkit {

// "HOST:PID" of this process: the owner written on the rows it claims.
inline std::string outbox_owner() {
    return lease_owner();
}

// True when this run may send `row` now: pending and due, or sending under a
// lease that lapsed (lib/state/lease: ran out, or its process is gone).
bool claimable(const OutboxRow& row, TimePoint now);

} // namespace shopkit
