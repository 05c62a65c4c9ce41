// render_csv and render_json: the report for programs. Times RFC 3339 in the
// shop's zone, durations in whole seconds, money as an unrounded number next to
// its currency, shares 0..1: what a spreadsheet or jq computes with.
#include "lib/report/format.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace shopkit::report {

namespace {

using Json = nlohmann::ordered_json;
using std::chrono::seconds;

std::string csv_cell(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos)
        return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"')
            out += '"';
        out += c;
    }
    return out + "\"";
}

std::string csv_row(const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t i = 0; i < cells.size(); ++i) {
        if (i > 0)
            out += ',';
        out += csv_cell(cells[i]);
    }
    return out + "\r\n";
}

std::string time_text(const std::optional<TimePoint>& t, const std::string& tz) {
    return t ? format_local(*t, tz) : "";
}

std::string secs(const std::optional<seconds>& d) {
    return d ? std::to_string(d->count()) : "";
}

// Money and shares as plain numbers: no grouping, no exponent, two decimals at most.
std::string number(double v) {
    if (!std::isfinite(v))
        return "0";
    std::string s = fmt::format("{:.2f}", v);
    while (s.back() == '0')
        s.pop_back();
    if (s.back() == '.')
        s.pop_back();
    return s == "-0" ? "0" : s;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const std::string& s : items)
        out += (out.empty() ? "" : " ") + s;
    return out;
}

std::string availability_text(const Buckets& b) {
    const auto a = b.availability();
    return a ? fmt::format("{:.6f}", *a) : "";
}

std::string csv_incidents(const Report& r) {
    std::string out = csv_row({"incident",
                               "channel",
                               "severity",
                               "checks",
                               "sale",
                               "start",
                               "end",
                               "ongoing",
                               "downtime_s",
                               "downtime_in_period_s",
                               "opened",
                               "staff_told",
                               "customers_told",
                               "recovered",
                               "confirmed",
                               "recovery_told",
                               "to_detect_s",
                               "to_tell_staff_s",
                               "to_tell_customers_s",
                               "to_recover_s",
                               "notices",
                               "steps",
                               "expected",
                               "lost",
                               "currency"});
    const std::string& tz = r.timezone;
    for (const IncidentReport& i : r.incidents)
        out += csv_row({i.incident.id,
                        i.incident.channel,
                        std::string(to_string(i.incident.severity)),
                        join(i.incident.checks),
                        i.incident.sale.value_or(""),
                        format_local(i.first_failure, tz),
                        time_text(i.recovered, tz),
                        i.ongoing ? "true" : "false",
                        std::to_string(i.downtime.count()),
                        std::to_string(i.downtime_in_period.count()),
                        time_text(i.opened, tz),
                        time_text(i.staff_told, tz),
                        time_text(i.customers_told, tz),
                        time_text(i.recovered, tz),
                        time_text(i.confirmed, tz),
                        time_text(i.recovery_told, tz),
                        secs(i.to_detect),
                        secs(i.to_tell_staff),
                        secs(i.to_tell_customers),
                        secs(i.to_recover),
                        std::to_string(i.notices.size()),
                        std::to_string(i.steps.size()),
                        number(i.loss.expected_revenue),
                        number(i.loss.lost),
                        r.currency});
    return out;
}

std::vector<std::string> bucket_cells(const Buckets& b) {
    return {availability_text(b),
            std::to_string(b.up.count()),
            std::to_string(b.degraded.count()),
            std::to_string(b.down.count()),
            std::to_string(b.unknown.count()),
            std::to_string(b.maintenance.count()),
            std::to_string(b.no_data.count())};
}

std::string csv_availability(const Report& r) {
    std::string out = csv_row({"scope", "channel", "check", "month", "availability", "up_s",
                               "degraded_s", "down_s", "unknown_s", "maintenance_s", "no_data_s",
                               "incidents", "downtime_s", "counted_from"});
    auto row = [&](const std::string& scope, const std::string& channel, const std::string& check,
                   const std::string& month, const Buckets& b, int incidents, seconds downtime,
                   const std::optional<TimePoint>& from) {
        std::vector<std::string> cells = {scope, channel, check, month};
        for (std::string& c : bucket_cells(b))
            cells.push_back(std::move(c));
        cells.push_back(std::to_string(incidents));
        cells.push_back(std::to_string(downtime.count()));
        cells.push_back(time_text(from, r.timezone));
        out += csv_row(cells);
    };
    for (const AvailabilityRow& a : r.channel_rows)
        row("channel", a.channel, "", "", a.buckets, a.incidents, a.downtime, a.counted_from);
    for (const AvailabilityRow& a : r.check_rows)
        row("check", a.channel, a.check, "", a.buckets, a.incidents, a.downtime, a.counted_from);
    for (const MonthRow& m : r.months)
        row("month", m.channel, "", fmt::format("{:04}-{:02}", m.year, m.month), m.buckets,
            m.incidents, m.downtime, std::nullopt);
    return out;
}

