// LINE Messaging API (https://api.line.me, `api_base` overrides it).
//
//   POST {base}/v2/bot/message/broadcast   {"messages":[{"type":"text","text":TEXT}]}
//        customers without `to`: every friend of the official account
//   POST {base}/v2/bot/message/push        {"to":ID,"messages":[…]}          one id in `to`
//   POST {base}/v2/bot/message/multicast   {"to":[ID,…],"messages":[…]}      2..500 ids
//   Authorization: Bearer TOKEN            (secret `token`: the channel access token)
//   Content-Type: application/json
//   X-Line-Retry-Key: Notice::key          (a UUID, the same on every attempt)
//
// 200 {} (push: {"sentMessages":[{"id":…,"quoteToken":…}]}) with x-line-request-id.
// 409 on a retry key already accepted: the first attempt went through, so the
// notice is sent (x-line-accepted-request-id names it). 429 is either the rate
// limit or the month's message quota, told apart by the body's "message" ("You
// have reached your monthly limit."). Errors: {"message":…,"details":[{"message",
// "property"}]}. A text is at most 5,000 characters counted in UTF-16 units.
//
// --verify reads, never sends:
//   GET {base}/v2/bot/info                      {"userId","basicId","displayName",…}
//   GET {base}/v2/bot/message/quota             {"type":"limited","value":N} | {"type":"none"}
//   GET {base}/v2/bot/message/quota/consumption {"totalUsage":N}
//   GET {base}/v2/bot/insight/followers?date=yyyyMMdd   (yesterday in UTC+9)
//        {"status":"ready"|"unready"|"out_of_service","followers":N,"blocks":N,…}
// Every friend who has not blocked the account costs one message of the
// monthly quota per broadcast, so broadcasts left = (limit - used) / friends.
#include "lib/announce/targets/kinds.hpp"

#include "lib/announce/text_limits.hpp"
#include "lib/core/duration.hpp"
#include "lib/core/error.hpp"
#include "lib/core/secret.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace shopkit::targets {

namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

constexpr std::size_t max_units = 5000;
constexpr std::size_t max_multicast = 500;
// The monthly quota comes back at the start of the next month; asking again
// every hour costs nothing and notices a plan upgrade soon enough.
constexpr Millis quota_retry = 1h;

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    return s;
}

// `to` is one id, or a JSON array of ids (a TOML array arrives as JSON text).
std::vector<std::string> parse_to(const TargetConfig& config, const std::string& text) {
    std::vector<std::string> ids;
    const auto bad = [&](const std::string& why) {
        return config_error(
            fmt::format("{}: target '{}' (line): 'to' {}", config.where, config.id, why));
    };
    if (!text.empty() && text.front() == '[') {
        const json list = json::parse(text, nullptr, false);
        if (!list.is_array())
            throw bad("must be a user, group or room id, or a list of them");
        for (const json& item : list) {
            if (!item.is_string() || item.get<std::string>().empty())
                throw bad("must list ids as non-empty strings");
            ids.push_back(item.get<std::string>());
        }
    } else if (!text.empty()) {
        ids.push_back(text);
    }
    if (ids.empty())
        throw bad("is empty");
    if (ids.size() > max_multicast)
        throw bad(fmt::format("lists {} ids; LINE multicast takes at most {}", ids.size(),
                              max_multicast));
    return ids;
}

// The error text LINE gave: "message" and the details' messages.
std::string line_message(const json& body) {
    if (!body.is_object())
        return {};
    std::string out = body.value("message", std::string());
    if (const auto it = body.find("details"); it != body.end() && it->is_array()) {
        for (const json& d : *it) {
            if (!d.is_object())
                continue;
            std::string part = d.value("message", std::string());
            if (d.contains("property") && d["property"].is_string())
                part = d["property"].get<std::string>() + ": " + part;
            if (!part.empty())
                out += (out.empty() ? "" : "; ") + part;
        }
    }
    return out;
}

