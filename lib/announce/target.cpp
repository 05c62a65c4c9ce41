#include "lib/announce/target.hpp"

#include "lib/announce/targets/kinds.hpp"
#include "lib/core/error.hpp"
#include "lib/core/secret.hpp"
#include "lib/core/text.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace shopkit {

std::optional<std::string> Target::refuse(const Notice&) const {
    return std::nullopt;
}

std::string Target::preview(const Notice& notice) const {
    return notice.text;
}

VerifyResult Target::verify() {
    VerifyResult r;
    r.outcome = VerifyResult::Outcome::not_verifiable;
    r.detail = "cannot be verified without posting";
    return r;
}

Millis target_timeout(const TargetConfig& config) {
    const auto it = config.params.find("timeout");
    if (it == config.params.end())
        return std::chrono::seconds(30);
    try {
        const Millis d = parse_duration(it->second);
        if (d.count() > 0)
            return d;
    } catch (const std::invalid_argument&) {
    }
    throw config_error(
        fmt::format("{}: target '{}': bad timeout \"{}\"", config.where, config.id, it->second));
}

TimePoint target_now(const TargetEnv& env) {
    return env.clock ? env.clock->now() : Clock().now();
}

HttpTarget::HttpTarget(const TargetConfig& config, const TargetEnv& env)
    : config_(config), env_(env), timeout_(target_timeout(config)) {
    if (const auto it = config.params.find("ca_file"); it != config.params.end())
        ca_file_ = it->second;
}

SendResult HttpTarget::send(const Notice& notice) {
    // The runner asks refuse() first too; this keeps a direct caller from
    // posting what the service would cut or reject.
    if (auto why = refuse(notice)) {
        SendResult r;
        r.outcome = SendResult::Outcome::failed;
        r.error = *why;
        return r;
    }
    return deliver(notice);
}

TimePoint HttpTarget::now() const {
    return target_now(env_);
}

HttpRequest HttpTarget::request(std::string method, std::string url) const {
    HttpRequest r;
    r.method = std::move(method);
    r.url = std::move(url);
    r.timeout = timeout_;
    r.ca_file = ca_file_;
    return r;
}

HttpRequest HttpTarget::json_request(std::string url, const nlohmann::json& body) const {
    HttpRequest r = request("POST", std::move(url));
    r.headers = {{"Content-Type", "application/json"}};
    r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return r;
}

std::unique_ptr<Target> make_target(const TargetConfig& config, const TargetEnv& env) {
    // A hand-built config whose name and enum disagree is refused as before, not
    // built as the wrong kind.
    if (target_kind_spec(config.kind_id).name != config.kind)
        throw config_error(
            fmt::format("{}: unknown target kind \"{}\"", config.where, config.kind));
    // No default: -Wswitch names a kind of the table without a factory.
    switch (config.kind_id) {
    case TargetKind::line:
        return targets::make_line(config, env);
    case TargetKind::x:
        return targets::make_x(config, env);
    case TargetKind::facebook:
        return targets::make_facebook(config, env);
    case TargetKind::instagram:
        return targets::make_instagram(config, env);
    case TargetKind::mastodon:
        return targets::make_mastodon(config, env);
    case TargetKind::bluesky:
        return targets::make_bluesky(config, env);
    case TargetKind::slack:
        return targets::make_slack(config, env);
    case TargetKind::discord:
        return targets::make_discord(config, env);
    case TargetKind::teams:
        return targets::make_teams(config, env);
    case TargetKind::telegram:
        return targets::make_telegram(config, env);
    case TargetKind::webhook:
        return targets::make_webhook(config, env);
    case TargetKind::email:
        return targets::make_email(config, env);
    case TargetKind::statuspage:
        return targets::make_statuspage(config, env);
    }
    throw config_error(fmt::format("{}: unknown target kind \"{}\"", config.where, config.kind));
}

namespace {

// One line of at most `max` bytes (and "…"), redacted before it is cut.
std::string one_line(std::string_view s, std::size_t max) {
    std::string out = redact_prefix(s, max);
    std::replace_if(
        out.begin(), out.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
    return out;
}

} // namespace

SendResult classify_http(const HttpResponse& response, TimePoint now) {
    SendResult r;
    if (!response.transfer_ok) {
        r.outcome = SendResult::Outcome::retry;
        r.error = redact(response.timed_out ? "timed out: " + response.error : response.error);
        return r;
    }
    const long s = response.status;
    if (s >= 200 && s < 300) {
        r.outcome = SendResult::Outcome::sent;
        return r;
    }
    r.error = redact(fmt::format("HTTP {}", s));
    if (!response.body.empty())
        r.error += ": " + one_line(response.body, 200);
    if (s == 408 || s == 429 || s >= 500) {
        r.outcome = SendResult::Outcome::retry;
        if (auto ra = response.header("retry-after"))
            r.retry_after = parse_retry_after(*ra, now);
    } else {
        r.outcome = SendResult::Outcome::failed;
    }
    return r;
}

VerifyResult verify_http(const HttpResponse& response, std::string_view service, TimePoint now) {
    VerifyResult v;
    const SendResult s = classify_http(response, now);
    if (s.outcome == SendResult::Outcome::sent) {
        v.outcome = VerifyResult::Outcome::ok;
        return v;
    }
    v.outcome = VerifyResult::Outcome::failed;
    v.detail = response.transfer_ok ? fmt::format("{}: {}", service, s.error)
                                    : fmt::format("{} did not answer: {}", service, s.error);
    return v;
}

std::string api_base(const TargetConfig& config, const std::string& default_base) {
    std::string base = config.api_base.value_or(default_base);
    while (!base.empty() && base.back() == '/')
        base.pop_back();
    return base;
}

const std::string& required_param(const TargetConfig& config, const std::string& name) {
    const auto it = config.params.find(name);
    if (it == config.params.end() || it->second.empty())
        throw config_error(fmt::format("{}: target '{}' ({}) needs '{}'", config.where, config.id,
                                       config.kind, name));
    return it->second;
}

std::string required_secret(const TargetConfig& config, const std::string& name) {
    const auto it = config.secrets.find(name);
    if (it == config.secrets.end() || it->second.empty())
        throw config_error(fmt::format("{}: target '{}' ({}) needs '{}_env' or '{}_file'",
                                       config.where, config.id, config.kind, name, name));
    return resolve_secret(it->second);
}

} // namespace shopkit
