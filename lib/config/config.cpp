#include "lib/config/config.hpp"

#include "lib/core/clock.hpp"
#include "lib/core/duration.hpp"
#include "lib/core/error.hpp"
#include "lib/core/secret.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <re2/re2.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string_view>

namespace shopkit {

namespace fs = std::filesystem;

namespace {

// ---------------------------------------------------------------------------
// Small helpers

const char* type_name(const toml::node& node) {
    switch (node.type()) {
    case toml::node_type::string:
        return "a string";
    case toml::node_type::integer:
        return "an integer";
    case toml::node_type::floating_point:
        return "a float";
    case toml::node_type::boolean:
        return "a boolean";
    case toml::node_type::date:
        return "a date";
    case toml::node_type::time:
        return "a time";
    case toml::node_type::date_time:
        return "a date-time";
    case toml::node_type::array:
        return "an array";
    case toml::node_type::table:
        return "a table";
    case toml::node_type::none:
        break;
    }
    return "nothing";
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

bool is_http_url(std::string_view url) {
    std::size_t rest = 0;
    if (url.starts_with("http://"))
        rest = 7;
    else if (url.starts_with("https://"))
        rest = 8;
    else
        return false;
    if (rest >= url.size() || url[rest] == '/' || url[rest] == '?' || url[rest] == '#')
        return false;
    // Whitespace and control characters would be sent as they are or cut by libcurl.
    return std::none_of(url.begin(), url.end(),
                        [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; });
}

// user:password@ in a URL would be printed in every record and stored in the
// state: credentials belong in auth with password_env / password_file.
bool has_userinfo(std::string_view url) {
    const auto start = url.find("://");
    if (start == std::string_view::npos)
        return false;
    const auto authority = url.substr(start + 3, url.find_first_of("/?#", start + 3) - (start + 3));
    return authority.find('@') != std::string_view::npos;
}

// Ids end up in records, incident ids, metric labels and file names: keep them plain.
bool is_plain_id(std::string_view id) {
    return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.';
    });
}

bool is_env_name(std::string_view name) {
    if (name.empty() || (name[0] >= '0' && name[0] <= '9'))
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_';
    });
}

nlohmann::json to_json(const toml::node& node) {
    if (const auto* s = node.as_string())
        return s->get();
    if (const auto* i = node.as_integer())
        return i->get();
    if (const auto* f = node.as_floating_point())
        return f->get();
    if (const auto* b = node.as_boolean())
        return b->get();
    if (const auto* a = node.as_array()) {
        nlohmann::json out = nlohmann::json::array();
        for (const toml::node& element : *a)
            out.push_back(to_json(element));
        return out;
    }
    if (const auto* t = node.as_table()) {
        nlohmann::json out = nlohmann::json::object();
        for (auto&& [key, value] : *t)
            out[std::string(key.str())] = to_json(value);
        return out;
    }
    std::ostringstream text; // dates and times: their TOML spelling is RFC 3339
    node.visit([&](const auto& v) { text << v; });
    return text.str();
}

// Offset of zone `tz` from UTC at instant `t`, read back from format_local's "+09:00"
// suffix: libstdc++ 12 has no std::chrono::zoned_time, and clock.cpp already knows zones.
std::chrono::seconds utc_offset(TimePoint t, const std::string& tz) {
    const std::string s = format_local(t, tz);
    if (s.size() < 6 || s.back() == 'Z')
        return std::chrono::seconds(0);
    const std::string_view off = std::string_view(s).substr(s.size() - 6);
    const int hours = (off[1] - '0') * 10 + (off[2] - '0');
    const int minutes = (off[4] - '0') * 10 + (off[5] - '0');
    const std::chrono::seconds value = std::chrono::hours(hours) + std::chrono::minutes(minutes);
    return off[0] == '-' ? -value : value;
}

// ---------------------------------------------------------------------------
// Where we are: the file's name for messages, and what relative things hang on.

struct Source {
    std::string file;
    fs::path base_dir;    // relative paths in the file are relative to the file
    std::string timezone; // [shop] timezone, for TOML local date-times

    std::string at(const toml::source_region& region) const {
        if (region.begin.line == 0)
            return file;
        return fmt::format("{}:{}:{}", file, region.begin.line, region.begin.column);
    }

    [[noreturn]] void fail(const toml::source_region& region, const std::string& why) const {
        throw config_error(at(region) + ": " + why);
    }

    fs::path path(const std::string& text) const {
        if (text == "~" || text.starts_with("~/")) {
            const char* home = std::getenv("HOME");
            if (home != nullptr && *home != '\0')
                return fs::path(home) / text.substr(text.size() > 1 ? 2 : 1);
        }
        const fs::path p(text);
        if (p.is_absolute() || base_dir.empty())
            return p;
        return base_dir / p;
    }
};

// One TOML table being read: typed getters that name the key and its position on error.
class Table {
  public:
    Table(const Source& src, const toml::table& table, std::string name)
        : src_(src), table_(table), name_(std::move(name)) {}

    const std::string& name() const { return name_; }
    std::string where() const { return src_.at(table_.source()); }
    const toml::table& raw() const { return table_; }

    [[noreturn]] void fail(const std::string& why) const { src_.fail(table_.source(), why); }
    [[noreturn]] void fail(std::string_view key, const std::string& why) const {
        src_.fail(value_region(key), why);
    }

