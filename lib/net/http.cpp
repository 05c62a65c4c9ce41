#include "lib/net/http.hpp"

#include "lib/core/crypto.hpp"
#include "lib/core/secret.hpp"
#include "lib/core/text.hpp"

#include "lib/net/curl_common.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <limits>
#include <mutex>
#include <stdexcept>

namespace shopkit {

namespace {

char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), lower);
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i]))
            return false;
    return true;
}

} // namespace

struct HttpClient::Impl {
    CURL* easy = nullptr;
    curl::HeaderList headers;
    std::array<char, CURL_ERROR_SIZE> errbuf{};
    HttpResponse* response = nullptr; // the one being received
    curl::BodySink sink;

    ~Impl() {
        if (easy != nullptr)
            curl_easy_cleanup(easy);
    }

    static std::size_t write_header(char* data, std::size_t size, std::size_t count, void* user) {
        auto* self = static_cast<Impl*>(user);
        const std::size_t len = size * count;
        std::string_view line(data, len);
        Headers& headers = self->response->headers;
        if (line.substr(0, 5) == "HTTP/") {
            // A new status line: a 100 Continue or a proxy's answer came first;
            // only the final response's headers are the API's.
            headers.clear();
            return len;
        }
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0)
            return len; // the blank line ending the block, or a malformed line
        if (headers.size() >= 200)
            return len; // a header flood must not grow us either
        headers.emplace_back(to_lower(trim(line.substr(0, colon))),
                             std::string(trim(line.substr(colon + 1))));
        return len;
    }
};

std::optional<std::string> HttpResponse::header(std::string_view name) const {
    for (const auto& [n, v] : headers)
        if (iequals(n, name))
            return v;
    return std::nullopt;
}

HttpClient::HttpClient() : impl_(std::make_unique<Impl>()) {
    curl::global_init();
    impl_->easy = curl_easy_init();
    if (impl_->easy == nullptr)
        throw std::runtime_error("curl_easy_init failed");
}

HttpClient::~HttpClient() = default;

HttpResponse HttpClient::send(const HttpRequest& request) {
    HttpResponse response;
    const std::string_view url = request.url;
    if (!(url.substr(0, 7) == "http://" || url.substr(0, 8) == "https://")) {
        response.error = "only http:// and https:// URLs are supported";
        return response;
    }

    Impl& m = *impl_;
    CURL* easy = m.easy;
    // reset keeps the connection cache: the next request to the same API reuses
    // the connection (and its TLS session).
    curl_easy_reset(easy);
    m.headers.clear();
    m.errbuf[0] = '\0';
    m.response = &response;
    m.sink = curl::BodySink{&response.body, request.max_body, false};

    using curl::set;
    set(easy, CURLOPT_URL, request.url.c_str());
    // Unlike the probe, which runs on without the limit, an API call is refused
    // when libcurl cannot limit the protocols (kept as both behaved before).
    if (curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK) {
        response.error = "libcurl refused to limit protocols to http and https";
        m.response = nullptr;
        return response;
    }
    set(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl::set_http_basics(easy, m.errbuf.data(), &m.sink, request.timeout);
    set(easy, CURLOPT_HEADERFUNCTION, &Impl::write_header);
    set(easy, CURLOPT_HEADERDATA, static_cast<void*>(&m));
    if (!request.ca_file.empty())
        set(easy, CURLOPT_CAINFO, request.ca_file.c_str());

    const std::string method = [&] {
        std::string up(request.method);
        std::transform(up.begin(), up.end(), up.begin(), [](char c) {
            return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        });
        return up.empty() ? std::string("GET") : up;
    }();
    if (method == "GET") {
        set(easy, CURLOPT_HTTPGET, 1L);
    } else {
        if (method == "POST" || method == "PUT" || !request.body.empty()) {
            // POSTFIELDS with an explicit size: the body may hold NUL bytes and is
            // not copied (it outlives the transfer).
            set(easy, CURLOPT_POST, 1L);
            set(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
            set(easy, CURLOPT_POSTFIELDS, request.body.c_str());
        }
        if (method != "POST")
            set(easy, CURLOPT_CUSTOMREQUEST, method.c_str());
    }

    bool has_expect = false;
    for (const auto& [name, value] : request.headers) {
        if (iequals(name, "Expect"))
            has_expect = true;
        m.headers.add(name, value);
    }
    // No "Expect: 100-continue" wait on larger bodies: APIs answer at once.
    if (!has_expect)
        m.headers.add_line("Expect:");
    set(easy, CURLOPT_HTTPHEADER, m.headers.get());

    const CURLcode result = curl_easy_perform(easy);
    m.response = nullptr;

    // Our own short write after max_body bytes ends the transfer with a write
    // error; the answer itself was complete enough to judge.
    const bool capped = result == CURLE_WRITE_ERROR && m.sink.truncated;
    response.transfer_ok = result == CURLE_OK || capped;
    response.timed_out = result == CURLE_OPERATION_TIMEDOUT;
    long status = 0;
    if (curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK)
        response.status = status;
    if (!response.transfer_ok) {
        response.error = m.errbuf[0] != '\0' ? std::string(m.errbuf.data())
                                             : std::string(curl_easy_strerror(result));
        // Telegram and Slack URLs hold tokens: an error text must never carry
        // the URL or its path, whatever libcurl chose to quote.
        response.error = redact_value(std::move(response.error), url, "<url>", 4);
        const std::string_view path = url_after_authority(url);
        if (path.size() > 1)
            response.error = redact_value(std::move(response.error), path, "<url>", 4);
        while (!response.error.empty() &&
               (response.error.back() == '\n' || response.error.back() == '\r'))
            response.error.pop_back();
    }
    return response;
}

std::string percent_encode(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size() * 3);
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0x0f];
        }
    }
    return out;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
    std::string out;
    for (const auto& [name, value] : fields) {
        if (!out.empty())
            out += '&';
        out += percent_encode(name);
        out += '=';
        out += percent_encode(value);
    }
    return out;
}

