// kind = "bluesky": a post on the shop's Bluesky account (any atproto PDS).
//
//   POST {api_base|https://bsky.social}/xrpc/com.atproto.server.createSession
//   {"identifier":"<handle>","password":"<password secret: an app password>"}
//   → 200 {"accessJwt":…,"refreshJwt":…,"did":"did:plc:…","handle":…}
//   POST {base}/xrpc/com.atproto.server.refreshSession
//   Authorization: Bearer <refreshJwt>      (no body; the same answer, both JWTs new)
//     createSession is rate limited per account per day, so the session is kept
//     in the state (CredentialStore, kind "bluesky": handle, did, both JWTs) and
//     reused by every post of this run and of later runs. When a post answers
//     400/401 ExpiredToken (or InvalidToken) the session is renewed once with
//     refreshSession, or, when the refreshJwt is refused too, with a new
//     createSession, and the post tried again. Without a state (--dry-run)
//     nothing is kept.
//
//   POST {base}/xrpc/com.atproto.repo.createRecord
//   Authorization: Bearer <accessJwt>
//   {"repo":"<did>","collection":"app.bsky.feed.post","rkey":"<TID from notice.key>",
//    "record":{"$type":"app.bsky.feed.post","text":"<notice text>",
//              "createdAt":"2026-06-04T03:00:03Z","langs":["ja"],
//              "facets":[{"index":{"byteStart":12,"byteEnd":40},
//                         "features":[{"$type":"app.bsky.richtext.facet#link",
//                                      "uri":"https://…"}]}]}}
//   → 200 {"uri":"at://did:plc:…/app.bsky.feed.post/<rkey>","cid":…}: sent, remote_id = uri.
//
// Once only: the record key is a TID (what app.bsky.feed.post keys must be, or
// the AppView ignores the post) derived from notice.key and the outbox row's
// creation time, so every attempt of a notice writes the same key and the PDS
// cannot hold it twice. A repeated key is answered 409 / "RecordAlreadyExists"
// by newer PDSes and 500 by older ones; so on an attempt after the first, and
// after a 500, we ask com.atproto.repo.getRecord first:
//   GET {base}/xrpc/com.atproto.repo.getRecord?repo=<did>&collection=app.bsky.feed.post&rkey=<rkey>
//   → 200: the post exists: sent.  400 {"error":"RecordNotFound"}: post it.
// 429 retries after RateLimit-Reset (epoch seconds) or Retry-After; 5xx retry.
// Limit: 300 graphemes and 3,000 bytes of text.
// --verify: createSession only (a login, not a post); the session is kept for the run.
#include "lib/announce/targets/chat_payloads.hpp"
#include "lib/announce/targets/kinds.hpp"

#include "lib/announce/text_limits.hpp"
#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"
#include "lib/core/secret.hpp"
#include "lib/state/state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace shopkit::targets {

namespace {

constexpr std::string_view s32 = "234567abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view collection = "app.bsky.feed.post";

// Bluesky's link facets: a URL stops at whitespace, non-ASCII text and <>"'`;
// sentence punctuation and a ')' or ']' it did not open are not part of it.
constexpr UrlRules bluesky_urls{
    .stop = "<>\"'`",
    .trailing = ".,;:!?",
    .closers = ")]",
    .not_after = "",
    .host_must_start_alnum = false,
};

} // namespace

std::vector<LinkFacet> find_links(std::string_view text) {
    std::vector<LinkFacet> links;
    for (const auto& [begin, end] : find_urls(text, bluesky_urls))
        links.push_back({begin, end, std::string(text.substr(begin, end - begin))});
    return links;
}

nlohmann::json bluesky_post_record(const std::string& text, const std::string& created_at,
                                   const std::string& language) {
    nlohmann::json record = {
        {"$type", std::string(collection)}, {"text", text}, {"createdAt", created_at}};
    if (!language.empty())
        record["langs"] = nlohmann::json::array({language});
    const auto links = find_links(text);
    if (!links.empty()) {
        nlohmann::json facets = nlohmann::json::array();
        for (const LinkFacet& link : links)
            facets.push_back(
                {{"index", {{"byteStart", link.byte_start}, {"byteEnd", link.byte_end}}},
                 {"features", nlohmann::json::array({{{"$type", "app.bsky.richtext.facet#link"},
                                                      {"uri", link.uri}}})}});
        record["facets"] = std::move(facets);
    }
    return record;
}

