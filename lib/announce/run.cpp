#include "lib/announce/run.hpp"

#include "lib/announce/outbox.hpp"
#include "lib/announce/policy.hpp"
#include "lib/announce/target.hpp"
#include "lib/core/cli.hpp"
#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"
#include "lib/core/secret.hpp"
#include "lib/core/text.hpp"
#include "lib/record/record.hpp"
#include "lib/render/notice_context.hpp"
#include "lib/render/template.hpp"
#include "lib/state/permissions.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

namespace shopkit {

namespace {

using Json = nlohmann::json;

// How long a claimed row is this run's before another run may take it over
// (a run on the same host that dies hands it over at once, see claimable()).
Millis lease_for(const TargetConfig& t) {
    return t.kind == "email" ? Millis(std::chrono::hours(2)) : Millis(std::chrono::minutes(15));
}

std::string first_line(const std::string& text) {
    return text.substr(0, text.find('\n'));
}

std::string compact_utc(TimePoint t) {
    std::string s = format_utc(t); // 2026-06-04T03:00:03Z
    s.erase(std::remove_if(s.begin(), s.end(), [](char c) { return c == '-' || c == ':'; }),
            s.end());
    return s; // 20260604T030003Z
}

struct Run {
    Run(const Config& c, const AnnounceOptions& o, const AnnounceSink& s, const Clock& cl)
        : config(c), opt(o), sink(s), clock(cl) {}

    const Config& config;
    const AnnounceOptions& opt;
    const AnnounceSink& sink;
    const Clock& clock;
    const Stores* state = nullptr;
    TimePoint now;
    PolicyConfig policy() const { return policy_at(config, now); } // the sale's at a sale
    std::map<CheckKey, CheckCounter> counters;
    std::map<CheckKey, CheckResult> probes; // the latest check record of each check on stdin
    std::map<std::string, std::unique_ptr<Target>> targets;
    TargetEnv env;
    int status = exit_status::ok;

    void worse(int s) { status = exit_status::worse(status, s); }

    bool selected(const TargetConfig& t) const {
        return opt.targets.empty() ||
               std::find(opt.targets.begin(), opt.targets.end(), t.id) != opt.targets.end();
    }

    const TargetConfig* target_config(const std::string& id) const {
        for (const auto& t : config.targets)
            if (t.id == id)
                return &t;
        return nullptr;
    }

    Target& target(const TargetConfig& t) {
        auto& slot = targets[t.id];
        if (!slot)
            slot = make_target(t, env);
        return *slot;
    }

    // A new outbox row for this target, rendered now: what is queued is what goes out.
    OutboxRow render_row(const TargetConfig& t, const Incident& incident, Event event,
                         const std::string& name) {
        const bool staff = t.audience == Audience::staff;
        ContextInput in;
        in.config = &config;
        in.incident = incident;
        in.event = event;
        in.now = now;
        in.next_update = next_update(policy(), incident, now);
        in.counters = counters;
        in.message = opt.message;
        if (staff) {
            in.probes = probes;
            in.customers = customer_notices(incident);
        }
        const Json context = notice_context(in);
        TemplateSearch search{config.shop.templates, config.shop.language};
        const Template tmpl = find_template(search, std::string(to_string(event)),
                                            TemplateWant{t.kind, t.template_name, staff});
        OutboxRow row;
        row.incident = incident.id;
        row.event = event;
        row.name = name;
        row.target = t.id;
        row.audience = t.audience;
        row.state = t.audience == Audience::customers && (opt.hold || t.hold)
                        ? OutboxState::held
                        : OutboxState::pending;
        row.key = new_uuid();
        row.created = now;
        // The temporary lives to the end of the statement, past the copy.
        row.text = std::string(trim(render_template(tmpl, context)));
        row.template_source = tmpl.source;
        row.template_path = tmpl.path;
        row.context = context.dump(-1, ' ', false, Json::error_handler_t::replace);
        return row;
    }

