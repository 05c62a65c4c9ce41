#include "lib/report/records.hpp"

#include "lib/core/error.hpp"
#include "lib/record/record.hpp"
#include "lib/state/rollup.hpp"

#include <fmt/core.h>

#include <set>
#include <vector>

namespace shopkit::report {

namespace {

// A required text field of record `j`; throws a plain message the caller
// places at its line.
std::string text_field(const Json& j, const char* key) {
    const auto f = j.find(key);
    if (f == j.end() || !f->is_string() || f->get<std::string>().empty())
        throw std::invalid_argument(fmt::format("no \"{}\"", key));
    return f->get<std::string>();
}

TimePoint time_field(const Json& j, const char* key) {
    const auto t = parse_rfc3339(text_field(j, key));
    if (!t)
        throw std::invalid_argument(fmt::format("\"{}\" is not an RFC 3339 time", key));
    return *t;
}

template <class E, class F> E enum_field(const Json& j, const char* key, F from_string) {
    const auto v = from_string(text_field(j, key));
    if (!v)
        throw std::invalid_argument(fmt::format("\"{}\" has an unknown value", key));
    return *v;
}

CheckResult check_of(const Json& j) {
    CheckResult r;
    r.time = time_field(j, "time");
    r.channel = text_field(j, "channel");
    r.check = text_field(j, "check");
    r.state = enum_field<State>(j, "state", state_from_string);
    r.raw =
        j.contains("raw_state") ? enum_field<State>(j, "raw_state", state_from_string) : r.state;
    return r;
}

// A line read and understood, kept until the whole log is known to be good.
struct Parsed {
    std::vector<std::vector<CheckResult>> runs; // check records grouped into runs
    std::vector<IncidentEvent> incidents;
    std::vector<OutboxRow> notices;
    std::vector<StepRun> steps;
};

} // namespace

RecordsRead load_records(std::istream& in, const std::string& name, const Config& config,
                         const Stores& state, TimePoint now) {
    RecordReader reader(in, name);
    RecordsRead counts;
    Parsed p;
    std::set<CheckKey> in_run;
    while (const auto rec = reader.next()) {
        ++counts.lines;
        const std::string type = (*rec)["type"].get<std::string>();
        try {
            if (type == "check") {
                CheckResult r = check_of(*rec);
                // One shopcheck run writes each check once: a check seen again
                // starts the next run.
                if (p.runs.empty() || in_run.count({r.channel, r.check})) {
                    p.runs.emplace_back();
                    in_run.clear();
                }
                in_run.insert({r.channel, r.check});
                p.runs.back().push_back(std::move(r));
                ++counts.checks;
            } else if (type == "incident") {
                p.incidents.push_back(incident_from_record(*rec, now));
                ++counts.incidents;
            } else if (type == "announcement") {
                const std::string result = text_field(*rec, "result");
                if (result != "sent" && result != "failed")
                    continue; // held, retried, dry runs: nothing went out
                OutboxRow row;
                row.incident = text_field(*rec, "incident");
                row.event = enum_field<Event>(*rec, "event", event_from_string);
                row.target = text_field(*rec, "target");
                row.audience = enum_field<Audience>(*rec, "audience", audience_from_string);
                row.name = rec->contains("name") ? text_field(*rec, "name")
                                                 : std::string(to_string(row.event));
                row.key = row.incident + "/" + row.name + "/" + row.target;
                row.created = time_field(*rec, "time");
                row.state = result == "sent" ? OutboxState::sent : OutboxState::failed;
                row.finished = row.created;
                row.error = field_text(*rec, "error");
                p.notices.push_back(std::move(row));
                ++counts.announcements;
            } else if (type == "step") {
                const std::string result = text_field(*rec, "result");
                if (result != "ok" && result != "failed")
                    continue; // a retry comes back as ok or failed later
                StepRun run;
                run.incident = text_field(*rec, "incident");
                run.event = enum_field<Event>(*rec, "event", event_from_string);
                run.name = std::string(to_string(run.event));
                run.step = text_field(*rec, "step");
                run.created = time_field(*rec, "time");
                run.state = result == "ok" ? StepState::ok : StepState::failed;
                run.finished = run.created;
                if (const auto a = rec->find("attempt"); a != rec->end() && a->is_number_integer())
                    run.attempts = a->get<int>();
                if (const auto x = rec->find("exit_status");
                    x != rec->end() && x->is_number_integer())
                    run.exit_status = x->get<int>();
                run.error = field_text(*rec, "error");
                p.steps.push_back(std::move(run));
                ++counts.steps;
            }
        } catch (const Error& e) {
            throw data_error(fmt::format("{}:{}: {}", name, reader.line(), e.what()));
        } catch (const std::exception& e) {
            throw data_error(
                fmt::format("{}:{}: {} record: {}", name, reader.line(), type, e.what()));
        }
    }

    for (const auto& run : p.runs)
        record_probes(state, run, config.maintenance, config.shop.timezone);
    state.transaction([&] {
        for (const IncidentEvent& e : p.incidents)
            sync_incident(state.incidents, e);
        for (OutboxRow& row : p.notices) {
            OutboxRow inserted = row;
            if (state.outbox.enqueue(inserted)) {
                row.id = inserted.id;
                state.outbox.update_outbox(row);
            }
        }
        for (StepRun& run : p.steps) {
            StepRun inserted = run;
            // A retried step logs each attempt: the last one is what it came to.
            if (!state.runbook.add_step_run(inserted)) {
                for (StepRun& existing : state.runbook.step_runs(run.incident))
                    if (existing.name == run.name && existing.step == run.step) {
                        run.id = existing.id;
                        state.runbook.update_step_run(run);
                    }
                continue;
            }
            run.id = inserted.id;
            state.runbook.update_step_run(run);
        }
    });
    return counts;
}

} // namespace shopkit::report
