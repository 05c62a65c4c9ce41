#include "lib/config/config.hpp"

#include "lib/config/sections.hpp"
#include "lib/config/toml_reader.hpp"
#include "lib/core/error.hpp"

#include <fmt/core.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string_view>

namespace shopkit {

namespace fs = std::filesystem;
using namespace config_detail;

namespace {

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
    if (const toml::table* t = top.table("runbook"))
        config.runbook = read_runbook(src, *t, config);
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
        if (const std::string why = url_problem(url); !why.empty())
            throw usage_error(fmt::format("'{}' is not a valid URL: {}", url, why));
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

Config load_config_option(const std::string& option, const std::string& hint) {
    const auto path =
        find_config(option.empty() ? std::nullopt : std::optional(std::filesystem::path(option)));
    if (!path)
        throw config_error("no configuration found: give -c FILE or set SHOPKIT_CONFIG" + hint);
    return load_config(*path);
}

} // namespace shopkit
