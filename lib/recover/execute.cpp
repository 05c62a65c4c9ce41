#include "lib/recover/execute.hpp"

#include "lib/core/crypto.hpp"
#include "lib/core/error.hpp"
#include "lib/core/process.hpp"
#include "lib/core/secret.hpp"
#include "lib/net/http.hpp"
#include "lib/record/record.hpp"
#include "lib/recover/steps.hpp"
#include "lib/recover/switch_link.hpp"
#include "lib/render/notice_context.hpp"
#include "lib/render/template.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>

namespace shopkit {

namespace {

using Json = nlohmann::json;

// At most this much of a command's stderr reaches the step record and the state.
constexpr std::size_t kept_output = 2000;
constexpr int kept_lines = 10;

long long millis_between(TimePoint a, TimePoint b) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

// The last `kept_lines` lines of `text`, redacted first and then cut, so a
// secret that straddles the cut never shows a prefix.
std::string last_lines(const std::string& text) {
    std::string s = redact(text);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r'))
        s.pop_back();
    std::size_t at = s.size();
    for (int n = 0; n < kept_lines && at != std::string::npos && at > 0; ++n)
        at = s.rfind('\n', at - 1);
    if (at != std::string::npos && at < s.size())
        s.erase(0, at + 1);
    if (s.size() > kept_output)
        s.erase(0, s.size() - kept_output);
    return s;
}

StepOutcome run_command(const StepInput& in) {
    StepOutcome out;
    ProcessSpec spec;
    spec.argv = step_argv(in);
    spec.env_add = step_environment(in);
    spec.stdin_data = incident_record(IncidentEvent{in.event, in.incident, in.event_time},
                                      in.config->shop.timezone)
                          .dump(-1, ' ', false, Json::error_handler_t::replace) +
                      "\n";
    spec.timeout = in.step->timeout;
    const ProcessResult r = run_process(spec);
    out.duration_ms = r.duration.count();
    out.output = last_lines(r.stderr_tail);
    if (!r.started) {
        out.error = redact(fmt::format("cannot run {}: {}", spec.argv.front(), r.error));
    } else if (r.timed_out) {
        out.error = fmt::format("timed out after {}; its process group was killed",
                                format_duration(in.step->timeout));
    } else if (r.signal) {
        out.error = fmt::format("killed by signal {}", *r.signal);
    } else if (r.exit_code && *r.exit_code != 0) {
        out.exit_status = r.exit_code;
        out.error = fmt::format("exit status {}", *r.exit_code);
    } else {
        out.exit_status = r.exit_code.value_or(0);
        out.ok = true;
    }
    return out;
}

StepOutcome run_switch_link(const StepInput& in) {
    StepOutcome out;
    const TimePoint started = Clock().now();
    const LinkChoice choice = choose_link(*in.step, *in.config, in.open, in.counters);
    out.detail["link"] = choice.channel;
    out.detail["url"] = choice.url;
    out.detail["reason"] = choice.reason;
    try {
        if (current_link(in.step->dir) != choice.channel ||
            !std::filesystem::exists(in.step->dir / "index.html")) {
            write_link(in.step->dir, *in.config, choice, in.now);
            out.detail["changed"] = true;
        } else {
            out.detail["changed"] = false;
        }
        out.ok = true;
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        out.error = redact(e.what());
    }
    out.duration_ms = millis_between(started, Clock().now());
    return out;
}

StepOutcome run_webhook(const StepInput& in) {
    StepOutcome out;
    const TimePoint started = Clock().now();
    try {
        const RunbookStep& step = *in.step;
        const std::string url =
            step.url_secret.empty() ? step.url : resolve_secret(step.url_secret);
        const Json body = {
            {"incident", incident_record(IncidentEvent{in.event, in.incident, in.event_time},
                                         in.config->shop.timezone)},
            {"event", in.event},
            {"step", step.id},
            {"alternatives", alternatives(*in.config, in.incident.channel, in.counters)}};
        HttpRequest request;
        request.method = "POST";
        request.url = url;
        request.timeout = step.timeout;
        request.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
        request.headers = {
            {"Content-Type", "application/json"},
            {"User-Agent", "shopkit"},
            {"Idempotency-Key",
             in.incident.id + "/" + occurrence_name(in.event, in.event_time) + "/" + step.id}};
        if (!step.secret.empty())
            request.headers.emplace_back(
                "X-Shopkit-Signature",
                webhook_signature(resolve_secret(step.secret), request.body));
        HttpClient client;
        const HttpResponse response = client.send(request);
        if (!response.transfer_ok) {
            out.error = redact(response.error);
        } else if (response.status < 200 || response.status >= 300) {
            out.detail["http_status"] = response.status;
            out.error = redact(fmt::format("HTTP {}", response.status));
        } else {
            out.detail["http_status"] = response.status;
            out.ok = true;
        }
    } catch (const Error& e) {
        // A secret that cannot be read: a person must fix it; later runs retry.
        out.error = e.what();
    }
    out.duration_ms = millis_between(started, Clock().now());
    return out;
}

} // namespace

Json step_context(const StepInput& in) {
    ContextInput c;
    c.config = in.config;
    c.incident = in.incident;
    c.event = in.event;
    c.now = in.now;
    c.counters = in.counters;
    Json context = notice_context(c);
    context["step"] = {{"id", in.step->id}};
    return context;
}

std::vector<std::string> step_argv(const StepInput& in) {
    const Json context = step_context(in);
    std::vector<std::string> argv;
    for (std::size_t i = 0; i < in.step->run.size(); ++i) {
        const Template t{in.step->run[i],
                         fmt::format("{}: step '{}': run[{}]", in.step->where, in.step->id, i)};
        argv.push_back(render_template(t, context));
    }
    return argv;
}

std::vector<std::pair<std::string, std::string>> step_environment(const StepInput& in) {
    std::string checks;
    for (const auto& c : in.incident.checks)
        checks += (checks.empty() ? "" : ",") + c;
    std::vector<std::pair<std::string, std::string>> env = {
        {"SHOPKIT_INCIDENT", in.incident.id},
        {"SHOPKIT_CHANNEL", in.incident.channel},
        {"SHOPKIT_EVENT", std::string(to_string(in.event))},
        {"SHOPKIT_SEVERITY", std::string(to_string(in.incident.severity))},
        {"SHOPKIT_CHECKS", checks},
        {"SHOPKIT_STEP", in.step->id}};
    if (auto sale = incident_sale(*in.config, in.incident))
        env.emplace_back("SHOPKIT_SALE", *sale);
    return env;
}

StepOutcome run_step(const StepInput& in) {
    switch (in.step->action) {
    case StepAction::command:
        return run_command(in);
    case StepAction::switch_link:
        return run_switch_link(in);
    case StepAction::webhook:
        return run_webhook(in);
    }
    return {};
}

} // namespace shopkit
