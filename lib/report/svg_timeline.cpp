#include "lib/report/svg_timeline.hpp"

#include "lib/core/words.hpp"
#include "lib/report/labels.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <vector>

namespace shopkit::report {

namespace {

// The drawing's own units; the page scales them to its width.
constexpr double width = 900;
constexpr double x0 = 160; // the plot's left edge: channel names go left of it
constexpr double x1 = 888;
constexpr double top = 24; // above: sale names
constexpr double row_h = 38;
constexpr double bar_h = 14;

constexpr std::string_view sale_fill = "#bbdefb";
constexpr std::string_view staff_fill = "#1565c0";
constexpr std::string_view customers_fill = "#2e7d32";

// Rough text widths at font-size 13, for layout only: CJK is about a square,
// Latin about half of one.
double text_width(std::string_view s) {
    double w = 0;
    for (const unsigned char c : s) {
        if (c < 0x80)
            w += 7.3;
        else if (c >= 0xC0)
            w += 13;
    }
    return w;
}

// `s` cut at a character boundary so it fits `max` (text_width), with "…".
std::string fit(std::string_view s, double max) {
    if (text_width(s) <= max)
        return std::string(s);
    double w = 13; // the ellipsis
    std::size_t end = 0;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        w += c < 0x80 ? 7.3 : 13;
        if (w > max)
            break;
        i = std::min(s.size(), i + len);
        end = i;
    }
    return std::string(s.substr(0, end)) + "…";
}

std::string num(double v) {
    return fmt::format("{:.1f}", v);
}

struct Tick {
    TimePoint time;
    std::string label; // empty: a line without a label
};

LocalDate next_day(LocalDate d) {
    using namespace std::chrono;
    const year_month_day ymd{sys_days{year{d.year} / month{static_cast<unsigned>(d.month)} /
                                      day{static_cast<unsigned>(d.day)}} +
                             days{1}};
    return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
            static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

// Ticks in the shop's zone, their step by the period's length: hours up to three
// days, days up to three months, months beyond. At most about 16 labels.
std::vector<Tick> ticks(const Report& r) {
    const std::string& tz = r.timezone;
    const auto span = std::chrono::duration_cast<std::chrono::seconds>(r.period.to - r.period.from);
    const double hours = static_cast<double>(span.count()) / 3600.0;
    std::vector<Tick> out;
    if (hours <= 0)
        return out;
    const bool ja = words::japanese(r.language);
    const auto in_period = [&](TimePoint t) { return t >= r.period.from && t < r.period.to; };
    const auto day_label = [](int month, int day) { return fmt::format("{}/{}", month, day); };

    if (hours <= 72) {
        int step = 1;
        for (const int s : {1, 2, 3, 6, 12})
            if (hours / s <= 16) {
                step = s;
                break;
            }
        for (LocalDate d = local_date(r.period.from, tz); start_of_day(d, tz) < r.period.to;
             d = next_day(d))
            for (int h = 0; h < 24; h += step) {
                const auto t = local_civil(tz, d.year, d.month, d.day, h, 0, 0);
                if (!t || !in_period(*t))
                    continue;
                // Midnight carries the date; the period's head says the rest.
                out.push_back(
                    {*t, h == 0 ? day_label(d.month, d.day) : fmt::format("{:02}:00", h)});
            }
        return out;
    }
    if (hours <= 92 * 24) {
        const int days = static_cast<int>(std::ceil(hours / 24));
        const int every = days <= 16 ? 1 : days <= 32 ? 2 : 7;
        int i = 0;
        for (LocalDate d = local_date(r.period.from, tz); start_of_day(d, tz) < r.period.to;
             d = next_day(d)) {
            const TimePoint t = start_of_day(d, tz);
            if (!in_period(t))
                continue;
            out.push_back({t, i++ % every == 0 ? day_label(d.month, d.day) : ""});
        }
        return out;
    }
    const LocalDate first = local_date(r.period.from, tz);
    const int months = static_cast<int>(std::lround(hours / 24 / 30.44));
    const int every = std::max(1, (months + 11) / 12);
    int i = 0;
    for (int y = first.year, m = first.month;; ++m) {
        if (m > 12) {
            m = 1;
            ++y;
        }
        const TimePoint t = start_of_day({y, m, 1}, tz);
        if (t >= r.period.to)
            break;
        if (!in_period(t))
            continue;
        std::string text;
        if (i++ % every == 0) {
            text = ja ? fmt::format("{}月", m) : std::string(month_abbreviation(m));
            if (m == 1 || out.empty())
                text = ja ? fmt::format("{}年", y) + text : text + fmt::format(" {}", y);
        }
        out.push_back({t, text});
    }
    return out;
}

class Drawing {
  public:
    explicit Drawing(const Report& r) : r_(r) {}

    double x(TimePoint t) const {
        const double whole = std::chrono::duration<double>(r_.period.to - r_.period.from).count();
        if (whole <= 0)
            return x0;
        const double part = std::chrono::duration<double>(t - r_.period.from).count();
        return x0 + std::clamp(part / whole, 0.0, 1.0) * (x1 - x0);
    }
    double row_y(std::size_t i) const { return top + static_cast<double>(i) * row_h; }
    std::optional<std::size_t> row_of(const std::string& channel) const {
        const auto it = std::find(r_.channels.begin(), r_.channels.end(), channel);
        if (it == r_.channels.end())
            return std::nullopt;
        return static_cast<std::size_t>(it - r_.channels.begin());
    }
    bool touches(TimePoint from, TimePoint to) const {
        return to > r_.period.from && from < r_.period.to;
    }
    std::string when(TimePoint t) const { return local_minute(t, r_.timezone); }

  private:
    const Report& r_;
};

void rows(std::string& out, const Report& r, const Drawing& d) {
    for (std::size_t i = 0; i < r.channels.size(); ++i) {
        const std::string& name = i < r.channel_names.size() && !r.channel_names[i].empty()
                                      ? r.channel_names[i]
                                      : r.channels[i];
        out += fmt::format(
            "<rect class=\"row\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n",
            num(x0), num(d.row_y(i)), num(x1 - x0), num(row_h), i % 2 ? "#ffffff" : "#f5f5f5");
        out += fmt::format(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\"><title>{}</title>{}</text>\n", num(x0 - 8),
            num(d.row_y(i) + row_h / 2 + 5), escape_html(name), escape_html(fit(name, x0 - 14)));
    }
}

void shades(std::string& out, const Report& r, const Drawing& d) {
    const double bottom = d.row_y(r.channels.size());
    for (const SalesEvent& s : r.sales) {
        if (!d.touches(s.start, s.end))
            continue;
        const double a = d.x(s.start), b = std::max(d.x(s.end), a + 1);
        out +=
            fmt::format("<rect class=\"sale\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" "
                        "fill=\"{}\" fill-opacity=\"0.75\"><title>{} ×{} {} – {}</title></rect>\n",
                        num(a), num(top), num(b - a), num(bottom - top), sale_fill,
                        escape_html(s.name), s.multiplier, d.when(s.start), d.when(s.end));
        out +=
            fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#0d47a1\">{}</text>\n",
                        num(a + 1), num(top - 6), escape_html(fit(s.name, std::max(x1 - a, 30.0))));
    }
    for (const MaintenanceConfig& m : r.maintenance) {
        if (!d.touches(m.start, m.end))
            continue;
        const double a = d.x(m.start), b = std::max(d.x(m.end), a + 2);
        for (std::size_t i = 0; i < r.channels.size(); ++i) {
            if (!m.channel.empty() && m.channel != r.channels[i])
                continue;
            out += fmt::format("<rect class=\"maintenance\" x=\"{}\" y=\"{}\" width=\"{}\" "
                               "height=\"{}\" fill=\"url(#hatch)\" stroke=\"#9e9e9e\" "
                               "stroke-width=\"0.5\"><title>{} {} – {}</title></rect>\n",
                               num(a), num(d.row_y(i) + 2), num(b - a), num(row_h - 4),
                               escape_html(label("maintenance", r.language)), d.when(m.start),
                               d.when(m.end));
        }
    }
}

void axis(std::string& out, const Report& r, const Drawing& d) {
    const double bottom = d.row_y(r.channels.size());
    for (const Tick& t : ticks(r)) {
        const double x = d.x(t.time);
        out += fmt::format("<line class=\"tick\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" "
                           "stroke=\"#bdbdbd\" stroke-width=\"0.5\"/>\n",
                           num(x), num(top), num(bottom + 4));
        if (!t.label.empty())
            out +=
                fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#424242\">{}</text>\n",
                            num(x + 2), num(bottom + 17), escape_html(t.label));
    }
    // Rows apart where a sale's shade covers their own backgrounds.
    for (std::size_t i = 1; i < r.channels.size(); ++i)
        out +=
            fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#e0e0e0\"/>\n",
                        num(x0), num(d.row_y(i)), num(x1));
    out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"#757575\"/>\n",
                       num(x0), num(bottom), num(x1));
}

