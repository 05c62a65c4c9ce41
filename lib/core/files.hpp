// Files other programs read while we write them (the status page, the landing
// page): replaced atomically, so a reader sees the old file or the new one,
// never half of one.
#pragma once

#include <filesystem>
#include <string>

namespace shopkit {

// Writes `content` to dir/name through a temporary file in `dir`, fsync and
// rename, with `mode` (0644: served by a web server as another user). Throws
// std::runtime_error naming the file and the system's reason.
void write_file_atomically(const std::filesystem::path& dir, const std::string& name,
                           const std::string& content, unsigned mode = 0644);

// Creates `dir` and its parents when missing (mode 0755 less the umask).
// Throws std::runtime_error naming it.
void make_directories(const std::filesystem::path& dir);

// fsync on a directory, so the renames in it survive a crash; errors are ignored.
void sync_directory(const std::filesystem::path& dir);

} // namespace shopkit
