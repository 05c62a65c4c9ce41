#include "lib/net/curl_common.hpp"

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <stdexcept>

namespace shopkit::curl {

namespace {

// Transfers never wait longer than this to connect, even when the whole-transfer
// timeout is longer: a host that takes more than this to accept is down.
constexpr long max_connect_timeout_ms = 10'000;

} // namespace

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            throw std::runtime_error("curl_global_init failed");
    });
}

void HeaderList::add(std::string_view name, std::string_view value) {
    std::string line(name);
    if (value.empty()) {
        line += ';';
    } else {
        line += ": ";
        line += value;
    }
    add_line(line);
}

void HeaderList::add_line(const std::string& line) {
    curl_slist* grown = curl_slist_append(list_, line.c_str());
    if (grown == nullptr)
        throw std::runtime_error("out of memory building request headers");
    list_ = grown;
}

void HeaderList::clear() {
    curl_slist_free_all(list_);
    list_ = nullptr;
}

std::size_t write_capped(char* data, std::size_t size, std::size_t count, void* user) {
    auto* sink = static_cast<BodySink*>(user);
    const std::size_t len = size * count;
    std::string& body = *sink->body;
    const std::size_t room = sink->max - std::min(sink->max, body.size());
    if (len <= room) {
        // Grow by doubling, but never past the cap: a body of exactly max_body
        // bytes must not leave a buffer of twice that behind it.
        if (body.size() + len > body.capacity())
            body.reserve(std::min(sink->max, std::max(body.size() + len, 2 * body.capacity())));
        body.append(data, len);
        return len;
    }
    // Keep what fits and stop the transfer with a short count: an answer of
    // megabytes must not make us grow without bound, nor cost the time to read it.
    body.append(data, room);
    sink->truncated = true;
    return room;
}

bool local_failure(CURLcode code, long os_errno, std::string_view error, bool answered) {
    if (code == CURLE_OK)
        return false;
    if (code == CURLE_OUT_OF_MEMORY)
        return !answered;
    if (code == CURLE_FAILED_INIT)
        return true;
    if (os_errno == EMFILE || os_errno == ENFILE || os_errno == ENOBUFS || os_errno == ENOMEM)
        return true;
    // libcurl's threaded resolver says this when it cannot make its thread or
    // its socket pair: the name was never asked, so nothing is known of the host.
    return code == CURLE_COULDNT_RESOLVE_HOST &&
           error.find("thread failed to start") != std::string_view::npos;
}

void set_http_basics(CURL* easy, char* errbuf, BodySink* sink, std::chrono::milliseconds timeout) {
    set(easy, CURLOPT_NOSIGNAL, 1L);
    set(easy, CURLOPT_ERRORBUFFER, errbuf);
    set(easy, CURLOPT_WRITEFUNCTION, &write_capped);
    set(easy, CURLOPT_WRITEDATA, static_cast<void*>(sink));
    set(easy, CURLOPT_USERAGENT, "shopkit/" SHOPKIT_VERSION);
    set(easy, CURLOPT_ACCEPT_ENCODING, "");
    const long timeout_ms = std::max<long>(1, static_cast<long>(timeout.count()));
    set(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
    set(easy, CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout_ms, max_connect_timeout_ms));
}

} // namespace shopkit::curl