class LineTarget final : public HttpTarget {
  public:
    LineTarget(const TargetConfig& config, const TargetEnv& env)
        : HttpTarget(config, env), base_(api_base(config, "https://api.line.me")) {
        if (const auto it = config.params.find("to"); it != config.params.end()) {
            to_ = parse_to(config, it->second);
        } else if (config.audience != Audience::customers) {
            // A broadcast reaches every friend of the account: never for staff.
            throw config_error(fmt::format(
                "{}: target '{}' (line) is for staff and needs 'to' (the user or group ids to "
                "push to); without it every friend of the account would get staff notices",
                config.where, config.id));
        }
    }

    std::optional<std::string> refuse(const Notice& notice) const override {
        if (notice.text.empty())
            return "LINE refuses an empty message";
        const std::size_t units = count_utf16_units(notice.text);
        if (units > max_units)
            return fmt::format("LINE counts {} of {} characters (UTF-16 units); shorten the "
                               "notice",
                               units, max_units);
        return std::nullopt;
    }

  protected:
    SendResult deliver(const Notice& notice) override {
        const std::string token = required_secret(config_, "token");

        json body;
        std::string path;
        if (to_.empty()) {
            path = "/v2/bot/message/broadcast";
        } else if (to_.size() == 1) {
            path = "/v2/bot/message/push";
            body["to"] = to_.front();
        } else {
            path = "/v2/bot/message/multicast";
            body["to"] = to_;
        }
        body["messages"] = json::array({{{"type", "text"}, {"text", notice.text}}});

        HttpRequest req = json_request(join_url(base_, path), body);
        req.headers.emplace_back("Authorization", "Bearer " + token);
        if (!notice.key.empty())
            req.headers.emplace_back("X-Line-Retry-Key", notice.key);
        const HttpResponse res = http_.send(req);
        return judge(res, notice);
    }

  public:
    VerifyResult verify() override;

  private:
    SendResult judge(const HttpResponse& res, const Notice& notice) const {
        SendResult r = classify_http(res, now());
        if (!res.transfer_ok)
            return r;
        const json body = json::parse(res.body, nullptr, false);

        if (res.status == 409 && !notice.key.empty() && res.header("x-line-accepted-request-id")) {
            // The retry key was accepted before (an attempt whose answer we
            // never saw): the message went out, exactly once.
            r = SendResult{};
            r.outcome = SendResult::Outcome::sent;
            r.remote_id = *res.header("x-line-accepted-request-id");
            return r;
        }
        if (r.outcome == SendResult::Outcome::sent) {
            if (body.is_object() && body.contains("sentMessages") &&
                body["sentMessages"].is_array() && !body["sentMessages"].empty() &&
                body["sentMessages"][0].is_object() && body["sentMessages"][0].contains("id") &&
                body["sentMessages"][0]["id"].is_string())
                r.remote_id = body["sentMessages"][0]["id"].get<std::string>();
            else if (auto id = res.header("x-line-request-id"))
                r.remote_id = *id;
            return r;
        }

        const std::string message = line_message(body);
        if (res.status == 409) {
            // A 409 without the accepted-request header: treat it by its message,
            // but the key's whole point is that a conflict means "already sent".
            if (lower(message).find("retry key") != std::string::npos) {
                r = SendResult{};
                r.outcome = SendResult::Outcome::sent;
                if (auto id = res.header("x-line-request-id"))
                    r.remote_id = *id;
                return r;
            }
        }
        if (res.status == 429) {
            if (lower(message).find("monthly limit") != std::string::npos) {
                r.outcome = SendResult::Outcome::retry;
                r.retry_after = quota_retry;
                r.error = redact(fmt::format(
                    "LINE: the account's monthly message quota is used up (HTTP 429: {}); "
                    "retrying hourly until the quota resets or the plan is raised",
                    message));
                return r;
            }
            r.outcome = SendResult::Outcome::retry;
            r.error = redact(fmt::format("LINE: rate limit reached (HTTP 429{}{})",
                                         message.empty() ? "" : ": ", message));
            return r;
        }
        if (res.status == 401)
            r.error = redact(fmt::format("LINE rejected the channel access token (HTTP 401{}{})",
                                         message.empty() ? "" : ": ", message));
        else if (!message.empty())
            r.error = redact(fmt::format("LINE: HTTP {}: {}", res.status, message));
        else
            r.error = "LINE: " + r.error;
        return r;
    }