    // What every customers target has told, or will tell, of the incident: for staff.
    std::vector<CustomerNotice> customer_notices(const Incident& incident) const {
        std::vector<IncidentEvent> events;
        std::vector<OutboxRow> all;
        if (state) {
            events = state->incidents.incident_events(incident.id);
            all = state->outbox.outbox_for_incident(incident.id);
        }
        std::vector<CustomerNotice> out;
        for (const auto& t : config.targets) {
            if (t.audience != Audience::customers)
                continue;
            std::vector<OutboxRow> rows;
            for (const auto& r : all)
                if (r.target == t.id)
                    rows.push_back(r);
            if (auto n = customer_notice(t, policy(), opt.hold, incident, events, rows, now))
                out.push_back(std::move(*n));
        }
        return out;
    }

    // The incident a row is about, as the state holds it; a person's notice
    // about something shopcheck never recorded (or one in --dry-run) is read
    // from the variables it was rendered with.
    Incident incident_of(const OutboxRow& row, const Json& context) const {
        if (state)
            if (auto known = state->incidents.incident(row.incident))
                return *known;
        Incident inc;
        inc.id = row.incident;
        const Json ctx_incident = context.value("incident", Json::object());
        inc.channel = context.value("channel", Json::object()).value("id", "");
        inc.severity =
            severity_from_string(ctx_incident.value("severity", "")).value_or(Severity::major);
        for (const auto& c : ctx_incident.value("checks", Json::array()))
            if (c.is_object() && c.contains("id") && c["id"].is_string())
                inc.checks.push_back(c["id"].get<std::string>());
        inc.since = parse_rfc3339(ctx_incident.value("since_iso", "")).value_or(row.created);
        if (const auto until = parse_rfc3339(ctx_incident.value("until_iso", "")))
            inc.until = until;
        if (auto sale = ctx_incident.value("sale", std::string()); !sale.empty())
            inc.sale = std::move(sale);
        return inc;
    }

    Notice notice_of(const OutboxRow& row) const {
        Notice n;
        n.outbox_id = row.id;
        n.incident = row.incident;
        n.event = row.event;
        n.target = row.target;
        n.key = row.key;
        n.attempt = row.attempts;
        n.text = row.text;
        n.subject = first_line(row.text);
        n.template_source = row.template_source;
        n.template_path = row.template_path;
        n.context = Json::parse(row.context, nullptr, false);
        if (n.context.is_discarded())
            n.context = Json::object();
        n.record =
            incident_record(IncidentEvent{row.event, incident_of(row, n.context), row.created},
                            config.shop.timezone);
        return n;
    }

    Json announcement(const OutboxRow& row, const std::string& result) const {
        Json j = {{"v", record_version},
                  {"type", "announcement"},
                  {"incident", row.incident},
                  {"event", row.event},
                  {"target", row.target},
                  {"audience", row.audience},
                  {"result", result},
                  {"outbox", row.id},
                  {"name", row.name},
                  {"attempt", row.attempts},
                  {"time", format_local(now, config.shop.timezone)}};
        if (const auto* t = target_config(row.target))
            j["kind"] = t->kind;
        if (!row.remote_id.empty())
            j["remote_id"] = row.remote_id;
        if (!row.error.empty())
            j["error"] = redact(row.error);
        if (row.state == OutboxState::pending && row.next_attempt)
            j["next_attempt"] = format_local(*row.next_attempt, config.shop.timezone);
        return j;
    }

    // ---- input ----

    std::vector<IncidentEvent> read_input() {
        if (opt.input == nullptr)
            return {};
        return read_incident_events(
            *opt.input, opt.input_name, now, sink.pass,
            [this](const std::string& what) { report_bad_input(what); },
            [this](const Json& record) {
                if (record.value("type", "") != "check")
                    return;
                if (auto c = check_from_record(record))
                    probes[{c->channel, c->check}] = std::move(*c);
            });
    }

    std::function<void(const std::string&)> on_bad_input;
    void report_bad_input(const std::string& what) {
        worse(exit_status::data);
        if (on_bad_input)
            on_bad_input(what);
    }

    // ---- deciding ----

    struct Planned {
        const TargetConfig* target;
        Incident incident;
        DueNotice due;
    };

