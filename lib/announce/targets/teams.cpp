// kind = "teams": a Microsoft Teams channel through a Workflows webhook ("Post to a
// channel when a webhook request is received"), for staff. The URL is the credential.
//
//   POST <url secret>
//   Content-Type: application/json
//   {"type":"message",
//    "attachments":[{"contentType":"application/vnd.microsoft.card.adaptive",
//                    "contentUrl":null,
//                    "content":{"$schema":"http://adaptivecards.io/schemas/adaptive-card.json",
//                               "type":"AdaptiveCard","version":"1.4",
//                               "body":[{"type":"TextBlock","text":"<subject>",
//                                        "weight":"Bolder","size":"Medium","wrap":true},
//                                       {"type":"TextBlock","text":"<body>","wrap":true}]}}]}
//   → 200 or 202 (Workflows accepts the run and answers 202 with no body): sent.
//     429 (Retry-After) and 5xx retry; other statuses fail.
// Limit: Teams refuses messages over 28 KB; we refuse a payload over 28 KiB.
#include "lib/announce/targets/chat_payloads.hpp"
#include "lib/announce/targets/kinds.hpp"

#include <fmt/format.h>

namespace shopkit::targets {

nlohmann::json teams_payload(const std::string& subject, const std::string& body) {
    nlohmann::json blocks = nlohmann::json::array();
    blocks.push_back({{"type", "TextBlock"},
                      {"text", subject},
                      {"weight", "Bolder"},
                      {"size", "Medium"},
                      {"wrap", true}});
    if (!body.empty())
        blocks.push_back({{"type", "TextBlock"}, {"text", body}, {"wrap", true}});
    nlohmann::json card = {{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
                           {"type", "AdaptiveCard"},
                           {"version", "1.4"},
                           {"body", std::move(blocks)}};
    nlohmann::json attachment = {{"contentType", "application/vnd.microsoft.card.adaptive"},
                                 {"contentUrl", nullptr},
                                 {"content", std::move(card)}};
    return {{"type", "message"}, {"attachments", nlohmann::json::array({std::move(attachment)})}};
}

namespace {

std::string subject_of(const Notice& notice) {
    if (!notice.subject.empty())
        return notice.subject;
    return notice.text.substr(0, notice.text.find('\n'));
}

nlohmann::json teams_json(const Notice& notice) {
    return teams_payload(subject_of(notice), notice_body(notice.text));
}

class TeamsTarget final : public HttpTarget {
  public:
    TeamsTarget(const TargetConfig& config, const TargetEnv& env) : HttpTarget(config, env) {
        need_secret(config, "url");
    }

    std::optional<std::string> refuse(const Notice& notice) const override {
        const std::size_t n = json_request({}, teams_json(notice)).body.size();
        if (n > teams_limit)
            return fmt::format("Teams counts {} of {} bytes of message", n, teams_limit);
        return std::nullopt;
    }

  protected:
    SendResult deliver(const Notice& notice) override {
        const std::string url = required_secret(config_, "url");
        const HttpRequest request = json_request(url, teams_json(notice));
        const HttpResponse response = http_.send(request);
        SendResult result = classify_http(response, now());
        result.error = mask_secrets(result.error, {url});
        return result;
    }
};

} // namespace

std::unique_ptr<Target> make_teams(const TargetConfig& config, const TargetEnv& env) {
    return std::make_unique<TeamsTarget>(config, env);
}

} // namespace shopkit::targets
