#include "lib/announce/outbox.hpp"

namespace shopkit {

bool claimable(const OutboxRow& row, TimePoint now) {
    if (row.state == OutboxState::pending)
        return !row.next_attempt || *row.next_attempt <= now;
    if (row.state != OutboxState::sending)
        return false;
    return lease_lapsed(row.owner, row.lease_until, now);
}

} // namespace shopkit
