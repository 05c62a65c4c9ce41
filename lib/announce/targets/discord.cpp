// kind = "discord": a Discord channel webhook (for staff). The URL is the credential.
//
//   POST <url secret>?wait=true      (https://discord.com/api/webhooks/<id>/<token>;
//                                     wait=true makes the answer the created message)
//   Content-Type: application/json
//   {"content":"<notice text>","allowed_mentions":{"parse":[]}}   (pings nobody)
//   → 200 {"id":"<snowflake>",…}: sent, remote_id = id (204 without a body: sent too).
//     429 {"message":…,"retry_after":1.5,"global":false} with a Retry-After header:
//     retry after the longer of the two; 5xx retry; other 4xx fail.
// Limit: 2,000 characters of content.
#include "lib/announce/targets/chat_payloads.hpp"
#include "lib/announce/targets/kinds.hpp"

#include "lib/announce/text_limits.hpp"

#include <fmt/format.h>

#include <cmath>

namespace shopkit::targets {

nlohmann::json discord_payload(const std::string& text) {
    return {{"content", text}, {"allowed_mentions", {{"parse", nlohmann::json::array()}}}};
}

std::string discord_url(const std::string& webhook) {
    const auto hash = webhook.find('#');
    std::string base = webhook.substr(0, hash);
    base += base.find('?') == std::string::npos ? "?wait=true" : "&wait=true";
    return base;
}

std::optional<Millis> discord_retry_after(const HttpResponse& response, TimePoint now) {
    std::optional<Millis> wait;
    if (auto h = response.header("retry-after"))
        wait = parse_retry_after(*h, now);
    const auto j = nlohmann::json::parse(response.body, nullptr, false);
    if (j.is_object() && j.contains("retry_after") && j["retry_after"].is_number()) {
        const double s = j["retry_after"].get<double>();
        if (std::isfinite(s) && s >= 0 && s < 86400.0 * 30) {
            const Millis body_wait =
                cap_server_wait(Millis{static_cast<Millis::rep>(std::ceil(s * 1000.0))});
            if (!wait || body_wait > *wait)
                wait = body_wait;
        }
    }
    return wait;
}

namespace {

class DiscordTarget final : public HttpTarget {
  public:
    DiscordTarget(const TargetConfig& config, const TargetEnv& env) : HttpTarget(config, env) {
        need_secret(config, "url");
    }

    std::optional<std::string> refuse(const Notice& notice) const override {
        const std::size_t n = count_code_points(notice.text);
        if (n > discord_limit)
            return fmt::format("Discord counts {} of {} characters", n, discord_limit);
        if (n == 0)
            return std::string("Discord refuses an empty message");
        return std::nullopt;
    }

  protected:
    SendResult deliver(const Notice& notice) override {
        const std::string url = required_secret(config_, "url");
        HttpRequest request = json_request(discord_url(url), discord_payload(notice.text));
        request.headers.emplace_back("User-Agent", "shopkit");
        const HttpResponse response = http_.send(request);
        const TimePoint t = now();
        SendResult result = classify_http(response, t);
        if (response.transfer_ok && response.status == 429)
            if (auto wait = discord_retry_after(response, t))
                result.retry_after = wait;
        if (result.outcome == SendResult::Outcome::sent) {
            const auto j = nlohmann::json::parse(response.body, nullptr, false);
            if (j.is_object() && j.contains("id") && j["id"].is_string())
                result.remote_id = j["id"].get<std::string>();
        }
        result.error = mask_secrets(result.error, {url});
        return result;
    }
};

} // namespace

std::unique_ptr<Target> make_discord(const TargetConfig& config, const TargetEnv& env) {
    return std::make_unique<DiscordTarget>(config, env);
}

} // namespace shopkit::targets
