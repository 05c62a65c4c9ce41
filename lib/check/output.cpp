#include "lib/check/output.hpp"

#include "lib/core/controls.hpp"
#include "lib/core/text.hpp"
#include "lib/record/record.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace shopkit {

namespace {

// Details carry third-party text (a feed's title, a status page's names, a
// server's error), which must not reach a terminal or Nagios as escape
// sequences: line breaks and tabs become spaces, every other control goes.
std::string one_line(std::string s) {
    std::replace_if(
        s.begin(), s.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
    return strip_controls(s);
}

// "1 check", "2 checks".
std::string count(long long n, std::string_view noun) {
    return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s");
}

// Whole days left, rounded down: the same number for people (the text) and for
// graphs (the perfdata), and the one evaluate() words a warning with.
long whole_days(double days) {
    return static_cast<long>(std::floor(days));
}

std::string seconds(double s) {
    return fmt::format("{:.3f}s", s);
}

std::string pad(const std::string& s, std::size_t width) {
    const std::size_t w = display_width(s);
    return w >= width ? s : s + std::string(width - w, ' ');
}

const char* colour_of(State s) {
    switch (s) {
    case State::up:
        return "\033[32m";
    case State::degraded:
        return "\033[33m";
    case State::down:
        return "\033[31m";
    case State::unknown:
        break;
    }
    return "\033[35m";
}

std::string detail_of(const CheckResult& r) {
    std::string d = r.error;
    if (r.tls_days_left && d.empty())
        d = "certificate valid " + count(whole_days(*r.tls_days_left), "more day");
    if (r.raw != r.state && r.state == State::up)
        d += " (not confirmed yet)";
    else if (r.raw == State::up && r.state != State::up)
        d = "passing, not confirmed recovered yet";
    return one_line(d);
}

void write_text(std::ostream& out, const RunOutcome& o, bool color) {
    const std::vector<std::string> head{"CHANNEL", "CHECK", "STATE", "HTTP", "TIME", "DETAIL"};
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : o.results)
        rows.push_back({r.channel, r.check, std::string(to_string(r.state)),
                        r.http_status ? std::to_string(r.http_status) : "-",
                        r.timings.total > 0 ? seconds(r.timings.total) : "-", detail_of(r)});
    std::vector<std::size_t> width(head.size());
    for (std::size_t c = 0; c < head.size(); ++c) {
        width[c] = head[c].size();
        for (const auto& row : rows)
            width[c] = std::max(width[c], display_width(row[c]));
    }
    auto line = [&](const std::vector<std::string>& row, const CheckResult* r) {
        std::string s;
        for (std::size_t c = 0; c < row.size(); ++c) {
            const bool last = c + 1 == row.size();
            std::string cell = last ? row[c] : pad(row[c], width[c]);
            if (color && r && c == 2)
                cell = colour_of(r->state) + cell + "\033[0m";
            s += cell;
            if (!last)
                s += "  ";
        }
        while (!s.empty() && s.back() == ' ')
            s.pop_back();
        out << s << '\n';
    };
    line(head, nullptr);
    for (std::size_t i = 0; i < rows.size(); ++i)
        line(rows[i], &o.results[i]);
    for (const auto& e : o.events) {
        std::string checks;
        for (const auto& c : e.incident.checks)
            checks += (checks.empty() ? "" : ", ") + c;
        out << "incident " << e.incident.id << ' ' << to_string(e.event) << " ("
            << to_string(e.incident.severity) << ")" << (checks.empty() ? "" : ": " + checks)
            << '\n';
    }
}

void write_jsonl(std::ostream& out, const RunOutcome& o, const Config& config) {
    for (const auto& r : o.results)
        write_record(out, check_record(r, config.shop.timezone));
    for (const auto& e : o.events)
        write_record(out, incident_record(e, config.shop.timezone));
}

void write_tsv(std::ostream& out, const RunOutcome& o) {
    for (const auto& r : o.results)
        out << one_line(r.channel) << '\t' << one_line(r.check) << '\t' << to_string(r.state)
            << '\t' << r.http_status << '\t' << static_cast<long>(r.timings.total * 1000 + 0.5)
            << '\t' << one_line(r.url) << '\t' << detail_of(r) << '\n';
}

// Nagios and Icinga end a plugin's text at its first '|' (what follows is
// perfdata) and have no escape for it, so a '|' of ours (a check's regex in its
// detail) becomes the broken bar, which reads the same.
std::string nagios_text(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '|')
            out += "\u00a6";
        else
            out += c;
    }
    return out;
}

