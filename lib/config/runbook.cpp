#include "lib/config/sections.hpp"

#include <fmt/core.h>

#include <utility>

namespace shopkit::config_detail {

namespace {

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

} // namespace shopkit::config_detail
