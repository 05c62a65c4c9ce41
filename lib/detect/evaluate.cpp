#include "lib/detect/evaluate.hpp"

#include "lib/core/duration.hpp"
#include "lib/core/secret.hpp"
#include "lib/detect/charset.hpp"
#include "lib/detect/feed.hpp"
#include "lib/detect/platform_status.hpp"

#include <re2/re2.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <unordered_map>

namespace shopkit {

// ---- evaluation (make_request, evaluate) below ----

namespace {

// expect_regex is compiled once per pattern, not once per probe: a run of
// 10,000 checks usually shares a handful of patterns. One cache per thread, so
// no lock; bounded so a hostile caller cannot grow it without end.
const RE2& compiled(const std::string& pattern) {
    thread_local std::unordered_map<std::string, std::unique_ptr<RE2>> cache;
    if (auto it = cache.find(pattern); it != cache.end())
        return *it->second;
    if (cache.size() >= 256)
        cache.clear();
    RE2::Options options;
    options.set_log_errors(false);
    auto re = std::make_unique<RE2>(pattern, options);
    return *cache.emplace(pattern, std::move(re)).first->second;
}

bool status_expected(const CheckConfig& check, long status) {
    if (check.expect_status.empty())
        return status >= 200 && status <= 399;
    for (const auto& [lo, hi] : check.expect_status)
        if (status >= lo && status <= hi)
            return true;
    return false;
}

// "812ms" below a second, "3.2s" from a second up.
std::string format_seconds(double seconds) {
    char buf[32];
    if (seconds < 1.0)
        std::snprintf(buf, sizeof buf, "%ldms", std::lround(seconds * 1000));
    else
        std::snprintf(buf, sizeof buf, "%.1fs", seconds);
    return buf;
}

std::string transfer_error(const CheckConfig& check, const Response& r) {
    if (r.timed_out)
        return "timed out after " + format_duration(check.timeout);
    return r.error.empty() ? std::string("transfer failed") : r.error;
}

// What a failed search adds when the body declared a character set shopkit does
// not convert from: it was searched as UTF-8.
std::string unsupported_note(const std::string& charset) {
    return charset.empty() ? std::string()
                           : " (unsupported charset " + charset + ": read as UTF-8)";
}

bool http_success(long status) {
    return status >= 200 && status <= 299;
}

void judge_http(const CheckConfig& check, const Response& r, CheckResult& out) {
    if (!status_expected(check, r.http_status)) {
        out.raw = State::down;
        out.error = "HTTP " + std::to_string(r.http_status);
        return;
    }
    // Only what was read is searched: a text past max_body counts as absent.
    // A Shift_JIS or EUC-JP page is searched as UTF-8, like the config's text.
    // A UTF-8 body is searched where it is: a copy would double the memory of
    // a body at max_body.
    const bool searched = check.reject_text || check.expect_text || check.expect_regex;
    std::string unsupported;
    const std::optional<std::string> converted =
        searched ? converted_to_utf8(r.body, r.content_type, &unsupported) : std::nullopt;
    const std::string_view body = converted ? std::string_view(*converted) : r.body;
    const std::string read_as = unsupported_note(unsupported);
    if (check.reject_text && !check.reject_text->empty() &&
        body.find(*check.reject_text) != std::string_view::npos) {
        out.raw = State::down;
        out.error = "maintenance text '" + *check.reject_text + "' found";
        return;
    }
    if (check.expect_text && body.find(*check.expect_text) == std::string_view::npos) {
        out.raw = State::down;
        out.error = "text '" + *check.expect_text + "' not found" + read_as;
        return;
    }
    if (check.expect_regex) {
        const RE2& re = compiled(*check.expect_regex);
        if (!re.ok()) {
            out.raw = State::unknown;
            out.error = "bad expect_regex: " + re.error();
            return;
        }
        if (!RE2::PartialMatch(body, re)) {
            out.raw = State::down;
            out.error = "pattern '" + *check.expect_regex + "' not found" + read_as;
            return;
        }
    }
    const double total = r.timings.total;
    auto over = [total](const std::optional<Millis>& limit) {
        return limit && total * 1000.0 > static_cast<double>(limit->count());
    };
    if (over(check.latency_critical)) {
        out.raw = State::down;
        out.error =
            "slow: " + format_seconds(total) + " > " + format_duration(*check.latency_critical);
        return;
    }
    if (over(check.latency_warning)) {
        out.raw = State::degraded;
        out.error =
            "slow: " + format_seconds(total) + " > " + format_duration(*check.latency_warning);
        return;
    }
    out.raw = State::up;
}

void judge_tls(const CheckConfig& check, const Response& r, TimePoint now, CheckResult& out) {
    if (!r.cert_expiry) {
        out.raw = State::unknown;
        out.error = out.url.starts_with("https://") ? "no certificate information received"
                                                    : "no certificate: not an https:// URL";
        return;
    }
    out.tls_expiry = r.cert_expiry;
    const double days =
        std::chrono::duration<double, std::ratio<86400>>(*r.cert_expiry - now).count();
    out.tls_days_left = days;
    const std::string expiry = format_utc(*r.cert_expiry);
    if (days < 0) {
        out.raw = State::down;
        out.error = "certificate expired " + expiry;
    } else if (days <= check.days_critical || days <= check.days_warning) {
        out.raw = days <= check.days_critical ? State::down : State::degraded;
        const long whole = static_cast<long>(std::floor(days));
        out.error = "certificate expires in " + std::to_string(whole) +
                    (whole == 1 ? " day (" : " days (") + expiry + ")";
    } else {
        out.raw = State::up;
    }
}

// The platform's own status page or feed: when we cannot read it, it says
// nothing about the shop, so the check is unknown rather than down.
bool reachable(const Response& r, const CheckConfig& check, const char* what, CheckResult& out) {
    if (!r.transfer_ok) {
        out.raw = State::unknown;
        out.error = std::string(what) + " unreachable: " + transfer_error(check, r);
        return false;
    }
    if (!http_success(r.http_status)) {
        out.raw = State::unknown;
        out.error = std::string(what) + " unreachable: HTTP " + std::to_string(r.http_status);
        return false;
    }
    return true;
}

std::string too_large(const Response& r, const CheckConfig& check) {
    return r.truncated ? " (body cut at max_body = " + std::to_string(check.max_body) + " bytes)"
                       : std::string();
}

void judge_statuspage_check(const CheckConfig& check, const Response& r, CheckResult& out) {
    if (!reachable(r, check, "status page", out))
        return;
    const StatuspageVerdict v = judge_statuspage(r.body, check.components);
    out.raw = v.state >= 0 && v.state <= 3 ? static_cast<State>(v.state) : State::unknown;
    if (out.raw != State::up)
        out.error = v.detail + (out.raw == State::unknown ? too_large(r, check) : std::string());
}

void judge_feed_check(const CheckConfig& check, const Response& r, TimePoint now,
                      CheckResult& out) {
    if (!reachable(r, check, "feed", out))
        return;
    std::string unsupported;
    const std::optional<std::string> converted =
        converted_to_utf8(r.body, r.content_type, &unsupported);
    const FeedVerdict v =
        judge_feed(converted ? *converted : r.body, check.match, check.clear, check.max_age, now);
    if (!v.parsed) {
        out.raw = State::unknown;
        out.error = "not a feed: " + v.detail + too_large(r, check) + unsupported_note(unsupported);
    } else if (v.problem) {
        out.raw = check.feed_state == "down" ? State::down : State::degraded;
        out.error = v.detail;
    } else {
        out.raw = State::up;
    }
}

} // namespace

Request make_request(const CheckConfig& check) {
    Request req;
    req.url = check.url;
    req.headers = check.headers;
    req.timeout = check.timeout;
    req.max_body = check.max_body;
    req.max_redirects = check.max_redirects;
    req.insecure = check.insecure;
    if (check.kind == "tls") {
        req.want_certificate = true;
        // Only the handshake with this very host matters: stop at the first body
        // byte, and do not follow a redirect to another host's certificate.
        req.max_body = 0;
        req.max_redirects = 0;
    }
    if (check.auth == "basic") {
        req.basic_user = check.username;
        if (!check.password.empty())
            req.basic_password = resolve_secret(check.password);
    } else if (check.auth == "bearer") {
        req.bearer = resolve_secret(check.token);
    }
    return req;
}

CheckResult evaluate(const ChannelConfig& channel, const CheckConfig& check,
                     const Response& response, TimePoint started, TimePoint now) {
    CheckResult out;
    out.channel = channel.id;
    out.check = check.id;
    out.kind = check.kind;
    out.url = check.url.empty() ? channel.url : check.url;
    out.time = started;
    out.critical = check.critical;
    out.http_status = response.http_status;
    out.timings = response.timings;

    try {
        if (check.kind == "statuspage") {
            judge_statuspage_check(check, response, out);
        } else if (check.kind == "feed") {
            judge_feed_check(check, response, now, out);
        } else if (!response.transfer_ok && response.local_failure) {
            // Our own descriptors or memory ran out: nothing is known of the shop.
            out.raw = State::unknown;
            out.error = "could not check (out of local resources): " + response.error;
        } else if (!response.transfer_ok) {
            out.raw = State::down;
            out.error = transfer_error(check, response);
        } else if (check.kind == "tls") {
            judge_tls(check, response, now, out);
        } else {
            judge_http(check, response, out);
        }
    } catch (const std::exception& e) {
        // Only allocation can fail in here; a result is still better than none.
        out.raw = State::unknown;
        out.error = std::string("internal error: ") + e.what();
    }
    if (out.raw == State::up)
        out.error.clear();
    out.state = out.raw;
    return out;
}

} // namespace shopkit
