#include "lib/report/build.hpp"

#include "lib/core/error.hpp"
#include "lib/state/rollup.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

namespace shopkit::report {

namespace {

using std::chrono::seconds;

seconds length(TimePoint from, TimePoint to) {
    return to > from ? std::chrono::duration_cast<seconds>(to - from) : seconds{0};
}

// "YYYY-MM-DD" (or "YYYY-MM" with want_day false) as numbers; nullopt otherwise.
std::optional<LocalDate> parse_date(std::string_view text, bool want_day) {
    const std::size_t size = want_day ? 10 : 7;
    if (text.size() != size || text[4] != '-' || (want_day && text[7] != '-'))
        return std::nullopt;
    auto number = [&](std::size_t at, std::size_t n, int& out) {
        const char* end = text.data() + at + n;
        const auto r = std::from_chars(text.data() + at, end, out);
        return r.ec == std::errc{} && r.ptr == end;
    };
    LocalDate d;
    if (!number(0, 4, d.year) || !number(5, 2, d.month) || (want_day && !number(8, 2, d.day)))
        return std::nullopt;
    const std::chrono::year_month_day ymd{std::chrono::year{d.year},
                                          std::chrono::month{static_cast<unsigned>(d.month)},
                                          std::chrono::day{static_cast<unsigned>(d.day)}};
    if (!ymd.ok())
        return std::nullopt;
    return d;
}

// A --since/--until value: an RFC 3339 instant, or a local date's start (its end,
// the next day's start, for --until).
TimePoint parse_bound(const std::string& flag, const std::string& text, bool end_of_day,
                      const std::string& tz) {
    if (const auto t = parse_rfc3339(text))
        return *t;
    if (const auto d = parse_date(text, true))
        return start_of_day(end_of_day ? add_days(*d, 1) : *d, tz);
    throw usage_error(fmt::format("{} {}: not a date (YYYY-MM-DD in the shop's zone, or RFC 3339 "
                                  "such as 2026-06-04T12:00:00+09:00)",
                                  flag, text));
}

LocalDate first_of_month(LocalDate d) {
    return {d.year, d.month, 1};
}

LocalDate next_month(LocalDate d) {
    return d.month == 12 ? LocalDate{d.year + 1, 1, 1} : LocalDate{d.year, d.month + 1, 1};
}

LocalDate previous_month(LocalDate d) {
    return d.month == 1 ? LocalDate{d.year - 1, 12, 1} : LocalDate{d.year, d.month - 1, 1};
}

// The first instant of a kind in `notices` that went out, by audience and event.
std::optional<TimePoint> first_sent(const std::vector<NoticeEntry>& notices, Audience audience,
                                    bool resolved) {
    std::optional<TimePoint> out;
    for (const NoticeEntry& n : notices)
        if (n.audience == audience && n.sent && (n.event == Event::resolved) == resolved)
            if (!out || *n.sent < *out)
                out = n.sent;
    return out;
}

// The first passing probe of the streak that resolved `inc`: for each affected
// check, the first up probe after its last failing one before the resolution;
// the latest of those. nullopt when the history holds none of it (pruned).
std::optional<TimePoint> first_passing(HistoryStore& history, const Incident& inc) {
    if (!inc.until)
        return std::nullopt;
    std::optional<TimePoint> out;
    for (const std::string& check : inc.checks)
        if (const auto pass = history.passing_since({inc.channel, check}, inc.since, *inc.until))
            if (!out || *pass > *out)
                out = pass;
    return out;
}

template <class T> ReactionStat stat_of(std::vector<T> values) {
    ReactionStat s;
    s.count = static_cast<int>(values.size());
    if (values.empty())
        return s;
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    s.median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    s.worst = values.back();
    return s;
}

DayBuckets day_of(const DailyRow& row) {
    return {parse_date(row.day, true).value_or(LocalDate{}), row.seconds};
}

std::string day_text(LocalDate d) {
    return fmt::format("{:04}-{:02}-{:02}", d.year, d.month, d.day);
}

// Days of each check and channel over the period: whole days from the roll-up,
// a day the period cuts from the raw history (check_timeline's rules, as the
// roll-up applies them).
struct DayTables {
    std::map<CheckKey, std::vector<DayBuckets>> checks;
    std::map<std::string, std::vector<DayBuckets>> channels;
};

void add_raw_span(DayTables& out, HistoryStore& history, Span span, const Config& config,
                  const std::set<std::string>& wanted) {
    if (!(span.from < span.to))
        return;
    std::map<CheckKey, std::vector<Probe>> probes;
    for (const HistoryProbe& p : history.probes(std::nullopt, span.from, span.to))
        if (wanted.count(p.channel))
            probes[{p.channel, p.check}].push_back({p.time, p.raw});
    const std::string& tz = config.shop.timezone;
    std::map<std::string, std::vector<std::vector<Segment>>> by_channel;
    for (const auto& [key, list] : probes) {
        auto timeline = check_timeline(list, span, rollup_max_gap,
                                       maintenance_for(key.first, config.maintenance));
        for (const DayBuckets& d : by_day(timeline, tz))
            out.checks[key].push_back(d);
        by_channel[key.first].push_back(std::move(timeline));
    }
    for (const auto& [channel, timelines] : by_channel)
        for (const DayBuckets& d : by_day(channel_timeline(timelines), tz))
            out.channels[channel].push_back(d);
}

DayTables read_days(HistoryStore& history, const Config& config, Span period,
                    const std::set<std::string>& wanted) {
    const std::string& tz = config.shop.timezone;
    DayTables out;
    LocalDate first = local_date(period.from, tz);
    LocalDate last = local_date(period.to - std::chrono::seconds(1), tz);
    // Cut days at the edges come from the raw probes; whole days from the roll-up.
    if (start_of_day(first, tz) != period.from) {
        const TimePoint first_end = std::min(period.to, start_of_day(add_days(first, 1), tz));
        add_raw_span(out, history, {period.from, first_end}, config, wanted);
        if (first == last)
            return out;
        first = add_days(first, 1);
    }
    std::optional<Span> tail;
    if (start_of_day(add_days(last, 1), tz) != period.to) {
        tail = Span{std::max(period.from, start_of_day(last, tz)), period.to};
        last = add_days(last, -1);
    }
    if (first <= last) {
        for (const DailyRow& row : history.check_days(day_text(first), day_text(last)))
            if (wanted.count(row.channel))
                out.checks[{row.channel, row.check}].push_back(day_of(row));
        for (const DailyRow& row : history.channel_days(day_text(first), day_text(last)))
            if (wanted.count(row.channel))
                out.channels[row.channel].push_back(day_of(row));
    }
    if (tail)
        add_raw_span(out, history, *tail, config, wanted);
    return out;
}

Buckets sum_all(const std::vector<DayBuckets>& days) {
    Buckets out;
    for (const DayBuckets& d : days)
        out += d.buckets;
    return out;
}

// When a check that started after the period's start was first probed: the
// first counted day's first probe in the raw history (that day's start, when its
// probes are pruned). nullopt when it counted from the period's start.
std::optional<TimePoint> counted_from(HistoryStore& history, const std::vector<DayBuckets>& days,
                                      Span period, const std::string& tz, const CheckKey& key) {
    const auto first = std::find_if(days.begin(), days.end(), [](const DayBuckets& d) {
        return d.buckets.counted() > seconds{0};
    });
    if (first == days.end())
        return std::nullopt;
    const TimePoint day_from = std::max(period.from, start_of_day(first->date, tz));
    const TimePoint day_to = std::min(period.to, start_of_day(add_days(first->date, 1), tz));
    // Counted from the day's start: the check was there already. Only a check
    // that began inside its first day costs a look at that day's probes.
    if (day_from == period.from && first->buckets.counted() >= length(day_from, day_to))
        return std::nullopt;
    // Time before a check's first probe is not counted, so it began that day:
    // at its first probe (the day's start when those probes are pruned).
    const TimePoint from = history.first_probe(key, day_from, day_to).value_or(day_from);
    return from > period.from ? std::optional<TimePoint>(from) : std::nullopt;
}

LossInputs loss_inputs(const Config& config, LossBasis& basis) {
    LossInputs in;
    in.events = config.sales.events;
    in.blocked = config.sales.blocked;
    in.recaptured = config.sales.recaptured;
    in.timezone = config.shop.timezone;
    basis.blocked = config.sales.blocked;
    basis.recaptured = config.sales.recaptured;
    if (config.sales.orders_csv) {
        const OrdersProfile profile =
            read_orders_csv(*config.sales.orders_csv, config.shop.timezone);
        in.baseline = profile.baseline;
        basis.source = "orders_csv";
        basis.orders_path = config.sales.orders_csv->string();
        basis.orders = profile.orders;
        basis.orders_days = profile.days;
    } else if (config.sales.hourly.size() == 24) {
        in.baseline = baseline_from_hourly(config.sales.hourly);
        basis.source = "hourly";
    } else {
        basis.source = "none";
    }
    for (double v : in.baseline.per_hour)
        basis.weekly_revenue += v;
    return in;
}

IncidentReport incident_report(const Stores& state, const Incident& inc, const LossInputs& loss,
                               Span period, TimePoint now) {
    IncidentReport r;
    r.incident = inc;
    r.ongoing = !inc.until;
    r.first_failure = inc.since;
    for (const IncidentEvent& e : state.incidents.incident_events(inc.id))
        if (e.event == Event::opened && !r.opened)
            r.opened = e.time;
    for (const OutboxRow& row : state.outbox.outbox_for_incident(inc.id)) {
        NoticeEntry n;
        n.target = row.target;
        n.audience = row.audience;
        n.event = row.event;
        n.name = row.name;
        n.state = row.state;
        n.created = row.created;
        if (row.state == OutboxState::sent)
            n.sent = row.finished.value_or(row.created);
        n.text = row.text;
        if (row.state != OutboxState::sent)
            n.error = row.error;
        r.notices.push_back(std::move(n));
    }
    for (const StepRun& run : state.runbook.step_runs(inc.id))
        r.steps.push_back({run.step, run.event, run.state, run.attempts, run.finished,
                           run.exit_status, run.error});
    r.staff_told = first_sent(r.notices, Audience::staff, false);
    r.customers_told = first_sent(r.notices, Audience::customers, false);
    r.recovery_told = first_sent(r.notices, Audience::customers, true);
    r.confirmed = inc.until;
    if (inc.until)
        r.recovered = first_passing(state.history, inc).value_or(*inc.until);

    const TimePoint end = r.recovered.value_or(std::max(now, inc.since));
    r.downtime = length(inc.since, end);
    r.downtime_in_period = length(std::max(inc.since, period.from), std::min(end, period.to));
    auto since_failure = [&](const std::optional<TimePoint>& t) -> std::optional<seconds> {
        if (!t)
            return std::nullopt;
        return length(inc.since, *t);
    };
    r.to_detect = since_failure(r.opened);
    r.to_tell_staff = since_failure(r.staff_told);
    r.to_tell_customers = since_failure(r.customers_told);
    r.to_recover = since_failure(r.confirmed);
    r.loss = estimate_loss(loss, inc.since, end, inc.severity, r.customers_told);
    r.lost_in_period = estimate_loss(loss, std::max(inc.since, period.from),
                                     std::min(end, period.to), inc.severity, r.customers_told)
                           .lost;

    auto mark = [&](const std::optional<TimePoint>& t, Mark m, std::string what = {}) {
        if (t)
            r.timeline.push_back({*t, m, std::move(what)});
    };
    mark(r.first_failure, Mark::first_failure);
    mark(r.opened, Mark::opened);
    // Each first notice once, at its target.
    bool staff = false, customers = false, recovery = false;
    for (const NoticeEntry& n : r.notices) {
        if (!n.sent)
            continue;
        const bool resolved = n.event == Event::resolved;
        if (!staff && n.audience == Audience::staff && !resolved && n.sent == r.staff_told)
            staff = true, mark(n.sent, Mark::staff_told, n.target);
        else if (!customers && n.audience == Audience::customers && !resolved &&
                 n.sent == r.customers_told)
            customers = true, mark(n.sent, Mark::customers_told, n.target);
        else if (!recovery && n.audience == Audience::customers && resolved &&
                 n.sent == r.recovery_told)
            recovery = true, mark(n.sent, Mark::recovery_told, n.target);
    }
    for (const StepEntry& s : r.steps)
        if (s.finished)
            mark(s.finished, Mark::step,
                 fmt::format("{} ({}: {})", s.step, to_string(s.event), to_string(s.state)));
    mark(r.recovered, Mark::recovered);
    mark(r.confirmed, Mark::confirmed);
    // Marks of one instant in the order things happen (Mark's order).
    std::stable_sort(r.timeline.begin(), r.timeline.end(),
                     [](const TimelineEntry& a, const TimelineEntry& b) {
                         return std::pair(a.time, a.mark) < std::pair(b.time, b.mark);
                     });
    return r;
}

// The incidents of `channel` (naming `check`, when not empty) and their downtime.
void count_incidents(const Report& report, AvailabilityRow& row) {
    for (const IncidentReport& i : report.incidents)
        if (i.incident.channel == row.channel &&
            (row.check.empty() || std::find(i.incident.checks.begin(), i.incident.checks.end(),
                                            row.check) != i.incident.checks.end())) {
            ++row.incidents;
            row.downtime += i.downtime_in_period;
        }
}

// One row per month of a channel's days, with the incidents that started in it
// and the downtime inside it.
void add_months(Report& report, const std::string& channel, const std::vector<DayBuckets>& days) {
    const std::string& tz = report.timezone;
    for (const MonthBuckets& m : by_month(days)) {
        MonthRow month{channel, m.year, m.month, m.buckets, 0, seconds{0}};
        const TimePoint month_from = start_of_day({m.year, m.month, 1}, tz);
        const TimePoint month_to = start_of_day(next_month({m.year, m.month, 1}), tz);
        for (const IncidentReport& i : report.incidents) {
            if (i.incident.channel != channel)
                continue;
            if (month_from <= i.first_failure && i.first_failure < month_to)
                ++month.incidents;
            const TimePoint end = i.first_failure + i.downtime;
            month.downtime += length(std::max({i.first_failure, month_from, report.period.from}),
                                     std::min({end, month_to, report.period.to}));
        }
        report.months.push_back(month);
    }
}

// Availability per channel, per check and per month (after the incidents).
void add_availability(Report& report, const Config& config, HistoryStore& history,
                      const std::set<std::string>& wanted) {
    const Span period = report.period;
    const std::string& tz = report.timezone;
    const DayTables days = read_days(history, config, period, wanted);
    const std::vector<DayBuckets> none;
    for (const ChannelConfig& c : config.channels) {
        if (!wanted.count(c.id))
            continue;
        AvailabilityRow row;
        row.channel = c.id;
        const auto found = days.channels.find(c.id);
        const auto& channel_days = found == days.channels.end() ? none : found->second;
        row.buckets = sum_all(channel_days);
        count_incidents(report, row);
        add_months(report, c.id, channel_days);
        // A channel counts from its first check's first probe; from the period's
        // start when any check was there already.
        bool from_start = false;
        for (const CheckConfig& check : c.checks) {
            AvailabilityRow crow;
            crow.channel = c.id;
            crow.check = check.id;
            const auto f = days.checks.find({c.id, check.id});
            const auto& check_days = f == days.checks.end() ? none : f->second;
            crow.buckets = sum_all(check_days);
            crow.counted_from = counted_from(history, check_days, period, tz, {c.id, check.id});
            if (crow.buckets.counted() > seconds{0} && !crow.counted_from)
                from_start = true;
            else if (crow.counted_from &&
                     (!row.counted_from || *crow.counted_from < *row.counted_from))
                row.counted_from = crow.counted_from;
            count_incidents(report, crow);
            report.check_rows.push_back(crow);
        }
        if (from_start)
            row.counted_from.reset();
        report.channel_rows.push_back(row);
    }
}

} // namespace

Span parse_period(const PeriodArgs& args, TimePoint now, const std::string& tz) {
    Span out;
    if (args.month) {
        if (args.since || args.until)
            throw usage_error("--month cannot be given with --since or --until");
        LocalDate first;
        if (*args.month == "last") {
            first = previous_month(first_of_month(local_date(now, tz)));
        } else {
            const auto d = parse_date(*args.month + "-01", true);
            if (!d || args.month->size() != 7)
                throw usage_error(
                    fmt::format("--month {}: not a month (YYYY-MM, or last)", *args.month));
            first = *d;
        }
        return {start_of_day(first, tz), start_of_day(next_month(first), tz)};
    }
    constexpr auto thirty_days = std::chrono::hours(24 * 30);
    if (args.until)
        out.to = parse_bound("--until", *args.until, true, tz);
    else
        out.to = std::chrono::time_point_cast<std::chrono::seconds>(now);
    if (args.since)
        out.from = parse_bound("--since", *args.since, false, tz);
    else if (args.until)
        out.from = out.to - thirty_days;
    else
        out.from = start_of_day(add_days(local_date(now, tz), -29), tz);
    if (!(out.from < out.to))
        throw usage_error(fmt::format("the period {} – {} ends before it starts",
                                      format_local(out.from, tz), format_local(out.to, tz)));
    return out;
}

Report build_report(const Config& config, const Stores& state, const ReportOptions& options) {
    Report report;
    report.shop = config.shop.name;
    report.timezone = config.shop.timezone;
    report.language = config.shop.language;
    report.currency = config.sales.currency;
    report.period = options.period;
    report.generated = options.now;
    const Span period = options.period;

    for (const std::string& id : options.channels)
        if (std::none_of(config.channels.begin(), config.channels.end(),
                         [&](const ChannelConfig& c) { return c.id == id; }))
            throw usage_error(
                fmt::format("--channel {}: no such channel in {}", id, config.path.string()));
    std::set<std::string> wanted;
    for (const ChannelConfig& c : config.channels)
        if (options.channels.empty() || std::find(options.channels.begin(), options.channels.end(),
                                                  c.id) != options.channels.end()) {
            wanted.insert(c.id);
            report.channels.push_back(c.id);
            report.channel_names.push_back(c.name.empty() ? c.id : c.name);
        }

    for (const SalesEvent& e : config.sales.events)
        if (e.start < period.to && period.from < e.end)
            report.sales.push_back(e);
    std::stable_sort(report.sales.begin(), report.sales.end(),
                     [](const SalesEvent& a, const SalesEvent& b) { return a.start < b.start; });
    for (const MaintenanceConfig& m : config.maintenance)
        if (m.start < period.to && period.from < m.end &&
            (m.channel.empty() || wanted.count(m.channel)))
            report.maintenance.push_back(m);
    std::stable_sort(
        report.maintenance.begin(), report.maintenance.end(),
        [](const MaintenanceConfig& a, const MaintenanceConfig& b) { return a.start < b.start; });

    // Incidents: those of the wanted channels that ran at any time in the period.
    const LossInputs loss = loss_inputs(config, report.basis);
    for (const Incident& inc : state.incidents.incidents_since(period.from))
        if (wanted.count(inc.channel) && inc.since < period.to)
            report.incidents.push_back(incident_report(state, inc, loss, period, options.now));
    std::stable_sort(report.incidents.begin(), report.incidents.end(),
                     [](const IncidentReport& a, const IncidentReport& b) {
                         return a.first_failure < b.first_failure;
                     });

    add_availability(report, config, state.history, wanted);

    // The summary.
    Summary& s = report.summary;
    Buckets all;
    for (const AvailabilityRow& row : report.channel_rows)
        all += row.buckets;
    s.availability = all.availability();
    std::vector<seconds> detect, staff, customers, recover;
    for (const IncidentReport& i : report.incidents) {
        ++s.incidents;
        if (i.ongoing)
            ++s.ongoing;
        s.downtime += i.downtime_in_period;
        s.lost += i.lost_in_period;
        if (i.to_detect)
            detect.push_back(*i.to_detect);
        if (i.to_tell_staff)
            staff.push_back(*i.to_tell_staff);
        if (i.to_tell_customers)
            customers.push_back(*i.to_tell_customers);
        if (i.to_recover)
            recover.push_back(*i.to_recover);
    }
    s.detect = stat_of(detect);
    s.tell_staff = stat_of(staff);
    s.tell_customers = stat_of(customers);
    s.recover = stat_of(recover);
    return report;
}

} // namespace shopkit::report
