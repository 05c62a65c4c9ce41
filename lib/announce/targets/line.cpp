// LINE Messaging API (https://api.line.me, `api_base` overrides it).
//
//   POST {base}/v2/bot/message/broadcast   {"messages":[{"type":"text","text":TEXT}]}
//        customers without `to`: every friend of the official account
//   POST {base}/v2/bot/message/push        {"to":ID,"messages":[…]}          one id in `to`
//   POST {base}/v2/bot/message/multicast   {"to":[ID,…],"messages":[…]}      2..500 user ids
//   Authorization: Bearer TOKEN            (secret `token`: the channel access token)
//   Content-Type: application/json
//   X-Line-Retry-Key: a UUID, the same on every attempt of the notice
//
// Multicast takes user ids (U…) only: the user ids of `to` go by one multicast
// (or one push when there is one), every group (C…) or room (R…) id by a push of
// its own. The first request carries Notice::key, each later one a UUID v5 of
// it and the id, so every request keeps its own key across attempts; a retry
// resends only what LINE did not accept (the others answer 409, already sent).
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
#include "lib/core/crypto.hpp"
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

        std::vector<Send> sends = plan();
        std::vector<SendResult> results;
        for (std::size_t i = 0; i < sends.size(); ++i) {
            json body = sends[i].to;
            body["messages"] = json::array({{{"type", "text"}, {"text", notice.text}}});
            HttpRequest req = json_request(join_url(base_, sends[i].path), body);
            req.headers.emplace_back("Authorization", "Bearer " + token);
            std::string key = notice.key;
            if (!key.empty() && i > 0)
                key = uuid_v5(uuid_namespace_url,
                              "line:" + notice.key + ":" + sends[i].to["to"].get<std::string>());
            if (!key.empty())
                req.headers.emplace_back("X-Line-Retry-Key", key);
            results.push_back(judge(http_.send(req), key));
        }
        return combine(sends, std::move(results));
    }

  public:
    VerifyResult verify() override;

  private:
    // One request of a notice: the path and its "to" (an object, empty for a broadcast).
    struct Send {
        std::string path;
        json to = json::object();
    };

    std::vector<Send> plan() const {
        if (to_.empty())
            return {{"/v2/bot/message/broadcast"}};
        std::vector<std::string> users;
        std::vector<Send> sends;
        for (const std::string& id : to_) {
            if (id.front() == 'U')
                users.push_back(id);
            else // a group (C…) or room (R…): multicast refuses those
                sends.push_back({"/v2/bot/message/push", {{"to", id}}});
        }
        if (users.size() == 1)
            sends.insert(sends.begin(), Send{"/v2/bot/message/push", {{"to", users.front()}}});
        else if (users.size() > 1)
            sends.insert(sends.begin(), Send{"/v2/bot/message/multicast", {{"to", users}}});
        return sends;
    }

    // One result for the notice: retry while any request may still go through,
    // else failed if any failed; the first request's id.
    static SendResult combine(const std::vector<Send>& sends, std::vector<SendResult> results) {
        if (results.size() == 1)
            return std::move(results.front());
        SendResult out;
        out.outcome = SendResult::Outcome::sent;
        for (std::size_t i = 0; i < results.size(); ++i) {
            SendResult& r = results[i];
            if (out.remote_id.empty())
                out.remote_id = r.remote_id;
            if (r.outcome == SendResult::Outcome::sent)
                continue;
            if (r.outcome == SendResult::Outcome::retry || out.outcome == SendResult::Outcome::sent)
                out.outcome = r.outcome;
            if (r.retry_after && (!out.retry_after || *r.retry_after > *out.retry_after))
                out.retry_after = r.retry_after;
            const json& to = sends[i].to["to"];
            out.error += fmt::format("{}to {}: {}", out.error.empty() ? "" : "; ",
                                     to.is_string() ? to.get<std::string>()
                                                    : fmt::format("{} users", to.size()),
                                     r.error);
        }
        if (out.outcome != SendResult::Outcome::sent)
            out.remote_id.clear();
        return out;
    }

    SendResult judge(const HttpResponse& res, const std::string& key) const {
        SendResult r = classify_http(res, now());
        if (!res.transfer_ok)
            return r;
        const json body = json::parse(res.body, nullptr, false);

        if (res.status == 409 && !key.empty() && res.header("x-line-accepted-request-id")) {
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
