// kind = "mastodon": a public status on the shop's Mastodon account.
//
//   POST {api_base}/api/v1/statuses        (api_base is the instance, e.g. https://mastodon.social;
//                                           required: there is no default instance)
//   Authorization: Bearer <token secret>   (an access token with write:statuses)
//   Idempotency-Key: <notice.key>          (the same on every attempt: the instance answers a
//                                           repeated key with the status it already made)
//   Content-Type: application/json
//   {"status":"<notice text>","visibility":"public","language":"<shop language>"}
//   → 200 {"id":"109…","url":"https://…",…}: sent, remote_id = id.
//     422 {"error":"Validation failed: …"} and other 4xx fail; 429 retries after
//     Retry-After, else X-RateLimit-Reset (an ISO 8601 time); 5xx retry.
// Limit: 500 characters, every URL counted as 23 (mastodon_length).
//
// The instance keeps an Idempotency-Key for 1 hour only. So a retry of a notice
// whose outbox row is older than that (less a margin) looks for the status an
// earlier attempt may have made before it posts, as Bluesky's retry asks
// getRecord first:
//   GET {api_base}/api/v1/accounts/verify_credentials          → {"id":"<account>",…}
//   GET {api_base}/api/v1/accounts/<account>/statuses?limit=40&exclude_replies=true
//       &exclude_reblogs=true                                   → [status, …] newest first
// A status made since the row was and whose content shows the notice's text
// (mastodon_same_text) is the earlier attempt's: sent, its id. None: post.
// Not knowing (5xx, timeout) is a retry, never a second post; 401/403 (a token
// without read:accounts and read:statuses) fails with what to grant.
// --verify: GET {api_base}/api/v1/accounts/verify_credentials (the same token)
//   → 200 {"id","username","acct",…}; 401 {"error":"The access token is invalid"}.
#include "lib/announce/targets/chat_payloads.hpp"
#include "lib/announce/targets/kinds.hpp"

#include "lib/announce/text_limits.hpp"
#include "lib/core/error.hpp"
#include "lib/core/secret.hpp"

#include <fmt/format.h>

#include <cctype>

namespace shopkit::targets {

nlohmann::json mastodon_payload(const std::string& text, const std::string& language) {
    nlohmann::json j = {{"status", text}, {"visibility", "public"}};
    if (!language.empty())
        j["language"] = language;
    return j;
}

std::optional<Millis> mastodon_retry_after(const HttpResponse& response, TimePoint now) {
    if (auto h = response.header("retry-after"))
        if (auto wait = parse_retry_after(*h, now))
            return wait;
    if (auto h = response.header("x-ratelimit-reset")) {
        if (auto reset = parse_rfc3339(*h))
            return wait_until(*reset, now);
    }
    return std::nullopt;
}

namespace {

// Whitespace runs as one space, none at either end: how a status and the notice
// are compared, since Mastodon turns line breaks into markup.
std::string collapse_whitespace(std::string_view s) {
    std::string out;
    bool space = false;
    for (const char c : s) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = !out.empty();
            continue;
        }
        if (space)
            out += ' ';
        space = false;
        out += c;
    }
    return out;
}

} // namespace

std::string mastodon_plain_text(std::string_view html) {
    static constexpr std::pair<std::string_view, std::string_view> entities[] = {
        {"&amp;", "&"}, {"&lt;", "<"},   {"&gt;", ">"},   {"&quot;", "\""},
        {"&#39;", "'"}, {"&#x27;", "'"}, {"&apos;", "'"}, {"&nbsp;", " "}};
    std::string text;
    for (std::size_t i = 0; i < html.size();) {
        if (html[i] == '<') {
            const std::size_t end = html.find('>', i);
            if (end == std::string_view::npos)
                break;
            std::string tag(html.substr(i + 1, end - i - 1));
            for (char& c : tag)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            if (tag.rfind("br", 0) == 0 || tag == "/p")
                text += ' ';
            i = end + 1;
        } else if (html[i] == '&') {
            bool done = false;
            for (const auto& [name, value] : entities)
                if (html.substr(i, name.size()) == name) {
                    text += value;
                    i += name.size();
                    done = true;
                    break;
                }
            if (!done)
                text += html[i++];
        } else {
            text += html[i++];
        }
    }
    return collapse_whitespace(text);
}

bool mastodon_same_text(std::string_view content, std::string_view text) {
    return mastodon_plain_text(content) == collapse_whitespace(text);
}

namespace {

using namespace std::chrono_literals;

// Mastodon keeps an Idempotency-Key for an hour; a retry this long after the row
// was made may find it gone (the first attempt came at or after the row).
constexpr auto key_trust = 50min;

std::string instance_of(const TargetConfig& config) {
    if (!config.api_base || config.api_base->empty())
        throw config_error(fmt::format("{}: target '{}' (mastodon) needs 'api_base': the "
                                       "instance's URL, e.g. \"https://mastodon.social\"",
                                       config.where, config.id));
    return *config.api_base;
}

class MastodonTarget final : public HttpTarget {
  public:
    MastodonTarget(const TargetConfig& config, const TargetEnv& env)
        : HttpTarget(config, env), base_(instance_of(config)) {
        need_secret(config, "token");
        if (env.config)
            language_ = env.config->shop.language;
    }

    std::optional<std::string> refuse(const Notice& notice) const override {
        const std::size_t n = mastodon_length(notice.text);
        if (n > mastodon_limit)
            return fmt::format("Mastodon counts {} of {} characters (each URL as 23)", n,
                               mastodon_limit);
        if (n == 0)
            return std::string("Mastodon refuses an empty status");
        return std::nullopt;
    }