    // Refuses any key not in `allowed`, the first in the file first.
    void only(const std::vector<std::string_view>& allowed) const {
        const toml::key* first = nullptr;
        for (auto&& [key, value] : table_) {
            if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end())
                continue;
            if (first == nullptr || before(key.source(), first->source()))
                first = &key;
        }
        if (first == nullptr)
            return;
        std::string why = fmt::format("unknown key '{}' in {}", first->str(), name_);
        std::string_view best;
        std::size_t best_distance = 3;
        for (std::string_view candidate : allowed) {
            const std::size_t d = edit_distance(first->str(), candidate);
            if (d < best_distance && d < first->str().size()) {
                best = candidate;
                best_distance = d;
            }
        }
        if (!best.empty())
            why += fmt::format(" (did you mean '{}'?)", best);
        src_.fail(key_region(first->str()), why);
    }

    const toml::node* get(std::string_view key) const { return table_.get(key); }
    bool has(std::string_view key) const { return table_.contains(key); }

    std::string key_at(std::string_view key) const { return src_.at(key_region(key)); }

    std::optional<std::string> string(std::string_view key) const {
        const toml::node* node = get(key);
        if (node == nullptr)
            return std::nullopt;
        if (const auto* s = node->as_string())
            return s->get();
        wrong_type(key, "a string");
    }

    std::optional<std::string> nonempty_string(std::string_view key) const {
        auto s = string(key);
        if (s && s->empty())
            fail(key, fmt::format("'{}' must not be empty", key));
        return s;
    }

    std::optional<std::int64_t> integer(std::string_view key) const {
        const toml::node* node = get(key);
        if (node == nullptr)
            return std::nullopt;
        if (const auto* i = node->as_integer())
            return i->get();
        wrong_type(key, "an integer");
    }

    std::optional<int> integer_in(std::string_view key, int lo, int hi) const {
        const auto value = integer(key);
        if (!value)
            return std::nullopt;
        if (*value < lo || *value > hi) {
            if (hi == INT_MAX)
                fail(key, fmt::format("'{}' must be {} or more", key, lo));
            fail(key, fmt::format("'{}' must be between {} and {}", key, lo, hi));
        }
        return static_cast<int>(*value);
    }

    // An integer or a float.
    std::optional<double> number(std::string_view key) const {
        const toml::node* node = get(key);
        if (node == nullptr)
            return std::nullopt;
        if (const auto* i = node->as_integer())
            return static_cast<double>(i->get());
        if (const auto* f = node->as_floating_point())
            return f->get();
        wrong_type(key, "a number");
    }

    std::optional<bool> boolean(std::string_view key) const {
        const toml::node* node = get(key);
        if (node == nullptr)
            return std::nullopt;
        if (const auto* b = node->as_boolean())
            return b->get();
        wrong_type(key, "a boolean (true or false)");
    }

    std::optional<Millis> duration(std::string_view key) const {
        const toml::node* node = get(key);
        if (node == nullptr)
            return std::nullopt;
        const auto* s = node->as_string();
        if (s == nullptr)
            wrong_type(key, "a duration string such as \"90s\", \"10m\" or \"1h30m\"");
        try {
            return parse_duration(s->get());
        } catch (const std::invalid_argument& e) {
            fail(key, fmt::format("'{}' is not a duration: {}", key, e.what()));
        }
    }

    std::optional<Millis> positive_duration(std::string_view key) const {
        auto d = duration(key);
        if (d && d->count() <= 0)
            fail(key, fmt::format("'{}' must be longer than 0s", key));
        return d;
    }

    std::optional<std::vector<std::string>> strings(std::string_view key) const {
        const toml::node* node = get(key);
        if (node == nullptr)
            return std::nullopt;
        const auto* array = node->as_array();
        if (array == nullptr)
            wrong_type(key, "an array of strings");
        std::vector<std::string> out;
        for (const toml::node& element : *array) {
            const auto* s = element.as_string();
            if (s == nullptr)
                src_.fail(element.source(),
                          fmt::format("'{}' must be an array of strings, not of {}", key,
                                      type_name(element)));
            out.push_back(s->get());
        }
        return out;
    }

    // Each element must be one of `choices`.
    std::optional<std::vector<std::string>> choices(std::string_view key,
                                                    std::initializer_list<std::string_view> allowed,
                                                    const char* spelled) const {
        auto values = strings(key);
        if (!values)
            return values;
        const auto* array = get(key)->as_array();
        for (std::size_t i = 0; i < values->size(); ++i) {
            if (std::find(allowed.begin(), allowed.end(), (*values)[i]) == allowed.end())
                src_.fail(array->get(i)->source(),
                          fmt::format("'{}' takes {}, not \"{}\"", key, spelled, (*values)[i]));
        }
        return values;
    }

    std::optional<std::string> choice(std::string_view key,
                                      std::initializer_list<std::string_view> allowed,
                                      const char* spelled) const {
        auto value = string(key);
        if (value && std::find(allowed.begin(), allowed.end(), *value) == allowed.end())
            fail(key, fmt::format("'{}' must be {}, not \"{}\"", key, spelled, *value));
        return value;
    }

    std::optional<std::string> url(std::string_view key) const {
        auto value = string(key);
        if (value && has_userinfo(*value))
            fail(key, fmt::format("'{}' must not hold credentials (user:password@): use auth = "
                                  "\"basic\" with username and password_env or password_file",
                                  key));
        if (value && !is_http_url(*value))
            fail(key,
                 fmt::format("'{}' must be an http:// or https:// URL, not \"{}\"", key, *value));
        return value;
    }

    std::optional<fs::path> path(std::string_view key) const {
        auto value = nonempty_string(key);
        if (!value)
            return std::nullopt;
        return src_.path(*value);
    }

    std::optional<std::string> id(std::string_view key = "id") const {
        auto value = string(key);
        if (value && !is_plain_id(*value))
            fail(key, fmt::format("'{}' must be letters, digits, '-', '_' or '.', not \"{}\"", key,
                                  *value));
        return value;
    }

    std::string required_id() const {
        auto value = id();
        if (!value)
            fail(fmt::format("{} has no 'id'", name_));
        return *value;
    }

    // TOML offset date-times and RFC 3339 strings; TOML local date-times in [shop] timezone.
    std::optional<TimePoint> time(std::string_view key) const {
        const toml::node* node = get(key);
        if (node == nullptr)
            return std::nullopt;
        if (const auto* s = node->as_string()) {
            if (auto t = parse_rfc3339(s->get()))
                return t;
            fail(key, fmt::format("'{}' must be a date-time with a UTC offset, such as "
                                  "2026-12-04T20:00:00+09:00",
                                  key));
        }
        const auto* dt = node->as_date_time();
        if (dt == nullptr)
            wrong_type(key, "a date-time such as 2026-12-04T20:00:00+09:00");
        const toml::date_time& v = dt->get();
        const std::chrono::year_month_day ymd{std::chrono::year(v.date.year),
                                              std::chrono::month(v.date.month),
                                              std::chrono::day(v.date.day)};
        if (!ymd.ok())
            fail(key, fmt::format("'{}' is not a valid date", key));
        const TimePoint as_if_utc =
            TimePoint(std::chrono::sys_days(ymd)) + std::chrono::hours(v.time.hour) +
            std::chrono::minutes(v.time.minute) + std::chrono::seconds(v.time.second) +
            std::chrono::duration_cast<TimePoint::duration>(
                std::chrono::nanoseconds(v.time.nanosecond));
        if (v.offset)
            return as_if_utc - std::chrono::minutes(v.offset->minutes);
        if (src_.timezone.empty())
            fail(key, fmt::format("'{}' has no UTC offset: write one (e.g. +09:00) or set "
                                  "[shop] timezone",
                                  key));
        // Two passes settle the offset also across a daylight-saving change.
        const auto first = utc_offset(as_if_utc, src_.timezone);
        const auto second = utc_offset(as_if_utc - first, src_.timezone);
        return as_if_utc - second;
    }

    const toml::table* table(std::string_view key) const {
        const toml::node* node = get(key);
        if (node == nullptr)
            return nullptr;
        if (const auto* t = node->as_table())
            return t;
        wrong_type(key, "a table");
    }

    // [[key]]: an array of tables (inline tables in an array are fine too).
    std::vector<const toml::table*> tables(std::string_view key, const std::string& spelled) const {
        std::vector<const toml::table*> out;
        const toml::node* node = get(key);
        if (node == nullptr)
            return out;
        const auto* array = node->as_array();
        if (array == nullptr)
            fail(key, fmt::format("'{}' must be an array of tables: write {}", key, spelled));
        for (const toml::node& element : *array) {
            const auto* t = element.as_table();
            if (t == nullptr)
                src_.fail(element.source(),
                          fmt::format("'{}' must be an array of tables: write {}", key, spelled));
            out.push_back(t);
        }
        return out;
    }

    toml::source_region value_region(std::string_view key) const {
        const toml::node* node = get(key);
        if (node != nullptr && node->source().begin.line != 0)
            return node->source();
        return key_region(key);
    }

    toml::source_region key_region(std::string_view key) const {
        const auto it = table_.find(key);
        if (it != table_.end() && it->first.source().begin.line != 0)
            return it->first.source();
        if (it != table_.end() && it->second.source().begin.line != 0)
            return it->second.source();
        return table_.source();
    }

  private:
    static bool before(const toml::source_region& a, const toml::source_region& b) {
        if (a.begin.line != b.begin.line)
            return a.begin.line < b.begin.line;
        return a.begin.column < b.begin.column;
    }

    [[noreturn]] void wrong_type(std::string_view key, const char* expected) const {
        fail(key, fmt::format("'{}' must be {}, not {}", key, expected, type_name(*get(key))));
    }

    const Source& src_;
    const toml::table& table_;
    std::string name_;
};

