// An in-memory state for unit tests: the store interfaces of
// lib/state/state.hpp over plain containers, so a run's orchestration is
// tested without a file. Behaves like the SQLite stores where tests look:
// enqueue keeps one row per (incident, name, target), record_event applies
// the event to the incident, a transaction that throws changes nothing.
#pragma once

#include "lib/state/state.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace shopkit::test {

class MemoryState : public Transactional,
                    public CheckStore,
                    public IncidentStore,
                    public OutboxStore,
                    public RunbookStore,
                    public HistoryStore,
                    public CredentialStore {
  public:
    Stores stores{*this, *this, *this, *this, *this, *this, *this};

    std::map<CheckKey, CheckCounter> counters;
    std::vector<CheckResult> history;
    std::vector<Incident> incidents; // in the order they opened
    std::vector<IncidentEvent> events;
    std::vector<OutboxRow> rows;
    std::map<std::int64_t, std::vector<std::string>> recipients;
    std::vector<StepRun> step_rows;
    std::map<std::tuple<std::string, std::string, std::string>, Buckets> check_daily;
    std::map<std::pair<std::string, std::string>, Buckets> channel_daily;         // (channel, day)
    std::map<std::pair<std::string, std::string>, std::string> credentials_saved; // (target, kind)
    int transactions = 0;                                                         // committed ones

    void transaction(const std::function<void()>& fn) override {
        if (in_transaction_)
            return fn();
        const auto saved = snapshot();
        in_transaction_ = true;
        try {
            fn();
        } catch (...) {
            in_transaction_ = false;
            restore(saved);
            throw;
        }
        in_transaction_ = false;
        ++transactions;
    }

    std::optional<std::string> credential(const std::string& target,
                                          const std::string& kind) override {
        const auto it = credentials_saved.find({target, kind});
        return it == credentials_saved.end() ? std::nullopt : std::optional(it->second);
    }
    void save_credential(const std::string& target, const std::string& kind,
                         const std::string& value) override {
        credentials_saved[{target, kind}] = value;
    }

    std::map<CheckKey, CheckCounter> load_counters() override { return counters; }
    void save_counter(const CheckKey& key, const CheckCounter& counter) override {
        counters[key] = counter;
    }
    void add_history(const CheckResult& result) override { history.push_back(result); }
    void prune_history(TimePoint before) override {
        std::erase_if(history, [&](const CheckResult& r) { return r.time < before; });
    }

    std::vector<HistoryProbe> probes(const std::optional<CheckKey>& key, TimePoint from,
                                     TimePoint to) override {
        std::map<CheckKey, HistoryProbe> before;
        std::vector<HistoryProbe> in;
        for (const auto& r : history) {
            if (key && (r.channel != key->first || r.check != key->second))
                continue;
            const HistoryProbe p{r.time, r.channel, r.check, r.raw, r.state};
            if (r.time < from) {
                const auto b = before.find({r.channel, r.check});
                if (b == before.end() || b->second.time <= r.time)
                    before.insert_or_assign({r.channel, r.check}, p);
            } else if (r.time < to) {
                in.push_back(p);
            }
        }
        std::vector<HistoryProbe> out;
        for (const auto& [k, p] : before)
            out.push_back(p);
        const auto by_time = [](const HistoryProbe& a, const HistoryProbe& b) {
            return a.time < b.time;
        };
        std::stable_sort(out.begin(), out.end(), by_time);
        std::stable_sort(in.begin(), in.end(), by_time);
        out.insert(out.end(), in.begin(), in.end());
        return out;
    }
    std::optional<TimePoint> passing_since(const CheckKey& key, TimePoint from,
                                           TimePoint to) override {
        std::optional<TimePoint> first_pass;
        bool failed = false;
        for (const auto& p : probes(key, from, to + std::chrono::milliseconds(1))) {
            if (p.time < from)
                continue;
            if (p.raw == State::degraded || p.raw == State::down) {
                failed = true;
                first_pass.reset();
            } else if (p.raw == State::up && !first_pass) {
                first_pass = p.time;
            }
        }
        return failed ? first_pass : std::nullopt;
    }
    std::optional<TimePoint> first_probe(const CheckKey& key, TimePoint from,
                                         TimePoint to) override {
        for (const auto& p : probes(key, from, to))
            if (p.time >= from)
                return p.time;
        return std::nullopt;
    }
    std::map<CheckKey, HistoryProbe> latest_probes(TimePoint since) override {
        std::map<CheckKey, HistoryProbe> out;
        for (const auto& r : history) {
            const auto o = out.find({r.channel, r.check});
            if (r.time >= since && (o == out.end() || o->second.time <= r.time))
                out.insert_or_assign({r.channel, r.check},
                                     HistoryProbe{r.time, r.channel, r.check, r.raw, r.state});
        }
        return out;
    }
    void add_check_day(const DailyRow& row) override {
        check_daily[{row.channel, row.check, row.day}] += row.seconds;
    }
    void add_channel_day(const DailyRow& row) override {
        channel_daily[{row.channel, row.day}] += row.seconds;
    }
    std::vector<DailyRow> check_days(const std::string& first, const std::string& last) override {
        std::vector<DailyRow> out;
        for (const auto& [k, secs] : check_daily)
            if (first <= std::get<2>(k) && std::get<2>(k) <= last)
                out.push_back({std::get<0>(k), std::get<1>(k), std::get<2>(k), secs});
        return out;
    }
    std::vector<DailyRow> channel_days(const std::string& first, const std::string& last) override {
        std::vector<DailyRow> out;
        for (const auto& [k, secs] : channel_daily)
            if (first <= k.second && k.second <= last)
                out.push_back({k.first, "", k.second, secs});
        return out;
    }

    std::map<std::string, Incident> open_incidents() override {
        std::map<std::string, Incident> out;
        for (const auto& i : incidents)
            if (!i.until)
                out[i.channel] = i;
        return out;
    }
    bool incident_exists(const std::string& id) override { return find(id) != nullptr; }
    void record_event(const IncidentEvent& e) override {
        Incident* known = find(e.incident.id);
        if (e.event == Event::opened) {
            if (known)
                throw std::runtime_error("incident " + e.incident.id + " exists");
            incidents.push_back(e.incident);
        } else if (!known) {
            throw std::runtime_error("incident " + e.incident.id + ": no such incident");
        } else if (e.event == Event::updated) {
            known->severity = e.incident.severity;
            known->checks = e.incident.checks;
        } else if (e.event == Event::resolved) {
            known->until = e.incident.until;
        } else {
            throw std::runtime_error("unknown event");
        }
        events.push_back(e);
    }
    std::vector<IncidentEvent> incident_events(const std::string& id) override {
        std::vector<IncidentEvent> out;
        for (const auto& e : events)
            if (e.incident.id == id)
                out.push_back(e);
        return out;
    }
    std::optional<Incident> incident(const std::string& id) override {
        if (const Incident* i = find(id))
            return *i;
        return std::nullopt;
    }
    std::vector<Incident> incidents_since(TimePoint from) override {
        std::vector<Incident> out;
        for (auto it = incidents.rbegin(); it != incidents.rend(); ++it)
            if (!it->until || *it->until >= from)
                out.push_back(*it);
        return out;
    }

    bool enqueue(OutboxRow& row) override {
        for (const auto& r : rows)
            if (r.incident == row.incident && r.name == row.name && r.target == row.target)
                return false;
        row.id = static_cast<std::int64_t>(rows.size()) + 1;
        rows.push_back(row);
        return true;
    }
    std::vector<OutboxRow> outbox_for_incident(const std::string& id) override {
        std::vector<OutboxRow> out;
        for (const auto& r : rows)
            if (r.incident == id)
                out.push_back(r);
        return out;
    }
    std::vector<OutboxRow> outbox_in_states(const std::vector<OutboxState>& states) override {
        std::vector<OutboxRow> out;
        for (const auto& r : rows)
            if (std::find(states.begin(), states.end(), r.state) != states.end())
                out.push_back(r);
        return out;
    }
    std::optional<OutboxRow> outbox_row(std::int64_t id) override {
        for (const auto& r : rows)
            if (r.id == id)
                return r;
        return std::nullopt;
    }
    void update_outbox(const OutboxRow& row) override {
        for (auto& r : rows)
            if (r.id == row.id)
                r = row;
    }
    std::vector<std::string> recipients_done(std::int64_t id) override { return recipients[id]; }
    void record_recipient(std::int64_t id, const std::string& address, const std::string&,
                          const std::string&) override {
        recipients[id].push_back(address);
    }

    bool add_step_run(StepRun& run) override {
        for (const auto& r : step_rows)
            if (r.incident == run.incident && r.name == run.name && r.step == run.step)
                return false;
        run.id = static_cast<std::int64_t>(step_rows.size()) + 1;
        step_rows.push_back(run);
        return true;
    }
    std::vector<StepRun> step_runs(const std::string& incident) override {
        std::vector<StepRun> out;
        for (const auto& r : step_rows)
            if (r.incident == incident)
                out.push_back(r);
        return out;
    }
    std::vector<StepRun> unfinished_step_runs() override {
        std::vector<StepRun> out;
        for (const auto& r : step_rows)
            if (r.state == StepState::pending || r.state == StepState::running)
                out.push_back(r);
        return out;
    }
    void update_step_run(const StepRun& run) override {
        for (auto& r : step_rows)
            if (r.id == run.id)
                r = run;
    }

  private:
    struct Snapshot {
        std::map<CheckKey, CheckCounter> counters;
        std::vector<CheckResult> history;
        std::vector<Incident> incidents;
        std::vector<IncidentEvent> events;
        std::vector<OutboxRow> rows;
        std::vector<StepRun> step_rows;
        std::map<std::tuple<std::string, std::string, std::string>, Buckets> check_daily;
        std::map<std::pair<std::string, std::string>, Buckets> channel_daily;
    };
    Snapshot snapshot() const {
        return {counters, history, incidents, events, rows, step_rows, check_daily, channel_daily};
    }
    void restore(const Snapshot& s) {
        counters = s.counters;
        history = s.history;
        incidents = s.incidents;
        events = s.events;
        rows = s.rows;
        step_rows = s.step_rows;
        check_daily = s.check_daily;
        channel_daily = s.channel_daily;
    }
    Incident* find(const std::string& id) {
        for (auto& i : incidents)
            if (i.id == id)
                return &i;
        return nullptr;
    }
    bool in_transaction_ = false;
};

} // namespace shopkit::test
