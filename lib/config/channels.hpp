// [[channel]] and [[channel.check]] of shopkit.toml(5): where customers buy,
// and the probes that tell whether they can.
#pragma once

#include "lib/core/duration.hpp"
#include "lib/core/secret.hpp"

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace shopkit {

// One probe of a sales channel. Which fields matter depends on `kind`.
struct CheckConfig {
    std::string id;
    std::string name; // for people ("カート"); empty: a word for common ids, else the id
    std::string kind = "http"; // http | tls | statuspage | feed
    std::string url;           // defaults to the channel's url
    // http
    std::vector<std::pair<int, int>> expect_status; // inclusive ranges; empty = 200..399
    std::optional<std::string> expect_text;
    std::optional<std::string> expect_regex; // RE2 syntax, validated at load
    std::optional<std::string> reject_text;  // e.g. a maintenance-page phrase
    std::optional<Millis> latency_warning;
    std::optional<Millis> latency_critical;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string auth;      // "" | "basic" | "bearer"
    std::string username;  // basic auth user
    SecretRef password;    // basic auth password (password_env / password_file)
    SecretRef token;       // bearer token (token_env / token_file)
    bool critical = false; // the shop cannot sell without it
    // every network check
    Millis timeout{std::chrono::seconds(10)}; // from [policy] timeout unless set
    bool insecure = false;                    // skip TLS verification
    int max_redirects = 5;
    std::size_t max_body = 1 << 20; // bytes of body read at most
    // tls
    int days_warning = 14;
    int days_critical = 3;
    // statuspage
    std::vector<std::string> components; // component names (or ids) to use instead of the indicator
    // feed
    std::string match = "(?i)障害|不具合|つながりにくい|メンテナンス|outage|incident|degraded";
    std::string clear = "(?i)復旧|解消|resolved|restored";
    std::string feed_state = "degraded"; // state while a matching entry is open: degraded | down
    std::optional<Millis> max_age;       // ignore feed entries older than this

    std::string where; // "shop.toml:40:1" of the [[channel.check]] table
};

// One [[channel]]: a place where customers buy, and its checks.
struct ChannelConfig {
    std::string id;
    std::string name; // for people; defaults to id
    std::string url;  // where customers buy; may be empty when every check has its own url
    std::string kind; // free text for people, e.g. "own" or "mall"; no behaviour hangs on it
    // Never empty: a channel with no [[channel.check]] gets one http check "top" of its url.
    std::vector<CheckConfig> checks;
    std::string where;
};

} // namespace shopkit