void check_regex(const Table& t, std::string_view key, const std::string& pattern) {
    const RE2 re(pattern, RE2::Quiet);
    if (!re.ok())
        t.fail(key, fmt::format("'{}' is not a valid RE2 pattern: {}", key, re.error()));
}

// `NAME_env` / `NAME_file` of a table into a SecretRef; `NAME` itself is refused.
SecretRef secret(const Table& t, const std::string& name) {
    const std::string env_key = name + "_env";
    const std::string file_key = name + "_file";
    if (t.has(name))
        t.fail(name,
               fmt::format("'{}' is a secret, and secrets never live in the file: use {} or {}",
                           name, env_key, file_key));
    if (t.has(env_key) && t.has(file_key))
        t.fail(file_key, fmt::format("give {} or {}, not both", env_key, file_key));
    SecretRef ref;
    if (auto env = t.string(env_key)) {
        if (!is_env_name(*env))
            t.fail(env_key, fmt::format("'{}' must name an environment variable, not \"{}\"",
                                        env_key, *env));
        ref.source = SecretRef::Source::env;
        ref.name = *env;
        ref.where = t.key_at(env_key);
    } else if (auto file = t.path(file_key)) {
        ref.source = SecretRef::Source::file;
        ref.name = file->string();
        ref.where = t.key_at(file_key);
    }
    return ref;
}

