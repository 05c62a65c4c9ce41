// The factory of every target kind, one per file in lib/announce/targets/. Internal to
// lib/announce/target.cpp's make_target.
#pragma once

#include "lib/announce/target.hpp"

namespace shopkit::targets {

std::unique_ptr<Target> make_line(const TargetConfig& config, const TargetEnv& env);
std::unique_ptr<Target> make_x(const TargetConfig& config, const TargetEnv& env);
std::unique_ptr<Target> make_facebook(const TargetConfig& config, const TargetEnv& env);
std::unique_ptr<Target> make_instagram(const TargetConfig& config, const TargetEnv& env);
std::unique_ptr<Target> make_mastodon(const TargetConfig& config, const TargetEnv& env);
std::unique_ptr<Target> make_bluesky(const TargetConfig& config, const TargetEnv& env);
std::unique_ptr<Target> make_slack(const TargetConfig& config, const TargetEnv& env);
std::unique_ptr<Target> make_discord(const TargetConfig& config, const TargetEnv& env);
std::unique_ptr<Target> make_teams(const TargetConfig& config, const TargetEnv& env);
std::unique_ptr<Target> make_telegram(const TargetConfig& config, const TargetEnv& env);
std::unique_ptr<Target> make_webhook(const TargetConfig& config, const TargetEnv& env);
std::unique_ptr<Target> make_email(const TargetConfig& config, const TargetEnv& env);
std::unique_ptr<Target> make_statuspage(const TargetConfig& config, const TargetEnv& env);

// The Graph API version of facebook and instagram targets without `graph_version`:
// the newest Meta lists (v26.0, July 2026, available until at least 2028).
inline constexpr std::string_view default_graph_version = "v26.0";

// "/v26.0": the target's graph_version (checked at load), else default_graph_version;
// every Graph API path of facebook and instagram starts with it.
std::string graph_prefix(const TargetConfig& config);

} // namespace shopkit::targets
