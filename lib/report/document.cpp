#include "lib/report/document.hpp"

#include "lib/core/text.hpp"
#include "lib/core/words.hpp"
#include "lib/report/labels.hpp"

#include <fmt/core.h>

#include <algorithm>

namespace shopkit::report {

namespace {

using std::chrono::seconds;

Part heading(int level, std::string text) {
    Part p;
    p.kind = Part::Kind::heading;
    p.level = level;
    p.lines.push_back(std::move(text));
    return p;
}

Part lines(std::vector<std::string> text) {
    Part p;
    p.kind = Part::Kind::lines;
    p.lines = std::move(text);
    return p;
}

Part table(Table t) {
    Part p;
    p.kind = Part::Kind::table;
    p.table = std::move(t);
    return p;
}

std::string channel_name(const Report& r, const std::string& id) {
    for (std::size_t i = 0; i < r.channels.size(); ++i)
        if (r.channels[i] == id && i < r.channel_names.size())
            return r.channel_names[i];
    return id;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
    std::string out;
    for (const std::string& s : items) {
        if (!out.empty())
            out += sep;
        out += s;
    }
    return out;
}

std::string reaction(const ReactionStat& s, const std::string& lang) {
    if (s.count == 0)
        return "–";
    return fmt::format("{} {} / {} {}", label("median", lang), duration(*s.median, lang),
                       label("worst", lang), duration(*s.worst, lang));
}

std::string maybe(const std::optional<seconds>& d, const std::string& lang) {
    return d ? duration(*d, lang) : std::string(label("never", lang));
}

std::string period_text(const Report& r) {
    const std::string& tz = r.timezone;
    return fmt::format("{} – {} ({})", local_minute(r.period.from, tz),
                       local_minute(r.period.to, tz), words::zone(r.period.from, tz, r.language));
}

std::string end_text(const Report& r, const IncidentReport& i) {
    if (i.ongoing)
        return std::string(label("ongoing", r.language));
    return i.recovered ? local_minute(*i.recovered, r.timezone) : "";
}

void summary(const Report& r, Document& doc) {
    const std::string& lang = r.language;
    doc.push_back(heading(2, std::string(label("summary", lang))));
    Table t;
    t.head = {"", ""};
    t.right = {false, false};
    std::string count = std::to_string(r.summary.incidents);
    if (r.summary.ongoing > 0)
        count += fmt::format(" ({} {})", r.summary.ongoing, label("ongoing", lang));
    t.rows.push_back({std::string(label("incident_count", lang)), count});
    std::vector<std::string> per_channel;
    for (const AvailabilityRow& row : r.channel_rows)
        per_channel.push_back(
            fmt::format("{} {}", channel_name(r, row.channel), duration(row.downtime, lang)));
    t.rows.push_back({std::string(label("total_downtime", lang)),
                      fmt::format("{} ({})", duration(r.summary.downtime, lang),
                                  per_channel.empty() ? "–" : join(per_channel, ", "))});
    std::vector<std::string> avail;
    for (const AvailabilityRow& row : r.channel_rows)
        avail.push_back(fmt::format("{} {}", channel_name(r, row.channel),
                                    percent(row.buckets.availability(), lang)));
    t.rows.push_back({std::string(label("availability", lang)), join(avail, ", ")});
    t.rows.push_back(
        {std::string(label("lost_sales", lang)), money(r.summary.lost, r.currency, lang)});
    t.rows.push_back({std::string(label("to_detect", lang)), reaction(r.summary.detect, lang)});
    t.rows.push_back(
        {std::string(label("to_tell_staff", lang)), reaction(r.summary.tell_staff, lang)});
    t.rows.push_back(
        {std::string(label("to_tell_customers", lang)), reaction(r.summary.tell_customers, lang)});
    t.rows.push_back({std::string(label("to_recover", lang)), reaction(r.summary.recover, lang)});
    doc.push_back(table(std::move(t)));
}

void incidents(const Report& r, Document& doc) {
    const std::string& lang = r.language;
    doc.push_back(heading(2, std::string(label("incidents", lang))));
    if (r.incidents.empty()) {
        doc.push_back(lines({std::string(label("no_incidents", lang))}));
        return;
    }
    Table t;
    for (const char* key :
         {"incident", "channel", "start", "end", "downtime", "severity", "checks", "sale", "lost"})
        t.head.emplace_back(label(key, lang));
    t.right = {false, false, false, false, true, false, false, false, true};
    for (const IncidentReport& i : r.incidents)
        t.rows.push_back({i.incident.id, channel_name(r, i.incident.channel),
                          local_minute(i.first_failure, r.timezone), end_text(r, i),
                          duration(i.downtime, lang),
                          words::severity_label(to_string(i.incident.severity), lang),
                          join(i.incident.checks, " "), i.incident.sale.value_or(""),
                          money(i.loss.lost, r.currency, lang)});
    doc.push_back(table(std::move(t)));
    for (const IncidentReport& i : r.incidents) {
        doc.push_back(heading(3, i.incident.id));
        doc.push_back(table(timeline_table(r, i)));
        doc.push_back(lines({
            fmt::format("{}: {} · {}: {} · {}: {} · {}: {}", label("to_detect", lang),
                        maybe(i.to_detect, lang), label("to_tell_staff", lang),
                        maybe(i.to_tell_staff, lang), label("to_tell_customers", lang),
                        maybe(i.to_tell_customers, lang), label("to_recover", lang),
                        maybe(i.to_recover, lang)),
        }));
    }
}

std::vector<std::string> bucket_cells(const Buckets& b, const std::string& lang) {
    return {percent(b.availability(), lang), duration(b.up, lang),
            duration(b.degraded, lang),      duration(b.down, lang),
            duration(b.maintenance, lang),   duration(b.no_data, lang)};
}

void availability(const Report& r, Document& doc) {
    const std::string& lang = r.language;
    doc.push_back(heading(2, std::string(label("availability", lang))));
    const std::vector<const char*> bucket_keys = {"availability", "up",          "degraded",
                                                  "down",         "maintenance", "no_data"};
    std::vector<std::string> notes;
    for (const bool checks : {false, true}) {
        Table t;
        t.head.emplace_back(label("channel", lang));
        if (checks)
            t.head.emplace_back(label("check", lang));
        for (const char* key : bucket_keys)
            t.head.emplace_back(label(key, lang));
        t.head.emplace_back(label("incidents", lang));
        t.head.emplace_back(label("downtime", lang));
        t.right.assign(t.head.size(), true);
        t.right[0] = false;
        if (checks)
            t.right[1] = false;
        for (const AvailabilityRow& row : checks ? r.check_rows : r.channel_rows) {
            std::vector<std::string> cells = {channel_name(r, row.channel)};
            if (checks)
                cells.push_back(row.check);
            for (std::string& c : bucket_cells(row.buckets, lang))
                cells.push_back(std::move(c));
            cells.push_back(std::to_string(row.incidents));
            cells.push_back(duration(row.downtime, lang));
            t.rows.push_back(std::move(cells));
            if (row.counted_from)
                notes.push_back(fmt::format("{}{}: {} {}", channel_name(r, row.channel),
                                            row.check.empty() ? "" : "/" + row.check,
                                            label("counted_from", lang),
                                            local_minute(*row.counted_from, r.timezone)));
        }
        doc.push_back(table(std::move(t)));
    }
    if (!r.months.empty()) {
        doc.push_back(heading(3, std::string(label("months", lang))));
        Table t;
        t.head.emplace_back(label("month", lang));
        t.head.emplace_back(label("channel", lang));
        for (const char* key : bucket_keys)
            t.head.emplace_back(label(key, lang));
        t.head.emplace_back(label("incidents", lang));
        t.head.emplace_back(label("downtime", lang));
        t.right.assign(t.head.size(), true);
        t.right[0] = t.right[1] = false;
        for (const MonthRow& m : r.months) {
            std::vector<std::string> cells = {fmt::format("{:04}-{:02}", m.year, m.month),
                                              channel_name(r, m.channel)};
            for (std::string& c : bucket_cells(m.buckets, lang))
                cells.push_back(std::move(c));
            cells.push_back(std::to_string(m.incidents));
            cells.push_back(duration(m.downtime, lang));
            t.rows.push_back(std::move(cells));
        }
        doc.push_back(table(std::move(t)));
    }
    notes.emplace_back(label("maintenance_note", lang));
    notes.emplace_back(label("no_data_note", lang));
    doc.push_back(lines(std::move(notes)));
}

std::vector<std::string> basis_lines(const Report& r) {
    const std::string& lang = r.language;
    std::vector<std::string> out;
    const LossBasis& b = r.basis;
    if (b.source == "orders_csv")
        out.push_back(fmt::format("{}: {} ({}, {} / {})", label("basis", lang),
                                  label("basis_orders", lang), b.orders_path, b.orders,
                                  b.orders_days));
    else if (b.source == "hourly")
        out.push_back(fmt::format("{}: {}", label("basis", lang), label("basis_hourly", lang)));
    else
        out.push_back(fmt::format("{}: {}", label("basis", lang), label("basis_none", lang)));
    out.push_back(fmt::format("{}: {}", label("weekly_revenue", lang),
                              money(b.weekly_revenue, r.currency, lang)));
    out.push_back(fmt::format("{}: {} {} · {} {} · {} {}", label("blocked", lang),
                              words::severity_label("critical", lang), share(b.blocked.critical),
                              words::severity_label("major", lang), share(b.blocked.major),
                              words::severity_label("minor", lang), share(b.blocked.minor)));
    out.push_back(fmt::format("{}: {}", label("recaptured", lang), share(b.recaptured)));
    for (const SalesEvent& e : r.sales)
        out.push_back(fmt::format("{} {}: {} ×{}", label("sale", lang), e.name,
                                  words::time_range(e.start, e.end, r.timezone, lang),
                                  e.multiplier));
    return out;
}

void loss(const Report& r, Document& doc) {
    const std::string& lang = r.language;
    doc.push_back(heading(2, std::string(label("loss", lang))));
    doc.push_back(lines(basis_lines(r)));
    Table t;
    for (const char* key :
         {"incident", "downtime", "severity", "expected", "blocked", "recaptured", "lost"})
        t.head.emplace_back(label(key, lang));
    t.right = {false, true, false, true, true, true, true};
    for (const IncidentReport& i : r.incidents) {
        const LossEstimate& l = i.loss;
        t.rows.push_back({i.incident.id, duration(i.downtime, lang),
                          words::severity_label(to_string(i.incident.severity), lang),
                          money(l.expected_revenue, r.currency, lang),
                          fmt::format("{} ({})", money(l.blocked_revenue, r.currency, lang),
                                      share(l.blocked_share)),
                          fmt::format("-{} ({})", money(l.recaptured_amount, r.currency, lang),
                                      share(l.recaptured_share)),
                          money(l.lost, r.currency, lang)});
    }
    t.rows.push_back({std::string(label("lost_sales", lang)), duration(r.summary.downtime, lang),
                      "", "", "", "", money(r.summary.lost, r.currency, lang)});
    doc.push_back(table(std::move(t)));
}

} // namespace

Table timeline_table(const Report& r, const IncidentReport& i) {
    const std::string& lang = r.language;
    Table t;
    t.head = {std::string(label("time", lang)), std::string(label("event", lang)), ""};
    t.right = {false, false, false};
    for (const TimelineEntry& e : i.timeline)
        t.rows.push_back({local_minute(e.time, r.timezone),
                          std::string(label(to_string(e.mark), lang)), e.what});
    return t;
}

std::vector<std::string> loss_lines(const Report& r, const IncidentReport& i) {
    const std::string& lang = r.language;
    const LossEstimate& l = i.loss;
    std::vector<std::string> out = basis_lines(r);
    out.push_back(fmt::format("{}: {}", label("downtime", lang), duration(i.downtime, lang)));
    out.push_back(fmt::format("{}: {}", label("expected", lang),
                              money(l.expected_revenue, r.currency, lang)));
    for (const EventShare& e : l.events)
        out.push_back(fmt::format("  {} {}: {:.0f} min ×{}", label("sale", lang), e.name, e.minutes,
                                  e.multiplier));
    out.push_back(fmt::format("{}: {} × {} = {}", label("blocked", lang),
                              money(l.expected_revenue, r.currency, lang), share(l.blocked_share),
                              money(l.blocked_revenue, r.currency, lang)));
    out.push_back(fmt::format("{}: {} ({:.0f} min) → -{}", label("recaptured", lang),
                              share(l.recaptured_share), l.told_minutes,
                              money(l.recaptured_amount, r.currency, lang)));
    out.push_back(fmt::format("{}: {}", label("lost", lang), money(l.lost, r.currency, lang)));
    return out;
}

Document report_document(const Report& r, const RenderOptions& options) {
    const std::string& lang = r.language;
    Document doc;
    doc.push_back(heading(1, fmt::format("{}: {}", label("report", lang), r.shop)));
    doc.push_back(lines(
        {fmt::format("{}: {}", label("period", lang), period_text(r)),
         fmt::format("{}: {}", label("generated", lang), local_minute(r.generated, r.timezone))}));
    if (wants(options, Section::summary))
        summary(r, doc);
    if (wants(options, Section::incidents))
        incidents(r, doc);
    if (wants(options, Section::availability))
        availability(r, doc);
    if (wants(options, Section::loss))
        loss(r, doc);
    return doc;
}

std::string text_table(const Table& t) {
    std::vector<std::size_t> width(t.head.size(), 0);
    auto measure = [&](const std::vector<std::string>& row) {
        for (std::size_t c = 0; c < row.size() && c < width.size(); ++c)
            width[c] = std::max(width[c], display_width(row[c]));
    };
    measure(t.head);
    for (const auto& row : t.rows)
        measure(row);
    auto line = [&](const std::vector<std::string>& row) {
        std::string out;
        for (std::size_t c = 0; c < width.size(); ++c) {
            const std::string cell = c < row.size() ? row[c] : "";
            const std::size_t pad = width[c] - std::min(width[c], display_width(cell));
            const bool right = c < t.right.size() && t.right[c];
            if (c > 0)
                out += "  ";
            if (right)
                out += std::string(pad, ' ') + cell;
            else if (c + 1 < width.size())
                out += cell + std::string(pad, ' ');
            else
                out += cell;
        }
        while (!out.empty() && out.back() == ' ')
            out.pop_back();
        return out + "\n";
    };
    std::string out;
    const bool has_head =
        std::any_of(t.head.begin(), t.head.end(), [](const std::string& h) { return !h.empty(); });
    if (has_head) {
        out += line(t.head);
        std::size_t total = 0;
        for (std::size_t w : width)
            total += w;
        out += std::string(total + 2 * (width.empty() ? 0 : width.size() - 1), '-') + "\n";
    }
    for (const auto& row : t.rows)
        out += line(row);
    return out;
}

std::string markdown_table(const Table& t) {
    auto cell = [](const std::string& s) {
        std::string out;
        for (char c : s) {
            if (c == '|')
                out += "\\|";
            else if (c == '\n')
                out += ' ';
            else
                out += c;
        }
        return out;
    };
    std::string out = "|";
    for (const std::string& h : t.head)
        out += " " + cell(h) + " |";
    out += "\n|";
    for (std::size_t c = 0; c < t.head.size(); ++c)
        out += c < t.right.size() && t.right[c] ? " ---: |" : " --- |";
    out += "\n";
    for (const auto& row : t.rows) {
        out += "|";
        for (std::size_t c = 0; c < t.head.size(); ++c)
            out += " " + cell(c < row.size() ? row[c] : "") + " |";
        out += "\n";
    }
    return out;
}

} // namespace shopkit::report