// ---------------------------------------------------------------------------
// Sections

void read_shop(Source& src, const toml::table& table, ShopConfig& shop) {
    const Table t(src, table, "[shop]");
    t.only({"name", "timezone", "language", "contact", "url", "address", "state", "templates"});
    if (auto v = t.nonempty_string("name"))
        shop.name = *v;
    if (auto v = t.string("timezone")) {
        if (!v->empty() && !known_time_zone(*v))
            t.fail("timezone", fmt::format("unknown time zone \"{}\" (an IANA name such as "
                                           "\"Asia/Tokyo\")",
                                           *v));
        shop.timezone = *v;
        src.timezone = *v;
    }
    if (auto v = t.string("language")) {
        // The language names a directory under share/templates.
        const bool plain = !v->empty() && std::all_of(v->begin(), v->end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
        });
        if (!plain)
            t.fail("language", fmt::format("'language' must be a language tag such as \"ja\" or "
                                           "\"en\", not \"{}\"",
                                           *v));
        shop.language = *v;
    }
    if (auto v = t.string("contact"))
        shop.contact = *v;
    if (auto v = t.url("url"))
        shop.url = *v;
    if (auto v = t.string("address"))
        shop.address = *v;
    if (auto v = t.path("state"))
        shop.state = *v;
    if (auto v = t.path("templates"))
        shop.templates = *v;
}

void read_policy(const Source& src, const toml::table& table, PolicyConfig& policy) {
    const Table t(src, table, "[policy]");
    t.only({"fail_after", "recover_after", "customer_delay", "update_every", "canary", "timeout",
            "concurrency", "history"});
    if (auto v = t.integer_in("fail_after", 1, 100))
        policy.fail_after = *v;
    if (auto v = t.integer_in("recover_after", 1, 100))
        policy.recover_after = *v;
    if (auto v = t.duration("customer_delay"))
        policy.customer_delay = *v;
    if (auto v = t.positive_duration("update_every"))
        policy.update_every = *v;
    if (auto v = t.strings("canary")) {
        const auto* array = t.get("canary")->as_array();
        for (std::size_t i = 0; i < v->size(); ++i) {
            if (!is_http_url((*v)[i]))
                src.fail(
                    array->get(i)->source(),
                    fmt::format("'canary' takes http:// or https:// URLs, not \"{}\"", (*v)[i]));
        }
        policy.canary = *v;
    }
    if (auto v = t.positive_duration("timeout"))
        policy.timeout = *v;
    if (auto v = t.integer_in("concurrency", 1, 10000))
        policy.concurrency = *v;
    if (auto v = t.positive_duration("history"))
        policy.history = *v;
}

std::pair<int, int> status_range(const Source& src, const toml::node& node) {
    const char* spelled =
        "'expect_status' takes status codes 100..599 or ranges such as \"200-299\"";
    int lo = 0;
    int hi = 0;
    if (const auto* i = node.as_integer()) {
        if (i->get() < 100 || i->get() > 599)
            src.fail(node.source(), spelled);
        lo = hi = static_cast<int>(i->get());
    } else if (const auto* s = node.as_string()) {
        const std::string& text = s->get();
        int consumed = 0;
        if (std::sscanf(text.c_str(), "%3d-%3d%n", &lo, &hi, &consumed) == 2 &&
            static_cast<std::size_t>(consumed) == text.size()) {
        } else if (std::sscanf(text.c_str(), "%3d%n", &lo, &consumed) == 1 &&
                   static_cast<std::size_t>(consumed) == text.size()) {
            hi = lo;
        } else {
            src.fail(node.source(), spelled);
        }
        if (lo < 100 || hi > 599 || lo > hi || !std::isdigit(static_cast<unsigned char>(text[0])))
            src.fail(node.source(), spelled);
    } else {
        src.fail(node.source(), spelled);
    }
    return {lo, hi};
}

std::size_t byte_size(const Table& t, std::string_view key) {
    const toml::node* node = t.get(key);
    const std::string spelled = fmt::format(
        "'{}' must be a number of bytes or a size such as \"1MiB\", \"512KiB\", \"2MB\"", key);
    std::uint64_t value = 0;
    if (const auto* i = node->as_integer()) {
        if (i->get() <= 0)
            t.fail(key, fmt::format("'{}' must be more than 0", key));
        return static_cast<std::size_t>(i->get());
    }
    const auto* s = node->as_string();
    if (s == nullptr)
        t.fail(key, spelled);
    const std::string& text = s->get();
    std::size_t i = 0;
    for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
        if (value > (UINT64_MAX >> 31))
            t.fail(key, fmt::format("'{}' is too large", key));
        value = value * 10 + static_cast<unsigned>(text[i] - '0');
    }
    if (i == 0)
        t.fail(key, spelled);
    std::string unit = text.substr(i);
    if (unit.starts_with(' '))
        unit.erase(0, 1);
    std::transform(unit.begin(), unit.end(), unit.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    static const std::pair<std::string_view, std::uint64_t> units[] = {
        {"", 1},
        {"b", 1},
        {"kb", 1000},
        {"kib", 1024},
        {"mb", 1000000},
        {"mib", 1024 * 1024},
        {"gb", 1000000000},
        {"gib", 1024ULL * 1024 * 1024},
    };
    for (const auto& [name, factor] : units) {
        if (unit == name) {
            if (value == 0)
                t.fail(key, fmt::format("'{}' must be more than 0", key));
            return static_cast<std::size_t>(value * factor);
        }
    }
    t.fail(key, spelled);
}

