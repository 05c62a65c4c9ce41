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
//   or Authorization: Bearer TOKEN   (an OAuth 2.0 user token: secret `token`,
//     as it is; X's expire after 2 hours, so this is for trying things out)
//   or Authorization: Bearer ACCESS  (OAuth 2.0 user context, renewed: param
//     oauth2_client_id, secrets refresh_token and, for a confidential client,
//     oauth2_client_secret; scopes tweet.read tweet.write users.read offline.access)
//
//   POST {base}/2/oauth2/token   Content-Type: application/x-www-form-urlencoded
//   grant_type=refresh_token&refresh_token=R&client_id=ID   (public client), or
//   Authorization: Basic base64(ID:SECRET) without client_id  (confidential)
//   → 200 {"token_type":"bearer","expires_in":7200,"access_token":…,
//          "scope":"tweet.write users.read tweet.read offline.access","refresh_token":…}
//   → 400 {"error":"invalid_request","error_description":"Value passed for the token
//          was invalid."} (or invalid_grant): the refresh token is spent or revoked.
// A refresh token works once: the new pair is saved in the state
// (CredentialStore, kind "x") before the access token is used, and the access
// token is reused by later runs until a minute before it expires. The configured
// refresh_token only seeds the state: a different one configured later (a new
// authorisation) replaces what the state holds.
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

