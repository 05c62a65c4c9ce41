#include "lib/render/status_site.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace shopkit {

namespace {

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
    throw std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno));
}

void write_atomically(const std::filesystem::path& dir, const std::string& name,
                      const std::string& content) {
    const std::filesystem::path target = dir / name;
    std::string tmp = (dir / ("." + name + ".tmp-XXXXXX")).string();
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0)
        fail("cannot create a temporary file in", dir);
    bool ok = true;
    std::size_t done = 0;
    while (ok && done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        ok = n > 0;
        if (ok)
            done += static_cast<std::size_t>(n);
    }
    // Served by a web server as other users: world-readable, like any page.
    ok = ok && ::fchmod(fd, 0644) == 0 && ::fsync(fd) == 0;
    const int saved = errno;
    ok = (::close(fd) == 0) && ok;
    if (!ok || ::rename(tmp.c_str(), target.c_str()) != 0) {
        const int err = ok ? errno : saved;
        ::unlink(tmp.c_str());
        errno = err;
        fail("cannot write", target);
    }
}

} // namespace

void write_status_site(const std::filesystem::path& dir, const SiteFiles& files) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
    write_atomically(dir, "status.json", files.status_json);
    write_atomically(dir, "feed.atom", files.feed_atom);
    // The page last: when it shows an update, the feed and JSON already hold it.
    write_atomically(dir, "index.html", files.index_html);
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        // The renames themselves must survive a crash too.
        ::fsync(dfd);
        ::close(dfd);
    }
}

} // namespace shopkit