// monitoring-plugins: a label is quoted, and a quote inside is doubled; '=' is not allowed.
std::string perf_label(const std::string& s) {
    std::string out = "'";
    for (char c : nagios_text(s)) {
        if (c == '\'')
            out += "''";
        else if (c == '=')
            out += '_';
        else
            out += c;
    }
    return out + "'";
}

const CheckConfig* find_check(const Config& config, const CheckResult& r) {
    if (const auto* ch = config.channel(r.channel))
        for (const auto& c : ch->checks)
            if (c.id == r.check)
                return &c;
    return nullptr;
}

void write_nagios(std::ostream& out, const RunOutcome& o, const Config& config) {
    static const char* names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
    const int status = std::clamp(o.exit_status, 0, 3);
    std::size_t counts[4] = {0, 0, 0, 0};
    std::string summary;
    for (const auto& r : o.results) {
        ++counts[static_cast<int>(r.state)];
        if (r.state != State::up)
            summary += (summary.empty() ? "" : ", ") + r.channel + "/" + r.check + " " +
                       std::string(to_string(r.state)) +
                       (r.error.empty() ? "" : " (" + one_line(r.error) + ")");
    }
    std::string text;
    if (o.network_down)
        text = "could not check: " + one_line(o.network_detail);
    else if (summary.empty())
        text = count(static_cast<long long>(o.results.size()), "check") + " up";
    else
        text = fmt::format("{} of {} not up: {}", o.results.size() - counts[0],
                           count(static_cast<long long>(o.results.size()), "check"), summary);

    std::string perf;
    for (const auto& r : o.results) {
        const CheckConfig* c = find_check(config, r);
        const std::string name = r.channel + "/" + r.check;
        if (r.kind == "tls" && r.tls_days_left) {
            // Alert when below: "N:" is the plugin range syntax for "less than N".
            perf += fmt::format(" {}={};{}:;{}:;;", perf_label(name + "_days_left"),
                                whole_days(*r.tls_days_left), c ? c->days_warning : 14,
                                c ? c->days_critical : 3);
        } else if (r.timings.total > 0) {
            auto limit = [](const std::optional<Millis>& m) {
                return m ? fmt::format("{:.3f}", m->count() / 1000.0) : std::string();
            };
            perf += fmt::format(" {}={:.3f}s;{};{};0;", perf_label(name + "_time"), r.timings.total,
                                c ? limit(c->latency_warning) : "",
                                c ? limit(c->latency_critical) : "");
        }
    }
    out << "SHOPCHECK " << names[status] << " - " << nagios_text(text);
    if (!perf.empty())
        out << " |" << perf;
    out << '\n';
    for (const auto& r : o.results)
        if (r.state != State::up)
            out << nagios_text(r.channel + '/' + r.check + ": " + std::string(to_string(r.state)) +
                               " - " + detail_of(r))
                << '\n';
    for (const auto& e : o.events)
        out << nagios_text("incident " + e.incident.id) << ' ' << to_string(e.event) << " ("
            << to_string(e.incident.severity) << ")\n";
}

std::string prom_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