std::string bluesky_rkey(std::string_view key, TimePoint created) {
    const std::string md = sha256(key);
    std::uint64_t h = 0;
    for (int i = 0; i < 8; ++i)
        h = (h << 8) | static_cast<unsigned char>(md[static_cast<std::size_t>(i)]);
    const auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(created.time_since_epoch()).count();
    const std::uint64_t micros =
        static_cast<std::uint64_t>(seconds < 0 ? 0 : seconds) * 1000000u + (h % 1000000u);
    const std::uint64_t clock_id = (h >> 32) & 0x3ff;
    // 1 zero bit, 53 bits of microseconds since the epoch, 10 bits of clock id.
    std::uint64_t v = ((micros & ((std::uint64_t{1} << 53) - 1)) << 10) | clock_id;
    std::string out(13, '2');
    for (int i = 12; i >= 0; --i) {
        out[static_cast<std::size_t>(i)] = s32[v & 31];
        v >>= 5;
    }
    return out;
}

TimePoint notice_created(const Notice& notice, const TargetEnv& env, TimePoint now) {
    if (env.state && notice.outbox_id != 0)
        if (auto row = env.state->outbox.outbox_row(notice.outbox_id))
            return row->created;
    if (notice.record.is_object())
        for (const char* field : {"time", "since"})
            if (notice.record.contains(field) && notice.record[field].is_string())
                if (auto t = parse_rfc3339(notice.record[field].get<std::string>()))
                    return *t;
    return now;
}

bool is_tid(std::string_view s) {
    if (s.size() != 13)
        return false;
    for (char c : s)
        if (s32.find(c) == std::string_view::npos)
            return false;
    return s32.find(s[0]) < 16; // the top bit is zero
}

namespace {

struct Session {
    std::string access_jwt;
    std::string refresh_jwt;
    std::string did;
};

constexpr const char* credential_kind = "bluesky";

std::string xrpc_error(const HttpResponse& response) {
    const auto j = nlohmann::json::parse(response.body, nullptr, false);
    if (j.is_object() && j.contains("error") && j["error"].is_string())
        return j["error"].get<std::string>();
    return {};
}

std::string xrpc_message(const HttpResponse& response) {
    const auto j = nlohmann::json::parse(response.body, nullptr, false);
    if (j.is_object() && j.contains("message") && j["message"].is_string())
        return redact_prefix(j["message"].get<std::string>(), 200);
    return {};
}

class BlueskyTarget final : public HttpTarget {
  public:
    BlueskyTarget(const TargetConfig& config, const TargetEnv& env)
        : HttpTarget(config, env), base_(api_base(config, "https://bsky.social")),
          handle_(required_param(config, "handle")) {
        need_secret(config, "password");
        if (env.config)
            language_ = env.config->shop.language;
    }

    std::optional<std::string> refuse(const Notice& notice) const override {
        const std::size_t n = count_graphemes(notice.text);
        if (n > bluesky_limit)
            return fmt::format("Bluesky counts {} of {} graphemes", n, bluesky_limit);
        if (notice.text.size() > bluesky_byte_limit)
            return fmt::format("Bluesky counts {} of {} bytes", notice.text.size(),
                               bluesky_byte_limit);
        if (n == 0)
            return std::string("Bluesky refuses an empty post");
        return std::nullopt;
    }

  protected:
    SendResult deliver(const Notice& notice) override {
        password_ = required_secret(config_, "password");
        SendResult result = post(notice);
        result.error =
            mask_secrets(result.error, {password_, session_ ? session_->access_jwt : std::string(),
                                        session_ ? session_->refresh_jwt : std::string()});
        return result;
    }

  public:
    VerifyResult verify() override {
        password_ = required_secret(config_, "password");
        VerifyResult v;
        if (const auto failed = login()) {
            v.outcome = VerifyResult::Outcome::failed;
            v.detail = failed->error;
        } else {
            v.outcome = VerifyResult::Outcome::ok;
            v.detail = fmt::format("@{} ({})", handle_, session_->did);
        }
        v.detail =
            mask_secrets(v.detail, {password_, session_ ? session_->access_jwt : std::string()});
        return v;
    }

  private:
    TimePoint created(const Notice& notice) const { return notice_created(notice, env_, now()); }

    std::optional<Millis> rate_limit_wait(const HttpResponse& response) const {
        const TimePoint t = now();
        if (auto h = response.header("retry-after"))
            if (auto wait = parse_retry_after(*h, t))
                return wait;
        if (auto h = response.header("ratelimit-reset")) {
            long long epoch = 0;
            const auto* end = h->data() + h->size();
            if (std::from_chars(h->data(), end, epoch).ptr == end && epoch > 0)
                return wait_until_epoch(epoch, t);
        }
        return std::nullopt;
    }