#include "lib/announce/targets/chat_payloads.hpp"
#include "lib/announce/text_limits.hpp"
#include "lib/core/crypto.hpp"
#include "lib/core/duration.hpp"
#include "lib/core/error.hpp"
#include "lib/core/secret.hpp"
#include "lib/net/oauth1.hpp"
#include "lib/net/oauth2.hpp"
#include "lib/state/state.hpp"

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
constexpr const char* credential_kind = "x";
// An access token is not used in its last minute: a post must not race its expiry.
constexpr auto expiry_margin = std::chrono::seconds(60);
// X's documented lifetime, for an answer without expires_in.
constexpr auto default_lifetime = std::chrono::seconds(7200);
constexpr const char* scopes = "tweet.read tweet.write users.read offline.access";

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
        const bool has_client = config.params.count("oauth2_client_id") != 0;
        const bool has_refresh = config.secrets.count("refresh_token") != 0;
        if (has_client != has_refresh)
            throw config_error(fmt::format(
                "{}: target '{}' (x) has {} but OAuth 2.0 with renewal also needs {}", config.where,
                config.id, has_client ? "oauth2_client_id" : "refresh_token",
                has_client ? "refresh_token (as refresh_token_env or refresh_token_file: from an "
                             "authorisation with the offline.access scope)"
                           : "oauth2_client_id (the app's OAuth 2.0 client id)"));
        oauth2_ = !oauth1_ && has_client;
        if (!oauth1_ && !oauth2_ && config.secrets.count("token") == 0)
            throw config_error(fmt::format(
                "{}: target '{}' (x) needs consumer_key, consumer_secret, access_token and "
                "access_secret (OAuth 1.0a), or oauth2_client_id and refresh_token (OAuth 2.0, "
                "renewed), or token (an OAuth 2.0 user token), each secret as NAME_env or "
                "NAME_file",
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
        if (oauth2_) {
            auto access = access_token(false);
            if (!access.error.empty())
                return access.failure;
            HttpRequest first = req;
            first.headers.emplace_back("Authorization", "Bearer " + access.token);
            const HttpResponse res = http_.send(first);
            // A kept token revoked before its time: renew it once and post again.
            if (!(res.transfer_ok && res.status == 401 && access.kept))
                return judge(res, notice);
            access = access_token(true);
            if (!access.error.empty())
                return access.failure;
            req.headers.emplace_back("Authorization", "Bearer " + access.token);
        } else {
            req.headers.emplace_back("Authorization", authorization(req));
        }
        const HttpResponse res = http_.send(req);
        return judge(res, notice);
    }

  public:
    VerifyResult verify() override {
        HttpRequest req = request("GET", join_url(base_, "/2/users/me"));
        if (oauth2_) {
            // Renewing is not posting: a token that cannot be renewed is what
            // the readiness check is for.
            const Access access = access_token(false);
            if (!access.error.empty()) {
                VerifyResult v;
                v.outcome = VerifyResult::Outcome::failed;
                v.detail = access.failure.error;
                return v;
            }
            req.headers.emplace_back("Authorization", "Bearer " + access.token);
        } else {
            req.headers.emplace_back("Authorization", authorization(req));
        }
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
    // What the state keeps for an OAuth 2.0 target.
    struct Kept {
        std::string seed; // hex SHA-256 of the configured refresh_token it grew from
        std::string refresh_token;
        std::string access_token;
        long long expires = 0; // Unix seconds
    };

    struct Access {
        std::string token;
        bool kept = false;  // from the state, not renewed in this call
        std::string error;  // non-empty: failure holds why
        SendResult failure; // failed or retry
    };

    std::optional<Kept> load_kept() const {
        if (!env_.state)
            return std::nullopt;
        const auto text = env_.state->credentials.credential(config_.id, credential_kind);
        if (!text)
            return std::nullopt;
        const json j = json::parse(*text, nullptr, false);
        if (!j.is_object())
            return std::nullopt;
        Kept k;
        k.seed = j.value("seed", std::string());
        k.refresh_token = j.value("refresh_token", std::string());
        k.access_token = j.value("access_token", std::string());
        k.expires = j.value("expires", 0LL);
        for (const std::string* t : {&k.refresh_token, &k.access_token})
            if (!t->empty())
                remember_secret(*t);
        return k;
    }

    void save_kept(const Kept& k) const {
        if (!env_.state)
            return;
        env_.state->credentials.save_credential(config_.id, credential_kind,
                                                json{{"seed", k.seed},
                                                     {"refresh_token", k.refresh_token},
                                                     {"access_token", k.access_token},
                                                     {"expires", k.expires}}
                                                    .dump());
    }

    long long epoch_now() const {
        return std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
    }

    bool usable(const Kept& k) const {
        return !k.access_token.empty() && k.expires - expiry_margin.count() > epoch_now();
    }

    static Access fail(SendResult::Outcome outcome, std::string error) {
        Access a;
        a.error = std::move(error);
        a.failure.outcome = outcome;
        a.failure.error = redact(a.error);
        return a;
    }

    // A valid access token: the state's while it lasts (unless `renew`), else a
    // new one from the refresh_token grant, saved before it is returned.
    Access access_token(bool renew) {
        const std::string configured = required_secret(config_, "refresh_token");
        OAuth2Client client{required_param(config_, "oauth2_client_id"), {}};
        if (config_.secrets.count("oauth2_client_secret"))
            client.client_secret = required_secret(config_, "oauth2_client_secret");
        const std::string seed = to_hex(sha256(configured));
        std::optional<Kept> kept;
        try {
            kept = load_kept();
        } catch (const std::exception& e) {
            return fail(
                SendResult::Outcome::retry,
                fmt::format("X: cannot read the OAuth 2.0 token from the state: {}", e.what()));
        }
        // Another refresh_token configured: a new authorisation; start from it.
        if (kept && kept->seed != seed)
            kept.reset();
        if (kept && !renew && usable(*kept)) {
            Access a;
            a.token = kept->access_token;
            a.kept = true;
            return a;
        }
        const std::string refresh = kept ? kept->refresh_token : configured;
        if (refresh.empty())
            return fail(SendResult::Outcome::failed,
                        fmt::format("X: the OAuth 2.0 token expired and X gave no refresh token "
                                    "to renew it; re-authorise the app with the scopes {} and "
                                    "set the new refresh_token",
                                    scopes));

        HttpRequest req = request("POST", join_url(base_, "/2/oauth2/token"));
        oauth2_refresh_request(req, client, refresh);
        const HttpResponse res = http_.send(req);
        const std::vector<std::string> hidden = {refresh, client.client_secret};
        if (res.transfer_ok && res.status / 100 == 2) {
            if (auto tokens = parse_oauth2_tokens(res.body)) {
                remember_secret(tokens->access_token);
                if (!tokens->refresh_token.empty())
                    remember_secret(tokens->refresh_token);
                Kept next{seed, tokens->refresh_token, tokens->access_token,
                          epoch_now() + tokens->expires_in.value_or(default_lifetime).count()};
                try {
                    // Before the access token is used: the old refresh token is spent.
                    save_kept(next);
                } catch (const std::exception& e) {
                    return fail(SendResult::Outcome::failed,
                                mask_secrets(fmt::format("X: the renewed OAuth 2.0 token could "
                                                         "not be kept in the state ({}); the old "
                                                         "refresh token is spent: re-authorise "
                                                         "the app and set a new refresh_token",
                                                         e.what()),
                                             hidden));
                }
                Access a;
                a.token = next.access_token;
                return a;
            }
            return fail(SendResult::Outcome::retry,
                        "X: the token endpoint answered without an access_token");
        }
        if (res.transfer_ok && (res.status == 400 || res.status == 401)) {
            // Refresh tokens work once: an overlapping run may have renewed it first.
            try {
                if (auto again = load_kept(); again && again->seed == seed &&
                                              again->refresh_token != refresh && usable(*again)) {
                    Access a;
                    a.token = again->access_token;
                    return a;
                }
            } catch (const std::exception&) {
            }
            const std::string why = oauth2_error_text(res.body);
            return fail(SendResult::Outcome::failed,
                        mask_secrets(fmt::format("X refused to renew the OAuth 2.0 token (HTTP "
                                                 "{}{}{}); re-authorise the app with the scopes "
                                                 "{} and set the new refresh_token",
                                                 res.status, why.empty() ? "" : ": ", why, scopes),
                                     hidden));
        }
        SendResult r = classify_http(res, now());
        r.error = mask_secrets("X: renewing the OAuth 2.0 token: " + r.error, hidden);
        Access a =
            fail(r.outcome == SendResult::Outcome::sent ? SendResult::Outcome::retry : r.outcome,
                 r.error);
        a.failure.retry_after = r.retry_after;
        return a;
    }

    // The Authorization header of `req` as it is now (method and URL final),
    // for OAuth 1.0a and a plain token; OAuth 2.0 with renewal uses access_token().
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
    bool oauth2_ = false; // renewed with the refresh_token grant
};

} // namespace

std::unique_ptr<Target> make_x(const TargetConfig& config, const TargetEnv& env) {
    return std::make_unique<XTarget>(config, env);
}

} // namespace shopkit::targets
