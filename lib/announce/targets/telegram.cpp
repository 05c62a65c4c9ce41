// kind = "telegram": a message from a Telegram bot to a chat, group or channel.
//
//   POST {api_base|https://api.telegram.org}/bot<token secret>/sendMessage
//   Content-Type: application/json
//   {"chat_id":<chat_id: -1001234567890 as a number, "@channel" as a string>,
//    "text":"<notice text>","disable_web_page_preview":true}
//   → 200 {"ok":true,"result":{"message_id":42,…}}: sent, remote_id = "42".
//     {"ok":false,"error_code":N,"description":"…","parameters":{…}} otherwise:
//     429 carries parameters.retry_after (seconds): retry then; 5xx retry;
//     400 with parameters.migrate_to_chat_id (the group became a supergroup) and
//     other 4xx fail with the description.
// Limit: 4,096 characters, counted in UTF-16 units.
// The token is part of the URL: no message of ours ever shows the URL.
// --verify: GET {base}/bot<token>/getMe → {"ok":true,"result":{"username":…,"is_bot":true}}.
#include "lib/announce/targets/chat_payloads.hpp"
#include "lib/announce/targets/kinds.hpp"

#include "lib/announce/text_limits.hpp"
#include "lib/core/error.hpp"
#include "lib/core/secret.hpp"

#include <fmt/format.h>

#include <cctype>

namespace shopkit::targets {

nlohmann::json telegram_payload(const std::string& chat_id, const std::string& text) {
    nlohmann::json id = chat_id;
    // Numeric ids must go as numbers: a supergroup id exceeds 32 bits, not 53.
    std::size_t digits = chat_id.size() > 0 && chat_id[0] == '-' ? 1 : 0;
    if (digits < chat_id.size() && chat_id.size() - digits <= 18) {
        bool numeric = true;
        for (std::size_t i = digits; i < chat_id.size(); ++i)
            numeric = numeric && std::isdigit(static_cast<unsigned char>(chat_id[i]));
        if (numeric)
            id = std::stoll(chat_id);
    }
    return {{"chat_id", id}, {"text", text}, {"disable_web_page_preview", true}};
}

namespace {

class TelegramTarget final : public HttpTarget {
  public:
    TelegramTarget(const TargetConfig& config, const TargetEnv& env)
        : HttpTarget(config, env), base_(api_base(config, "https://api.telegram.org")),
          chat_id_(required_param(config, "chat_id")) {
        need_secret(config, "token");
    }

    std::optional<std::string> refuse(const Notice& notice) const override {
        const std::size_t n = count_utf16_units(notice.text);
        if (n > telegram_limit)
            return fmt::format("Telegram counts {} of {} characters (UTF-16 units)", n,
                               telegram_limit);
        if (n == 0)
            return std::string("Telegram refuses an empty message");
        return std::nullopt;
    }

  protected:
    SendResult deliver(const Notice& notice) override {
        const std::string token = required_secret(config_, "token");
        const HttpRequest request = json_request(join_url(base_, "/bot" + token + "/sendMessage"),
                                                 telegram_payload(chat_id_, notice.text));
        const HttpResponse response = http_.send(request);
        SendResult result = interpret(response);
        result.error = mask_secrets(result.error, {token, request.url});
        return result;
    }

  public:
    VerifyResult verify() override {
        const std::string token = required_secret(config_, "token");
        const HttpRequest request =
            this->request("GET", join_url(base_, "/bot" + token + "/getMe"));
        const HttpResponse response = http_.send(request);
        VerifyResult v = verify_http(response, "Telegram", now());
        const auto j = nlohmann::json::parse(response.body, nullptr, false);
        if (v.outcome == VerifyResult::Outcome::ok && j.is_object() && j.value("ok", false) &&
            j.contains("result") && j["result"].is_object())
            v.detail = "@" + j["result"].value("username", std::string("?"));
        else if (j.is_object() && j.contains("description") && j["description"].is_string())
            v.detail = fmt::format("Telegram answered HTTP {}: {}", response.status,
                                   j["description"].get<std::string>());
        v.detail = mask_secrets(redact_prefix(v.detail, 300), {token, request.url});
        return v;
    }

  private:
    SendResult interpret(const HttpResponse& response) const {
        const TimePoint t = now();
        SendResult result = classify_http(response, t);
        if (!response.transfer_ok)
            return result;
        const auto j = nlohmann::json::parse(response.body, nullptr, false);
        if (!j.is_object())
            return result;
        if (result.outcome == SendResult::Outcome::sent) {
            if (j.value("ok", false) && j.contains("result") && j["result"].is_object() &&
                j["result"].contains("message_id")) {
                const auto& id = j["result"]["message_id"];
                result.remote_id = id.is_string() ? id.get<std::string>() : id.dump();
            } else {
                result.outcome = SendResult::Outcome::failed;
                result.error = "Telegram answered 200 without a message";
            }
            return result;
        }
        const auto params = j.contains("parameters") && j["parameters"].is_object()
                                ? j["parameters"]
                                : nlohmann::json::object();
        std::string description;
        if (j.contains("description") && j["description"].is_string())
            description = redact_prefix(j["description"].get<std::string>(), 200);
        if (params.contains("retry_after") && params["retry_after"].is_number()) {
            const double s = params["retry_after"].get<double>();
            if (s >= 0 && s < 86400.0 * 30)
                result.retry_after = cap_server_wait(Millis{static_cast<Millis::rep>(s * 1000.0)});
        }
        if (params.contains("migrate_to_chat_id")) {
            result.outcome = SendResult::Outcome::failed;
            result.error = fmt::format("Telegram: the group is now the supergroup {}: set chat_id "
                                       "to it",
                                       params["migrate_to_chat_id"].dump());
        } else if (!description.empty()) {
            result.error =
                fmt::format("Telegram answered HTTP {}: {}", response.status, description);
        }
        return result;
    }

    std::string base_;
    std::string chat_id_;
};

} // namespace

std::unique_ptr<Target> make_telegram(const TargetConfig& config, const TargetEnv& env) {
    return std::make_unique<TelegramTarget>(config, env);
}

} // namespace shopkit::targets
