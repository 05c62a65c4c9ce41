// X (Twitter) API v2 (https://api.twitter.com, `api_base` overrides it).
//
//   POST {base}/2/tweets
//   Content-Type: application/json
//   {"text":TEXT}
//   Authorization: OAuth oauth_consumer_key=…, oauth_nonce=…, oauth_signature=…,
//       oauth_signature_method="HMAC-SHA1", oauth_timestamp=…, oauth_token=…,
//       oauth_version="1.0"
//     (OAuth 1.0a user context: secrets consumer_key, consumer_secret,
//     access_token, access_secret; the JSON body is not part of the signature)
//   or Authorization: Bearer TOKEN   (an OAuth 2.0 user token: secret `token`)
//
// 201 {"data":{"id":"…","text":"…"}}. 429 with x-rate-limit-reset (Unix seconds)
// or, for the daily post cap, x-user-limit-24hour-reset; Retry-After when given.
// 403 {"detail":"You are not allowed to create a Tweet with duplicate content.",…}.
// Errors: {"title","detail","type","status"} or {"errors":[{"message"}]}.
// A post weighs at most 280 (twitter-text: CJK 2, every URL 23). X has no
// idempotency key: a retry after an attempt whose answer was lost may be refused
// as a duplicate, which then says so.
//
// --verify: GET {base}/2/users/me, signed the same way -> {"data":{"id","name","username"}}.
#include "lib/announce/targets/kinds.hpp"

#include "lib/announce/text_limits.hpp"
#include "lib/core/duration.hpp"
#include "lib/core/error.hpp"
#include "lib/core/secret.hpp"
#include "lib/net/oauth1.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace shopkit::targets {

namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr std::size_t max_weight = 280;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    return s;
}

// How long until a Unix-seconds reset time, if the header holds one.
std::optional<Millis> until_epoch(const std::optional<std::string>& value, TimePoint now) {
    if (!value || value->empty())
        return std::nullopt;
    long long seconds = 0;
    const char* end = value->data() + value->size();
    const auto [ptr, ec] = std::from_chars(value->data(), end, seconds);
    if (ec != std::errc() || ptr != end || seconds < 0)
        return std::nullopt;
    // A reset far in the future is a broken header, not a reason to wait a year.
    return wait_until_epoch(seconds, now);
}

// The error X gave, in either of its shapes.
std::string x_message(const json& body) {
    if (!body.is_object())
        return {};
    std::string out;
    if (body.contains("detail") && body["detail"].is_string())
        out = body["detail"].get<std::string>();
    else if (body.contains("title") && body["title"].is_string())
        out = body["title"].get<std::string>();
    if (const auto it = body.find("errors"); it != body.end() && it->is_array()) {
        for (const json& e : *it) {
            if (e.is_object() && e.contains("message") && e["message"].is_string()) {
                const std::string m = e["message"].get<std::string>();
                if (out.find(m) == std::string::npos)
                    out += (out.empty() ? "" : "; ") + m;
            }
        }
    }
    return out;
}

class XTarget final : public HttpTarget {
  public:
    XTarget(const TargetConfig& config, const TargetEnv& env)
        : HttpTarget(config, env), base_(api_base(config, "https://api.twitter.com")) {
        static constexpr const char* oauth1_names[] = {"consumer_key", "consumer_secret",
                                                       "access_token", "access_secret"};
        std::vector<std::string> present, missing;
        for (const char* name : oauth1_names)
            (config.secrets.count(name) != 0 ? present : missing).push_back(name);
        if (!present.empty() && !missing.empty())
            throw config_error(fmt::format(
                "{}: target '{}' (x) has {} but OAuth 1.0a also needs {} (as NAME_env or "
                "NAME_file)",
                config.where, config.id, fmt::to_string(fmt::join(present, ", ")),
                fmt::to_string(fmt::join(missing, ", "))));
        oauth1_ = missing.empty();
        if (!oauth1_ && config.secrets.count("token") == 0)
            throw config_error(fmt::format(
                "{}: target '{}' (x) needs consumer_key, consumer_secret, access_token and "
                "access_secret (OAuth 1.0a), or token (an OAuth 2.0 user token), each as "
                "NAME_env or NAME_file",
                config.where, config.id));
    }

    std::optional<std::string> refuse(const Notice& notice) const override {
        if (notice.text.empty())
            return "X refuses an empty post";
        const std::size_t weight = x_weighted_length(notice.text);
        if (weight > max_weight)
            return fmt::format("X counts {} of {} weighted characters (CJK count 2, a URL 23); "
                               "shorten the notice",
                               weight, max_weight);
        return std::nullopt;
    }

