#include "lib/core/secret.hpp"

#include "lib/core/error.hpp"
#include "lib/core/text.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

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

// "shop.toml:20:1: token_file PATH": where the file is named, and by which key.
std::string file_prefix(const SecretRef& ref) {
    return prefix(ref) + (ref.key.empty() ? "" : ref.key + " ") + ref.name;
}

std::string file_kind(mode_t mode) {
    if (S_ISFIFO(mode))
        return "a FIFO";
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISCHR(mode) || S_ISBLK(mode))
        return "a device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "something else";
}

std::string read_secret_file(const SecretRef& ref) {
    const std::string& path = ref.name;
    const std::string at = file_prefix(ref);
    // O_NONBLOCK: a FIFO would block the open until a writer came, a hung cron
    // job; O_NOFOLLOW: a link could point anywhere. The checks run on the open
    // descriptor, not the path, so the file cannot be swapped between check and read.
    Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY));
    if (fd.get() < 0) {
        if (errno == ELOOP)
            throw config_error(at + " is a symbolic link: name the file itself");
        throw config_error(prefix(ref) + (ref.key.empty() ? "" : ref.key + ": ") +
                           "cannot read secret file " + path + ": " + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0)
        throw config_error(at + ": cannot read secret file: " + std::strerror(errno));
    if (!S_ISREG(st.st_mode))
        throw config_error(at + " is " + file_kind(st.st_mode) +
                           ", not a regular file: a secret file must be a plain file (mode 600)");
    if (st.st_uid != ::geteuid())
        throw config_error(at + " is owned by uid " + std::to_string(st.st_uid) +
                           ", not by this user (uid " + std::to_string(::geteuid()) +
                           "): chown it to the user that runs shopkit");
    if ((st.st_mode & 077) != 0) {
        const char* what = (st.st_mode & 044) != 0 ? "readable" : "writable";
        throw config_error(at + " is " + what + " by group or others: chmod 600 " + path);
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
        throw config_error(at + " is empty");
    return content;
}

} // namespace

namespace {

std::vector<std::string>& known_secrets() {
    static std::vector<std::string> values;
    return values;
}

void remember_one(const std::string& value) {
    auto& known = known_secrets();
    if (value.size() >= min_redacted && std::find(known.begin(), known.end(), value) == known.end())
        known.push_back(value);
}

// As a JSON string holds it: PHP's json_encode and others write "/" as "\/"
// (LINE's tokens have slashes), and every encoder escapes '"', '\' and controls.
std::string json_escaped(std::string_view value) {
    std::string out;
    for (const char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '/' || c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            out += fmt::format("\\u{:04x}", u);
        } else {
            out += c;
        }
    }
    return out;
}

// As a query or form value holds it: every byte but RFC 3986's unreserved ones.
std::string percent_encoded(std::string_view value, bool upper) {
    std::string out;
    for (const char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~')
            out += c;
        else
            out += upper ? fmt::format("%{:02X}", u) : fmt::format("%{:02x}", u);
    }
    return out;
}

// The value and the forms an API may echo it in, so none of them leaks whole.
void remember_forms(const std::string& value) {
    remember_one(value);
    remember_one(json_escaped(value));
    remember_one(percent_encoded(value, true));
    remember_one(percent_encoded(value, false));
}

std::string remember(std::string value) {
    remember_forms(value);
    // A webhook URL is a credential as a whole and in its parts: a server that
    // echoes only its path, or one segment of it, must not reveal it either. A
    // token need not hold a digit, so every segment after the host counts.
    for (const std::string_view scheme : {"https://", "http://"}) {
        if (!value.starts_with(scheme))
            continue;
        const auto slash = value.find_first_of("/?#", scheme.size());
        if (slash == std::string::npos)
            break;
        remember_forms(value.substr(slash));
        std::size_t start = slash + 1;
        while (start < value.size()) {
            const auto end = value.find_first_of("/?&=#", start);
            remember_forms(value.substr(start, end == std::string::npos ? end : end - start));
            if (end == std::string::npos)
                break;
            start = end + 1;
        }
        break;
    }
    // Longest first, so a part never leaves the rest of a longer secret showing.
    auto& known = known_secrets();
    std::sort(known.begin(), known.end(),
              [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
    return value;
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
        return remember(value);
    }
    case SecretRef::Source::file:
        return remember(read_secret_file(ref));
    }
    throw config_error(prefix(ref) + "no secret given (use NAME_env or NAME_file)");
}

void remember_secret(const std::string& value) {
    remember(value);
}

std::string redact(std::string text) {
    for (const auto& secret : known_secrets())
        text = redact_value(std::move(text), secret);
    return text;
}

std::string redact_prefix(std::string_view text, std::size_t max_bytes) {
    const std::string whole = redact(std::string(text));
    std::string out(utf8_prefix(whole, max_bytes));
    if (out.size() < whole.size())
        out += "…";
    return out;
}

std::string redact_value(std::string text, std::string_view value, std::string_view mark,
                         std::size_t min_size) {
    if (value.empty() || value.size() < min_size)
        return text;
    for (auto at = text.find(value); at != std::string::npos;
         at = text.find(value, at + mark.size()))
        text.replace(at, value.size(), mark);
    return text;
}

std::string_view url_after_authority(std::string_view url) {
    const std::size_t scheme = url.find("://");
    if (scheme == std::string_view::npos)
        return {};
    const std::size_t start = url.find_first_of("/?#", scheme + 3);
    return start == std::string_view::npos ? std::string_view{} : url.substr(start);
}

} // namespace shopkit
