#include "lib/config/config.hpp"

#include "lib/config/toml_reader.hpp"
#include "lib/core/clock.hpp"
#include "lib/core/error.hpp"

#include <fmt/core.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string_view>

namespace shopkit {

namespace fs = std::filesystem;
using namespace config_detail;

namespace {

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
