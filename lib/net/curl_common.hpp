// What every libcurl user in shopkit shares: the one curl_global_init, request
// header lists that free themselves, the write callback that caps a body, and
// the options every HTTP transfer gets (probe.cpp's multi, http.cpp's easy).
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace shopkit::curl {

// curl_global_init(CURL_GLOBAL_DEFAULT), once per process, thread-safe; call it
// before the first curl_easy_init. Throws std::runtime_error when it fails.
void global_init();

// curl_easy_setopt with the result ignored: an option this libcurl lacks (say
// HTTP/2) leaves the transfer without it, which is what a user would want. The
// options that matter for safety are checked by their callers.
template <typename T> void set(CURL* easy, CURLoption opt, T value) {
    (void)curl_easy_setopt(easy, opt, value);
}

// A curl_slist owned here (freed on clear and destruction), for CURLOPT_HTTPHEADER
// and CURLOPT_MAIL_RCPT. Not copyable; give get() to libcurl, keep this alive
// for the transfer.
class HeaderList {
  public:
    HeaderList() = default;
    HeaderList(const HeaderList&) = delete;
    HeaderList& operator=(const HeaderList&) = delete;
    ~HeaderList() { clear(); }

    // Appends "NAME: VALUE", or "NAME;" when `value` is empty (libcurl's way to
    // send a header with an empty value). Throws std::runtime_error when out of memory.
    void add(std::string_view name, std::string_view value);
    // Appends `line` as it is ("Expect:" removes a header libcurl would add).
    // Throws std::runtime_error when out of memory.
    void add_line(const std::string& line);
    void clear();
    curl_slist* get() const { return list_; }
    bool empty() const { return list_ == nullptr; }

  private:
    curl_slist* list_ = nullptr;
};

// Where a capped body goes: at most `max` bytes are appended to `*body`;
// `truncated` turns true when more arrived.
struct BodySink {
    std::string* body = nullptr;
    std::size_t max = 0;
    bool truncated = false;
};

// CURLOPT_WRITEFUNCTION for a BodySink (CURLOPT_WRITEDATA): keeps what fits and
// ends the transfer with a short count (CURLE_WRITE_ERROR) once `max` is reached.
std::size_t write_capped(char* data, std::size_t size, std::size_t count, void* sink);

// True when a failed transfer failed for want of a local resource, not because
// of the other end: out of memory, out of file descriptors or socket buffers
// (EMFILE, ENFILE, ENOBUFS, ENOMEM in CURLINFO_OS_ERRNO, whatever the code), or
// a resolver thread that could not start. A name the resolver answered "no" to,
// or did not answer in time, is not local. `error` is the transfer's error buffer.
// `answered`: the server had begun its answer (a status line came); then
// CURLE_OUT_OF_MEMORY is libcurl refusing headers past its limit, the server's doing.
bool local_failure(CURLcode code, long os_errno, std::string_view error, bool answered = false);

// The options every HTTP transfer gets: no signals, `errbuf` (CURL_ERROR_SIZE
// bytes) as error buffer, the body into `sink` through write_capped, shopkit's
// User-Agent, every encoding libcurl decodes, and `timeout` for the whole
// transfer (at least 1 ms) with at most 10 s of it for connecting.
void set_http_basics(CURL* easy, char* errbuf, BodySink* sink, std::chrono::milliseconds timeout);

} // namespace shopkit::curl
