// Facebook Page post through the Graph API (https://graph.facebook.com, `api_base`
// overrides it).
//
//   POST {base}/{graph_version}/{page_id}/feed
//   Content-Type: application/x-www-form-urlencoded
//   message=TEXT&access_token=TOKEN      (secret `token`: a Page access token)
//
// 200 {"id":"{page_id}_{post_id}"}. Errors (HTTP 400/403/500 …):
// {"error":{"message","type","code","error_subcode","fbtrace_id"}}; codes 4, 17,
// 32, 613 and 80001 are rate limits (retried; the X-Business-Use-Case-Usage /
// X-App-Usage header's estimated_time_to_regain_access, in minutes, says how
// long), 1 and 2 are temporary, everything else needs a person (190: the token
// expired or was revoked). A post is at most 63,206 characters. The Graph API
// has no idempotency key: a retry after an attempt whose answer was lost (a
// timeout) may post twice; that is the price of never losing a notice.
//
// graph_version (e.g. "v26.0", default default_graph_version) is in every path:
// Meta retires a version about two years after the next one, so it is a setting.
// --verify: GET {base}/{graph_version}/me?fields=id,name&access_token=TOKEN
//   -> {"id":"{page_id}","name":…}: a Page token answers as its Page.
#include "lib/announce/targets/kinds.hpp"

#include "lib/announce/text_limits.hpp"
#include "lib/core/duration.hpp"
#include "lib/core/secret.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

namespace shopkit::targets {

namespace {

using json = nlohmann::json;

constexpr std::size_t max_chars = 63206;

// The largest estimated_time_to_regain_access (minutes) anywhere in `j`.
void regain_minutes(const json& j, std::optional<long long>& minutes) {
    if (j.is_object()) {
        for (const auto& [k, v] : j.items()) {
            if (k == "estimated_time_to_regain_access" && v.is_number_integer())
                minutes = std::max(minutes.value_or(0), v.get<long long>());
            else
                regain_minutes(v, minutes);
        }
    } else if (j.is_array()) {
        for (const json& v : j)
            regain_minutes(v, minutes);
    }
}

// How long the usage headers say to wait: X-Business-Use-Case-Usage
// {"ID":[{…,"estimated_time_to_regain_access":N}]}, X-App-Usage, X-Page-Usage.
std::optional<Millis> regain_access(const HttpResponse& res) {
    std::optional<long long> minutes;
    for (const char* name : {"x-business-use-case-usage", "x-app-usage", "x-page-usage"})
        if (auto value = res.header(name))
            regain_minutes(json::parse(*value, nullptr, false), minutes);
    if (!minutes || *minutes <= 0)
        return std::nullopt;
    // Bounded before the conversion, so a huge number cannot overflow it.
    return cap_server_wait(std::chrono::minutes(std::min<long long>(*minutes, 1LL << 30)));
}

class FacebookTarget final : public HttpTarget {
  public:
    FacebookTarget(const TargetConfig& config, const TargetEnv& env)
        : HttpTarget(config, env), base_(api_base(config, "https://graph.facebook.com")),
          page_id_(required_param(config, "page_id")), version_(graph_prefix(config)) {}

    std::optional<std::string> refuse(const Notice& notice) const override {
        if (notice.text.empty())
            return "Facebook refuses an empty post";
        const std::size_t chars = count_code_points(notice.text);
        if (chars > max_chars)
            return fmt::format("Facebook counts {} of {} characters; shorten the notice", chars,
                               max_chars);
        return std::nullopt;
    }

  protected:
    SendResult deliver(const Notice& notice) override {
        const std::string token = required_secret(config_, "token");
        HttpRequest req =
            request("POST", join_url(base_, version_ + "/" + percent_encode(page_id_) + "/feed"));
        req.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
        req.body = form_encode({{"message", notice.text}, {"access_token", token}});
        const HttpResponse res = http_.send(req);

        SendResult r = classify_http(res, now());
        if (!res.transfer_ok)
            return r;
        const json body = json::parse(res.body, nullptr, false);
        if (r.outcome == SendResult::Outcome::sent) {
            if (body.is_object() && body.contains("id") && body["id"].is_string())
                r.remote_id = body["id"].get<std::string>();
            return r;
        }
        if (!body.is_object() || !body.contains("error") || !body["error"].is_object()) {
            r.error = "Facebook: " + r.error;
            return r;
        }
        const json& e = body["error"];
        const long long code =
            e.contains("code") && e["code"].is_number_integer() ? e["code"].get<long long>() : 0;
        const std::string message = e.contains("message") && e["message"].is_string()
                                        ? e["message"].get<std::string>()
                                        : std::string();
        if (code == 4 || code == 17 || code == 32 || code == 613 || code == 80001) {
            r.outcome = SendResult::Outcome::retry;
            if (!r.retry_after)
                r.retry_after = regain_access(res);
            r.error =
                redact(fmt::format("Facebook: rate limit reached (code {}: {})", code, message));
        } else if (code == 1 || code == 2) {
            r.outcome = SendResult::Outcome::retry;
            r.error = redact(fmt::format("Facebook: temporary error (code {}: {})", code, message));
        } else if (code == 190) {
            r.outcome = SendResult::Outcome::failed;
            r.error = redact(fmt::format("Facebook rejected the Page access token (code 190: "
                                         "{}); make a new one",
                                         message));
        } else {
            r.error =
                redact(fmt::format("Facebook: HTTP {}, code {}: {}", res.status, code, message));
        }
        return r;
    }

  public:
    VerifyResult verify() override {
        const std::string token = required_secret(config_, "token");
        const HttpRequest req = request(
            "GET",
            join_url(base_, version_ + "/me?fields=id,name&access_token=" + percent_encode(token)));
        const HttpResponse res = http_.send(req);
        VerifyResult v = verify_http(res, "Facebook", now());
        const json body = json::parse(res.body, nullptr, false);
        if (v.outcome != VerifyResult::Outcome::ok) {
            if (body.is_object() && body.contains("error") && body["error"].is_object())
                v.detail = fmt::format("Facebook: HTTP {}, code {}: {}", res.status,
                                       body["error"].value("code", 0LL),
                                       body["error"].value("message", std::string()));
        } else if (!body.is_object() || body.value("id", std::string()) != page_id_) {
            v.outcome = VerifyResult::Outcome::failed;
            v.detail =
                fmt::format("the token is not the Page token of page {} (it answers as "
                            "{}); make a Page access token",
                            page_id_, body.is_object() ? body.value("id", std::string("?")) : "?");
        } else {
            v.detail =
                fmt::format("page {} ({}), Graph API {}", body.value("name", std::string("?")),
                            page_id_, version_.substr(1));
        }
        v.detail = redact(v.detail);
        return v;
    }

  private:
    std::string base_;
    std::string page_id_;
    std::string version_;
};

} // namespace

std::string graph_prefix(const TargetConfig& config) {
    const auto it = config.params.find("graph_version");
    return "/" + (it == config.params.end() ? std::string(default_graph_version) : it->second);
}

std::unique_ptr<Target> make_facebook(const TargetConfig& config, const TargetEnv& env) {
    return std::make_unique<FacebookTarget>(config, env);
}

} // namespace shopkit::targets