std::string csv_summary(const Report& r) {
    const Summary& s = r.summary;
    std::string out =
        csv_row({"from", "to", "incidents", "ongoing", "downtime_s", "availability", "lost",
                 "currency", "to_detect_median_s", "to_detect_worst_s", "to_tell_staff_median_s",
                 "to_tell_staff_worst_s", "to_tell_customers_median_s", "to_tell_customers_worst_s",
                 "to_recover_median_s", "to_recover_worst_s"});
    Buckets all;
    for (const AvailabilityRow& a : r.channel_rows)
        all += a.buckets;
    out +=
        csv_row({format_local(r.period.from, r.timezone), format_local(r.period.to, r.timezone),
                 std::to_string(s.incidents), std::to_string(s.ongoing),
                 std::to_string(s.downtime.count()), availability_text(all), number(s.lost),
                 r.currency, secs(s.detect.median), secs(s.detect.worst), secs(s.tell_staff.median),
                 secs(s.tell_staff.worst), secs(s.tell_customers.median),
                 secs(s.tell_customers.worst), secs(s.recover.median), secs(s.recover.worst)});
    return out;
}

std::string csv_loss(const Report& r) {
    std::string out =
        csv_row({"incident", "channel", "severity", "downtime_s", "base_revenue", "sale_minutes",
                 "expected", "blocked_share", "blocked", "told_minutes", "recaptured_share",
                 "recaptured", "lost", "lost_in_period", "currency", "basis"});
    for (const IncidentReport& i : r.incidents) {
        const LossEstimate& l = i.loss;
        out +=
            csv_row({i.incident.id, i.incident.channel, std::string(to_string(i.incident.severity)),
                     std::to_string(i.downtime.count()), number(l.base_revenue),
                     number(l.multiplied_minutes), number(l.expected_revenue),
                     number(l.blocked_share), number(l.blocked_revenue), number(l.told_minutes),
                     number(l.recaptured_share), number(l.recaptured_amount), number(l.lost),
                     number(i.lost_in_period), r.currency, r.basis.source});
    }
    return out;
}

Json opt_time(const std::optional<TimePoint>& t, const std::string& tz) {
    return t ? Json(format_local(*t, tz)) : Json(nullptr);
}

Json opt_secs(const std::optional<seconds>& d) {
    return d ? Json(d->count()) : Json(nullptr);
}

Json buckets_json(const Buckets& b) {
    const auto a = b.availability();
    return Json{{"availability", a ? Json(*a) : Json(nullptr)},
                {"up_s", b.up.count()},
                {"degraded_s", b.degraded.count()},
                {"down_s", b.down.count()},
                {"unknown_s", b.unknown.count()},
                {"maintenance_s", b.maintenance.count()},
                {"no_data_s", b.no_data.count()}};
}

Json stat_json(const ReactionStat& s) {
    return Json{
        {"count", s.count}, {"median_s", opt_secs(s.median)}, {"worst_s", opt_secs(s.worst)}};
}

Json loss_json(const LossEstimate& l) {
    Json events = Json::array();
    for (const EventShare& e : l.events)
        events.push_back({{"name", e.name},
                          {"multiplier", e.multiplier},
                          {"minutes", e.minutes},
                          {"base_revenue", e.base_revenue}});
    return Json{{"minutes", l.minutes},
                {"base_revenue", l.base_revenue},
                {"sale_minutes", l.multiplied_minutes},
                {"expected", l.expected_revenue},
                {"sale_events", events},
                {"blocked_share", l.blocked_share},
                {"blocked", l.blocked_revenue},
                {"told_minutes", l.told_minutes},
                {"recaptured_share", l.recaptured_share},
                {"recaptured", l.recaptured_amount},
                {"lost", l.lost}};
}

Json incident_json(const Report& r, const IncidentReport& i) {
    const std::string& tz = r.timezone;
    Json timeline = Json::array();
    for (const TimelineEntry& e : i.timeline)
        timeline.push_back(
            {{"time", format_local(e.time, tz)}, {"mark", to_string(e.mark)}, {"what", e.what}});
    Json notices = Json::array();
    for (const NoticeEntry& n : i.notices)
        notices.push_back({{"target", n.target},
                           {"audience", to_string(n.audience)},
                           {"event", to_string(n.event)},
                           {"name", n.name},
                           {"state", to_string(n.state)},
                           {"created", format_local(n.created, tz)},
                           {"sent", opt_time(n.sent, tz)},
                           {"text", n.text},
                           {"error", n.error}});
    Json steps = Json::array();
    for (const StepEntry& s : i.steps)
        steps.push_back({{"step", s.step},
                         {"event", to_string(s.event)},
                         {"state", to_string(s.state)},
                         {"attempts", s.attempts},
                         {"finished", opt_time(s.finished, tz)},
                         {"exit_status", s.exit_status ? Json(*s.exit_status) : Json(nullptr)},
                         {"error", s.error}});
    return Json{{"id", i.incident.id},
                {"channel", i.incident.channel},
                {"severity", to_string(i.incident.severity)},
                {"checks", i.incident.checks},
                {"sale", i.incident.sale ? Json(*i.incident.sale) : Json(nullptr)},
                {"ongoing", i.ongoing},
                {"start", format_local(i.first_failure, tz)},
                {"end", opt_time(i.recovered, tz)},
                {"downtime_s", i.downtime.count()},
                {"downtime_in_period_s", i.downtime_in_period.count()},
                {"opened", opt_time(i.opened, tz)},
                {"staff_told", opt_time(i.staff_told, tz)},
                {"customers_told", opt_time(i.customers_told, tz)},
                {"recovered", opt_time(i.recovered, tz)},
                {"confirmed", opt_time(i.confirmed, tz)},
                {"recovery_told", opt_time(i.recovery_told, tz)},
                {"to_detect_s", opt_secs(i.to_detect)},
                {"to_tell_staff_s", opt_secs(i.to_tell_staff)},
                {"to_tell_customers_s", opt_secs(i.to_tell_customers)},
                {"to_recover_s", opt_secs(i.to_recover)},
                {"timeline", timeline},
                {"notices", notices},
                {"steps", steps},
                {"loss", loss_json(i.loss)},
                {"lost_in_period", i.lost_in_period}};
}

} // namespace