  protected:
    SendResult deliver(const Notice& notice) override {
        const std::string token = required_secret(config_, "token");
        if (notice.attempt > 1 && now() - notice_created(notice, env_, now()) >= key_trust) {
            if (auto found = look_up(notice, token)) {
                found->error = mask_secrets(found->error, {token});
                return *found;
            }
        }
        HttpRequest request = json_request(join_url(base_, "/api/v1/statuses"),
                                           mastodon_payload(notice.text, language_));
        request.headers.emplace_back("Authorization", "Bearer " + token);
        request.headers.emplace_back("Idempotency-Key", notice.key);
        request.headers.emplace_back("User-Agent", "shopkit");
        const HttpResponse response = http_.send(request);
        const TimePoint t = now();
        SendResult result = classify_http(response, t);
        if (response.transfer_ok && response.status == 429 && !result.retry_after)
            result.retry_after = mastodon_retry_after(response, t);
        if (result.outcome == SendResult::Outcome::sent) {
            const auto j = nlohmann::json::parse(response.body, nullptr, false);
            if (j.is_object() && j.contains("id"))
                result.remote_id =
                    j["id"].is_string() ? j["id"].get<std::string>() : j["id"].dump();
        } else if (response.transfer_ok) {
            const auto j = nlohmann::json::parse(response.body, nullptr, false);
            if (j.is_object() && j.contains("error") && j["error"].is_string())
                result.error = fmt::format("Mastodon answered HTTP {}: {}", response.status,
                                           redact_prefix(j["error"].get<std::string>(), 200));
        }
        result.error = mask_secrets(result.error, {token});
        return result;
    }

  public:
    VerifyResult verify() override {
        const std::string token = required_secret(config_, "token");
        HttpRequest request =
            this->request("GET", join_url(base_, "/api/v1/accounts/verify_credentials"));
        request.headers = {{"Authorization", "Bearer " + token}, {"User-Agent", "shopkit"}};
        const HttpResponse response = http_.send(request);
        VerifyResult v = verify_http(response, "Mastodon", now());
        const auto j = nlohmann::json::parse(response.body, nullptr, false);
        if (v.outcome == VerifyResult::Outcome::ok && j.is_object())
            v.detail = "@" + j.value("acct", std::string("?"));
        else if (v.outcome != VerifyResult::Outcome::ok && j.is_object() && j.contains("error") &&
                 j["error"].is_string())
            v.detail = fmt::format("Mastodon answered HTTP {}: {}", response.status,
                                   j["error"].get<std::string>());
        v.detail = mask_secrets(redact_prefix(v.detail, 300), {token});
        return v;
    }

  private:
    // The earlier attempt's status (sent), or why it cannot be known yet (retry,
    // failed); nullopt when there is none and the notice is to be posted.
    std::optional<SendResult> look_up(const Notice& notice, const std::string& token) {
        const auto get = [&](const std::string& path) {
            HttpRequest request = this->request("GET", join_url(base_, path));
            request.headers = {{"Authorization", "Bearer " + token}, {"User-Agent", "shopkit"}};
            return http_.send(request);
        };
        const auto cannot = [&](const HttpResponse& response, const char* what) {
            SendResult result = classify_http(response, now());
            if (response.transfer_ok && (response.status == 401 || response.status == 403)) {
                result.outcome = SendResult::Outcome::failed;
                result.error = fmt::format(
                    "Mastodon refused {} (HTTP {}), needed to find whether an attempt over an "
                    "hour ago already posted this notice: give the token read:accounts and "
                    "read:statuses besides write:statuses",
                    what, response.status);
                return result;
            }
            // Not knowing whether it landed, never post again yet.
            result.outcome = SendResult::Outcome::retry;
            result.error = result.error.empty()
                               ? fmt::format("Mastodon: {}", what)
                               : fmt::format("Mastodon {}: {}", what, result.error);
            return result;
        };

        const HttpResponse me = get("/api/v1/accounts/verify_credentials");
        const auto account = nlohmann::json::parse(me.body, nullptr, false);
        if (!me.transfer_ok || me.status != 200)
            return cannot(me, "verify_credentials");
        if (!account.is_object() || !account.contains("id") || !account["id"].is_string())
            return cannot(HttpResponse{}, "verify_credentials answered without an id");
        const HttpResponse list =
            get(fmt::format("/api/v1/accounts/{}/statuses?limit=40&exclude_replies=true"
                            "&exclude_reblogs=true",
                            percent_encode(account["id"].get<std::string>())));
        if (!list.transfer_ok || list.status != 200)
            return cannot(list, "the account's statuses");
        const auto statuses = nlohmann::json::parse(list.body, nullptr, false);
        if (!statuses.is_array())
            return cannot(HttpResponse{}, "the account's statuses are not a list");
        // A minute of slack for the instance's clock against ours.
        const TimePoint since = notice_created(notice, env_, now()) - 1min;
        for (const auto& status : statuses) {
            if (!status.is_object() || !status.contains("content") ||
                !status["content"].is_string() || !status.contains("id"))
                continue;
            if (status.contains("created_at") && status["created_at"].is_string())
                if (auto at = parse_rfc3339(status["created_at"].get<std::string>());
                    at && *at < since)
                    continue;
            if (!mastodon_same_text(status["content"].get<std::string>(), notice.text))
                continue;
            SendResult result;
            result.outcome = SendResult::Outcome::sent;
            result.remote_id =
                status["id"].is_string() ? status["id"].get<std::string>() : status["id"].dump();
            return result;
        }
        return std::nullopt;
    }

    std::string base_;
    std::string language_;
    HttpClient http_;
};

} // namespace

std::unique_ptr<Target> make_mastodon(const TargetConfig& config, const TargetEnv& env) {
    return std::make_unique<MastodonTarget>(config, env);
}

} // namespace shopkit::targets
