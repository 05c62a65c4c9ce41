// [[target]] of shopkit.toml(5): the places notices go.
#pragma once

#include "lib/config/target_kinds.hpp"
#include "lib/core/secret.hpp"
#include "lib/model/incident.hpp"
#include "lib/model/outbox_row.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace shopkit {

// A place to announce. Kind-specific keys are kept as strings in `params`;
// secret keys (NAME_env / NAME_file) in `secrets` under NAME.
struct TargetConfig {
    std::string id;
    TargetKind kind_id = TargetKind::line; // what make_target builds
    std::string kind;                      // its name, for messages and template names
    Audience audience = Audience::staff;
    std::optional<std::string> api_base;
    std::vector<std::string> channels; // empty = all
    std::vector<Severity> severities;  // empty = all
    bool hold = false;
    std::optional<std::string> template_name;
    std::map<std::string, std::string>
        params; // e.g. "page_id" -> "123", "segments" -> JSON array text
    std::map<std::string, SecretRef> secrets; // e.g. "token" -> SecretRef
    std::string where;
};

} // namespace shopkit