    SendResult classify(const HttpResponse& response, const char* what) const {
        SendResult result = classify_http(response, now());
        if (response.transfer_ok && response.status == 429 && !result.retry_after)
            result.retry_after = rate_limit_wait(response);
        if (response.transfer_ok && result.outcome != SendResult::Outcome::sent) {
            const std::string name = xrpc_error(response);
            const std::string message = xrpc_message(response);
            if (!name.empty() || !message.empty())
                result.error =
                    fmt::format("Bluesky {} answered HTTP {}: {}{}{}", what, response.status, name,
                                name.empty() || message.empty() ? "" : ": ", message);
        }
        return result;
    }

    // Logs in; nullopt on success, else why not.
    std::optional<SendResult> login() {
        session_.reset();
        const HttpRequest request =
            json_request(join_url(base_, "/xrpc/com.atproto.server.createSession"),
                         {{"identifier", handle_}, {"password", password_}});
        const HttpResponse response = http_.send(request);
        SendResult result = classify(response, "login");
        if (result.outcome != SendResult::Outcome::sent) {
            if (response.transfer_ok && (response.status == 401 || response.status == 400))
                result.error +=
                    fmt::format(" (check the handle \"{}\" and its app password)", handle_);
            return result;
        }
        if (!adopt(nlohmann::json::parse(response.body, nullptr, false))) {
            result.outcome = SendResult::Outcome::retry;
            result.error = "Bluesky login answered without accessJwt and did";
            return result;
        }
        return std::nullopt;
    }

    // Takes the session a createSession or refreshSession answer holds, and keeps
    // it for later runs; false when the answer lacks it.
    bool adopt(const nlohmann::json& j) {
        const auto text = [&](const char* name) {
            return j.is_object() && j.contains(name) && j[name].is_string()
                       ? j[name].get<std::string>()
                       : std::string();
        };
        if (text("accessJwt").empty() || text("did").empty())
            return false;
        session_ = Session{text("accessJwt"), text("refreshJwt"), text("did")};
        // The session's tokens are credentials too, in every error from now on.
        remember_secret(session_->access_jwt);
        if (!session_->refresh_jwt.empty())
            remember_secret(session_->refresh_jwt);
        save_session();
        return true;
    }

    void save_session() const {
        if (!env_.state || !session_)
            return;
        const nlohmann::json j = {{"base", base_},
                                  {"handle", handle_},
                                  {"did", session_->did},
                                  {"access_jwt", session_->access_jwt},
                                  {"refresh_jwt", session_->refresh_jwt}};
        try {
            env_.state->credentials.save_credential(config_.id, credential_kind, j.dump());
        } catch (const std::exception& e) {
            // Not fatal: the next run logs in again.
            if (env_.log)
                env_.log(
                    fmt::format("bluesky target '{}': session not kept: {}", config_.id, e.what()));
        }
    }

    // The session an earlier run kept for this handle on this PDS; false when none.
    bool load_session() {
        if (!env_.state)
            return false;
        std::optional<std::string> text;
        try {
            text = env_.state->credentials.credential(config_.id, credential_kind);
        } catch (const std::exception&) {
            return false;
        }
        if (!text)
            return false;
        const auto j = nlohmann::json::parse(*text, nullptr, false);
        const auto field = [&](const char* name) {
            return j.is_object() && j.contains(name) && j[name].is_string()
                       ? j[name].get<std::string>()
                       : std::string();
        };
        if (field("base") != base_ || field("handle") != handle_ || field("did").empty() ||
            field("access_jwt").empty())
            return false;
        session_ = Session{field("access_jwt"), field("refresh_jwt"), field("did")};
        remember_secret(session_->access_jwt);
        if (!session_->refresh_jwt.empty())
            remember_secret(session_->refresh_jwt);
        return true;
    }

    // A new session for an expired one: refreshSession with the refreshJwt, else
    // (none, or refused) createSession. nullopt on success, else why not.
    std::optional<SendResult> renew() {
        if (session_ && !session_->refresh_jwt.empty()) {
            HttpRequest request =
                this->request("POST", join_url(base_, "/xrpc/com.atproto.server.refreshSession"));
            request.headers = {{"Authorization", "Bearer " + session_->refresh_jwt}};
            const HttpResponse response = http_.send(request);
            if (response.transfer_ok && response.status / 100 == 2 &&
                adopt(nlohmann::json::parse(response.body, nullptr, false)))
                return std::nullopt;
            // Anything but a refused refreshJwt says nothing about the password:
            // retry later rather than spend one of the day's logins.
            if (!expired(response)) {
                SendResult result = classify(response, "refreshSession");
                if (result.outcome == SendResult::Outcome::sent) {
                    result.outcome = SendResult::Outcome::retry;
                    result.error = "Bluesky refreshSession answered without accessJwt and did";
                }
                return result;
            }
        }
        return login();
    }