CheckConfig read_check(const Source& src, const toml::table& table, const ChannelConfig& channel,
                       const PolicyConfig& policy) {
    const Table t(src, table, "[[channel.check]]");
    t.only({"id",
            "name",
            "kind",
            "url",
            "expect_status",
            "expect_text",
            "expect_regex",
            "reject_text",
            "latency_warning",
            "latency_critical",
            "max_latency",
            "headers",
            "auth",
            "username",
            "password",
            "password_env",
            "password_file",
            "token",
            "token_env",
            "token_file",
            "critical",
            "timeout",
            "insecure",
            "max_redirects",
            "max_body",
            "days_warning",
            "days_critical",
            "components",
            "match",
            "clear",
            "feed_state",
            "max_age"});
    CheckConfig check;
    check.where = t.where();
    check.id = t.required_id();
    check.name = t.string("name").value_or("");
    if (auto v = t.choice("kind", {"http", "tls", "statuspage", "feed"},
                          "\"http\", \"tls\", \"statuspage\" or \"feed\""))
        check.kind = *v;
    if (auto v = t.url("url"))
        check.url = *v;
    else if (!channel.url.empty())
        check.url = channel.url;
    else
        t.fail(fmt::format("check '{}' has no 'url', and channel '{}' has none to lend it",
                           check.id, channel.id));

    if (const toml::node* node = t.get("expect_status")) {
        if (const auto* array = node->as_array()) {
            if (array->empty())
                t.fail("expect_status", "'expect_status' must not be empty");
            for (const toml::node& element : *array)
                check.expect_status.push_back(status_range(src, element));
        } else {
            check.expect_status.push_back(status_range(src, *node));
        }
    }
    check.expect_text = t.nonempty_string("expect_text");
    if ((check.expect_regex = t.nonempty_string("expect_regex")))
        check_regex(t, "expect_regex", *check.expect_regex);
    check.reject_text = t.nonempty_string("reject_text");

    check.latency_warning = t.positive_duration("latency_warning");
    if (t.has("max_latency") && t.has("latency_critical"))
        t.fail("max_latency",
               "'max_latency' is another name for 'latency_critical': give one of them");
    check.latency_critical = t.positive_duration("latency_critical");
    if (!check.latency_critical)
        check.latency_critical = t.positive_duration("max_latency");
    if (check.latency_warning && check.latency_critical &&
        *check.latency_warning > *check.latency_critical)
        t.fail("latency_warning", "'latency_warning' must not be longer than 'latency_critical'");

    if (const toml::table* headers = t.table("headers")) {
        for (auto&& [key, value] : *headers) {
            const std::string name(key.str());
            // RFC 9110 token characters: anything else would break the request.
            const bool token = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) ||
                       std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
            });
            if (!token)
                src.fail(key.source(), fmt::format("'{}' is not a valid header name", name));
            const auto* s = value.as_string();
            if (s == nullptr)
                src.fail(value.source(), fmt::format("header '{}' must be a string, not {}", name,
                                                     type_name(value)));
            if (s->get().find_first_of("\r\n") != std::string::npos ||
                s->get().find('\0') != std::string::npos)
                src.fail(value.source(), fmt::format("header '{}' must be one line", name));
            check.headers.emplace_back(name, s->get());
        }
    }

    check.password = secret(t, "password");
    check.token = secret(t, "token");
    if (auto v = t.string("username"))
        check.username = *v;
    const bool basic_given = t.has("username") || !check.password.empty();
    if (auto v = t.choice("auth", {"basic", "bearer"}, "\"basic\" or \"bearer\"")) {
        check.auth = *v;
    } else if (basic_given && !check.token.empty()) {
        t.fail("auth", "give auth = \"basic\" or auth = \"bearer\" when both are configured");
    } else if (basic_given) {
        check.auth = "basic";
    } else if (!check.token.empty()) {
        check.auth = "bearer";
    }
    if (check.auth == "basic" && (check.username.empty() || check.password.empty()))
        t.fail(t.has("auth") ? "auth" : "username",
               "basic auth needs 'username' and 'password_env' or 'password_file'");
    if (check.auth == "bearer" && check.token.empty())
        t.fail("auth", "bearer auth needs 'token_env' or 'token_file'");

    check.critical = t.boolean("critical").value_or(false);
    check.timeout = t.positive_duration("timeout").value_or(policy.timeout);
    check.insecure = t.boolean("insecure").value_or(false);
    if (auto v = t.integer_in("max_redirects", 0, 50))
        check.max_redirects = *v;
    if (t.has("max_body"))
        check.max_body = byte_size(t, "max_body");

    if (auto v = t.integer_in("days_warning", 0, INT_MAX))
        check.days_warning = *v;
    if (auto v = t.integer_in("days_critical", 0, INT_MAX))
        check.days_critical = *v;
    if (check.days_warning < check.days_critical)
        t.fail(t.has("days_warning") ? "days_warning" : "days_critical",
               fmt::format("'days_warning' ({}) must not be less than 'days_critical' ({})",
                           check.days_warning, check.days_critical));

    if (auto v = t.strings("components"))
        check.components = *v;

    if (auto v = t.nonempty_string("match")) {
        check_regex(t, "match", *v);
        check.match = *v;
    }
    if (auto v = t.nonempty_string("clear")) {
        check_regex(t, "clear", *v);
        check.clear = *v;
    }
    if (auto v = t.choice("feed_state", {"degraded", "down"}, "\"degraded\" or \"down\""))
        check.feed_state = *v;
    check.max_age = t.positive_duration("max_age");
    return check;
}

