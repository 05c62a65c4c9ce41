#include "lib/state/state.hpp"

#include <cstdlib>

#include <pwd.h>
#include <unistd.h>

namespace shopkit {

StateHandle::StateHandle(std::unique_ptr<Database> db)
    : db_(std::move(db)), checks_(make_sqlite_check_store(*db_)),
      incidents_(make_sqlite_incident_store(*db_)), outbox_(make_sqlite_outbox_store(*db_)),
      runbook_(make_sqlite_runbook_store(*db_)), history_(make_sqlite_history_store(*db_)),
      credentials_(make_sqlite_credential_store(*db_)), stores_{*db_,         *checks_,
                                                                *incidents_,  *outbox_,
                                                                *runbook_,    *history_,
                                                                *credentials_} {}

// The stores go before the connection: their statements are finalized first.
StateHandle::~StateHandle() {
    credentials_.reset();
    history_.reset();
    runbook_.reset();
    outbox_.reset();
    incidents_.reset();
    checks_.reset();
}

std::filesystem::path default_state_path() {
    // The XDG spec says a relative $XDG_STATE_HOME is to be ignored.
    if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg == '/')
        return std::filesystem::path(xdg) / "shopkit" / "state.db";
    std::filesystem::path home;
    if (const char* h = std::getenv("HOME"); h && *h)
        home = h;
    else if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_dir)
        home = pw->pw_dir;
    else
        home = "/";
    return home / ".local" / "state" / "shopkit" / "state.db";
}

std::unique_ptr<StateHandle> open_sqlite_state(const std::filesystem::path& path,
                                               std::chrono::milliseconds busy_timeout) {
    return std::make_unique<StateHandle>(std::make_unique<Database>(path, busy_timeout));
}

std::unique_ptr<StateHandle> open_sqlite_state_read_only(const std::filesystem::path& path) {
    return std::make_unique<StateHandle>(
        std::make_unique<Database>(path, std::chrono::seconds(60), Database::Access::read_only));
}

} // namespace shopkit