  protected:
    SendResult deliver(const Notice& notice) override {
        HttpRequest req = json_request(join_url(base_, "/2/tweets"), json{{"text", notice.text}});
        if (oauth1_) {
            OAuth1Credentials c;
            c.consumer_key = required_secret(config_, "consumer_key");
            c.consumer_secret = required_secret(config_, "consumer_secret");
            c.token = required_secret(config_, "access_token");
            c.token_secret = required_secret(config_, "access_secret");
            const auto epoch =
                std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch());
            req.headers.emplace_back(
                "Authorization",
                oauth1_authorization(req.method, req.url, c, oauth1_nonce(), epoch.count()));
        } else {
            req.headers.emplace_back("Authorization",
                                     "Bearer " + required_secret(config_, "token"));
        }
        const HttpResponse res = http_.send(req);
        return judge(res, notice);
    }

  public:
    VerifyResult verify() override {
        HttpRequest req = request("GET", join_url(base_, "/2/users/me"));
        req.headers.emplace_back("Authorization", authorization(req));
        const HttpResponse res = http_.send(req);
        VerifyResult v = verify_http(res, "X", now());
        const json body = json::parse(res.body, nullptr, false);
        if (v.outcome != VerifyResult::Outcome::ok) {
            if (res.status == 401)
                v.detail =
                    redact(fmt::format("X rejected the credentials (HTTP 401{}{})",
                                       x_message(body).empty() ? "" : ": ", x_message(body)));
            return v;
        }
        if (body.is_object() && body.contains("data") && body["data"].is_object())
            v.detail = redact("@" + body["data"].value("username", std::string("?")));
        return v;
    }

  private:
    // The Authorization header of `req` as it is now (method and URL final).
    std::string authorization(const HttpRequest& req) const {
        if (!oauth1_)
            return "Bearer " + required_secret(config_, "token");
        OAuth1Credentials c;
        c.consumer_key = required_secret(config_, "consumer_key");
        c.consumer_secret = required_secret(config_, "consumer_secret");
        c.token = required_secret(config_, "access_token");
        c.token_secret = required_secret(config_, "access_secret");
        const auto epoch =
            std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch());
        return oauth1_authorization(req.method, req.url, c, oauth1_nonce(), epoch.count());
    }

    SendResult judge(const HttpResponse& res, const Notice& notice) const {
        const TimePoint t = now();
        SendResult r = classify_http(res, t);
        if (!res.transfer_ok)
            return r;
        const json body = json::parse(res.body, nullptr, false);
        if (r.outcome == SendResult::Outcome::sent) {
            if (body.is_object() && body.contains("data") && body["data"].is_object() &&
                body["data"].contains("id") && body["data"]["id"].is_string())
                r.remote_id = body["data"]["id"].get<std::string>();
            return r;
        }
        const std::string message = x_message(body);
        const std::string said = message.empty() ? "" : ": " + message;
        if (res.status == 429) {
            // The daily post cap has its own reset; the 15-minute window another.
            std::optional<Millis> wait;
            if (res.header("x-user-limit-24hour-remaining") == std::optional<std::string>("0"))
                wait = until_epoch(res.header("x-user-limit-24hour-reset"), t);
            if (!wait)
                wait = until_epoch(res.header("x-rate-limit-reset"), t);
            if (!wait)
                if (auto ra = res.header("retry-after"))
                    wait = parse_retry_after(*ra, t);
            r.retry_after = wait;
            r.error = redact(fmt::format("X: rate limit reached (HTTP 429{})", said));
            return r;
        }
        if (res.status == 403 && lower(message).find("duplicate") != std::string::npos) {
            r.outcome = SendResult::Outcome::failed;
            r.error = redact(fmt::format(
                "X refused the post as a duplicate of one already posted (HTTP 403{}){}", said,
                notice.attempt > 1 ? "; an earlier attempt of this notice may have gone out" : ""));
            return r;
        }
        if (res.status == 401)
            r.error = redact(fmt::format("X rejected the credentials (HTTP 401{})", said));
        else if (!message.empty())
            r.error = redact(fmt::format("X: HTTP {}{}", res.status, said));
        else
            r.error = "X: " + r.error;
        return r;
    }

    std::string base_;
    bool oauth1_ = false;
};

} // namespace

std::unique_ptr<Target> make_x(const TargetConfig& config, const TargetEnv& env) {
    return std::make_unique<XTarget>(config, env);
}

} // namespace shopkit::targets