std::string staff_mark(double x, double y) {
    return fmt::format("<circle class=\"notice staff\" cx=\"{}\" cy=\"{}\" r=\"4\" fill=\"{}\" "
                       "stroke=\"#ffffff\" stroke-width=\"1\">",
                       num(x), num(y), staff_fill);
}

std::string customers_mark(double x, double y) {
    // A triangle pointing up at the bar: told to the outside.
    return fmt::format("<path class=\"notice customers\" d=\"M{} {} l5 9 h-10 z\" fill=\"{}\" "
                       "stroke=\"#ffffff\" stroke-width=\"1\">",
                       num(x), num(y - 4.5), customers_fill);
}

void incidents(std::string& out, const Report& r, const Drawing& d) {
    for (const IncidentReport& ir : r.incidents) {
        const auto row = d.row_of(ir.incident.channel);
        if (!row)
            continue;
        const TimePoint from = ir.first_failure;
        const TimePoint to = ir.recovered ? *ir.recovered : from + ir.downtime;
        if (!d.touches(from, std::max(to, from + std::chrono::seconds(1))))
            continue;
        const double mid = d.row_y(*row) + row_h / 2;
        const double a = d.x(from), b = std::max(d.x(to), a + 3);
        const std::string colour(severity_colour(ir.incident.severity));
        const std::string end = ir.ongoing ? std::string(label("ongoing", r.language)) : d.when(to);
        out += fmt::format("<rect class=\"incident\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" "
                           "rx=\"2\" fill=\"{}\"><title>{} · {} · {} – {} ({})</title></rect>\n",
                           num(a), num(mid - bar_h / 2), num(b - a), num(bar_h), colour,
                           escape_html(ir.incident.id),
                           words::severity_label(to_string(ir.incident.severity), r.language),
                           d.when(from), escape_html(end), duration(ir.downtime, r.language));
        if (ir.ongoing)
            out += fmt::format(
                "<path class=\"ongoing\" d=\"M{} {} l7 {} l-7 {} z\" fill=\"{}\"/>\n", num(b),
                num(mid - bar_h / 2 - 2), num(bar_h / 2 + 2), num(bar_h / 2 + 2), colour);
        for (const NoticeEntry& n : ir.notices) {
            if (!n.sent || !d.touches(*n.sent, *n.sent + std::chrono::seconds(1)))
                continue;
            const bool staff = n.audience == Audience::staff;
            const double nx = d.x(*n.sent);
            out += staff ? staff_mark(nx, mid - 13) : customers_mark(nx, mid + 13);
            out += fmt::format(
                "<title>{} → {} {}</title>{}\n", escape_html(n.target),
                escape_html(label(staff ? "staff_notice" : "customer_notice", r.language)),
                d.when(*n.sent), staff ? "</circle>" : "</path>");
        }
    }
}

