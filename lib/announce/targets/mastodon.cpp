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
// --verify: GET {api_base}/api/v1/accounts/verify_credentials (the same token)
//   → 200 {"id","username","acct",…}; 401 {"error":"The access token is invalid"}.
#include "lib/announce/targets/chat_payloads.hpp"
#include "lib/announce/targets/kinds.hpp"

#include "lib/announce/text_limits.hpp"
#include "lib/core/error.hpp"
#include "lib/core/secret.hpp"

#include <fmt/format.h>

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
    std::string base_;
    std::string language_;
    HttpClient http_;
};

} // namespace

std::unique_ptr<Target> make_mastodon(const TargetConfig& config, const TargetEnv& env) {
    return std::make_unique<MastodonTarget>(config, env);
}

} // namespace shopkit::targets
