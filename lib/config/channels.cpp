#include "lib/config/sections.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstddef>
#include <cstdio>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace shopkit::config_detail {

namespace {

// The largest `max_body` a check may set (64 MiB): every check's body is held
// whole in memory, all of a run's at once.
constexpr std::size_t max_body_limit = std::size_t{64} << 20;

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

    // A certificate is only seen over TLS: an http:// URL would never show one.
    if (check.kind == "tls" && !check.url.starts_with("https://"))
        t.fail(t.has("url") ? "url" : "kind",
               fmt::format("check '{}' of kind \"tls\" needs an https:// URL, not \"{}\"", check.id,
                           check.url));

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
    if (t.has("max_body")) {
        check.max_body = byte_size(t, "max_body");
        if (check.max_body > max_body_limit)
            t.fail("max_body", fmt::format("'max_body' must be at most 64MiB ({} bytes), not {}",
                                           max_body_limit, check.max_body));
    }

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

} // namespace

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

void check_channels(const Source& src, const Table& t, std::string_view key, const Config& config) {
    const auto* array = t.get(key)->as_array();
    for (const toml::node& element : *array) {
        const std::string& id = element.as_string()->get();
        if (config.channel(id) == nullptr)
            src.fail(element.source(), fmt::format("no channel with id '{}'", id));
    }
}

} // namespace shopkit::config_detail