std::string render_csv(const Report& report, const RenderOptions& options) {
    switch (options.only.empty() ? Section::incidents : options.only.front()) {
    case Section::summary:
        return csv_summary(report);
    case Section::incidents:
        return csv_incidents(report);
    case Section::availability:
        return csv_availability(report);
    case Section::loss:
        return csv_loss(report);
    }
    return csv_incidents(report);
}

std::string render_json(const Report& r, const RenderOptions& options) {
    const std::string& tz = r.timezone;
    Json j;
    j["shop"] = r.shop;
    j["timezone"] = tz.empty() ? "UTC" : tz;
    j["currency"] = r.currency;
    j["period"] = {{"from", format_local(r.period.from, tz)},
                   {"to", format_local(r.period.to, tz)}};
    j["generated"] = format_local(r.generated, tz);
    j["channels"] = r.channels;
    if (wants(options, Section::summary)) {
        const Summary& s = r.summary;
        j["summary"] = {{"incidents", s.incidents},
                        {"ongoing", s.ongoing},
                        {"downtime_s", s.downtime.count()},
                        {"availability", s.availability ? Json(*s.availability) : Json(nullptr)},
                        {"lost", s.lost},
                        {"to_detect", stat_json(s.detect)},
                        {"to_tell_staff", stat_json(s.tell_staff)},
                        {"to_tell_customers", stat_json(s.tell_customers)},
                        {"to_recover", stat_json(s.recover)}};
    }
    if (wants(options, Section::incidents)) {
        Json list = Json::array();
        for (const IncidentReport& i : r.incidents)
            list.push_back(incident_json(r, i));
        j["incidents"] = list;
    }
    if (wants(options, Section::availability)) {
        auto row_json = [&](const AvailabilityRow& a) {
            Json o = {{"channel", a.channel}};
            if (!a.check.empty())
                o["check"] = a.check;
            o.update(buckets_json(a.buckets));
            o["incidents"] = a.incidents;
            o["downtime_s"] = a.downtime.count();
            o["counted_from"] = opt_time(a.counted_from, tz);
            return o;
        };
        Json channels = Json::array(), checks = Json::array(), months = Json::array();
        for (const AvailabilityRow& a : r.channel_rows)
            channels.push_back(row_json(a));
        for (const AvailabilityRow& a : r.check_rows)
            checks.push_back(row_json(a));
        for (const MonthRow& m : r.months) {
            Json o = {{"channel", m.channel},
                      {"month", fmt::format("{:04}-{:02}", m.year, m.month)}};
            o.update(buckets_json(m.buckets));
            o["incidents"] = m.incidents;
            o["downtime_s"] = m.downtime.count();
            months.push_back(o);
        }
        j["availability"] = {{"channels", channels}, {"checks", checks}, {"months", months}};
    }
    if (wants(options, Section::loss)) {
        const LossBasis& b = r.basis;
        Json per = Json::array();
        for (const IncidentReport& i : r.incidents)
            per.push_back({{"incident", i.incident.id},
                           {"lost", i.loss.lost},
                           {"lost_in_period", i.lost_in_period}});
        Json sales = Json::array();
        for (const SalesEvent& e : r.sales)
            sales.push_back({{"name", e.name},
                             {"start", format_local(e.start, tz)},
                             {"end", format_local(e.end, tz)},
                             {"multiplier", e.multiplier}});
        j["loss"] = {{"currency", r.currency},
                     {"total", r.summary.lost},
                     {"basis",
                      {{"source", b.source},
                       {"orders_csv", b.orders_path.empty() ? Json(nullptr) : Json(b.orders_path)},
                       {"orders", b.orders},
                       {"orders_days", b.orders_days},
                       {"weekly_revenue", b.weekly_revenue},
                       {"blocked",
                        {{"critical", b.blocked.critical},
                         {"major", b.blocked.major},
                         {"minor", b.blocked.minor}}},
                       {"recaptured", b.recaptured},
                       {"sale_events", sales}}},
                     {"incidents", per}};
    }
    return j.dump(2) + "\n";
}

} // namespace shopkit::report