    std::string base_;
    std::vector<std::string> to_; // empty: broadcast
};

// A GET of LINE's API with the token; the answer's JSON, or why not in `failed`.
std::optional<json> line_get(HttpClient& http, HttpRequest req, const std::string& token,
                             TimePoint now, VerifyResult& failed) {
    req.headers.emplace_back("Authorization", "Bearer " + token);
    const HttpResponse res = http.send(req);
    VerifyResult v = verify_http(res, "LINE", now);
    if (v.outcome == VerifyResult::Outcome::ok) {
        json body = json::parse(res.body, nullptr, false);
        if (body.is_object())
            return body;
        v.outcome = VerifyResult::Outcome::failed;
        v.detail = "LINE answered without a JSON object";
    } else if (res.status == 401) {
        v.detail = "LINE rejected the channel access token (HTTP 401)";
    }
    failed = v;
    return std::nullopt;
}

long long number_of(const json& j, const char* name) {
    return j.contains(name) && j[name].is_number_integer() ? j[name].get<long long>() : 0;
}

VerifyResult LineTarget::verify() {
    const std::string token = required_secret(config_, "token");
    VerifyResult v;
    const TimePoint t = now();
    const auto get = [&](const std::string& path) {
        return line_get(http_, request("GET", join_url(base_, path)), token, t, v);
    };
    const auto info = get("/v2/bot/info");
    if (!info)
        return v;
    const auto quota = get("/v2/bot/message/quota");
    if (!quota)
        return v;
    const auto used = get("/v2/bot/message/quota/consumption");
    if (!used)
        return v;
    // Insight counts whole days in Japan time: yesterday's is the newest.
    const std::string day = format_utc(t + std::chrono::hours(9) - std::chrono::hours(24));
    // The friends only size the quota: an account whose insight LINE will not
    // give (a new or unverified one) still has a working token.
    VerifyResult no_count;
    const auto followers = line_get(
        http_,
        request("GET", join_url(base_, "/v2/bot/insight/followers?date=" + day.substr(0, 4) +
                                           day.substr(5, 2) + day.substr(8, 2))),
        token, t, no_count);

    v.outcome = VerifyResult::Outcome::ok;
    v.detail = fmt::format("{} ({})", info->value("displayName", std::string("?")),
                           info->value("basicId", std::string("?")));
    const long long total_usage = number_of(*used, "totalUsage");
    const bool limited = quota->value("type", std::string()) == "limited";
    const long long limit = number_of(*quota, "value");
    v.facts["quota_type"] = limited ? "limited" : "none";
    v.facts["used"] = total_usage;
    if (limited) {
        v.facts["limit"] = limit;
        v.detail += fmt::format("; quota {} of {} used", total_usage, limit);
    } else {
        v.detail += fmt::format("; no monthly limit, {} used", total_usage);
    }
    const bool ready = followers && followers->value("status", std::string()) == "ready";
    long long friends = -1;
    if (ready) {
        friends =
            std::max(0LL, number_of(*followers, "followers") - number_of(*followers, "blocks"));
        v.facts["friends"] = friends;
        v.detail += fmt::format("; {} friends", friends);
    } else {
        v.detail +=
            followers ? "; friends not counted yet" : "; friends unknown (" + no_count.detail + ")";
    }
    // One notice costs a message per recipient: every friend for a broadcast.
    const long long per_notice = to_.empty() ? friends : static_cast<long long>(to_.size());
    if (limited && per_notice > 0) {
        const long long left = std::max(0LL, limit - total_usage) / per_notice;
        v.facts["notices_left"] = left;
        v.detail += fmt::format("; {} {} left", left,
                                to_.empty() ? (left == 1 ? "broadcast" : "broadcasts")
                                            : (left == 1 ? "notice" : "notices"));
        if (left == 0) {
            v.outcome = VerifyResult::Outcome::failed;
            v.detail += ": the month's quota cannot take one more; raise the plan";
        }
    }
    v.detail = redact(v.detail);
    return v;
}

} // namespace

std::unique_ptr<Target> make_line(const TargetConfig& config, const TargetEnv& env) {
    return std::make_unique<LineTarget>(config, env);
}

} // namespace shopkit::targets
