#include "lib/state/credential_store.hpp"

#include "lib/core/clock.hpp"
#include "lib/state/database.hpp"

#include <fmt/core.h>
#include <sqlite3.h>

namespace shopkit {

namespace {

class SqliteCredentialStore final : public CredentialStore {
  public:
    explicit SqliteCredentialStore(Database& db) : db_(db) {}

    std::optional<std::string> credential(const std::string& target,
                                          const std::string& kind) override {
        static constexpr const char* sql =
            "SELECT value FROM credentials WHERE target = ? AND kind = ?";
        Use q(db_.prepared(sql));
        db_.bind(q.get(), 1, target);
        db_.bind(q.get(), 2, kind);
        // The target id only: a credential must never reach a message.
        if (!db_.step(q.get(), fmt::format("read the credential of target {}", target)))
            return std::nullopt;
        return db_.column_text(q.get(), 0);
    }

    void save_credential(const std::string& target, const std::string& kind,
                         const std::string& value) override {
        static constexpr const char* sql =
            "INSERT INTO credentials (target, kind, value, updated) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (target, kind) DO UPDATE SET value = excluded.value,"
            " updated = excluded.updated";
        const std::string updated = format_utc(Clock().now()); // bound by reference
        Use q(db_.prepared(sql));
        db_.bind(q.get(), 1, target);
        db_.bind(q.get(), 2, kind);
        db_.bind(q.get(), 3, value);
        db_.bind(q.get(), 4, updated);
        db_.step(q.get(), fmt::format("save the credential of target {}", target));
    }

  private:
    Database& db_;
};

} // namespace

std::unique_ptr<CredentialStore> make_sqlite_credential_store(Database& db) {
    return std::make_unique<SqliteCredentialStore>(db);
}

} // namespace shopkit
