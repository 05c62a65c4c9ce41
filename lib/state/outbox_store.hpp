// The announcement outbox's storage: one row per notice and target, and the
// recipients an e-mail (or Instagram) notice has already dealt with.
#pragma once

#include "lib/model/outbox_row.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shopkit {

class Database;

class OutboxStore {
  public:
    virtual ~OutboxStore() = default;

    // Inserts a row unless one with the same (incident, name, target) exists;
    // returns true and sets row.id when it inserted.
    virtual bool enqueue(OutboxRow& row) = 0;
    // Rows of one incident (all targets) in creation order.
    virtual std::vector<OutboxRow> outbox_for_incident(const std::string& incident) = 0;
    // Rows in any of these states, in creation order.
    virtual std::vector<OutboxRow> outbox_in_states(const std::vector<OutboxState>& states) = 0;
    // The row with this id, if any.
    virtual std::optional<OutboxRow> outbox_row(std::int64_t id) = 0;
    // Writes a row's mutable fields (state, attempts, next_attempt, finished,
    // owner, lease_until, remote_id, error); throws when the row does not exist.
    virtual void update_outbox(const OutboxRow& row) = 0;

    // E-mail batches: the recipients of an outbox row already dealt with
    // (accepted or refused), so a re-run after a kill mails only the rest.
    virtual std::vector<std::string> recipients_done(std::int64_t outbox_id) = 0;
    // Records one recipient's result ("sent" | "rejected") at once, in its own
    // transaction unless one is open.
    virtual void record_recipient(std::int64_t outbox_id, const std::string& address,
                                  const std::string& result, const std::string& error) = 0;
};

// The SQLite OutboxStore on `db`, which must outlive it. Failures throw
// std::runtime_error naming the file.
std::unique_ptr<OutboxStore> make_sqlite_outbox_store(Database& db);

} // namespace shopkit
