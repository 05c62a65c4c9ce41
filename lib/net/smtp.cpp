#include "lib/net/smtp.hpp"

#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"
#include "lib/net/curl_common.hpp"

#include <curl/curl.h>
#include <fmt/core.h>

#include <algorithm>
#include <utility>

namespace shopkit::smtp {

namespace {

// The server's reply lines of one transfer, kept from libcurl's debug stream for
// messages ("550 5.1.1 <x@y>: User unknown"). Only what the server says is kept,
// never what the client sends (AUTH carries the password).
int on_debug(CURL*, curl_infotype type, char* data, size_t size, void* user) {
    if (type == CURLINFO_HEADER_IN) {
        auto* replies = static_cast<std::vector<std::string>*>(user);
        std::string line(data, std::min<size_t>(size, 300));
        while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
            line.pop_back();
        for (char& ch : line)
            if (static_cast<unsigned char>(ch) < 0x20)
                ch = ' ';
        if (replies->size() >= 64) // a transfer has a handful; keep memory bounded
            replies->erase(replies->begin());
        replies->push_back(std::move(line));
    }
    return 0;
}

// The last reply line with this code: the one that failed the transfer (libcurl
// says QUIT after it, so it is not always the last line).
std::string reply_with(const std::vector<std::string>& replies, long code) {
    const std::string prefix = std::to_string(code);
    for (auto it = replies.rbegin(); it != replies.rend(); ++it)
        if (it->starts_with(prefix) && it->size() > 3 && (it->at(3) == ' ' || it->at(3) == '-'))
            return *it;
    return {};
}

struct Upload {
    const std::string* data = nullptr;
    std::size_t pos = 0;
};

size_t on_read(char* buffer, size_t size, size_t count, void* user) {
    auto* up = static_cast<Upload*>(user);
    const std::size_t n = std::min(size * count, up->data->size() - up->pos);
    std::copy_n(up->data->data() + up->pos, n, buffer);
    up->pos += n;
    return n;
}

} // namespace

struct Client::Impl {
    Options options;
    CURL* curl = nullptr;
    curl::HeaderList rcpt; // the one RCPT TO of the message being sent
    std::vector<std::string> replies;
    char errbuf[CURL_ERROR_SIZE] = {};
    Upload upload;

    void open() {
        if (curl)
            return;
        curl::global_init();
        curl = curl_easy_init();
        if (!curl)
            throw Error(exit_status::software, "cannot start libcurl");
        curl_easy_setopt(curl, CURLOPT_URL, options.url.c_str());
        curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
        // smtp:// must upgrade with STARTTLS or fail: never a silent plaintext send.
        curl_easy_setopt(curl, CURLOPT_USE_SSL,
                         static_cast<long>(options.plaintext ? CURLUSESSL_NONE : CURLUSESSL_ALL));
        if (!options.ca_file.empty())
            curl_easy_setopt(curl, CURLOPT_CAINFO, options.ca_file.c_str());
        if (!options.username.empty()) {
            curl_easy_setopt(curl, CURLOPT_USERNAME, options.username.c_str());
            curl_easy_setopt(curl, CURLOPT_PASSWORD, options.password.c_str());
        }
        curl_easy_setopt(curl, CURLOPT_MAIL_FROM, ("<" + options.mail_from + ">").c_str());
        curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
        curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                         static_cast<long>(options.timeout.count()));
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, on_debug);
        curl_easy_setopt(curl, CURLOPT_DEBUGDATA, &replies);
        curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
    }

    void close() {
        if (curl)
            curl_easy_cleanup(curl);
        curl = nullptr;
    }
};

Client::Client(Options options) : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
}

Client::~Client() {
    impl_->close();
}

Outcome Client::send(const std::string& rcpt, const std::string& data) {
    Impl& s = *impl_;
    s.open();
    s.upload = {&data, 0};
    s.rcpt.clear();
    s.rcpt.add_line("<" + rcpt + ">");
    curl_easy_setopt(s.curl, CURLOPT_MAIL_RCPT, s.rcpt.get());
    s.errbuf[0] = '\0';
    s.replies.clear();
    const CURLcode rc = curl_easy_perform(s.curl);
    long code = 0;
    curl_easy_getinfo(s.curl, CURLINFO_RESPONSE_CODE, &code);
    Outcome out;
    curl_easy_getinfo(s.curl, CURLINFO_NUM_CONNECTS, &out.connects);
    if (rc == CURLE_OK)
        return out;
    const std::string reason = s.errbuf[0] ? s.errbuf : curl_easy_strerror(rc);
    const std::string reply = reply_with(s.replies, code);
    out.said = reply.empty() ? reason : reply;
    if (reason.starts_with("RCPT failed") && code >= 500 && code < 600) {
        out.kind = Outcome::Kind::refused;
        return out;
    }
    if (rc == CURLE_LOGIN_DENIED) {
        out.kind = Outcome::Kind::failed;
        out.error = fmt::format("the SMTP server refused the login of '{}': {}", s.options.username,
                                out.said);
    } else if (rc == CURLE_USE_SSL_FAILED) {
        out.kind = Outcome::Kind::retry;
        out.error = "the SMTP server offers no STARTTLS, so nothing was sent in "
                    "plaintext (use smtps://, or plaintext = true only for a relay on "
                    "this host)";
    } else if (code >= 400 && code < 500) {
        out.kind = Outcome::Kind::retry;
        out.error = fmt::format("the SMTP server said to try later: {}", out.said);
    } else if (code >= 500 && code < 600) {
        out.kind = Outcome::Kind::failed;
        out.error = fmt::format("the SMTP server refused the message: {}", out.said);
    } else {
        out.kind = Outcome::Kind::retry;
        out.error = fmt::format("SMTP: {}", reason);
    }
    // The connection may be in any state now; the next message starts afresh.
    s.close();
    return out;
}

} // namespace shopkit::smtp
