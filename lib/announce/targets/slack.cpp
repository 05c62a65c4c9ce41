// kind = "slack": a Slack Incoming Webhook (for staff). The URL is the credential.
//
//   POST <url secret>                 (https://hooks.slack.com/services/T…/B…/…)
//   Content-Type: application/json
//   {"text":"<notice text, mrkdwn-escaped: & → &amp;, < → &lt;, > → &gt;>"}
//   → 200 with the body "ok" is sent (no message id: remote_id stays empty).
//     Errors are plain-text bodies: 400 invalid_payload, 403 action_prohibited,
//     404 no_service, 410 channel_is_archived … (fail); 429 with Retry-After, 5xx retry.
// Limit: 40,000 characters of text (Slack cuts longer ones; we refuse instead).
#include "lib/announce/targets/chat_payloads.hpp"
#include "lib/announce/targets/kinds.hpp"

#include "lib/announce/text_limits.hpp"
#include "lib/core/secret.hpp"

#include <fmt/format.h>

namespace shopkit::targets {

std::string slack_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        default:
            out.push_back(c);
        }
    }
    return out;
}

nlohmann::json slack_payload(const std::string& text) {
    return {{"text", slack_escape(text)}};
}

namespace {

class SlackTarget final : public HttpTarget {
  public:
    SlackTarget(const TargetConfig& config, const TargetEnv& env) : HttpTarget(config, env) {
        need_secret(config, "url");
    }

    std::optional<std::string> refuse(const Notice& notice) const override {
        // What Slack counts is the text it receives, entities included.
        const std::size_t n = count_code_points(slack_escape(notice.text));
        if (n > slack_limit)
            return fmt::format("Slack counts {} of {} characters", n, slack_limit);
        return std::nullopt;
    }

  protected:
    SendResult deliver(const Notice& notice) override {
        const std::string url = required_secret(config_, "url");
        HttpRequest request = json_request(url, slack_payload(notice.text));
        // Slack's API warns about JSON posted without its charset.
        request.headers = {{"Content-Type", "application/json; charset=utf-8"}};
        const HttpResponse response = http_.send(request);
        SendResult result = classify_http(response, now());
        // Slack's webhooks answer 200 "ok"; anything else at 200 is not a delivery.
        if (result.outcome == SendResult::Outcome::sent && response.body != "ok") {
            result.outcome = SendResult::Outcome::failed;
            result.error = fmt::format("Slack answered 200 without \"ok\": {}",
                                       redact_prefix(response.body, 200));
        }
        result.error = mask_secrets(result.error, {url});
        return result;
    }
};

} // namespace

std::unique_ptr<Target> make_slack(const TargetConfig& config, const TargetEnv& env) {
    return std::make_unique<SlackTarget>(config, env);
}

} // namespace shopkit::targets