ChannelConfig read_channel(const Source& src, const toml::table& table,
                           const PolicyConfig& policy) {
    const Table t(src, table, "[[channel]]");
    t.only({"id", "name", "url", "kind", "check"});
    ChannelConfig channel;
    channel.where = t.where();
    channel.id = t.required_id();
    channel.name = t.nonempty_string("name").value_or(channel.id);
    channel.url = t.url("url").value_or("");
    channel.kind = t.string("kind").value_or("");
    std::set<std::string> ids;
    for (const toml::table* check_table : t.tables("check", "[[channel.check]]")) {
        CheckConfig check = read_check(src, *check_table, channel, policy);
        if (!ids.insert(check.id).second)
            src.fail(check_table->source(),
                     fmt::format("duplicate check id '{}' in channel '{}'", check.id, channel.id));
        channel.checks.push_back(std::move(check));
    }
    if (channel.checks.empty()) {
        if (channel.url.empty())
            t.fail(fmt::format("channel '{}' has no 'url' and no [[channel.check]]", channel.id));
        CheckConfig top;
        top.id = "top";
        top.url = channel.url;
        top.timeout = policy.timeout;
        top.where = channel.where;
        channel.checks.push_back(std::move(top));
    }
    return channel;
}

void read_sales(const Source& src, const toml::table& table, SalesConfig& sales) {
    const Table t(src, table, "[sales]");
    t.only({"currency", "hourly", "orders_csv", "event"});
    if (auto v = t.string("currency")) {
        const bool code = v->size() == 3 && std::all_of(v->begin(), v->end(), [](char c) {
                              return c >= 'A' && c <= 'Z';
                          });
        if (!code)
            t.fail("currency", fmt::format("'currency' must be an ISO 4217 code such as \"JPY\", "
                                           "not \"{}\"",
                                           *v));
        sales.currency = *v;
    }
    if (const toml::node* node = t.get("hourly")) {
        const auto* array = node->as_array();
        if (array == nullptr || array->size() != 24)
            t.fail("hourly", "'hourly' must be an array of 24 numbers, one per hour from 0:00");
        for (const toml::node& element : *array) {
            double value = 0;
            if (const auto* i = element.as_integer())
                value = static_cast<double>(i->get());
            else if (const auto* f = element.as_floating_point())
                value = f->get();
            else
                src.fail(element.source(),
                         fmt::format("'hourly' must be numbers, not {}", type_name(element)));
            if (!(value >= 0))
                src.fail(element.source(), "'hourly' values must be 0 or more");
            sales.hourly.push_back(value);
        }
    }
    sales.orders_csv = t.path("orders_csv");
    for (const toml::table* event_table : t.tables("event", "[[sales.event]]")) {
        const Table e(src, *event_table, "[[sales.event]]");
        e.only({"name", "start", "end", "multiplier"});
        SalesEvent event;
        auto name = e.nonempty_string("name");
        if (!name)
            e.fail("[[sales.event]] has no 'name'");
        event.name = *name;
        auto start = e.time("start");
        auto end = e.time("end");
        if (!start || !end)
            e.fail(fmt::format("sales event '{}' needs 'start' and 'end'", event.name));
        if (*start >= *end)
            e.fail("end", "'end' must be after 'start'");
        event.start = *start;
        event.end = *end;
        if (auto m = e.number("multiplier")) {
            if (!(*m > 0))
                e.fail("multiplier", "'multiplier' must be more than 0");
            event.multiplier = *m;
        }
        sales.events.push_back(std::move(event));
    }
}

void check_channels(const Source& src, const Table& t, std::string_view key, const Config& config) {
    const auto* array = t.get(key)->as_array();
    for (const toml::node& element : *array) {
        const std::string& id = element.as_string()->get();
        if (config.channel(id) == nullptr)
            src.fail(element.source(), fmt::format("no channel with id '{}'", id));
    }
}

MaintenanceConfig read_maintenance(const Source& src, const toml::table& table,
                                   const Config& config) {
    const Table t(src, table, "[[maintenance]]");
    t.only({"channel", "start", "end", "reason"});
    MaintenanceConfig m;
    if (auto v = t.string("channel")) {
        if (config.channel(*v) == nullptr)
            t.fail("channel", fmt::format("no channel with id '{}'", *v));
        m.channel = *v;
    }
    auto start = t.time("start");
    auto end = t.time("end");
    if (!start || !end)
        t.fail("[[maintenance]] needs 'start' and 'end'");
    if (*start >= *end)
        t.fail("end", "'end' must be after 'start'");
    m.start = *start;
    m.end = *end;
    m.reason = t.string("reason").value_or("");
    return m;
}

constexpr std::string_view target_kinds[] = {
    "line",    "x",     "facebook", "instagram", "mastodon", "bluesky",   "slack",
    "discord", "teams", "telegram", "webhook",   "email",    "statuspage"};
constexpr std::string_view target_params[] = {
    "to",      "page_id",   "user_id",  "image_url", "story",    "handle",
    "chat_id", "from",      "username", "customers", "segments", "unsubscribe",
    "dir",     "plaintext", "ca_file",  "url",       "timeout"};
constexpr std::string_view target_secrets[] = {
    "token",        "password",      "consumer_key", "consumer_secret",
    "access_token", "access_secret", "url",          "secret"};

