// The announce target kinds of shopkit.toml(5), declared once: their names, the
// keys a [[target]] may carry, and which of them are credentials. The config
// reader validates against this table; make_target switches over TargetKind.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace shopkit {

// One per file in lib/announce/targets/. A new kind is a row of target_kinds()
// and a case of make_target (-Wswitch names a kind without one).
enum class TargetKind {
    line,
    x,
    facebook,
    instagram,
    mastodon,
    bluesky,
    slack,
    discord,
    teams,
    telegram,
    webhook,
    email,
    statuspage
};

// What the config reader needs to know of a kind. `params` are plain keys;
// `secrets` are NAME for NAME_env / NAME_file. Every kind accepts the same keys
// today (the union of what the kinds read).
struct TargetKindSpec {
    TargetKind kind;
    std::string_view name;
    std::span<const std::string_view> params;
    std::span<const std::string_view> secrets;
    bool url_is_secret; // the webhook URL of the service is itself the credential
};

// Every kind, in the order the documentation lists them.
std::span<const TargetKindSpec> target_kinds();

// The row named `name` (exact, case-sensitive); nullptr for any other text.
const TargetKindSpec* find_target_kind(std::string_view name);

// The row of `kind`; every TargetKind has one.
const TargetKindSpec& target_kind_spec(TargetKind kind);

// `unknown target kind "NAME" (line, x, … or statuspage)`: every name of the table.
std::string unknown_target_kind_message(std::string_view name);

} // namespace shopkit