    // Every incident that may still be owed a notice: open ones, and those that
    // ended within stale_after.
    std::vector<Incident> live_incidents(const std::vector<IncidentEvent>& input) {
        std::vector<Incident> out =
            state ? state->incidents.incidents_since(now - stale_after) : std::vector<Incident>{};
        for (const auto& e : input) {
            auto it = std::find_if(out.begin(), out.end(),
                                   [&](const Incident& i) { return i.id == e.incident.id; });
            if (it == out.end())
                out.push_back(e.incident);
            else if (!state)
                *it = e.incident;
        }
        return out;
    }

    void plan_and_queue(const std::vector<IncidentEvent>& input, std::vector<Planned>& dry) {
        for (const auto& incident : live_incidents(input)) {
            std::vector<IncidentEvent> events;
            if (state)
                events = state->incidents.incident_events(incident.id);
            if (events.empty())
                for (const auto& e : input)
                    if (e.incident.id == incident.id)
                        events.push_back(e);
            const std::vector<OutboxRow> all =
                state ? state->outbox.outbox_for_incident(incident.id) : std::vector<OutboxRow>{};
            for (const TargetConfig* tp : in_order()) {
                const TargetConfig& t = *tp;
                std::vector<OutboxRow> rows;
                for (const auto& r : all)
                    if (r.target == t.id)
                        rows.push_back(r);
                const PolicyDecision d = decide(t, policy(), incident, events, rows, now);
                for (const auto id : d.drop)
                    drop(id);
                for (const auto& due : d.due) {
                    if (opt.dry_run)
                        dry.push_back({&t, incident, due});
                    else
                        queue_one(t, incident, due);
                }
            }
        }
    }

    // The selected targets, customers before staff, so a staff notice can say what
    // customers were just told (or which held row waits for --approve); --dry-run
    // queues nothing and lists in the config's order.
    std::vector<const TargetConfig*> in_order() const {
        std::vector<const TargetConfig*> out;
        for (const auto& t : config.targets)
            if (selected(t))
                out.push_back(&t);
        if (!opt.dry_run)
            std::stable_partition(out.begin(), out.end(), [](const TargetConfig* t) {
                return t->audience == Audience::customers;
            });
        return out;
    }

    void queue_one(const TargetConfig& t, const Incident& incident, const DueNotice& due) {
        OutboxRow row = render_row(t, incident, due.event, due.name);
        if (state->outbox.enqueue(row) && row.state == OutboxState::held)
            sink.record(announcement(row, "held"));
    }

    void drop(std::int64_t id) {
        if (opt.dry_run)
            return;
        auto row = state->outbox.outbox_row(id);
        if (!row || (row->state != OutboxState::held && row->state != OutboxState::pending &&
                     row->state != OutboxState::failed))
            return;
        row->state = OutboxState::dropped;
        row->finished = now;
        row->error = "the incident ended before this notice went out";
        state->outbox.update_outbox(*row);
        sink.record(announcement(*row, "dropped"));
    }

    // A notice a person asked for: to every selected target that takes the channel.
    void queue_manual(std::vector<Planned>& dry) {
        const std::string& channel = *opt.channel;
        if (config.channel(channel) == nullptr)
            throw usage_error(
                fmt::format("--channel {}: no such channel in {}", channel, config.path.string()));
        std::optional<Incident> open;
        if (state) {
            const auto all = state->incidents.open_incidents();
            if (const auto it = all.find(channel); it != all.end())
                open = it->second;
        }
        Incident incident;
        if (open && *opt.event != Event::maintenance) {
            incident = *open;
        } else {
            incident.id = fmt::format("{}-{}-{}", channel,
                                      *opt.event == Event::maintenance ? "maintenance" : "manual",
                                      compact_utc(now));
            incident.channel = channel;
            incident.severity = Severity::major;
            incident.since = now;
        }
        // A person says it is over: the notice reads as a recovery now, whatever
        // shopcheck will conclude on its next run.
        if (*opt.event == Event::resolved && !incident.until)
            incident.until = now;
        const std::string name =
            fmt::format("manual-{}-{}", to_string(*opt.event), compact_utc(now));
        for (const TargetConfig* t : in_order()) {
            if (!t->channels.empty() &&
                std::find(t->channels.begin(), t->channels.end(), channel) == t->channels.end())
                continue;
            if (opt.dry_run)
                dry.push_back({t, incident, {*opt.event, name}});
            else
                queue_one(*t, incident, {*opt.event, name});
        }
    }

