#include "lib/config/sections.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <utility>

namespace shopkit {

std::string_view to_string(StepAction a) {
    switch (a) {
    case StepAction::command:
        return "command";
    case StepAction::switch_link:
        return "switch_link";
    case StepAction::webhook:
        return "webhook";
    }
    return "command";
}

namespace config_detail {

namespace {

constexpr const char* events_spelled = "\"opened\", \"updated\", \"resolved\" or \"maintenance\"";

std::optional<std::vector<Event>> read_events(const Table& t) {
    const toml::node* node = t.get("on");
    if (node == nullptr)
        return std::nullopt;
    std::vector<std::string> names;
    if (node->is_string()) {
        names.push_back(
            *t.choice("on", {"opened", "updated", "resolved", "maintenance"}, events_spelled));
    } else {
        names = *t.choices("on", {"opened", "updated", "resolved", "maintenance"}, events_spelled);
        if (names.empty())
            t.fail("on", "'on' needs at least one event");
    }
    std::vector<Event> events;
    for (const auto& n : names)
        if (auto e = event_from_string(n);
            e && std::find(events.begin(), events.end(), *e) == events.end())
            events.push_back(*e);
    return events;
}

// Every id in `key` must name a check of one of `channels` (all when empty).
void check_checks(const Source& src, const Table& t, std::string_view key, const Config& config,
                  const std::vector<std::string>& channels) {
    for (const toml::node& element : *t.get(key)->as_array()) {
        const std::string& id = element.as_string()->get();
        const bool found =
            std::any_of(config.channels.begin(), config.channels.end(), [&](const auto& c) {
                if (!channels.empty() &&
                    std::find(channels.begin(), channels.end(), c.id) == channels.end())
                    return false;
                return std::any_of(c.checks.begin(), c.checks.end(),
                                   [&](const auto& k) { return k.id == id; });
            });
        if (!found)
            src.fail(element.source(),
                     channels.empty()
                         ? fmt::format("no check with id '{}' in any channel", id)
                         : fmt::format("no check with id '{}' in the step's channels", id));
    }
}

RunbookStep read_step(const Source& src, const toml::table& table, const Config& config) {
    const Table t(src, table, "[[runbook.step]]");
    t.only({"id", "on", "channels", "severities", "checks", "sale", "run", "action", "timeout",
            "retries", "dir", "home", "prefer", "url", "url_env", "url_file", "secret_env",
            "secret_file", "secret"});
    RunbookStep step;
    step.where = t.where();
    step.id = t.required_id();

    if (auto v = t.choice("action", {"switch_link", "webhook"}, "\"switch_link\" or \"webhook\""))
        step.action = *v == "switch_link" ? StepAction::switch_link : StepAction::webhook;
    if (step.action == StepAction::switch_link)
        step.on = {Event::opened, Event::updated, Event::resolved};
    if (auto v = read_events(t))
        step.on = *v;

    if (auto v = t.strings("channels")) {
        check_channels(src, t, "channels", config);
        step.channels = *v;
    }
    if (auto v = t.choices("severities", {"minor", "major", "critical"},
                           "\"minor\", \"major\" or \"critical\""))
        for (const auto& s : *v)
            step.severities.push_back(*severity_from_string(s));
    if (auto v = t.strings("checks")) {
        check_checks(src, t, "checks", config, step.channels);
        step.checks = *v;
    }
    step.sale = t.boolean("sale");
    if (auto v = t.positive_duration("timeout"))
        step.timeout = *v;
    if (auto v = t.integer_in("retries", 0, 100))
        step.retries = *v;

    auto only_for = [&](StepAction action, std::initializer_list<std::string_view> keys) {
        for (std::string_view key : keys) {
            if (!t.has(key) || step.action == action)
                continue;
            if (action == StepAction::command)
                t.fail(key, fmt::format("'{}' cannot go with action = \"{}\"", key,
                                        to_string(step.action)));
            t.fail(key, fmt::format("'{}' belongs to a step with action = \"{}\"", key,
                                    to_string(action)));
        }
    };
    only_for(StepAction::command, {"run"});
    only_for(StepAction::switch_link, {"dir", "home", "prefer"});
    only_for(StepAction::webhook, {"url", "url_env", "url_file", "secret_env", "secret_file"});

    switch (step.action) {
    case StepAction::command: {
        auto run = t.strings("run");
        if (!run)
            t.fail(fmt::format("step '{}' has no 'run' (the command and its arguments) and no "
                               "'action'",
                               step.id));
        if (run->empty() || run->front().empty())
            t.fail("run", "'run' must start with the command to run");
        step.run = *run;
        break;
    }
    case StepAction::switch_link: {
        if (config.channels.empty())
            t.fail("action", "switch_link needs at least one [[channel]]");
        const auto dir = t.path("dir");
        if (!dir)
            t.fail(fmt::format(
                "step '{}' (switch_link) needs 'dir', the folder of the landing page", step.id));
        step.dir = *dir;
        if (auto home = t.id("home")) {
            if (config.channel(*home) == nullptr)
                t.fail("home", fmt::format("no channel with id '{}'", *home));
            step.home = *home;
        } else {
            step.home = config.channels.front().id;
        }
        if (auto v = t.strings("prefer")) {
            check_channels(src, t, "prefer", config);
            step.prefer = *v;
        } else {
            for (const auto& c : config.channels)
                if (c.id != step.home)
                    step.prefer.push_back(c.id);
        }
        if (std::find(step.prefer.begin(), step.prefer.end(), step.home) != step.prefer.end())
            t.fail("prefer",
                   fmt::format("'prefer' must not hold the home channel '{}'", step.home));
        for (const auto& id : step.prefer)
            if (config.channel(id)->url.empty())
                t.fail("prefer", fmt::format("channel '{}' has no 'url' to send customers to", id));
        if (config.channel(step.home)->url.empty())
            t.fail(t.has("home") ? "home" : "action",
                   fmt::format("channel '{}' has no 'url' to send customers to", step.home));
        if (!step.channels.empty())
            t.fail("channels", "switch_link watches 'home' and 'prefer' itself: drop 'channels'");
        break;
    }
    case StepAction::webhook: {
        const bool url_is_secret = t.has("url_env") || t.has("url_file");
        if (url_is_secret && t.has("url"))
            t.fail("url", "give 'url' or 'url_env'/'url_file', not both");
        const SecretRef url_secret = url_is_secret ? secret(t, "url") : SecretRef{};
        if (auto url = t.url("url"))
            step.url = *url;
        else if (!url_is_secret)
            t.fail(
                fmt::format("step '{}' (webhook) needs 'url' (or 'url_env'/'url_file')", step.id));
        step.url_secret = url_secret;
        step.secret = secret(t, "secret");
        break;
    }
    }
    return step;
}

} // namespace

std::vector<RunbookStep> read_runbook(const Source& src, const toml::table& table,
                                      const Config& config) {
    const Table r(src, table, "[runbook]");
    r.only({"step"});
    std::vector<RunbookStep> steps;
    for (const toml::table* t : r.tables("step", "[[runbook.step]]")) {
        RunbookStep step = read_step(src, *t, config);
        for (const RunbookStep& other : steps) {
            if (other.id == step.id)
                src.fail(t->source(), fmt::format("duplicate runbook step id '{}'", step.id));
        }
        steps.push_back(std::move(step));
    }
    return steps;
}

} // namespace config_detail

} // namespace shopkit
