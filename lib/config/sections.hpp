// The readers of shopkit.toml(5)'s sections, private to lib/config: read_config
// in config.cpp calls them in file order. Each throws config_error
// "FILE:LINE:COL: why" for anything its section refuses.
#pragma once

#include "lib/config/config.hpp"
#include "lib/config/toml_reader.hpp"

#include <string_view>
#include <vector>

namespace shopkit::config_detail {

// [shop] into `shop`; also sets `src.timezone`, which later local date-times need.
void read_shop(Source& src, const toml::table& table, ShopConfig& shop);

// [policy] into `policy`.
void read_policy(const Source& src, const toml::table& table, PolicyConfig& policy);

// One [[channel]] with its [[channel.check]] tables; a channel with no check gets an
// http check "top" of its url. `policy` gives each check's default timeout.
ChannelConfig read_channel(const Source& src, const toml::table& table, const PolicyConfig& policy);

// Throws config_error at the first element of the string array `key` of `t` that
// names no channel of `config`. The array must be present and hold only strings.
void check_channels(const Source& src, const Table& t, std::string_view key, const Config& config);

// One [[maintenance]] window; its channel, if any, must be one of `config`.
MaintenanceConfig read_maintenance(const Source& src, const toml::table& table,
                                   const Config& config);

// [sales] with its [[sales.event]] tables into `sales`.
void read_sales(const Source& src, const toml::table& table, SalesConfig& sales);

// One [[target]]; the channels it names must be in `config`.
TargetConfig read_target(const Source& src, const toml::table& table, const Config& config);

// The [runbook] table: its [[runbook.step]] tables in file order, ids unique; the
// channels they name must be in `config`.
std::vector<RunbookStep> read_runbook(const Source& src, const toml::table& table,
                                      const Config& config);

} // namespace shopkit::config_detail
