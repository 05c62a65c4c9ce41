#include "lib/config/sections.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>

namespace shopkit::config_detail {

namespace {

constexpr std::string_view target_kinds[] = {
    "line",    "x",     "facebook", "instagram", "mastodon", "bluesky",   "slack",
    "discord", "teams", "telegram", "webhook",   "email",    "statuspage"};
constexpr std::string_view target_params[] = {
    "to",      "page_id",   "user_id",  "image_url", "story",    "handle",
    "chat_id", "from",      "username", "customers", "segments", "unsubscribe",
    "dir",     "plaintext", "ca_file",  "url",       "timeout"};
constexpr std::string_view target_secrets[] = {
    "token",        "password",      "consumer_key", "consumer_secret",
    "access_token", "access_secret", "url",          "secret"};

} // namespace

TargetConfig read_target(const Source& src, const toml::table& table, const Config& config) {
    const Table t(src, table, "[[target]]");
    // Secret names as keys of their own are listed so that `token = "…"` gets the
    // secrets message below instead of "unknown key".
    std::vector<std::string> secret_keys;
    for (std::string_view name : target_secrets) {
        secret_keys.push_back(std::string(name) + "_env");
        secret_keys.push_back(std::string(name) + "_file");
    }
    std::vector<std::string_view> allowed = {"id",       "kind",       "audience", "api_base",
                                             "channels", "severities", "hold",     "template"};
    allowed.insert(allowed.end(), std::begin(target_params), std::end(target_params));
    allowed.insert(allowed.end(), std::begin(target_secrets), std::end(target_secrets));
    allowed.insert(allowed.end(), secret_keys.begin(), secret_keys.end());
    t.only(allowed);

    TargetConfig target;
    target.where = t.where();
    target.id = t.required_id();
    const auto kind = t.string("kind");
    if (!kind)
        t.fail(fmt::format("target '{}' has no 'kind'", target.id));
    if (std::find(std::begin(target_kinds), std::end(target_kinds), *kind) ==
        std::end(target_kinds))
        t.fail("kind", fmt::format("unknown target kind \"{}\" (line, x, facebook, instagram, "
                                   "mastodon, bluesky, slack, discord, teams, telegram, webhook, "
                                   "email or statuspage)",
                                   *kind));
    target.kind = *kind;
    if (auto v = t.choice("audience", {"staff", "customers"}, "\"staff\" or \"customers\""))
        target.audience = *audience_from_string(*v);
    target.api_base = t.url("api_base");
    if (auto v = t.strings("channels")) {
        check_channels(src, t, "channels", config);
        target.channels = *v;
    }
    if (auto v = t.choices("severities", {"minor", "major", "critical"},
                           "\"minor\", \"major\" or \"critical\""))
        for (const auto& s : *v)
            target.severities.push_back(*severity_from_string(s));
    target.hold = t.boolean("hold").value_or(false);
    target.template_name = t.nonempty_string("template");

    // A webhook URL of these services is itself the credential.
    const bool url_is_secret = target.kind == "slack" || target.kind == "discord" ||
                               target.kind == "teams" || target.kind == "webhook";
    for (std::string_view name : target_secrets) {
        if (name == "url" && !url_is_secret && !t.has("url_env") && !t.has("url_file"))
            continue;
        SecretRef ref = secret(t, std::string(name));
        if (!ref.empty())
            target.secrets[std::string(name)] = std::move(ref);
    }
    for (std::string_view name : target_params) {
        const toml::node* node = t.get(name);
        if (node == nullptr)
            continue;
        std::string value;
        if (name == "timeout") {
            t.positive_duration(name);
            value = node->as_string()->get();
        } else if (name == "dir" || name == "ca_file" || name == "customers") {
            value = t.path(name)->string();
        } else if (name == "url" && target.kind == "email") {
            // The e-mail target speaks SMTP: smtp:// (STARTTLS) or smtps:// (implicit TLS).
            value = *t.string(name);
            if (!value.starts_with("smtp://") && !value.starts_with("smtps://"))
                t.fail(name, fmt::format("'url' of an email target must be an smtp:// or "
                                         "smtps:// URL, not \"{}\"",
                                         value));
        } else if (name == "url" || name == "image_url") {
            value = *t.url(name);
        } else if (const auto* s = node->as_string()) {
            value = s->get();
        } else {
            value = to_json(*node).dump();
        }
        target.params[std::string(name)] = value;
    }
    return target;
}

} // namespace shopkit::config_detail