TargetConfig read_target(const Source& src, const toml::table& table, const Config& config) {
    const Table t(src, table, "[[target]]");
    // Secret names as keys of their own are listed so that `token = "…"` gets the
    // secrets message below instead of "unknown key".
    std::vector<std::string> secret_keys;
    for (std::string_view name : target_secrets) {
        secret_keys.push_back(std::string(name) + "_env");
        secret_keys.push_back(std::string(name) + "_file");
    }
    std::vector<std::string_view> allowed = {"id",       "kind",       "audience", "api_base",
                                             "channels", "severities", "hold",     "template"};
    allowed.insert(allowed.end(), std::begin(target_params), std::end(target_params));
    allowed.insert(allowed.end(), std::begin(target_secrets), std::end(target_secrets));
    allowed.insert(allowed.end(), secret_keys.begin(), secret_keys.end());
    t.only(allowed);

    TargetConfig target;
    target.where = t.where();
    target.id = t.required_id();
    const auto kind = t.string("kind");
    if (!kind)
        t.fail(fmt::format("target '{}' has no 'kind'", target.id));
    if (std::find(std::begin(target_kinds), std::end(target_kinds), *kind) ==
        std::end(target_kinds))
        t.fail("kind", fmt::format("unknown target kind \"{}\" (line, x, facebook, instagram, "
                                   "mastodon, bluesky, slack, discord, teams, telegram, webhook, "
                                   "email or statuspage)",
                                   *kind));
    target.kind = *kind;
    if (auto v = t.choice("audience", {"staff", "customers"}, "\"staff\" or \"customers\""))
        target.audience = *v;
    target.api_base = t.url("api_base");
    if (auto v = t.strings("channels")) {
        check_channels(src, t, "channels", config);
        target.channels = *v;
    }
    if (auto v = t.choices("severities", {"minor", "major", "critical"},
                           "\"minor\", \"major\" or \"critical\""))
        target.severities = *v;
    target.hold = t.boolean("hold").value_or(false);
    target.template_name = t.nonempty_string("template");

    // A webhook URL of these services is itself the credential.
    const bool url_is_secret = target.kind == "slack" || target.kind == "discord" ||
                               target.kind == "teams" || target.kind == "webhook";
    for (std::string_view name : target_secrets) {
        if (name == "url" && !url_is_secret && !t.has("url_env") && !t.has("url_file"))
            continue;
        SecretRef ref = secret(t, std::string(name));
        if (!ref.empty())
            target.secrets[std::string(name)] = std::move(ref);
    }
    for (std::string_view name : target_params) {
        const toml::node* node = t.get(name);
        if (node == nullptr)
            continue;
        std::string value;
        if (name == "timeout") {
            t.positive_duration(name);
            value = node->as_string()->get();
        } else if (name == "dir" || name == "ca_file" || name == "customers") {
            value = t.path(name)->string();
        } else if (name == "url" && target.kind == "email") {
            // The e-mail target speaks SMTP: smtp:// (STARTTLS) or smtps:// (implicit TLS).
            value = *t.string(name);
            if (!value.starts_with("smtp://") && !value.starts_with("smtps://"))
                t.fail(name, fmt::format("'url' of an email target must be an smtp:// or "
                                         "smtps:// URL, not \"{}\"",
                                         value));
        } else if (name == "url" || name == "image_url") {
            value = *t.url(name);
        } else if (const auto* s = node->as_string()) {
            value = s->get();
        } else {
            value = to_json(*node).dump();
        }
        target.params[std::string(name)] = value;
    }
    return target;
}

RunbookStep read_step(const Source& src, const toml::table& table, const Config& config) {
    const Table t(src, table, "[[runbook.step]]");
    t.only({"id", "on", "run", "channels", "timeout"});
    RunbookStep step;
    step.where = t.where();
    step.id = t.required_id();
    if (auto v = t.choice("on", {"opened", "resolved"}, "\"opened\" or \"resolved\""))
        step.on = *v;
    auto run = t.strings("run");
    if (!run)
        t.fail(fmt::format("step '{}' has no 'run' (the command and its arguments)", step.id));
    if (run->empty() || run->front().empty())
        t.fail("run", "'run' must start with the command to run");
    step.run = *run;
    if (auto v = t.strings("channels")) {
        check_channels(src, t, "channels", config);
        step.channels = *v;
    }
    if (auto v = t.positive_duration("timeout"))
        step.timeout = *v;
    return step;
}

