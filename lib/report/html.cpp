// shopreport's HTML format: one file a shop owner opens or prints, with nothing
// to fetch (a Content-Security-Policy of default-src 'none' keeps it so) and no
// script. Every text from the report goes through escape_html.
#include "lib/report/format.hpp"
#include "lib/report/labels.hpp"
#include "lib/report/svg_timeline.hpp"

#include "lib/core/words.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shopkit::report {

namespace {

constexpr std::string_view css = R"(
:root { color-scheme: light; }
* { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: system-ui, "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", sans-serif;
  font-size: 15px; line-height: 1.5; color: #212121; background: #fff;
  max-width: 1100px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.5em; margin: 0 0 .2em; }
h2 { font-size: 1.25em; border-bottom: 2px solid #e0e0e0; margin: 1.6em 0 .4em; }
h3 { font-size: 1.05em; margin: 1.2em 0 .3em; }
.meta, .note { color: #555; }
.note { font-size: .85em; margin: .2em 0; }
figure { margin: .5em 0 1em; }
svg.timeline { display: block; width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; margin: .4em 0 1em; font-size: .9em; }
th, td { border: 1px solid #e0e0e0; padding: 3px 6px; text-align: left; vertical-align: top;
  overflow-wrap: break-word; }
th { background: #f5f5f5; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num, .nowrap { white-space: nowrap; }
table.facts { width: auto; min-width: 50%; }
table.facts th { font-weight: normal; }
.sev { display: inline-block; width: .8em; height: .8em; border-radius: 2px; margin-right: .3em; }
.sev.critical { background: #c62828; }
.sev.major { background: #ef6c00; }
.sev.minor { background: #f9a825; }
.ongoing { color: #c62828; font-weight: 600; }
details { margin: .4em 0 1em; border-left: 3px solid #e0e0e0; padding-left: .8em; }
summary { font-weight: 600; cursor: pointer; }
ol.timeline { margin: .3em 0 .6em; padding-left: 1.4em; }
ol.timeline time { font-variant-numeric: tabular-nums; margin-right: .5em; }
pre.notice { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; font: inherit; }
td small { overflow-wrap: anywhere; }
small { color: #555; }
@page { size: A4; margin: 12mm }
@media print {
  body { font-size: 9pt; max-width: none; padding: 0; }
  table { font-size: 8pt; }
  th, td { padding: 2px 4px; }
  h2, h3 { break-after: avoid; }
  tr, li, svg.timeline { break-inside: avoid; }
}
)";

class Writer {
  public:
    explicit Writer(const Report& r) : r_(r), lang_(r.language) {}

    std::string document(const RenderOptions& options) {
        head();
        out_ += "<figure>\n" + svg_timeline(r_) + "</figure>\n";
        if (wants(options, Section::summary))
            summary();
        if (wants(options, Section::incidents))
            incidents();
        if (wants(options, Section::availability))
            availability();
        if (wants(options, Section::loss))
            loss();
        out_ += "</body>\n</html>\n";
        return std::move(out_);
    }

  private:
    std::string l(std::string_view key) const { return escape_html(label(key, lang_)); }
    std::string when(TimePoint t) const { return local_minute(t, r_.timezone); }
    std::string dur(std::chrono::seconds d) const { return duration(d, lang_); }
    std::string dur_minutes(double minutes) const {
        return dur(std::chrono::seconds(std::llround(minutes * 60)));
    }
    std::string cash(double amount) const { return escape_html(money(amount, r_.currency, lang_)); }
    std::string channel_name(const std::string& id) const {
        const auto it = std::find(r_.channels.begin(), r_.channels.end(), id);
        const auto i = static_cast<std::size_t>(it - r_.channels.begin());
        if (it != r_.channels.end() && i < r_.channel_names.size() && !r_.channel_names[i].empty())
            return escape_html(r_.channel_names[i]);
        return escape_html(id);
    }
    std::string severity(Severity s) const {
        return fmt::format("<span class=\"nowrap\"><span class=\"sev {0}\"></span>{1}</span>",
                           to_string(s), escape_html(words::severity_label(to_string(s), lang_)));
    }
    std::string html_lang() const {
        if (words::japanese(lang_))
            return "ja";
        const bool plain = !lang_.empty() && lang_.size() <= 35 &&
                           std::all_of(lang_.begin(), lang_.end(), [](char c) {
                               return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
                           });
        return plain ? lang_ : "en";
    }
    // A header row of `keys`; a key starting with '#' is a number column.
    void header(std::initializer_list<std::string_view> keys) {
        out_ += "<thead><tr>";
        for (std::string_view k : keys) {
            const bool n = k.front() == '#';
            out_ += fmt::format("<th{}>{}</th>", n ? " class=\"num\"" : "", l(n ? k.substr(1) : k));
        }
        out_ += "</tr></thead>\n";
    }
    void fact(std::string_view key, const std::string& value) {
        out_ += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", l(key), value);
    }

    void head() {
        out_ += fmt::format(
            "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n", html_lang());
        out_ += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                "style-src 'unsafe-inline'\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
        out_ += fmt::format("<title>{} — {}</title>\n<style>{}</style>\n</head>\n<body>\n",
                            l("report"), escape_html(r_.shop), css);
        out_ += fmt::format("<header>\n<h1>{} — {}</h1>\n", l("report"), escape_html(r_.shop));
        out_ += fmt::format("<p class=\"meta\">{}: {} – {} · {}: {} · {}: {}</p>\n</header>\n",
                            l("period"), when(r_.period.from), when(r_.period.to), l("times_in"),
                            escape_html(words::zone(r_.period.from, r_.timezone, lang_)),
                            l("generated"), when(r_.generated));
    }

    void reaction(std::string_view key, const ReactionStat& s) {
        const auto or_never = [&](const std::optional<std::chrono::seconds>& d) {
            return d ? dur(*d) : l("never");
        };
        out_ += fmt::format("<tr><th>{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td>"
                            "<td class=\"num\">{}</td></tr>\n",
                            l(key), or_never(s.median), or_never(s.worst), s.count);
    }

    void summary() {
        const Summary& s = r_.summary;
        out_ += fmt::format("<section id=\"summary\">\n<h2>{}</h2>\n<table class=\"facts\">\n",
                            l("summary"));
        std::string count = std::to_string(s.incidents);
        if (s.ongoing > 0)
            count +=
                fmt::format(" (<span class=\"ongoing\">{}</span> {})", l("ongoing"), s.ongoing);
        fact("incident_count", count);
        fact("total_downtime", dur(s.downtime));
        fact("availability", escape_html(percent(s.availability, lang_)));
        fact("lost_sales", cash(s.lost));
        out_ += "</table>\n<table class=\"facts\">\n";
        out_ += fmt::format("<thead><tr><th></th><th class=\"num\">{}</th><th class=\"num\">{}</th>"
                            "<th class=\"num\">{}</th></tr></thead>\n",
                            l("median"), l("worst"), l("incident_count"));
        reaction("to_detect", s.detect);
        reaction("to_tell_staff", s.tell_staff);
        reaction("to_tell_customers", s.tell_customers);
        reaction("to_recover", s.recover);
        out_ += "</table>\n</section>\n";
    }

    void incidents() {
        out_ += fmt::format("<section id=\"incidents\">\n<h2>{}</h2>\n", l("incidents"));
        if (r_.incidents.empty()) {
            out_ += fmt::format("<p>{}</p>\n</section>\n", l("no_incidents"));
            return;
        }
        out_ += "<table>\n";
        header({"channel", "start", "end", "#downtime", "severity", "checks", "sale", "#lost"});
        for (const IncidentReport& ir : r_.incidents) {
            const Incident& i = ir.incident;
            std::string end;
            if (ir.ongoing)
                end = fmt::format("<span class=\"ongoing\">{}</span>", l("ongoing"));
            else if (ir.recovered || ir.confirmed)
                end = when(ir.recovered ? *ir.recovered : *ir.confirmed);
            std::string checks;
            for (const std::string& c : i.checks)
                checks += (checks.empty() ? "" : ", ") + escape_html(c);
            out_ += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>"
                                "<td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td></tr>\n",
                                channel_name(i.channel), when(ir.first_failure), end,
                                dur(ir.downtime), severity(i.severity), checks,
                                i.sale ? escape_html(*i.sale) : "", cash(ir.loss.lost));
        }
        out_ += "</table>\n";
        for (const IncidentReport& ir : r_.incidents)
            incident_details(ir);
        out_ += "</section>\n";
    }

    void incident_details(const IncidentReport& ir) {
        out_ += fmt::format("<details open>\n<summary>{} {} · {} · {}</summary>\n",
                            severity(ir.incident.severity), channel_name(ir.incident.channel),
                            when(ir.first_failure), escape_html(ir.incident.id));
        out_ += fmt::format("<h3>{}</h3>\n<ol class=\"timeline\">\n", l("timeline"));
        for (const TimelineEntry& e : ir.timeline) {
            out_ += fmt::format("<li><time>{}</time>{}", when(e.time), l(to_string(e.mark)));
            if (!e.what.empty())
                out_ += " — " + escape_html(e.what);
            out_ += "</li>\n";
        }
        if (ir.ongoing)
            out_ += fmt::format("<li class=\"ongoing\">{}</li>\n", l("ongoing"));
        out_ += "</ol>\n";
        if (!ir.notices.empty()) {
            out_ += fmt::format("<h3>{}</h3>\n<table>\n", l("notices"));
            header({"target", "audience", "state", "time", "text"});
            for (const NoticeEntry& n : ir.notices) {
                std::string text = "<pre class=\"notice\">" + escape_html(n.text) + "</pre>";
                if (!n.error.empty())
                    text += "<small>" + escape_html(n.error) + "</small>";
                out_ += fmt::format(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                    escape_html(n.target),
                    l(n.audience == Audience::staff ? "staff_notice" : "customer_notice"),
                    escape_html(to_string(n.state)), when(n.sent ? *n.sent : n.created), text);
            }
            out_ += "</table>\n";
        }
        if (!ir.steps.empty()) {
            out_ += fmt::format("<h3>{}</h3>\n<table>\n", l("steps"));
            header({"step", "state", "#attempts", "time", "#exit_status", "error"});
            for (const StepEntry& s : ir.steps)
                out_ += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td>"
                                    "<td class=\"num\">{}</td><td>{}</td></tr>\n",
                                    escape_html(s.step), escape_html(to_string(s.state)),
                                    s.attempts, s.finished ? when(*s.finished) : "",
                                    s.exit_status ? std::to_string(*s.exit_status) : "",
                                    escape_html(s.error));
            out_ += "</table>\n";
        }
        out_ += "</details>\n";
    }

    // The bucket cells of a row: availability, up, degraded, down, [unknown],
    // maintenance, no data.
    std::string bucket_cells(const Buckets& b, bool unknown) const {
        std::string cells =
            fmt::format("<td class=\"num\">{}</td>", escape_html(percent(b.availability(), lang_)));
        for (const auto d : {b.up, b.degraded, b.down})
            cells += fmt::format("<td class=\"num\">{}</td>", dur(d));
        if (unknown)
            cells += fmt::format("<td class=\"num\">{}</td>", dur(b.unknown));
        for (const auto d : {b.maintenance, b.no_data})
            cells += fmt::format("<td class=\"num\">{}</td>", dur(d));
        return cells;
    }
    std::string bucket_header(bool unknown) const {
        std::string h;
        for (std::string_view k : {"availability", "up", "degraded", "down"})
            h += "<th class=\"num\">" + l(k) + "</th>";
        if (unknown)
            h += "<th class=\"num\">" + l("unknown") + "</th>";
        for (std::string_view k : {"maintenance", "no_data", "incident_count", "downtime"})
            h += "<th class=\"num\">" + l(k) + "</th>";
        return h;
    }

    void availability_table(const std::vector<AvailabilityRow>& rows, bool checks) {
        const bool unknown = std::any_of(rows.begin(), rows.end(), [](const AvailabilityRow& a) {
            return a.buckets.unknown.count() > 0;
        });
        out_ += "<table>\n<thead><tr><th>" + l("channel") + "</th>";
        if (checks)
            out_ += "<th>" + l("check") + "</th>";
        out_ += bucket_header(unknown) + "</tr></thead>\n";
        for (const AvailabilityRow& a : rows) {
            std::string name = checks ? escape_html(a.check) : channel_name(a.channel);
            if (a.counted_from)
                name += fmt::format("<br><small>{} {}</small>", l("counted_from"),
                                    when(*a.counted_from));
            out_ += "<tr>";
            if (checks)
                out_ += "<td>" + channel_name(a.channel) + "</td>";
            out_ +=
                fmt::format("<td>{}</td>{}<td class=\"num\">{}</td><td class=\"num\">{}</td>"
                            "</tr>\n",
                            name, bucket_cells(a.buckets, unknown), a.incidents, dur(a.downtime));
        }
        out_ += "</table>\n";
    }

    void availability() {
        out_ += fmt::format("<section id=\"availability\">\n<h2>{}</h2>\n", l("availability"));
        out_ += fmt::format("<h3>{}</h3>\n", l("by_channel"));
        availability_table(r_.channel_rows, false);
        if (!r_.check_rows.empty()) {
            out_ += fmt::format("<h3>{}</h3>\n", l("by_check"));
            availability_table(r_.check_rows, true);
        }
        if (!r_.months.empty()) {
            const bool unknown =
                std::any_of(r_.months.begin(), r_.months.end(),
                            [](const MonthRow& m) { return m.buckets.unknown.count() > 0; });
            out_ += fmt::format("<h3>{}</h3>\n<table>\n<thead><tr><th>{}</th><th>{}</th>{}</tr>"
                                "</thead>\n",
                                l("months"), l("channel"), l("month"), bucket_header(unknown));
            for (const MonthRow& m : r_.months)
                out_ += fmt::format("<tr><td>{}</td><td>{:04}-{:02}</td>{}<td class=\"num\">{}</td>"
                                    "<td class=\"num\">{}</td></tr>\n",
                                    channel_name(m.channel), m.year, m.month,
                                    bucket_cells(m.buckets, unknown), m.incidents, dur(m.downtime));
            out_ += "</table>\n";
        }
        out_ += fmt::format("<p class=\"note\">{}</p>\n<p class=\"note\">{}</p>\n</section>\n",
                            l("maintenance_note"), l("no_data_note"));
    }

    void loss() {
        const LossBasis& b = r_.basis;
        out_ +=
            fmt::format("<section id=\"loss\">\n<h2>{}</h2>\n<table class=\"facts\">\n", l("loss"));
        std::string source = b.source == "hourly"       ? l("basis_hourly")
                             : b.source == "orders_csv" ? l("basis_orders")
                                                        : l("basis_none");
        if (b.source == "orders_csv")
            source +=
                fmt::format("<br><small>{} · {} {} · {} {}</small>", escape_html(b.orders_path),
                            b.orders, l("orders"), b.orders_days, l("days"));
        fact("basis", source);
        fact("weekly_revenue", cash(b.weekly_revenue));
        fact("blocked",
             fmt::format("{} {} · {} {} · {} {}", words::severity_label("critical", lang_),
                         share(b.blocked.critical), words::severity_label("major", lang_),
                         share(b.blocked.major), words::severity_label("minor", lang_),
                         share(b.blocked.minor)));
        fact("recaptured", share(b.recaptured));
        fact("lost_sales", "<strong>" + cash(r_.summary.lost) + "</strong>");
        out_ += "</table>\n";
        if (r_.incidents.empty()) {
            out_ += "</section>\n";
            return;
        }
        out_ += "<table>\n";
        header({"incident", "severity", "#downtime", "#expected", "#blocked", "#blocked_amount",
                "#told_minutes", "#recaptured_amount", "#lost"});
        for (const IncidentReport& ir : r_.incidents) {
            const LossEstimate& e = ir.loss;
            out_ += fmt::format(
                "<tr><td>{} {}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
                "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>"
                "<td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
                channel_name(ir.incident.channel), when(ir.first_failure),
                severity(ir.incident.severity), dur_minutes(e.minutes), cash(e.expected_revenue),
                share(e.blocked_share), cash(e.blocked_revenue), dur_minutes(e.told_minutes),
                cash(e.recaptured_amount), cash(e.lost));
        }
        out_ += "</table>\n";
        const bool events =
            std::any_of(r_.incidents.begin(), r_.incidents.end(),
                        [](const IncidentReport& ir) { return !ir.loss.events.empty(); });
        if (events) {
            out_ += fmt::format("<h3>{}</h3>\n<table>\n", l("sale_multipliers"));
            header({"incident", "sale", "#multiplier", "#downtime", "#base_revenue", "#expected"});
            for (const IncidentReport& ir : r_.incidents)
                for (const EventShare& s : ir.loss.events)
                    out_ += fmt::format("<tr><td>{} {}</td><td>{}</td><td class=\"num\">×{}</td>"
                                        "<td class=\"num\">{}</td><td class=\"num\">{}</td>"
                                        "<td class=\"num\">{}</td></tr>\n",
                                        channel_name(ir.incident.channel), when(ir.first_failure),
                                        escape_html(s.name), s.multiplier, dur_minutes(s.minutes),
                                        cash(s.base_revenue), cash(s.base_revenue * s.multiplier));
            out_ += "</table>\n";
        }
        out_ += "</section>\n";
    }

    const Report& r_;
    const std::string& lang_;
    std::string out_;
};

} // namespace

std::string render_html(const Report& report, const RenderOptions& options) {
    return Writer(report).document(options);
}

} // namespace shopkit::report