std::string join_url(std::string_view base, std::string_view path) {
    while (!base.empty() && base.back() == '/')
        base.remove_suffix(1);
    std::string out(base);
    if (path.empty() || path.front() != '/')
        out += '/';
    out += path;
    return out;
}

namespace {

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// RFC 9110 IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" (exact layout, 29 chars).
std::optional<TimePoint> parse_imf_fixdate(std::string_view s) {
    if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
        s[16] != ' ' || s[19] != ':' || s[22] != ':' || s[25] != ' ' || s.substr(26) != "GMT")
        return std::nullopt;
    static constexpr std::array<std::string_view, 7> days = {"Mon", "Tue", "Wed", "Thu",
                                                             "Fri", "Sat", "Sun"};
    if (std::find(days.begin(), days.end(), s.substr(0, 3)) == days.end())
        return std::nullopt;
    const auto num = [&](std::size_t at, std::size_t len) -> int {
        const std::string_view d = s.substr(at, len);
        if (!all_digits(d))
            return -1;
        int v = 0;
        for (const char c : d)
            v = v * 10 + (c - '0');
        return v;
    };
    const int day = num(5, 2), year = num(12, 4), hour = num(17, 2), minute = num(20, 2),
              second = num(23, 2);
    if (day < 0 || year < 0)
        return std::nullopt;
    const int month = month_from_abbreviation(s.substr(8, 3));
    if (year > 2200) {
        // A TimePoint (nanoseconds) ends in 2262: check the date in a year of the
        // same leap kind, and take it as the farthest future, which the cap meets.
        const int same_leap = std::chrono::year(year).is_leap() ? 2000 : 2001;
        if (!utc_civil(same_leap, month, day, hour, minute, second))
            return std::nullopt;
        return TimePoint::max();
    }
    return utc_civil(year, month, day, hour, minute, second);
}

} // namespace

Millis cap_server_wait(Millis wait) {
    return std::clamp(wait, Millis(0), max_server_wait);
}

Millis wait_until(TimePoint reset, TimePoint now) {
    // Compared before subtracting: a reset in the year 9999 must not overflow.
    if (reset <= now)
        return Millis(0);
    if (reset - now >= max_server_wait)
        return max_server_wait;
    return cap_server_wait(std::chrono::duration_cast<Millis>(reset - now));
}

Millis wait_until_epoch(long long seconds, TimePoint now) {
    const long long now_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    const long long cap_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(max_server_wait).count();
    // Compared in seconds first, so no far value is ever made a TimePoint.
    if (seconds > now_seconds + cap_seconds)
        return max_server_wait;
    if (seconds < now_seconds - 1)
        return Millis(0);
    return wait_until(TimePoint(std::chrono::seconds(seconds)), now);
}

std::optional<Millis> parse_retry_after(std::string_view value, TimePoint now) {
    value = trim(value);
    if (all_digits(value)) {
        // Stop adding digits once past the cap, so a huge number never overflows.
        const long long max_seconds =
            std::chrono::duration_cast<std::chrono::seconds>(max_server_wait).count();
        long long seconds = 0;
        for (const char c : value) {
            seconds = seconds * 10 + (c - '0');
            if (seconds > max_seconds)
                break;
        }
        return cap_server_wait(std::chrono::duration_cast<Millis>(
            std::chrono::seconds(std::min(seconds, max_seconds))));
    }
    const std::optional<TimePoint> when = parse_imf_fixdate(value);
    if (!when)
        return std::nullopt;
    return wait_until(*when, now);
}

std::string webhook_signature(std::string_view secret, std::string_view body) {
    return "sha256=" + hmac_sha256_hex(secret, body);
}

} // namespace shopkit
