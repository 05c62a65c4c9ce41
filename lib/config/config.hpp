// The shop's configuration: one TOML file (shopkit.toml(5)), parsed and checked
// once, into plain structs. Every error names file:line:col and is exit 78.
#pragma once

#include "lib/core/clock.hpp"
#include "lib/core/duration.hpp"
#include "lib/core/secret.hpp"

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace shopkit {

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

struct PolicyConfig {
    int fail_after = 2;    // consecutive failing runs before a check is down (1..100)
    int recover_after = 2; // consecutive passing runs before it is up again (1..100)
    Millis customer_delay{std::chrono::minutes(10)};
    Millis update_every{std::chrono::hours(1)};
    std::vector<std::string> canary; // URLs outside the shop; all failing = our network is down
    Millis timeout{std::chrono::seconds(10)};    // default per-check timeout
    int concurrency = 64;                        // default --concurrency
    Millis history{std::chrono::hours(24 * 90)}; // check history kept this long
};

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

struct ChannelConfig {
    std::string id;
    std::string name; // for people; defaults to id
    std::string url;  // where customers buy; may be empty when every check has its own url
    std::string kind; // free text for people, e.g. "own" or "mall"; no behaviour hangs on it
    // Never empty: a channel with no [[channel.check]] gets one http check "top" of its url.
    std::vector<CheckConfig> checks;
    std::string where;
};

struct MaintenanceConfig {
    std::string channel; // empty = every channel
    TimePoint start;
    TimePoint end;
    std::string reason;
};

struct SalesEvent {
    std::string name;
    TimePoint start;
    TimePoint end;
    double multiplier = 1.0;
};

struct SalesConfig {
    std::string currency = "JPY";
    std::vector<double> hourly; // 24 values, or empty
    std::optional<std::filesystem::path> orders_csv;
    std::vector<SalesEvent> events;
};

// A place to announce. Kind-specific keys are kept as strings in `params`;
// secret keys (NAME_env / NAME_file) in `secrets` under NAME.
struct TargetConfig {
    std::string id;
    std::string kind;
    std::string audience = "staff"; // staff | customers
    std::optional<std::string> api_base;
    std::vector<std::string> channels;   // empty = all
    std::vector<std::string> severities; // empty = all
    bool hold = false;
    std::optional<std::string> template_name;
    std::map<std::string, std::string>
        params; // e.g. "page_id" -> "123", "segments" -> JSON array text
    std::map<std::string, SecretRef> secrets; // e.g. "token" -> SecretRef
    std::string where;
};

struct RunbookStep {
    std::string id;
    std::string on = "opened";         // opened | resolved
    std::vector<std::string> run;      // argv; Mustache variables allowed
    std::vector<std::string> channels; // empty = all
    Millis timeout{std::chrono::seconds(60)};
    std::string where;
};

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

// Where the config is: `explicit_path` if given, else $SHOPKIT_CONFIG, else
// $XDG_CONFIG_HOME/shopkit/shop.toml (~/.config when unset), else
// /etc/shopkit/shop.toml. Returns nullopt when none exists (an explicit path or
// $SHOPKIT_CONFIG that does not exist is a config_error).
std::optional<std::filesystem::path>
find_config(const std::optional<std::filesystem::path>& explicit_path);

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
