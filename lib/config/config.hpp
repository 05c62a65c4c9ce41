// The shop's configuration: one TOML file (shopkit.toml(5)), parsed and checked
// once, into plain structs. Every error names file:line:col and is exit 78.
#pragma once

#include "lib/config/channels.hpp"
#include "lib/config/runbook.hpp"
#include "lib/config/sales.hpp"
#include "lib/config/shop.hpp"
#include "lib/config/targets.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace shopkit {

// The whole file, section by section; sections left out keep their defaults.
struct Config {
    std::filesystem::path path; // empty for a config built from URLs
    ShopConfig shop;
    PolicyConfig policy;
    SalesConfig sales;
    std::vector<ChannelConfig> channels;
    std::vector<MaintenanceConfig> maintenance;
    std::vector<TargetConfig> targets;
    std::vector<RunbookStep> runbook;

    // The channel with this id, or nullptr.
    const ChannelConfig* channel(const std::string& id) const;
};

// The policy in force at `now`: [policy] with [policy.sale] applied while a
// [[sales.event]] runs (sale_at), else [policy] unchanged.
PolicyConfig policy_at(const Config& config, TimePoint now);

// Where the config is: `explicit_path` if given, else $SHOPKIT_CONFIG, else
// $XDG_CONFIG_HOME/shopkit/shop.toml (~/.config when unset), else
// /etc/shopkit/shop.toml. Returns nullopt when none exists (an explicit path or
// $SHOPKIT_CONFIG that does not exist is a config_error).
std::optional<std::filesystem::path>
find_config(const std::optional<std::filesystem::path>& explicit_path);

// What a program's -c option leads to: the config find_config finds from
// `option` (empty = not given), loaded. Throws config_error "no configuration
// found: give -c FILE or set SHOPKIT_CONFIG" + `hint` when there is none, and
// whatever load_config throws.
Config load_config_option(const std::string& option, const std::string& hint = "");

// Reads and checks a config file. Throws config_error ("FILE:LINE:COL: why")
// on a TOML syntax error, an unknown key, a wrong type, a value out of range,
// a bad duration, time zone or RE2 pattern, a duplicate or missing id, and
// "FILE: cannot read: why" when the file cannot be read. Paths in the file
// (state, templates, orders_csv, *_file, a target's dir and ca_file) may start
// with "~/"; relative ones are taken relative to the file's directory. TOML local
// date-times (no offset) are read in [shop] timezone, and refused without one.
Config load_config(const std::filesystem::path& path);

// The same from text; `name` stands for the file in messages.
Config parse_config(const std::string& text, const std::string& name);

// A config with no file: one channel "cli" with one http check per URL
// (check id: the URL's host, suffixed -2, -3 … when repeated), status 200..399,
// timeout 10 s. Throws usage_error for a URL that is not http:// or https://, and
// for an empty list.
Config config_from_urls(const std::vector<std::string>& urls);

} // namespace shopkit