// The legend below the axis, wrapped to the drawing's width; returns its height.
double legend(std::string& out, const Report& r, double y) {
    struct Key {
        std::string swatch;
        std::string text;
    };
    std::vector<Key> keys;
    for (const Severity s : {Severity::critical, Severity::major, Severity::minor})
        keys.push_back({fmt::format("<rect class=\"key\" x=\"{{x}}\" y=\"{{y}}\" width=\"14\" "
                                    "height=\"10\" rx=\"2\" fill=\"{}\"/>",
                                    severity_colour(s)),
                        words::severity_label(to_string(s), r.language)});
    keys.push_back({fmt::format("<rect class=\"key\" x=\"{{x}}\" y=\"{{y}}\" width=\"14\" "
                                "height=\"10\" fill=\"{}\"/>",
                                sale_fill),
                    std::string(label("sale", r.language))});
    keys.push_back({"<rect class=\"key\" x=\"{x}\" y=\"{y}\" width=\"14\" height=\"10\" "
                    "fill=\"url(#hatch)\" stroke=\"#9e9e9e\" stroke-width=\"0.5\"/>",
                    std::string(label("maintenance", r.language))});
    keys.push_back({fmt::format("<circle class=\"key\" cx=\"{{cx}}\" cy=\"{{cy}}\" r=\"4\" "
                                "fill=\"{}\"/>",
                                staff_fill),
                    std::string(label("staff_notice", r.language))});
    keys.push_back({fmt::format("<path class=\"key\" d=\"M{{cx}} {{ty}} l5 9 h-10 z\" "
                                "fill=\"{}\"/>",
                                customers_fill),
                    std::string(label("customer_notice", r.language))});

    double x = x0, line = y;
    for (const Key& k : keys) {
        const double w = 20 + text_width(k.text) + 18;
        if (x + w > width - 5 && x > x0) {
            x = x0;
            line += 20;
        }
        out += fmt::format(fmt::runtime(k.swatch), fmt::arg("x", num(x)), fmt::arg("y", num(line)),
                           fmt::arg("cx", num(x + 7)), fmt::arg("cy", num(line + 5)),
                           fmt::arg("ty", num(line + 0.5)));
        out += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", num(x + 20), num(line + 10),
                           escape_html(k.text));
        x += w;
    }
    return line + 20 - y;
}

} // namespace

