// What shopcheck remembers about checks between runs: the counters that drive
// fail_after/recover_after, and the history of results.
#pragma once

#include "lib/core/clock.hpp"
#include "lib/model/check_counter.hpp"
#include "lib/model/check_result.hpp"

#include <map>
#include <memory>

namespace shopkit {

class Database;

class CheckStore {
  public:
    virtual ~CheckStore() = default;

    // All remembered counters.
    virtual std::map<CheckKey, CheckCounter> load_counters() = 0;
    // Inserts or replaces one check's counter.
    virtual void save_counter(const CheckKey& key, const CheckCounter& counter) = 0;
    // Appends one result to the check history.
    virtual void add_history(const CheckResult& result) = 0;
    // Deletes history older than `before`.
    virtual void prune_history(TimePoint before) = 0;
};

// The SQLite CheckStore on `db`, which must outlive it. Inside a transaction,
// writes are batched and reach the file before COMMIT. Failures throw
// std::runtime_error naming the file.
std::unique_ptr<CheckStore> make_sqlite_check_store(Database& db);

} // namespace shopkit