    std::string uri_of(const std::string& rkey) const {
        return fmt::format("at://{}/{}/{}", session_->did, collection, rkey);
    }

    static bool expired(const HttpResponse& response) {
        if (!response.transfer_ok)
            return false;
        const std::string name = xrpc_error(response);
        return response.status == 401 ||
               (response.status == 400 && (name == "ExpiredToken" || name == "InvalidToken"));
    }

    HttpResponse get_record(const std::string& rkey) {
        HttpRequest request =
            this->request("GET", join_url(base_, "/xrpc/com.atproto.repo.getRecord") +
                                     "?repo=" + percent_encode(session_->did) + "&collection=" +
                                     percent_encode(collection) + "&rkey=" + percent_encode(rkey));
        request.headers = {{"Authorization", "Bearer " + session_->access_jwt}};
        return http_.send(request);
    }

    struct Attempt {
        SendResult result;
        bool session_expired = false;
    };

    Attempt attempt(const Notice& notice, const std::string& rkey) {
        if (notice.attempt > 1) {
            // An earlier attempt may have landed without us hearing the answer.
            const HttpResponse found = get_record(rkey);
            if (found.transfer_ok && found.status == 200)
                return {sent(uri_of(rkey))};
            const bool missing =
                found.transfer_ok && found.status == 400 && xrpc_error(found) == "RecordNotFound";
            if (!missing) {
                SendResult result = classify(found, "getRecord");
                // Not knowing whether it landed, never post again yet.
                if (result.outcome != SendResult::Outcome::retry) {
                    result.outcome = SendResult::Outcome::retry;
                    if (result.error.empty())
                        result.error =
                            fmt::format("Bluesky getRecord answered HTTP {}", found.status);
                }
                return {result, expired(found)};
            }
        }
        const HttpResponse response = create(notice, rkey);
        if (response.transfer_ok && response.status / 100 == 2) {
            const auto j = nlohmann::json::parse(response.body, nullptr, false);
            return {sent(j.is_object() && j.contains("uri") && j["uri"].is_string()
                             ? j["uri"].get<std::string>()
                             : uri_of(rkey))};
        }
        if (response.transfer_ok &&
            (response.status == 409 || xrpc_error(response) == "RecordAlreadyExists"))
            return {sent(uri_of(rkey))};
        if (response.transfer_ok && response.status == 500) {
            // Older PDSes answer a repeated record key with a bare 500.
            const HttpResponse found = get_record(rkey);
            if (found.transfer_ok && found.status == 200)
                return {sent(uri_of(rkey))};
        }
        return {classify(response, "createRecord"), expired(response)};
    }

    SendResult post(const Notice& notice) {
        const std::string rkey = bluesky_rkey(notice.key, created(notice));
        bool fresh_session = false;
        if (!session_ && !load_session()) {
            if (auto failed = login())
                return *failed;
            fresh_session = true;
        }
        for (;;) {
            Attempt a = attempt(notice, rkey);
            if (!a.session_expired || fresh_session)
                return a.result;
            // The reused session has expired: one renewal, one more try.
            if (auto failed = renew())
                return *failed;
            fresh_session = true;
        }
    }

    HttpResponse create(const Notice& notice, const std::string& rkey) {
        HttpRequest request = json_request(
            join_url(base_, "/xrpc/com.atproto.repo.createRecord"),
            {{"repo", session_->did},
             {"collection", std::string(collection)},
             {"rkey", rkey},
             {"record", bluesky_post_record(notice.text, format_utc(now()), language_)}});
        request.headers.emplace_back("Authorization", "Bearer " + session_->access_jwt);
        return http_.send(request);
    }

    static SendResult sent(std::string uri) {
        SendResult result;
        result.outcome = SendResult::Outcome::sent;
        result.remote_id = std::move(uri);
        return result;
    }

    std::string base_;
    std::string handle_;
    std::string language_;
    std::string password_;
    std::optional<Session> session_;
};

} // namespace

std::unique_ptr<Target> make_bluesky(const TargetConfig& config, const TargetEnv& env) {
    return std::make_unique<BlueskyTarget>(config, env);
}

} // namespace shopkit::targets