void write_prometheus(std::ostream& out, const RunOutcome& o) {
    auto labels = [](const CheckResult& r) {
        return "{channel=\"" + prom_escape(r.channel) + "\",check=\"" + prom_escape(r.check) +
               "\"}";
    };
    auto family = [&](const char* name, const char* help) {
        out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " gauge\n";
    };
    family("shopkit_check_up", "1 if this run's probe of the check passed, else 0.");
    for (const auto& r : o.results)
        out << "shopkit_check_up" << labels(r) << ' ' << (r.raw == State::up ? 1 : 0) << '\n';
    family("shopkit_check_state",
           "Confirmed state of the check: 0 up, 1 degraded, 2 down, 3 unknown.");
    for (const auto& r : o.results)
        out << "shopkit_check_state" << labels(r) << ' ' << static_cast<int>(r.state) << '\n';
    family("shopkit_check_duration_seconds", "Total time of the check's probe.");
    for (const auto& r : o.results)
        out << "shopkit_check_duration_seconds" << labels(r) << ' '
            << fmt::format("{:.6f}", r.timings.total) << '\n';
    family("shopkit_check_http_status", "HTTP status of the last response, 0 if none.");
    for (const auto& r : o.results)
        out << "shopkit_check_http_status" << labels(r) << ' ' << r.http_status << '\n';
    bool any_tls = std::any_of(o.results.begin(), o.results.end(),
                               [](const auto& r) { return r.tls_expiry.has_value(); });
    if (any_tls) {
        family("shopkit_tls_expiry_timestamp_seconds",
               "Expiry of the certificate, in Unix seconds.");
        for (const auto& r : o.results)
            if (r.tls_expiry)
                out << "shopkit_tls_expiry_timestamp_seconds" << labels(r) << ' '
                    << std::chrono::duration_cast<std::chrono::seconds>(
                           r.tls_expiry->time_since_epoch())
                           .count()
                    << '\n';
    }
    if (o.state_kept) {
        family("shopkit_incident_open", "1 if the channel has an open incident, else 0.");
        std::vector<std::string> seen;
        for (const auto& r : o.results) {
            if (std::find(seen.begin(), seen.end(), r.channel) != seen.end())
                continue;
            seen.push_back(r.channel);
            out << "shopkit_incident_open{channel=\"" << prom_escape(r.channel) << "\"} "
                << (o.open_channels.count(r.channel) ? 1 : 0) << '\n';
        }
    }
}

} // namespace

std::vector<std::string> describe_run(const RunOutcome& o, int level) {
    std::vector<std::string> lines;
    if (level < 1)
        return lines;
    std::set<std::string> channels;
    double slowest = 0;
    for (const auto& r : o.results) {
        channels.insert(r.channel);
        slowest = std::max(slowest, r.timings.total);
    }
    lines.push_back(fmt::format(
        "{} of {}, slowest {}", count(static_cast<long long>(o.results.size()), "check"),
        count(static_cast<long long>(channels.size()), "channel"), seconds(slowest)));
    if (o.concurrency_cap)
        lines.push_back(fmt::format("concurrency capped at {} (open-file limit {})",
                                    *o.concurrency_cap, o.open_file_limit));
    lines.push_back(o.state_kept ? "state: " + o.state_path.string()
                                 : std::string("state: none kept (thresholds off)"));
    for (const auto& e : o.events)
        lines.push_back("incident " + e.incident.id + " " + std::string(to_string(e.event)));
    if (level < 2)
        return lines;
    for (const auto& r : o.results) {
        const Timings& t = r.timings;
        lines.push_back(fmt::format(
            "{}/{}: {} (this probe {}) HTTP {} dns {} connect {} tls {} first byte {} total {}{}",
            r.channel, r.check, to_string(r.state), to_string(r.raw), r.http_status, seconds(t.dns),
            seconds(t.connect), seconds(t.tls), seconds(t.first_byte), seconds(t.total),
            r.error.empty() ? "" : " - " + one_line(r.error)));
    }
    return lines;
}

std::optional<CheckFormat> check_format_from_string(std::string_view s) {
    if (s == "text")
        return CheckFormat::text;
    if (s == "jsonl")
        return CheckFormat::jsonl;
    if (s == "tsv")
        return CheckFormat::tsv;
    if (s == "nagios")
        return CheckFormat::nagios;
    if (s == "prometheus")
        return CheckFormat::prometheus;
    return std::nullopt;
}

void write_check_output(std::ostream& out, CheckFormat format, const RunOutcome& outcome,
                        const Config& config, bool color) {
    switch (format) {
    case CheckFormat::text:
        write_text(out, outcome, color);
        break;
    case CheckFormat::jsonl:
        write_jsonl(out, outcome, config);
        break;
    case CheckFormat::tsv:
        write_tsv(out, outcome);
        break;
    case CheckFormat::nagios:
        write_nagios(out, outcome, config);
        break;
    case CheckFormat::prometheus:
        write_prometheus(out, outcome);
        break;
    }
}

} // namespace shopkit
