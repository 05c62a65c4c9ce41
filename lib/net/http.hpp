// Requests to remote APIs (the announce targets): one blocking request at a time
// over one libcurl easy handle, so a batch to one API reuses its connection.
// Probing many URLs at once is lib/net/probe's job, not this one's.
#pragma once

#include "lib/core/clock.hpp"
#include "lib/core/duration.hpp"

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shopkit {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
    std::string method = "POST"; // GET, POST, PUT, DELETE
    std::string url;
    Headers headers;                          // sent as given ("Content-Type", …)
    std::string body;                         // sent for POST/PUT (may be empty)
    Millis timeout{std::chrono::seconds(30)}; // the whole exchange, always enforced
    std::size_t max_body = 1 << 20;           // response bytes read at most
    std::string ca_file;                      // trust this CA bundle instead of the system's
};

struct HttpResponse {
    bool transfer_ok = false; // false: no complete HTTP answer (see error)
    std::string error;        // libcurl's reason (never the URL) when !transfer_ok
    bool timed_out = false;
    long status = 0;
    std::string body; // at most max_body bytes
    Headers headers;  // names lower-cased, in order received (last response only)

    // The first header of this (lower-case) name, if any.
    std::optional<std::string> header(std::string_view name) const;
};

class HttpClient {
  public:
    HttpClient();
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;
    // Performs one request; never throws for a failed transfer (that is an
    // HttpResponse). Only http:// and https:// URLs; redirects are not followed.
    HttpResponse send(const HttpRequest& request);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// RFC 3986 percent-encoding of everything but unreserved characters (as OAuth 1.0a wants).
std::string percent_encode(std::string_view s);
// application/x-www-form-urlencoded body from name/value pairs (percent_encode on both).
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);
// `base` without a trailing '/', then `path` (which starts with '/').
std::string join_url(std::string_view base, std::string_view path);

// "sha256=<hex HMAC-SHA256 of body with secret>": the X-Shopkit-Signature value
// of every webhook shopkit sends (the webhook target, the runbook's webhook step).
std::string webhook_signature(std::string_view secret, std::string_view body);

// The longest wait a server may impose (Retry-After, rate-limit resets): more
// is a broken header or an attack, and would silence a target for a year.
inline constexpr Millis max_server_wait = std::chrono::hours(24);

// `wait` clamped to [0, max_server_wait]: every wait a server asks for passes here.
Millis cap_server_wait(Millis wait);

// How long until a server's `reset` time, clamped to [0, max_server_wait].
Millis wait_until(TimePoint reset, TimePoint now);

// The same for a reset given in Unix seconds (any value, none overflows).
Millis wait_until_epoch(long long seconds, TimePoint now);

// How long a Retry-After value asks to wait: delta-seconds or an HTTP-date
// (relative to `now`), capped at max_server_wait. nullopt for anything else.
std::optional<Millis> parse_retry_after(std::string_view value, TimePoint now);

} // namespace shopkit
