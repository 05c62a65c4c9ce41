// [shop] and [policy] of shopkit.toml(5): who the shop is, and how checks turn
// into incidents and notices.
#pragma once

#include "lib/core/duration.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace shopkit {

// [shop]: the shop's name, zone, language and files.
struct ShopConfig {
    std::string name = "shop";
    std::string timezone;        // IANA zone; empty = UTC
    std::string language = "en"; // picks share/templates/<language>
    std::string contact;
    std::string url;     // the shop's own home page, for notices
    std::string address; // the sender's postal address, for e-mail to customers
    std::optional<std::filesystem::path> state;     // state database; default: default_state_path()
    std::optional<std::filesystem::path> templates; // the shop's own template directory
};

// The [policy] keys a sale may change ([policy.sale]); nullopt keeps [policy]'s value.
struct PolicyOverrides {
    std::optional<int> fail_after;        // 1..100
    std::optional<int> recover_after;     // 1..100
    std::optional<Millis> customer_delay; // 0 or more
    std::optional<Millis> update_every;   // more than 0
};

// [policy]: thresholds, delays and defaults for every check.
struct PolicyConfig {
    int fail_after = 2;    // consecutive failing runs before a check is down (1..100)
    int recover_after = 2; // consecutive passing runs before it is up again (1..100)
    Millis customer_delay{std::chrono::minutes(10)};
    Millis update_every{std::chrono::hours(1)};
    std::vector<std::string> canary; // URLs outside the shop; all failing = our network is down
    Millis timeout{std::chrono::seconds(10)};    // default per-check timeout
    int concurrency = 64;                        // default --concurrency
    Millis history{std::chrono::hours(24 * 90)}; // check history kept this long
    PolicyOverrides sale; // [policy.sale]: applied while a [[sales.event]] runs (policy_at)
};

// `policy` with every value `overrides` sets put in its place (`overrides` itself,
// and `sale`, are left as they are).
PolicyConfig apply_overrides(PolicyConfig policy, const PolicyOverrides& overrides);

} // namespace shopkit
