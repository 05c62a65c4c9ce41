// shoprecover --drill: the day before a big sale, is the runbook ready? Every
// step's program, every argument rendered against a made-up incident of each
// channel, the landing page written into a scratch folder, the webhooks'
// secrets, and which channels are up right now. Nothing is recorded or run.
#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"
#include "lib/core/process.hpp"
#include "lib/core/secret.hpp"
#include "lib/detect/round.hpp"
#include "lib/record/record.hpp"
#include "lib/recover/execute.hpp"
#include "lib/recover/run.hpp"
#include "lib/recover/steps.hpp"
#include "lib/recover/switch_link.hpp"
#include "lib/render/notice_context.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace shopkit {

namespace {

using Json = nlohmann::json;

// The steps' program, or why it cannot run.
std::optional<std::string> program_problem(const RunbookStep& step) {
    if (step.action != StepAction::command)
        return std::nullopt;
    const std::string& name = step.run.front();
    if (name.find("{{") != std::string::npos)
        return std::nullopt; // chosen per incident; checked when rendered
    if (!find_program(name))
        return fmt::format("program '{}' not found{} or not executable", name,
                           name.find('/') == std::string::npos ? " in PATH" : "");
    return std::nullopt;
}

Incident made_up(const Config& config, const ChannelConfig& channel, TimePoint since) {
    Incident inc;
    inc.id = channel.id + "-drill";
    inc.channel = channel.id;
    inc.severity = Severity::critical;
    for (const auto& c : channel.checks)
        inc.checks.push_back(c.id);
    inc.since = since;
    (void)config;
    return inc;
}

struct ScratchDir {
    std::filesystem::path path;
    ScratchDir() {
        std::string t = (std::filesystem::temp_directory_path() / "shoprecover-drill-XXXXXX");
        if (::mkdtemp(t.data()) == nullptr)
            throw std::runtime_error("cannot create a scratch folder in " +
                                     std::filesystem::temp_directory_path().string());
        path = t;
    }
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

} // namespace

void check_runbook(const Config& config) {
    for (const auto& step : config.runbook) {
        if (auto why = program_problem(step))
            throw config_error(fmt::format("{}: step '{}': {}", step.where, step.id, *why));
        if (step.action != StepAction::command)
            continue;
        // Rendering against a made-up incident reports a syntax error now, not
        // during an outage.
        if (config.channels.empty())
            continue;
        StepInput in;
        in.config = &config;
        in.step = &step;
        in.incident = made_up(config, config.channels.front(), Clock().now());
        in.now = in.incident.since;
        in.event_time = in.now;
        step_argv(in);
    }
}

int drill_runbook(const Config& config, const RecoverOptions& options, Transport& transport,
                  const RecoverSink& sink, const Clock& clock) {
    const TimePoint now = clock.now();
    TimePoint since = now;
    if (options.sale_event) {
        const auto it =
            std::find_if(config.sales.events.begin(), config.sales.events.end(),
                         [&](const SalesEvent& e) { return e.name == *options.sale_event; });
        if (it == config.sales.events.end())
            throw usage_error(fmt::format("--event {}: no [[sales.event]] with that name in {}",
                                          *options.sale_event, config.path.string()));
        since = it->start;
    }
    int status = exit_status::ok;
    auto report = [&](Json rec, bool ok) {
        rec["v"] = record_version;
        rec["type"] = "drill";
        rec["result"] = ok ? "ok" : "failed";
        if (!ok)
            status = exit_status::not_recovered;
        sink.record(rec);
    };

    // What is up right now, probed as shopcheck would.
    std::vector<const ChannelConfig*> all;
    for (const auto& c : config.channels)
        all.push_back(&c);
    const auto items = probe_items(all);
    const RoundResult round =
        probe_round(config, items, transport, clock,
                    static_cast<std::size_t>(std::max(1, config.policy.concurrency)));
    std::map<CheckKey, CheckCounter> counters;
    for (const auto& r : round.results) {
        CheckCounter c;
        c.state = r.raw;
        counters[{r.channel, r.check}] = c;
    }

    for (const auto& step : config.runbook) {
        Json rec = {{"step", step.id}, {"action", to_string(step.action)}};
        if (auto why = program_problem(step)) {
            rec["error"] = *why;
            report(rec, false);
            continue;
        }
        try {
            switch (step.action) {
            case StepAction::command: {
                int rendered = 0;
                Json example;
                for (const auto& channel : config.channels) {
                    for (const Event event : step.on) {
                        StepInput in;
                        in.config = &config;
                        in.step = &step;
                        in.incident = made_up(config, channel, since);
                        if (event == Event::resolved)
                            in.incident.until = now;
                        in.event = event;
                        in.event_time = since;
                        in.now = now;
                        in.counters = counters;
                        if (!step_due(step, config, in.incident, event))
                            continue;
                        auto argv = step_argv(in);
                        if (example.is_null())
                            example = argv;
                        ++rendered;
                    }
                }
                rec["rendered"] = rendered;
                if (!example.is_null())
                    rec["argv"] = example;
                if (rendered == 0)
                    rec["note"] = options.sale_event
                                      ? "no channel's incident calls for this step during the sale"
                                      : "no channel's incident calls for this step";
                report(rec, true);
                break;
            }
            case StepAction::switch_link: {
                ScratchDir scratch;
                std::map<std::string, Incident> open;
                open[step.home] = made_up(config, *config.channel(step.home), since);
                const LinkChoice choice = choose_link(step, config, open, counters);
                write_link(scratch.path, config, choice, now);
                rec["link"] = choice.channel;
                rec["reason"] = choice.reason;
                const bool ok = choice.away &&
                                std::filesystem::exists(scratch.path / "index.html") &&
                                current_link(scratch.path) == choice.channel;
                if (!choice.away)
                    rec["error"] = fmt::format(
                        "if {} went down now, no channel of 'prefer' is up to send customers to",
                        step.home);
                report(rec, ok);
                break;
            }
            case StepAction::webhook: {
                if (!step.url_secret.empty())
                    resolve_secret(step.url_secret);
                if (!step.secret.empty())
                    resolve_secret(step.secret);
                rec["note"] = "secrets readable; nothing was posted";
                report(rec, true);
                break;
            }
            }
        } catch (const Error& e) {
            rec["error"] = redact(e.what());
            report(rec, false);
        } catch (const std::exception& e) {
            rec["error"] = redact(e.what());
            report(rec, false);
        }
    }

    // Per channel: is it up now, and where could its customers go if it failed?
    for (const auto& channel : config.channels) {
        bool up = !channel.checks.empty();
        std::string failing;
        for (const auto& r : round.results)
            if (r.channel == channel.id && r.raw != State::up) {
                up = false;
                failing += (failing.empty() ? "" : ", ") + r.check + ": " +
                           (r.error.empty() ? std::string(to_string(r.raw)) : r.error);
            }
        Json alts = Json::array();
        for (const auto& a : alternatives(config, channel.id, counters))
            alts.push_back(a["id"]);
        Json rec = {{"channel", channel.id}, {"up", up}, {"alternatives", alts}};
        if (round.network_down)
            rec["error"] = round.network_detail;
        else if (!up)
            rec["error"] = failing.empty() ? "no checks" : failing;
        report(rec, up && !round.network_down);
    }
    return status;
}

} // namespace shopkit