Config read_config(const toml::table& root, const std::string& name) {
    Config config;
    config.path = name;
    Source src;
    src.file = name;
    src.base_dir = fs::path(name).parent_path();

    const Table top(src, root, "the file");
    top.only({"shop", "policy", "sales", "channel", "maintenance", "target", "runbook"});

    // Order matters: the time zone reads local date-times, the policy's timeout is
    // every check's default, and channels must be known before anything names them.
    if (const toml::table* t = top.table("shop"))
        read_shop(src, *t, config.shop);
    if (const toml::table* t = top.table("policy"))
        read_policy(src, *t, config.policy);
    for (const toml::table* t : top.tables("channel", "[[channel]]")) {
        ChannelConfig channel = read_channel(src, *t, config.policy);
        if (config.channel(channel.id) != nullptr)
            src.fail(t->source(), fmt::format("duplicate channel id '{}'", channel.id));
        config.channels.push_back(std::move(channel));
    }
    if (const toml::table* t = top.table("sales"))
        read_sales(src, *t, config.sales);
    for (const toml::table* t : top.tables("maintenance", "[[maintenance]]"))
        config.maintenance.push_back(read_maintenance(src, *t, config));
    for (const toml::table* t : top.tables("target", "[[target]]")) {
        TargetConfig target = read_target(src, *t, config);
        for (const TargetConfig& other : config.targets) {
            if (other.id == target.id)
                src.fail(t->source(), fmt::format("duplicate target id '{}'", target.id));
        }
        config.targets.push_back(std::move(target));
    }
    if (const toml::table* runbook = top.table("runbook")) {
        const Table r(src, *runbook, "[runbook]");
        r.only({"step"});
        for (const toml::table* t : r.tables("step", "[[runbook.step]]")) {
            RunbookStep step = read_step(src, *t, config);
            for (const RunbookStep& other : config.runbook) {
                if (other.id == step.id)
                    src.fail(t->source(), fmt::format("duplicate runbook step id '{}'", step.id));
            }
            config.runbook.push_back(std::move(step));
        }
    }
    return config;
}

std::string url_host(const std::string& url) {
    const std::size_t scheme = url.find("://");
    std::string authority = url.substr(scheme + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (const std::size_t at = authority.rfind('@'); at != std::string::npos)
        authority.erase(0, at + 1);
    std::string host;
    if (authority.starts_with('[')) {
        host = authority.substr(1, authority.find(']') - 1);
    } else {
        host = authority.substr(0, authority.find(':'));
    }
    std::transform(host.begin(), host.end(), host.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    return host;
}

} // namespace

const ChannelConfig* Config::channel(const std::string& id) const {
    for (const ChannelConfig& c : channels) {
        if (c.id == id)
            return &c;
    }
    return nullptr;
}

std::optional<fs::path> find_config(const std::optional<fs::path>& explicit_path) {
    std::error_code ec;
    // A path we cannot even stat (EACCES) is returned: load_config then says why.
    const auto missing = [&ec](const fs::path& p) { return !fs::exists(p, ec) && !ec; };
    if (explicit_path) {
        if (missing(*explicit_path))
            throw config_error(explicit_path->string() + ": cannot read: " + std::strerror(ENOENT));
        return *explicit_path;
    }
    if (const char* env = std::getenv("SHOPKIT_CONFIG"); env != nullptr && *env != '\0') {
        if (missing(env))
            throw config_error(std::string(env) + ": cannot read: " + std::strerror(ENOENT) +
                               " (named by $SHOPKIT_CONFIG)");
        return fs::path(env);
    }
    fs::path config_home;
    // The XDG spec says a relative $XDG_CONFIG_HOME is invalid and to be ignored.
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg != nullptr && *xdg == '/')
        config_home = xdg;
    else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0')
        config_home = fs::path(home) / ".config";
    if (!config_home.empty()) {
        const fs::path p = config_home / "shopkit" / "shop.toml";
        if (fs::exists(p, ec))
            return p;
    }
    const fs::path system = "/etc/shopkit/shop.toml";
    if (fs::exists(system, ec))
        return system;
    return std::nullopt;
}

Config load_config(const fs::path& path) {
    std::FILE* file = std::fopen(path.c_str(), "rb");
    if (file == nullptr)
        throw config_error(path.string() + ": cannot read: " + std::strerror(errno));
    std::string text;
    char buffer[65536];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0)
        text.append(buffer, n);
    const bool failed = std::ferror(file) != 0;
    const int error = errno;
    std::fclose(file);
    if (failed)
        throw config_error(path.string() + ": cannot read: " + std::strerror(error));
    return parse_config(text, path.string());
}

Config parse_config(const std::string& text, const std::string& name) {
    toml::table root;
    try {
        root = toml::parse(std::string_view(text), std::string_view(name));
    } catch (const toml::parse_error& e) {
        const auto& begin = e.source().begin;
        // "Error while parsing value: …" would read "error: … Error while" after the
        // program's own "error: " prefix.
        std::string_view why = e.description();
        if (why.starts_with("Error while "))
            why.remove_prefix(std::string_view("Error while ").size());
        throw config_error(fmt::format("{}:{}:{}: {}", name, begin.line, begin.column, why));
    }
    return read_config(root, name);
}

Config config_from_urls(const std::vector<std::string>& urls) {
    if (urls.empty())
        throw usage_error("no URL to check");
    Config config;
    ChannelConfig channel;
    channel.id = "cli";
    channel.name = "cli";
    std::map<std::string, int> seen;
    std::set<std::string> ids;
    for (const std::string& url : urls) {
        if (has_userinfo(url))
            throw usage_error("a URL must not hold credentials (user:password@): they would be "
                              "printed; use a configuration with auth and password_env");
        if (!is_http_url(url))
            throw usage_error(fmt::format("'{}' is not an http:// or https:// URL", url));
        CheckConfig check;
        check.kind = "http";
        check.url = url;
        check.expect_status = {{200, 399}};
        check.timeout = std::chrono::seconds(10);
        const std::string host = url_host(url);
        // Suffixes skip ids already taken, so "a", "a", "a-2" stay three distinct checks.
        int& count = seen[host];
        check.id = ++count == 1 ? host : fmt::format("{}-{}", host, count);
        while (!ids.insert(check.id).second)
            check.id = fmt::format("{}-{}", host, ++count);
        check.where = url;
        channel.checks.push_back(std::move(check));
    }
    config.channels.push_back(std::move(channel));
    return config;
}

} // namespace shopkit
