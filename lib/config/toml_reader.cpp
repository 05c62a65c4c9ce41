#include "lib/config/toml_reader.hpp"

#include "lib/core/clock.hpp"
#include "lib/core/duration.hpp"
#include "lib/core/error.hpp"
#include "lib/core/secret.hpp"

#include <curl/curl.h>
#include <fmt/core.h>
#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace shopkit::config_detail {

namespace fs = std::filesystem;

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

// A URL is parsed at load by the parser that will send it, so a broken port or
// host is a config error with its line, not a check that is down forever.
std::string url_problem(std::string_view url) {
    CURLU* handle = curl_url();
    if (handle == nullptr)
        throw std::bad_alloc();
    const CURLUcode rc = curl_url_set(handle, CURLUPART_URL, std::string(url).c_str(), 0);
    curl_url_cleanup(handle);
    return rc == CURLUE_OK ? std::string() : std::string(curl_url_strerror(rc));
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

std::string Source::at(const toml::source_region& region) const {
    if (region.begin.line == 0)
        return file;
    return fmt::format("{}:{}:{}", file, region.begin.line, region.begin.column);
}

void Source::fail(const toml::source_region& region, const std::string& why) const {
    throw config_error(at(region) + ": " + why);
}

fs::path Source::path(const std::string& text) const {
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

Table::Table(const Source& src, const toml::table& table, std::string name)
    : src_(src), table_(table), name_(std::move(name)) {}

std::string Table::where() const {
    return src_.at(table_.source());
}

void Table::fail(const std::string& why) const {
    src_.fail(table_.source(), why);
}

void Table::fail(std::string_view key, const std::string& why) const {
    src_.fail(value_region(key), why);
}

void Table::only(const std::vector<std::string_view>& allowed) const {
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

const toml::node* Table::get(std::string_view key) const {
    return table_.get(key);
}

bool Table::has(std::string_view key) const {
    return table_.contains(key);
}

std::string Table::key_at(std::string_view key) const {
    return src_.at(key_region(key));
}

std::optional<std::string> Table::string(std::string_view key) const {
    const toml::node* node = get(key);
    if (node == nullptr)
        return std::nullopt;
    if (const auto* s = node->as_string())
        return s->get();
    wrong_type(key, "a string");
}

std::optional<std::string> Table::nonempty_string(std::string_view key) const {
    auto s = string(key);
    if (s && s->empty())
        fail(key, fmt::format("'{}' must not be empty", key));
    return s;
}

std::optional<std::int64_t> Table::integer(std::string_view key) const {
    const toml::node* node = get(key);
    if (node == nullptr)
        return std::nullopt;
    if (const auto* i = node->as_integer())
        return i->get();
    wrong_type(key, "an integer");
}

std::optional<int> Table::integer_in(std::string_view key, int lo, int hi) const {
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

std::optional<double> Table::number(std::string_view key) const {
    const toml::node* node = get(key);
    if (node == nullptr)
        return std::nullopt;
    if (const auto* i = node->as_integer())
        return static_cast<double>(i->get());
    if (const auto* f = node->as_floating_point())
        return f->get();
    wrong_type(key, "a number");
}

std::optional<bool> Table::boolean(std::string_view key) const {
    const toml::node* node = get(key);
    if (node == nullptr)
        return std::nullopt;
    if (const auto* b = node->as_boolean())
        return b->get();
    wrong_type(key, "a boolean (true or false)");
}

std::optional<Millis> Table::duration(std::string_view key) const {
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

std::optional<Millis> Table::positive_duration(std::string_view key) const {
    auto d = duration(key);
    if (d && d->count() <= 0)
        fail(key, fmt::format("'{}' must be longer than 0s", key));
    return d;
}

std::optional<std::vector<std::string>> Table::strings(std::string_view key) const {
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
            src_.fail(element.source(), fmt::format("'{}' must be an array of strings, not of {}",
                                                    key, type_name(element)));
        out.push_back(s->get());
    }
    return out;
}

std::optional<std::vector<std::string>>
Table::choices(std::string_view key, std::initializer_list<std::string_view> allowed,
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

std::optional<std::string> Table::choice(std::string_view key,
                                         std::initializer_list<std::string_view> allowed,
                                         const char* spelled) const {
    auto value = string(key);
    if (value && std::find(allowed.begin(), allowed.end(), *value) == allowed.end())
        fail(key, fmt::format("'{}' must be {}, not \"{}\"", key, spelled, *value));
    return value;
}

std::optional<std::string> Table::url(std::string_view key) const {
    auto value = string(key);
    if (value && has_userinfo(*value))
        fail(key, fmt::format("'{}' must not hold credentials (user:password@): use auth = "
                              "\"basic\" with username and password_env or password_file",
                              key));
    if (value && !is_http_url(*value))
        fail(key, fmt::format("'{}' must be an http:// or https:// URL, not \"{}\"", key, *value));
    if (value)
        if (const std::string why = url_problem(*value); !why.empty())
            fail(key, fmt::format("'{}' is not a valid URL: {}: \"{}\"", key, why, *value));
    return value;
}

std::optional<fs::path> Table::path(std::string_view key) const {
    auto value = nonempty_string(key);
    if (!value)
        return std::nullopt;
    return src_.path(*value);
}

std::optional<std::string> Table::id(std::string_view key) const {
    auto value = string(key);
    if (value && !is_plain_id(*value))
        fail(key,
             fmt::format("'{}' must be letters, digits, '-', '_' or '.', not \"{}\"", key, *value));
    return value;
}

std::string Table::required_id() const {
    auto value = id();
    if (!value)
        fail(fmt::format("{} has no 'id'", name_));
    return *value;
}

std::optional<TimePoint> Table::time(std::string_view key) const {
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
    // utc_civil refuses a day that does not exist, and a year a TimePoint cannot hold.
    const auto as_if_utc =
        utc_civil(v.date.year, v.date.month, v.date.day, v.time.hour, v.time.minute, v.time.second);
    if (!as_if_utc)
        fail(key, fmt::format("'{}' is not a valid date", key));
    if (v.offset)
        return *as_if_utc - std::chrono::minutes(v.offset->minutes) +
               std::chrono::duration_cast<TimePoint::duration>(
                   std::chrono::nanoseconds(v.time.nanosecond));
    if (src_.timezone.empty())
        fail(key, fmt::format("'{}' has no UTC offset: write one (e.g. +09:00) or set "
                              "[shop] timezone",
                              key));
    const auto local = local_civil(src_.timezone, v.date.year, v.date.month, v.date.day,
                                   v.time.hour, v.time.minute, v.time.second);
    if (!local)
        fail(key, fmt::format("'{}' is not a valid date-time", key));
    return *local + std::chrono::duration_cast<TimePoint::duration>(
                        std::chrono::nanoseconds(v.time.nanosecond));
}

const toml::table* Table::table(std::string_view key) const {
    const toml::node* node = get(key);
    if (node == nullptr)
        return nullptr;
    if (const auto* t = node->as_table())
        return t;
    wrong_type(key, "a table");
}

std::vector<const toml::table*> Table::tables(std::string_view key,
                                              const std::string& spelled) const {
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

toml::source_region Table::value_region(std::string_view key) const {
    const toml::node* node = get(key);
    if (node != nullptr && node->source().begin.line != 0)
        return node->source();
    return key_region(key);
}

toml::source_region Table::key_region(std::string_view key) const {
    const auto it = table_.find(key);
    if (it != table_.end() && it->first.source().begin.line != 0)
        return it->first.source();
    if (it != table_.end() && it->second.source().begin.line != 0)
        return it->second.source();
    return table_.source();
}

bool Table::before(const toml::source_region& a, const toml::source_region& b) {
    if (a.begin.line != b.begin.line)
        return a.begin.line < b.begin.line;
    return a.begin.column < b.begin.column;
}

void Table::wrong_type(std::string_view key, const char* expected) const {
    fail(key, fmt::format("'{}' must be {}, not {}", key, expected, type_name(*get(key))));
}

void check_regex(const Table& t, std::string_view key, const std::string& pattern) {
    const RE2 re(pattern, RE2::Quiet);
    if (!re.ok())
        t.fail(key, fmt::format("'{}' is not a valid RE2 pattern: {}", key, re.error()));
}

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
        ref.key = env_key;
    } else if (auto file = t.path(file_key)) {
        ref.source = SecretRef::Source::file;
        ref.name = file->string();
        ref.where = t.key_at(file_key);
        ref.key = file_key;
    }
    return ref;
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

} // namespace shopkit::config_detail
