#include "lib/config/sections.hpp"
#include "lib/config/send_rate.hpp"

#include <fmt/core.h>

#include <cctype>
#include <string>
#include <string_view>
#include <utility>

namespace shopkit::config_detail {

namespace {

// v<digits>.<digits>, as Meta numbers Graph API versions.
bool graph_version_shape(std::string_view v) {
    const auto digits = [](std::string_view s) {
        if (s.empty() || s.size() > 3)
            return false;
        for (const char c : s)
            if (!std::isdigit(static_cast<unsigned char>(c)))
                return false;
        return true;
    };
    const auto dot = v.find('.');
    return v.size() > 1 && v[0] == 'v' && dot != std::string_view::npos &&
           digits(v.substr(1, dot - 1)) && digits(v.substr(dot + 1));
}

} // namespace

TargetConfig read_target(const Source& src, const toml::table& table, const Config& config) {
    const Table t(src, table, "[[target]]");
    // Secret names as keys of their own are listed so that `token = "…"` gets the
    // secrets message below instead of "unknown key".
    // Every kind accepts the same keys today, so the first row's lists are all of them.
    const TargetKindSpec& keys = target_kinds().front();
    std::vector<std::string> secret_keys;
    for (std::string_view name : keys.secrets) {
        secret_keys.push_back(std::string(name) + "_env");
        secret_keys.push_back(std::string(name) + "_file");
    }
    std::vector<std::string_view> allowed = {"id",       "kind",       "audience", "api_base",
                                             "channels", "severities", "hold",     "template"};
    allowed.insert(allowed.end(), keys.params.begin(), keys.params.end());
    allowed.insert(allowed.end(), keys.secrets.begin(), keys.secrets.end());
    allowed.insert(allowed.end(), secret_keys.begin(), secret_keys.end());
    t.only(allowed);

    TargetConfig target;
    target.where = t.where();
    target.id = t.required_id();
    const auto kind = t.string("kind");
    if (!kind)
        t.fail(fmt::format("target '{}' has no 'kind'", target.id));
    const TargetKindSpec* spec = find_target_kind(*kind);
    if (spec == nullptr)
        t.fail("kind", unknown_target_kind_message(*kind));
    target.kind_id = spec->kind;
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

    for (std::string_view name : spec->secrets) {
        if (name == "url" && !spec->url_is_secret && !t.has("url_env") && !t.has("url_file"))
            continue;
        SecretRef ref = secret(t, std::string(name));
        if (!ref.empty())
            target.secrets[std::string(name)] = std::move(ref);
    }
    for (std::string_view name : spec->params) {
        const toml::node* node = t.get(name);
        if (node == nullptr)
            continue;
        std::string value;
        if (name == "timeout") {
            t.positive_duration(name);
            value = node->as_string()->get();
        } else if (name == "dir" || name == "ca_file" || name == "customers") {
            value = t.path(name)->string();
        } else if (name == "url" && spec->kind == TargetKind::email) {
            // The e-mail target speaks SMTP: smtp:// (STARTTLS) or smtps:// (implicit TLS).
            value = *t.string(name);
            if (!value.starts_with("smtp://") && !value.starts_with("smtps://"))
                t.fail(name, fmt::format("'url' of an email target must be an smtp:// or "
                                         "smtps:// URL, not \"{}\"",
                                         value));
            if (const std::string why = url_problem(value); !why.empty())
                t.fail(name, fmt::format("'url' is not a valid URL: {}: \"{}\"", why, value));
        } else if (name == "connections") {
            const auto n = t.integer(name);
            if (!n || *n < min_connections || *n > max_connections)
                t.fail(name, fmt::format("'connections' must be a whole number from {} to {}",
                                         min_connections, max_connections));
            value = std::to_string(*n);
        } else if (name == "rate") {
            value = t.string(name).value_or("");
            if (!parse_send_rate(value))
                t.fail(name, fmt::format("'rate' must be messages per second, minute or hour, "
                                         "like \"10/s\", \"600/m\" or \"36000/h\", not \"{}\"",
                                         value));
        } else if (name == "graph_version") {
            // It becomes part of every Graph API path: only the shape Meta uses.
            value = *t.string(name);
            if (!graph_version_shape(value))
                t.fail(name, fmt::format("'graph_version' must be v<major>.<minor> such as "
                                         "\"v25.0\", not \"{}\"",
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
