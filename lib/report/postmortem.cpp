// shopreport incident ID: a post-mortem draft. The facts come from the state
// (timeline, notices, steps, loss); the cause, the impact on customers and the
// lessons are left as headings for the people who know them.
#include "lib/report/document.hpp"
#include "lib/report/format.hpp"
#include "lib/report/labels.hpp"

#include "lib/core/words.hpp"

#include <fmt/core.h>

namespace shopkit::report {

namespace {

std::string quoted(const std::string& text) {
    std::string out = "> ";
    for (char c : text) {
        out += c;
        if (c == '\n')
            out += "> ";
    }
    while (!out.empty() && (out.back() == ' ' || out.back() == '>'))
        out.pop_back();
    return out + "\n";
}

std::string optional_duration(const std::optional<std::chrono::seconds>& d,
                              const std::string& lang) {
    return d ? duration(*d, lang) : std::string(label("never", lang));
}

} // namespace

std::string postmortem(const Report& r, const IncidentReport& i) {
    const std::string& lang = r.language;
    const std::string& tz = r.timezone;
    const Incident& inc = i.incident;
    std::string channel = inc.channel;
    for (std::size_t c = 0; c < r.channels.size() && c < r.channel_names.size(); ++c)
        if (r.channels[c] == inc.channel)
            channel = r.channel_names[c];

    std::string out = fmt::format("# {}: {} ({})\n\n", label("postmortem", lang), channel, inc.id);
    out += fmt::format("## {}\n\n", label("summary", lang));
    Table facts;
    facts.head = {"", ""};
    facts.right = {false, false};
    facts.rows = {
        {std::string(label("channel", lang)), channel},
        {std::string(label("severity", lang)),
         words::severity_label(to_string(inc.severity), lang)},
        {std::string(label("checks", lang)),
         [&] {
             std::string s;
             for (const std::string& c : inc.checks)
                 s += (s.empty() ? "" : ", ") + c;
             return s;
         }()},
        {std::string(label("start", lang)), local_minute(i.first_failure, tz)},
        {std::string(label("end", lang)),
         i.ongoing ? std::string(label("ongoing", lang)) : local_minute(*i.recovered, tz)},
        {std::string(label("downtime", lang)), duration(i.downtime, lang)},
        {std::string(label("sale", lang)), inc.sale.value_or(std::string(label("none", lang)))},
        {std::string(label("to_detect", lang)), optional_duration(i.to_detect, lang)},
        {std::string(label("to_tell_staff", lang)), optional_duration(i.to_tell_staff, lang)},
        {std::string(label("to_tell_customers", lang)),
         optional_duration(i.to_tell_customers, lang)},
        {std::string(label("to_recover", lang)), optional_duration(i.to_recover, lang)},
        {std::string(label("lost_sales", lang)), money(i.loss.lost, r.currency, lang)},
    };
    out += markdown_table(facts);
    out +=
        fmt::format("\n{}: {}\n", label("times_in", lang), words::zone(i.first_failure, tz, lang));

    out += fmt::format("\n## {}\n\n", label("timeline", lang));
    out += markdown_table(timeline_table(r, i));

    out += fmt::format("\n## {}\n\n", label("notices", lang));
    if (i.notices.empty())
        out += std::string(label("none", lang)) + "\n";
    for (const NoticeEntry& n : i.notices) {
        const std::string when =
            n.sent ? local_minute(*n.sent, tz) : std::string(to_string(n.state));
        out += fmt::format("### {} · {} · {} · {}\n\n", n.target, to_string(n.audience),
                           to_string(n.event), when);
        if (!n.error.empty())
            out += fmt::format("{}: {}\n\n", label("state", lang), n.error);
        out += quoted(n.text) + "\n";
    }

    out += fmt::format("## {}\n\n", label("steps", lang));
    if (i.steps.empty()) {
        out += std::string(label("none", lang)) + "\n";
    } else {
        Table t;
        for (const char* key : {"step", "event", "state", "time"})
            t.head.emplace_back(label(key, lang));
        t.head.emplace_back("");
        t.right = {false, false, false, false, false};
        for (const StepEntry& s : i.steps)
            t.rows.push_back(
                {s.step, std::string(to_string(s.event)), std::string(to_string(s.state)),
                 s.finished ? local_minute(*s.finished, tz) : "",
                 s.error.empty() ? (s.exit_status ? fmt::format("exit {}", *s.exit_status) : "")
                                 : s.error});
        out += markdown_table(t);
    }

    out += fmt::format("\n## {}\n\n", label("loss", lang));
    for (const std::string& line : loss_lines(r, i))
        out += "- " + line + "\n";

    for (const char* key : {"cause", "impact", "lessons"})
        out += fmt::format("\n## {}\n\n{}\n", label(key, lang), label("to_fill", lang));
    return out;
}

} // namespace shopkit::report
