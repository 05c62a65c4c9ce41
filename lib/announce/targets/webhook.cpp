// kind = "webhook": a POST of the incident and the rendered notice as JSON to a
// URL of the shop's own (its automation, a chat bridge, a pager).
//
//   POST <url secret>
//   Content-Type: application/json
//   Idempotency-Key: <notice.key>                 (the same on every attempt)
//   X-Shopkit-Signature: sha256=<hex>             (only when the `secret` secret is set:
//                                                  HMAC-SHA256 of the exact body bytes)
//   {"incident":<the incident record>,"event":"opened","target":"<target id>",
//    "text":"<rendered text>","subject":"<its first line>","key":"<notice.key>"}
//   → any 2xx is sent (remote_id: the body's "id" when it is a JSON object with one);
//     408, 429 (Retry-After), 5xx and transfer failures retry; other statuses fail.
//
// This file also holds the helpers the chat targets share (chat_payloads.hpp).
#include "lib/announce/targets/chat_payloads.hpp"
#include "lib/announce/targets/kinds.hpp"

#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"
#include "lib/core/secret.hpp"

#include <fmt/format.h>

namespace shopkit::targets {

void need_secret(const TargetConfig& config, const std::string& name) {
    if (!config.secrets.count(name))
        throw config_error(fmt::format("{}: target '{}' ({}) needs '{}_env' or '{}_file'",
                                       config.where, config.id, config.kind, name, name));
}

namespace {

nlohmann::json webhook_json(const Notice& notice) {
    return {
        {"incident", notice.record.is_null() ? nlohmann::json::object() : notice.record},
        {"event", notice.event},
        {"target", notice.target},
        {"text", notice.text},
        {"subject", notice.subject},
        {"key", notice.key},
    };
}

} // namespace

std::string mask_secrets(std::string text, const std::vector<std::string>& secrets) {
    for (const std::string& secret : secrets) {
        if (secret.size() < 4)
            continue;
        text = redact_value(std::move(text), secret, redacted_mark, 4);
        // A webhook URL's credential is its path (and sometimes its query): an
        // answer that echoes only the path must not leak it either.
        const std::string_view path = url_after_authority(secret);
        if (path.size() > 4)
            text = redact_value(std::move(text), path, redacted_mark, 4);
    }
    return redact(std::move(text));
}

std::string notice_body(const std::string& text) {
    const auto nl = text.find('\n');
    if (nl == std::string::npos)
        return {};
    std::size_t start = nl + 1;
    // Blank lines between the subject and the body are layout, not content.
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos)
            end = text.size();
        if (text.find_first_not_of(" \t\r", start) < end)
            break;
        start = end + 1;
    }
    if (start >= text.size())
        return {};
    return text.substr(start);
}

std::string webhook_body(const Notice& notice) {
    // Invalid UTF-8 in a record must not abort the send: replace it (as
    // json_request does, so the signed bytes are the posted bytes).
    return webhook_json(notice).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

class WebhookTarget final : public HttpTarget {
  public:
    WebhookTarget(const TargetConfig& config, const TargetEnv& env) : HttpTarget(config, env) {
        need_secret(config, "url");
    }

  protected:
    SendResult deliver(const Notice& notice) override {
        const std::string url = required_secret(config_, "url");
        std::string key;
        if (config_.secrets.count("secret"))
            key = required_secret(config_, "secret");

        HttpRequest request = json_request(url, webhook_json(notice));
        request.headers.emplace_back("Idempotency-Key", notice.key);
        request.headers.emplace_back("User-Agent", "shopkit");
        if (!key.empty())
            request.headers.emplace_back("X-Shopkit-Signature",
                                         webhook_signature(key, request.body));

        const HttpResponse response = http_.send(request);
        SendResult result = classify_http(response, now());
        if (result.outcome == SendResult::Outcome::sent) {
            const auto j = nlohmann::json::parse(response.body, nullptr, false);
            if (j.is_object() && j.contains("id")) {
                const auto& id = j["id"];
                result.remote_id = id.is_string() ? id.get<std::string>() : id.dump();
            }
        }
        result.error = mask_secrets(result.error, {url, key});
        return result;
    }
};

} // namespace

std::unique_ptr<Target> make_webhook(const TargetConfig& config, const TargetEnv& env) {
    return std::make_unique<WebhookTarget>(config, env);
}

} // namespace shopkit::targets
