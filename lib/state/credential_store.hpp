// Credentials an announce target renews by itself and must remember between runs:
// X's rotating OAuth 2.0 refresh token, a Bluesky session. One row per (target,
// kind), the value a JSON object the target's own file reads and writes. The
// state file is the user's alone; nothing here is ever printed.
#pragma once

#include <memory>
#include <optional>
#include <string>

namespace shopkit {

class Database;

class CredentialStore {
  public:
    virtual ~CredentialStore() = default;
    // The value last saved for (target, kind), or nullopt when none was.
    virtual std::optional<std::string> credential(const std::string& target,
                                                  const std::string& kind) = 0;
    // Replaces the value of (target, kind) in one statement, so a reader sees the
    // old value or the new one, never a mix. Throws std::runtime_error on failure.
    virtual void save_credential(const std::string& target, const std::string& kind,
                                 const std::string& value) = 0;
};

// The SQLite CredentialStore on `db`, which must outlive it. Failures throw
// std::runtime_error naming the file.
std::unique_ptr<CredentialStore> make_sqlite_credential_store(Database& db);

} // namespace shopkit
