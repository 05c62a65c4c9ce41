#include "lib/core/files.hpp"
#include "lib/render/status_site.hpp"

namespace shopkit {

void write_status_site(const std::filesystem::path& dir, const SiteFiles& files) {
    make_directories(dir);
    write_file_atomically(dir, "status.json", files.status_json);
    write_file_atomically(dir, "feed.atom", files.feed_atom);
    // The page last: when it shows an update, the feed and JSON already hold it.
    write_file_atomically(dir, "index.html", files.index_html);
    // The renames themselves must survive a crash too.
    sync_directory(dir);
}

} // namespace shopkit