    void show_dry(const std::vector<Planned>& planned) {
        for (const auto& p : planned) {
            OutboxRow row = render_row(*p.target, p.incident, p.due.event, p.due.name);
            Target& t = target(*p.target);
            const Notice n = notice_of(row);
            Json rec = announcement(row, "dry-run");
            rec["kind"] = p.target->kind;
            if (row.state == OutboxState::held)
                rec["hold"] = true;
            if (auto why = t.refuse(n)) {
                rec["result"] = "refused";
                rec["error"] = *why;
            }
            rec["text"] = row.text;
            sink.preview(rec, t.preview(n));
        }
    }

    // ---- sending ----

    void send_due(const std::optional<std::int64_t>& only) {
        std::vector<OutboxRow> claimed;
        const std::string owner = outbox_owner();
        state->transaction([&] {
            for (auto& r :
                 state->outbox.outbox_in_states({OutboxState::pending, OutboxState::sending})) {
                if (only && r.id != *only)
                    continue;
                const TargetConfig* t = target_config(r.target);
                if (t != nullptr && !selected(*t))
                    continue;
                if (!claimable(r, now)) {
                    if (r.state == OutboxState::pending) {
                        // Waits for its retry time: still queued.
                        sink.record(announcement(r, "waiting"));
                        worse(exit_status::tempfail);
                    }
                    continue;
                }
                r.state = OutboxState::sending;
                r.owner = owner;
                r.lease_until = now + (t ? lease_for(*t) : Millis(std::chrono::minutes(15)));
                r.attempts += 1;
                state->outbox.update_outbox(r);
                claimed.push_back(r);
            }
        });
        for (auto& r : claimed)
            send_one(r);
    }

    void send_one(OutboxRow& row) {
        const TargetConfig* t = target_config(row.target);
        SendResult result;
        if (t == nullptr) {
            result.outcome = SendResult::Outcome::failed;
            result.error = fmt::format("target '{}' is no longer in the configuration", row.target);
        } else {
            try {
                Target& target = this->target(*t);
                const Notice n = notice_of(row);
                if (auto why = target.refuse(n)) {
                    result.outcome = SendResult::Outcome::failed;
                    result.error = *why;
                } else {
                    result = target.send(n);
                }
            } catch (const Error& e) {
                // A missing secret or a broken target: a person must fix the config.
                result.outcome = SendResult::Outcome::failed;
                result.error = e.what();
            } catch (const std::exception& e) {
                result.outcome = SendResult::Outcome::retry;
                result.error = e.what();
            }
        }
        const TimePoint done = clock.now();
        row.owner.clear();
        row.lease_until.reset();
        row.error = redact(result.error);
        row.remote_id = result.remote_id;
        std::string label;
        switch (result.outcome) {
        case SendResult::Outcome::sent:
            row.state = OutboxState::sent;
            row.finished = done;
            row.next_attempt.reset();
            label = "sent";
            break;
        case SendResult::Outcome::retry:
            row.state = OutboxState::pending;
            // Whatever a target made of the server's answer, no wait beyond the cap.
            if (result.retry_after)
                result.retry_after = cap_server_wait(*result.retry_after);
            row.next_attempt = next_attempt_after(row.attempts, result.retry_after, done);
            label = "retry";
            worse(exit_status::tempfail);
            break;
        case SendResult::Outcome::failed:
            row.state = OutboxState::failed;
            row.finished = done;
            label = "failed";
            worse(exit_status::tempfail);
            break;
        }
        state->transaction([&] { state->outbox.update_outbox(row); });
        Json rec = announcement(row, label);
        if (result.delivered || result.rejected) {
            rec["delivered"] = result.delivered;
            rec["rejected"] = result.rejected;
        }
        sink.record(rec);
    }

