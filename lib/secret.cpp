#include "lib/secret.hpp"

#include "lib/error.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace shopkit {

namespace {

std::string prefix(const SecretRef& ref) {
    return ref.where.empty() ? "" : ref.where + ": ";
}

// Closes the descriptor on every path out, including the throwing ones.
class Fd {
  public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() {
        if (fd_ >= 0)
            ::close(fd_);
    }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

std::string read_secret_file(const SecretRef& ref) {
    const std::string& path = ref.name;
    // The mode is checked on the open descriptor, not the path, so the file cannot
    // be swapped between the check and the read.
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0)
        throw config_error(prefix(ref) + "cannot read secret file " + path + ": " +
                           std::strerror(errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        throw config_error(prefix(ref) + "cannot read secret file " + path + ": " +
                           std::strerror(errno));
    if (!S_ISREG(st.st_mode))
        throw config_error(prefix(ref) + "secret file " + path + " is not a regular file");
    if ((st.st_mode & 077) != 0) {
        const char* what = (st.st_mode & 044) != 0 ? "readable" : "writable";
        throw config_error(prefix(ref) + path + " is " + what + " by group or others: chmod 600 " +
                           path);
    }

    std::string content;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            throw config_error(prefix(ref) + "cannot read secret file " + path + ": " +
                               std::strerror(errno));
        }
        if (n == 0)
            break;
        content.append(buffer, static_cast<std::size_t>(n));
    }
    // Editors and `echo x > file` add a newline that is not part of the token.
    if (content.ends_with("\r\n"))
        content.resize(content.size() - 2);
    else if (content.ends_with('\n'))
        content.pop_back();
    if (content.empty())
        throw config_error(prefix(ref) + "secret file " + path + " is empty");
    return content;
}

} // namespace

std::string resolve_secret(const SecretRef& ref) {
    switch (ref.source) {
    case SecretRef::Source::none:
        break;
    case SecretRef::Source::env: {
        const char* value = std::getenv(ref.name.c_str());
        if (value == nullptr)
            throw config_error(prefix(ref) + "environment variable " + ref.name + " is not set");
        if (*value == '\0')
            throw config_error(prefix(ref) + "environment variable " + ref.name + " is empty");
        return value;
    }
    case SecretRef::Source::file:
        return read_secret_file(ref);
    }
    throw config_error(prefix(ref) + "no secret given (use NAME_env or NAME_file)");
}

} // namespace shopkit
