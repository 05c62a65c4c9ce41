// The probe engine: fetches many URLs at once over libcurl's multi interface.
// Behind the Transport seam so the rest of the library is tested without sockets.
#pragma once

#include "lib/core/clock.hpp"
#include "lib/core/duration.hpp"
#include "lib/model/check_result.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shopkit {

struct Request {
    std::string url;
    std::vector<std::pair<std::string, std::string>> headers;
    Millis timeout{std::chrono::seconds(10)}; // the whole transfer, always enforced
    std::size_t max_body = 1 << 20;           // read no further than this many body bytes
    int max_redirects = 5;                    // 0 = do not follow
    bool insecure = false;                    // skip certificate and host verification
    bool want_certificate = false;            // fill Response::cert_expiry
    std::string basic_user;                   // with basic_password: HTTP basic auth
    std::string basic_password;
    std::string bearer; // Authorization: Bearer …
};

struct Response {
    bool transfer_ok = false; // false: no complete HTTP answer (see error)
    std::string
        error; // libcurl's reason when !transfer_ok, e.g. "Operation timed out after 10000 ms"
    bool timed_out = false;
    bool local_failure = false; // failed for want of a local resource (curl::local_failure)
    long http_status = 0;       // last response's status (after redirects); 0 if none
    std::string body;           // at most Request::max_body bytes
    bool truncated = false;     // the body was longer than max_body; reading stopped there
    std::string content_type;
    std::string effective_url;
    long redirects = 0;
    std::string http_version; // "1.1", "2"
    Timings timings;
    std::optional<TimePoint> cert_expiry; // leaf certificate's notAfter, when asked for and seen
};

class Transport {
  public:
    virtual ~Transport() = default;
    // Fetches every request, at most `concurrency` at a time, and calls
    // `done(index, response)` as each finishes (in completion order, on the
    // caller's thread). Never throws for a failed transfer: that is a Response.
    virtual void fetch(const std::vector<Request>& requests, std::size_t concurrency,
                       const std::function<void(std::size_t, Response&&)>& done) = 0;
};

// The real transport: libcurl multi, connection reuse within a run, HTTP/2 where
// offered over TLS, redirects up to the request's limit, TLS verified by default.
class CurlTransport final : public Transport {
  public:
    CurlTransport();
    ~CurlTransport() override;
    CurlTransport(const CurlTransport&) = delete;
    CurlTransport& operator=(const CurlTransport&) = delete;
    void fetch(const std::vector<Request>& requests, std::size_t concurrency,
               const std::function<void(std::size_t, Response&&)>& done) override;
};

// Raises this process's soft limit of open files to its hard limit (as far as
// the kernel allows; failure leaves it as it was) and returns the soft limit
// then in force.
std::size_t raise_open_file_limit();

// How many transfers CurlTransport runs at once within `open_files` descriptors:
// what is left after a reserve for the rest of the program (standard streams,
// the state database and its WAL and SHM files, libcurl's own), divided by what
// one transfer can hold. At least 1.
std::size_t transfers_within(std::size_t open_files);

// Reads a certificate date as libcurl's CERTINFO gives it ("Jan  1 00:00:00 2027 GMT",
// OpenSSL's print form). Returns nullopt for anything else.
std::optional<TimePoint> parse_certinfo_date(std::string_view text);

} // namespace shopkit
