#include "lib/config/target_kinds.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cstddef>

namespace shopkit {

namespace {

// The kinds accept one union of keys: a key of another kind on a target is ignored
// by its client rather than refused, which existing configs rely on.
constexpr std::string_view params[] = {
    "to",           "page_id",     "user_id",       "image_url", "story",       "handle",
    "chat_id",      "from",        "username",      "customers", "segments",    "unsubscribe",
    "dir",          "plaintext",   "ca_file",       "url",       "timeout",     "connections",
    "rate",         "dkim_domain", "dkim_selector", "list_id",   "feedback_id", "oauth2_client_id",
    "graph_version"};
constexpr std::string_view secrets[] = {"token",
                                        "password",
                                        "consumer_key",
                                        "consumer_secret",
                                        "access_token",
                                        "access_secret",
                                        "url",
                                        "secret",
                                        "unsubscribe_secret",
                                        "dkim_key",
                                        "refresh_token",
                                        "oauth2_client_secret"};

constexpr TargetKindSpec row(TargetKind kind, std::string_view name, bool url_is_secret = false) {
    return {kind, name, params, secrets, url_is_secret};
}

constexpr std::array kinds = {
    row(TargetKind::line, "line"),
    row(TargetKind::x, "x"),
    row(TargetKind::facebook, "facebook"),
    row(TargetKind::instagram, "instagram"),
    row(TargetKind::mastodon, "mastodon"),
    row(TargetKind::bluesky, "bluesky"),
    row(TargetKind::slack, "slack", true),
    row(TargetKind::discord, "discord", true),
    row(TargetKind::teams, "teams", true),
    row(TargetKind::telegram, "telegram"),
    row(TargetKind::webhook, "webhook", true),
    row(TargetKind::email, "email"),
    row(TargetKind::statuspage, "statuspage"),
};

constexpr bool in_enum_order() {
    for (std::size_t i = 0; i < kinds.size(); ++i)
        if (kinds[i].kind != static_cast<TargetKind>(i))
            return false;
    return true;
}
static_assert(in_enum_order(), "one row per TargetKind, in the enum's order");

} // namespace

std::span<const TargetKindSpec> target_kinds() {
    return kinds;
}

const TargetKindSpec* find_target_kind(std::string_view name) {
    const auto it = std::find_if(kinds.begin(), kinds.end(),
                                 [&](const TargetKindSpec& s) { return s.name == name; });
    return it == kinds.end() ? nullptr : &*it;
}

const TargetKindSpec& target_kind_spec(TargetKind kind) {
    return kinds.at(static_cast<std::size_t>(kind));
}

std::string unknown_target_kind_message(std::string_view name) {
    std::string names;
    for (std::size_t i = 0; i < kinds.size(); ++i) {
        if (i > 0)
            names += i + 1 == kinds.size() ? " or " : ", ";
        names += kinds[i].name;
    }
    return fmt::format("unknown target kind \"{}\" ({})", name, names);
}

} // namespace shopkit
