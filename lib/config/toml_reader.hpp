// The TOML reader behind load_config, private to lib/config: typed getters on
// toml++ tables that turn every mistake into a config_error "FILE:LINE:COL: why".
// Only files in lib/config include this (toml++ is linked PRIVATE to the library).
#pragma once

#include "lib/core/clock.hpp"
#include "lib/core/duration.hpp"
#include "lib/core/secret.hpp"

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shopkit::config_detail {

// "a string", "an integer", … : the TOML type of `node` as words for messages.
const char* type_name(const toml::node& node);

// Levenshtein distance between `a` and `b` in bytes (insert, delete, replace cost 1).
std::size_t edit_distance(std::string_view a, std::string_view b);

// True when `url` is http:// or https:// with a host, and holds no whitespace or
// control character.
bool is_http_url(std::string_view url);

// Why libcurl's URL parser (curl_url_set) refuses `url`, in its words ("Port
// number was not a decimal number between 0 and 65535"); "" when it parses. The
// scheme must be one libcurl speaks.
std::string url_problem(std::string_view url);

// True when the authority of `url` holds "user:password@"; false without "://".
bool has_userinfo(std::string_view url);

// True when `id` is non-empty and only ASCII letters, digits, '-', '_' or '.'.
bool is_plain_id(std::string_view id);

// True when `name` can name an environment variable: [A-Za-z0-9_]+, no leading digit.
bool is_env_name(std::string_view name);

// `node` as JSON; dates and times become their TOML (RFC 3339) spelling.
nlohmann::json to_json(const toml::node& node);

// Where we are: the file's name for messages, and what relative things hang on.
struct Source {
    std::string file;               // the file's name as messages print it
    std::filesystem::path base_dir; // relative paths in the file are relative to this
    std::string timezone;           // [shop] timezone, for TOML local date-times; "" = none

    // "FILE:LINE:COL" of `region`, or just "FILE" when the region has no position.
    std::string at(const toml::source_region& region) const;

    // Throws config_error "FILE:LINE:COL: why".
    [[noreturn]] void fail(const toml::source_region& region, const std::string& why) const;

    // `text` as a path: "~" and "~/…" start at $HOME (when set), relative ones at base_dir.
    std::filesystem::path path(const std::string& text) const;
};

// One TOML table being read: typed getters that name the key and its position on error.
// Every getter returns nullopt (or nullptr, or empty) for an absent key and throws
// config_error for a present one of the wrong type or value. `src` and `table` must
// outlive the Table.
class Table {
  public:
    // `name` is how messages call the table, e.g. "[[channel.check]]".
    Table(const Source& src, const toml::table& table, std::string name);

    // How messages call this table.
    const std::string& name() const { return name_; }
    // "FILE:LINE:COL" of the table itself.
    std::string where() const;
    // The toml++ table read.
    const toml::table& raw() const { return table_; }

    // Throws config_error "FILE:LINE:COL: why" at the table.
    [[noreturn]] void fail(const std::string& why) const;
    // Throws config_error "FILE:LINE:COL: why" at `key`'s value (or the key, or the table).
    [[noreturn]] void fail(std::string_view key, const std::string& why) const;

    // Throws config_error for the first key in the file not in `allowed`, adding
    // "did you mean 'KEY'?" for the nearest allowed key fewer than 3 edits away
    // (and fewer edits than the unknown key has characters).
    void only(const std::vector<std::string_view>& allowed) const;

    // The node of `key`, or nullptr.
    const toml::node* get(std::string_view key) const;
    // True when the table holds `key`.
    bool has(std::string_view key) const;
    // "FILE:LINE:COL" of `key`.
    std::string key_at(std::string_view key) const;

    // A string.
    std::optional<std::string> string(std::string_view key) const;
    // A string, refused when empty.
    std::optional<std::string> nonempty_string(std::string_view key) const;
    // An integer.
    std::optional<std::int64_t> integer(std::string_view key) const;
    // An integer in lo..hi inclusive (hi == INT_MAX reads "lo or more").
    std::optional<int> integer_in(std::string_view key, int lo, int hi) const;
    // An integer or a float, as a double.
    std::optional<double> number(std::string_view key) const;
    // A boolean.
    std::optional<bool> boolean(std::string_view key) const;
    // A duration string such as "90s" or "1h30m" (parse_duration), in milliseconds.
    std::optional<Millis> duration(std::string_view key) const;
    // A duration, refused when 0s or less.
    std::optional<Millis> positive_duration(std::string_view key) const;
    // An array of strings.
    std::optional<std::vector<std::string>> strings(std::string_view key) const;
    // An array of strings, each one of `allowed` (`spelled` lists them for messages).
    std::optional<std::vector<std::string>> choices(std::string_view key,
                                                    std::initializer_list<std::string_view> allowed,
                                                    const char* spelled) const;
    // A string that is one of `allowed` (`spelled` lists them for messages).
    std::optional<std::string> choice(std::string_view key,
                                      std::initializer_list<std::string_view> allowed,
                                      const char* spelled) const;
    // An http:// or https:// URL (is_http_url), refused when it holds user:password@.
    std::optional<std::string> url(std::string_view key) const;
    // A non-empty string as a path, resolved by Source::path.
    std::optional<std::filesystem::path> path(std::string_view key) const;
    // A plain id (is_plain_id).
    std::optional<std::string> id(std::string_view key = "id") const;
    // The plain id under "id"; throws config_error "TABLE has no 'id'" when absent.
    std::string required_id() const;
    // An offset date-time (TOML or an RFC 3339 string), or a TOML local date-time
    // read in Source::timezone (refused when there is none).
    std::optional<TimePoint> time(std::string_view key) const;
    // A table, or nullptr.
    const toml::table* table(std::string_view key) const;
    // [[key]]: an array of tables (inline tables too), empty when absent; `spelled`
    // shows the right syntax in messages, e.g. "[[channel]]".
    std::vector<const toml::table*> tables(std::string_view key, const std::string& spelled) const;

    // Where `key`'s value is, else where the key is, else where the table is.
    toml::source_region value_region(std::string_view key) const;
    // Where `key` is, else where its value is, else where the table is.
    toml::source_region key_region(std::string_view key) const;

  private:
    static bool before(const toml::source_region& a, const toml::source_region& b);
    [[noreturn]] void wrong_type(std::string_view key, const char* expected) const;

    const Source& src_;
    const toml::table& table_;
    std::string name_;
};

// Throws config_error at `key` of `t` when `pattern` is not a valid RE2 pattern.
void check_regex(const Table& t, std::string_view key, const std::string& pattern);

// `NAME_env` / `NAME_file` of `t` as a SecretRef (empty when neither is given).
// Throws config_error for `NAME` itself (secrets never live in the file), for both
// given, and for an env value that is not an environment variable's name.
SecretRef secret(const Table& t, const std::string& name);

// `key` of `t` (which must be present) as a number of bytes: a positive integer or
// a string such as "512KiB", "2MB", "1 GiB" (B, kB, KiB, MB, MiB, GB, GiB; any case).
// Throws config_error for 0, for anything else, and when too large.
std::size_t byte_size(const Table& t, std::string_view key);

} // namespace shopkit::config_detail
