#include "lib/recover/runner.hpp"

#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"
#include "lib/core/secret.hpp"
#include "lib/record/record.hpp"
#include "lib/recover/steps.hpp"
#include "lib/state/lease.hpp"
#include "lib/state/permissions.hpp"

#include <fmt/core.h>

#include <algorithm>

namespace shopkit {

namespace {

using Json = nlohmann::json;

constexpr Millis stale_after = std::chrono::hours(24);

} // namespace

Runner::Runner(const Config& c, const RecoverOptions& o, const RecoverSink& s, const Clock& cl)
    : config(c), opt(o), sink(s), clock(cl), now(cl.now()) {}

void Runner::open_state() {
    if (opt.stores) {
        state = opt.stores;
        return;
    }
    const auto path = opt.state ? *opt.state : config.shop.state.value_or(default_state_path());
    check_state_permissions(path, opt.state.has_value());
    try {
        handle_ = open_sqlite_state(path);
    } catch (const std::runtime_error& e) {
        throw Error(exit_status::tempfail, e.what());
    }
    state = &handle_->stores();
}

void Runner::worse(int s) {
    status = exit_status::worse(status, s);
}

Json Runner::step_record(const StepRun& row, const std::string& result,
                         const StepOutcome* outcome) const {
    const std::string& tz = config.shop.timezone;
    Json j = {{"v", record_version},      {"type", "step"},         {"time", format_local(now, tz)},
              {"incident", row.incident}, {"event", row.event},     {"step", row.step},
              {"result", result},         {"attempt", row.attempts}};
    // failover while the incident lasts, restore once it is over (shopkit(7)).
    j["phase"] = row.event == Event::resolved      ? "restore"
                 : row.event == Event::maintenance ? "maintenance"
                                                   : "failover";
    if (const RunbookStep* step = find_step(config, row.step))
        j["action"] = to_string(step->action);
    if (const auto inc = state ? state->incidents.incident(row.incident) : std::nullopt) {
        j["channel"] = inc->channel;
        if (auto sale = incident_sale(config, *inc))
            j["sale"] = *sale;
    }
    if (outcome) {
        if (outcome->exit_status)
            j["exit_status"] = *outcome->exit_status;
        j["duration_ms"] = outcome->duration_ms;
        for (const auto& [k, v] : outcome->detail.items())
            j[k] = v;
        if (!outcome->output.empty())
            j["stderr"] = outcome->output;
    }
    if (!row.error.empty())
        j["error"] = redact(row.error);
    if (row.state == StepState::pending && row.next_attempt)
        j["next_attempt"] = format_local(*row.next_attempt, tz);
    return j;
}

std::vector<Runner::Due> Runner::due_runs(const std::vector<IncidentEvent>& input) {
    std::vector<Incident> live = state->incidents.incidents_since(now - stale_after);
    for (const auto& e : input)
        if (std::none_of(live.begin(), live.end(),
                         [&](const Incident& i) { return i.id == e.incident.id; }))
            live.push_back(e.incident);
    std::vector<Due> out;
    for (const auto& incident : live) {
        std::vector<IncidentEvent> events = state->incidents.incident_events(incident.id);
        if (events.empty())
            for (const auto& e : input)
                if (e.incident.id == incident.id)
                    events.push_back(e);
        const auto current = state->incidents.incident(incident.id).value_or(incident);
        for (const auto& e : events) {
            if (e.time < now - stale_after)
                continue;
            for (const RunbookStep* step : due_steps(config, e.incident, e.event)) {
                Due d{StepRun{}, step, e};
                d.row.incident = incident.id;
                d.row.event = e.event;
                d.row.name = occurrence_name(e.event, e.time);
                d.row.step = step->id;
                d.row.created = now;
                // Failing over for an outage that is already over helps nobody.
                if (current.until && e.event != Event::resolved) {
                    d.row.state = StepState::skipped;
                    d.row.finished = now;
                    d.row.error = "the incident was over before the step could run";
                }
                out.push_back(std::move(d));
            }
        }
    }
    return out;
}

void Runner::plan(const std::vector<IncidentEvent>& input) {
    for (auto& d : due_runs(input))
        if (state->runbook.add_step_run(d.row) && d.row.state == StepState::skipped)
            sink.record(step_record(d.row, "skipped"));
}

void Runner::show_planned(const std::vector<IncidentEvent>& input) {
    for (auto& d : due_runs(input)) {
        const auto known = state->runbook.step_runs(d.row.incident);
        if (std::any_of(known.begin(), known.end(), [&](const StepRun& r) {
                return r.name == d.row.name && r.step == d.row.step;
            }))
            continue;
        Json rec = step_record(d.row, d.row.state == StepState::skipped ? "skipped" : "dry-run");
        if (d.row.state != StepState::skipped && d.step->action == StepAction::command)
            rec["argv"] = step_argv(input_for(*d.step, d.event));
        sink.record(rec);
    }
    for (const auto& r : state->runbook.unfinished_step_runs()) {
        Json rec = step_record(r, "dry-run");
        rec["queued"] = true;
        sink.record(rec);
    }
}

std::vector<StepRun> Runner::claim() {
    std::vector<StepRun> claimed;
    const std::string owner = lease_owner();
    state->transaction([&] {
        for (auto& r : state->runbook.unfinished_step_runs()) {
            const RunbookStep* step = find_step(config, r.step);
            if (step == nullptr) {
                r.state = StepState::failed;
                r.finished = now;
                r.error = fmt::format("step '{}' is no longer in the configuration", r.step);
                state->runbook.update_step_run(r);
                sink.record(step_record(r, "failed"));
                worse(exit_status::tempfail);
                continue;
            }
            if (r.state == StepState::pending && r.next_attempt && *r.next_attempt > now) {
                // Failed before and waits for its retry: still failing.
                sink.record(step_record(r, "retry"));
                worse(exit_status::tempfail);
                continue;
            }
            if (r.state == StepState::running && !lease_lapsed(r.owner, r.lease_until, now))
                continue; // another run is on it
            r.state = StepState::running;
            r.owner = owner;
            r.lease_until = now + step->timeout + std::chrono::minutes(1);
            r.attempts += 1;
            state->runbook.update_step_run(r);
            claimed.push_back(r);
        }
    });
    return claimed;
}

std::optional<IncidentEvent> Runner::event_of(const StepRun& row) const {
    for (auto& e : state->incidents.incident_events(row.incident))
        if (e.event == row.event && occurrence_name(e.event, e.time) == row.name)
            return e;
    return std::nullopt;
}

StepInput Runner::input_for(const RunbookStep& step, const IncidentEvent& event) const {
    StepInput in;
    in.config = &config;
    in.step = &step;
    in.incident = event.incident;
    in.event = event.event;
    in.event_time = event.time;
    in.now = now;
    in.counters = state->checks.load_counters();
    in.open = state->incidents.open_incidents();
    return in;
}

void Runner::execute(StepRun& row) {
    const RunbookStep& step = *find_step(config, row.step);
    StepOutcome outcome;
    if (const auto event = event_of(row)) {
        try {
            outcome = run_step(input_for(step, *event));
        } catch (const Error& e) {
            outcome.error = e.what();
        }
    } else {
        outcome.error =
            fmt::format("incident {} has no {} event in the state", row.incident, row.name);
    }
    const TimePoint done = clock.now();
    row.owner.clear();
    row.lease_until.reset();
    row.exit_status = outcome.exit_status;
    row.duration_ms = outcome.duration_ms;
    row.output = outcome.output;
    row.error = redact(outcome.error);
    std::string result;
    if (outcome.ok) {
        row.state = StepState::ok;
        row.finished = done;
        row.next_attempt.reset();
        result = "ok";
    } else if (row.attempts > step.retries) {
        row.state = StepState::failed;
        row.finished = done;
        result = "failed";
        worse(exit_status::tempfail);
    } else {
        row.state = StepState::pending;
        row.next_attempt = next_attempt_after(row.attempts, std::nullopt, done);
        result = "retry";
        worse(exit_status::tempfail);
    }
    state->transaction([&] { state->runbook.update_step_run(row); });
    sink.record(step_record(row, result, &outcome));
}

void Runner::run_claimed() {
    for (auto& row : claim())
        execute(row);
}

} // namespace shopkit