std::string_view severity_colour(Severity severity) {
    switch (severity) {
    case Severity::critical:
        return "#c62828";
    case Severity::major:
        return "#ef6c00";
    case Severity::minor:
        return "#f9a825";
    }
    return "#ef6c00";
}

std::string svg_timeline(const Report& r) {
    const Drawing d(r);
    const double axis_bottom = d.row_y(r.channels.size()) + 26;
    std::string body;
    rows(body, r, d);
    shades(body, r, d);
    axis(body, r, d);
    incidents(body, r, d);
    const double legend_h = legend(body, r, axis_bottom + 4);
    const double height = axis_bottom + 4 + legend_h;

    std::string out = fmt::format(
        "<svg class=\"timeline\" viewBox=\"0 0 {} {}\" width=\"100%\" role=\"img\" "
        "aria-label=\"{}\" font-family=\"sans-serif\" font-size=\"13\" fill=\"#212121\">\n",
        num(width), num(height), escape_html(label("timeline", r.language)));
    // The maintenance hatch: grey stripes on light grey.
    out += "<defs><pattern id=\"hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
           "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#eeeeee\"/>"
           "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#9e9e9e\" stroke-width=\"2.5\"/>"
           "</pattern></defs>\n";
    out += body;
    out += "</svg>\n";
    return out;
}

} // namespace shopkit::report