    // ---- looking after the outbox ----

    void list_pending() {
        for (const auto& r :
             state->outbox.outbox_in_states({OutboxState::held, OutboxState::pending,
                                             OutboxState::sending, OutboxState::failed})) {
            if (const auto* t = target_config(r.target); t && !selected(*t))
                continue;
            Json rec = announcement(r, std::string(to_string(r.state)));
            rec["type"] = "outbox";
            rec["state"] = r.state;
            rec["text"] = r.text;
            rec["created"] = format_local(r.created, config.shop.timezone);
            sink.record(rec);
        }
    }

    OutboxRow row_for(std::int64_t id, std::initializer_list<OutboxState> states,
                      const char* action) {
        auto row = state->outbox.outbox_row(id);
        if (!row)
            throw usage_error(fmt::format("{} {}: no such notice in the outbox", action, id));
        if (std::find(states.begin(), states.end(), row->state) == states.end())
            throw usage_error(fmt::format("{} {}: the notice is {}, not {}", action, id,
                                          to_string(row->state), to_string(*states.begin())));
        return *row;
    }
};

} // namespace

int run_announce(const Config& config, const AnnounceOptions& options, const AnnounceSink& sink,
                 const Clock& clock) {
    Run run{config, options, sink, clock};
    run.now = clock.now();
    run.on_bad_input = sink.bad_input;
    run.env.config = &config;
    run.env.clock = &clock;
    // What targets say on the way (counts, waits) is for -v: a run that went
    // well prints nothing, so cron stays quiet. Warnings go through cli::warn.
    run.env.log = [](const std::string& message) { cli::info(message); };
    for (const auto& id : options.targets)
        if (run.target_config(id) == nullptr)
            throw usage_error(
                fmt::format("--target {}: no such target in {}", id, config.path.string()));

    const auto path =
        options.state ? *options.state : config.shop.state.value_or(default_state_path());
    std::unique_ptr<StateHandle> handle;
    if (!options.stores) {
        check_state_permissions(path, options.state.has_value());
        try {
            handle = open_sqlite_state(path);
        } catch (const std::runtime_error& e) {
            throw Error(exit_status::tempfail, e.what());
        }
    }
    const Stores& store = options.stores ? *options.stores : handle->stores();
    run.state = &store;
    run.env.state = options.dry_run ? nullptr : &store;
    run.counters = store.checks.load_counters();
    // Every selected target is built now (no secret is read yet), so a target
    // that lacks a key of its kind is a config error (78) before anything is queued.
    for (const auto& t : config.targets)
        if (run.selected(t))
            run.target(t);

    if (options.list_pending) {
        run.list_pending();
        return exit_status::ok;
    }
    if (options.discard) {
        store.transaction([&] {
            OutboxRow row = run.row_for(
                *options.discard, {OutboxState::held, OutboxState::pending, OutboxState::failed},
                "--discard");
            row.state = OutboxState::discarded;
            row.finished = run.now;
            store.outbox.update_outbox(row);
            sink.record(run.announcement(row, "discarded"));
        });
        return exit_status::ok;
    }
    if (options.approve) {
        store.transaction([&] {
            OutboxRow row = run.row_for(*options.approve, {OutboxState::held, OutboxState::failed},
                                        "--approve");
            row.state = OutboxState::pending;
            row.next_attempt.reset();
            row.finished.reset();
            store.outbox.update_outbox(row);
        });
        run.send_due(options.approve);
        return run.status;
    }

    const std::vector<IncidentEvent> input = run.read_input();
    std::vector<Run::Planned> dry;
    if (options.dry_run) {
        if (options.event)
            run.queue_manual(dry);
        else
            run.plan_and_queue(input, dry);
        run.show_dry(dry);
        return run.status;
    }
    store.transaction([&] {
        for (const auto& e : input)
            sync_incident(store.incidents, e);
        if (options.event)
            run.queue_manual(dry);
        else
            run.plan_and_queue(input, dry);
    });
    run.send_due(std::nullopt);
    return run.status;
}

} // namespace shopkit
