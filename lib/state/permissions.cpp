#include "lib/state/permissions.hpp"

#include "lib/core/cli.hpp"
#include "lib/core/error.hpp"

#include <fmt/core.h>

#include <string>

#include <sys/stat.h>

namespace shopkit {

void check_state_permissions(const std::filesystem::path& path, bool named_by_option) {
    if (path.empty() || path == ":memory:")
        return;
    std::string problem;
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        if ((st.st_mode & 077) != 0)
            problem = fmt::format("{}: the state file is open to others (mode {:03o}): it holds "
                                  "customer addresses; run: chmod 600 {}",
                                  path.string(), st.st_mode & 0777, path.string());
    }
    const std::filesystem::path dir =
        path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path();
    if (problem.empty() && ::stat(dir.c_str(), &st) == 0 && (st.st_mode & 022) != 0)
        problem = fmt::format("{}: the state file's directory {} is writable by others (mode "
                              "{:03o}): they could replace it; run: chmod go-w {}",
                              path.string(), dir.string(), st.st_mode & 0777, dir.string());
    if (problem.empty())
        return;
    if (!named_by_option)
        throw config_error(problem + " (or name the file with --state to use it anyway)");
    cli::warn(problem);
}

} // namespace shopkit
