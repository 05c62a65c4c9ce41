#include "lib/record/record.hpp"

#include "lib/core/error.hpp"
#include "lib/core/text.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <streambuf>
#include <string_view>

namespace shopkit {

namespace {

// Longer lines are refused rather than buffered: a reader fed a stream without
// newlines must not grow without bound.
constexpr std::size_t max_line = 16u << 20;

// nlohmann::json keeps keys sorted; people reading a log want these first.
constexpr std::array<std::string_view, 8> leading_keys = {"v",        "type", "event",   "id",
                                                          "incident", "time", "channel", "check"};

std::string dump(const Json& j) {
    // Replace, not throw: an error text from a remote server may hold bytes that
    // are not UTF-8, and one bad byte must not lose the record.
    return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

long long millis(double seconds) {
    return std::llround(seconds * 1000.0);
}

// Parsing is iterative, but copying, comparing and dumping a Json recurse: a
// line of 100,000 '{' would crash whoever handles the record next.
constexpr int max_depth = 64;

bool too_deep(std::string_view s) {
    int depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (const char c : s) {
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max_depth)
                return true;
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return false;
}

bool blank(std::string_view s) {
    return s.find_first_not_of(" \t\r") == std::string_view::npos;
}

// nlohmann's message is "[json.exception.parse_error.101] parse error at line 1,
// column 5: syntax error while parsing value - invalid literal; last read: '…'":
// the tag and the line (always 1 here) say nothing to a person.
std::string short_reason(const std::string& what) {
    std::string_view s = what;
    if (auto p = s.find("] "); p != std::string_view::npos && s.front() == '[')
        s.remove_prefix(p + 2);
    if (s.substr(0, 12) == "parse error ")
        s.remove_prefix(12);
    if (s.substr(0, 8) == "at line ") {
        if (auto p = s.find(", "); p != std::string_view::npos)
            s.remove_prefix(p + 2);
    }
    constexpr std::size_t limit = 160;
    if (s.size() <= limit)
        return std::string(s);
    return std::string(utf8_prefix(s, limit)) + "…";
}

} // namespace

void write_record(std::ostream& out, const Json& record) {
    if (!record.is_object()) {
        out << dump(record) << '\n';
        return;
    }
    std::string line = "{";
    auto add = [&line](const std::string& key, const Json& value) {
        if (line.size() > 1)
            line += ',';
        // Our own keys are plain identifiers: quote them without a JSON round trip.
        if (std::all_of(key.begin(), key.end(),
                        [](char c) {
                            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                        }) &&
            !key.empty()) {
            line += '"';
            line += key;
            line += '"';
        } else {
            line += dump(Json(key));
        }
        line += ':';
        line += dump(value);
    };
    for (auto key : leading_keys)
        if (auto it = record.find(key); it != record.end())
            add(it.key(), *it);
    for (auto it = record.begin(); it != record.end(); ++it) {
        bool leading = false;
        for (auto key : leading_keys)
            leading = leading || it.key() == key;
        if (!leading)
            add(it.key(), *it);
    }
    line += "}\n";
    out << line;
}

Json check_record(const CheckResult& r, const std::string& tz) {
    Json j = Json::object();
    j["v"] = record_version;
    j["type"] = "check";
    j["time"] = format_local(r.time, tz);
    j["channel"] = r.channel;
    j["check"] = r.check;
    j["kind"] = r.kind;
    j["url"] = r.url;
    j["state"] = to_string(r.state);
    if (r.raw != r.state)
        j["raw_state"] = to_string(r.raw);
    if (r.critical)
        j["critical"] = true;
    if (r.http_status > 0)
        j["http_status"] = r.http_status;
    j["latency_ms"] = millis(r.timings.total);
    j["timings"] = {{"dns_ms", millis(r.timings.dns)},
                    {"connect_ms", millis(r.timings.connect)},
                    {"tls_ms", millis(r.timings.tls)},
                    {"first_byte_ms", millis(r.timings.first_byte)},
                    {"total_ms", millis(r.timings.total)}};
    if (!r.error.empty())
        j["error"] = r.error;
    if (r.tls_expiry)
        j["tls_expiry"] = format_local(*r.tls_expiry, tz);
    if (r.tls_days_left)
        j["tls_days_left"] = std::round(*r.tls_days_left * 10.0) / 10.0;
    return j;
}

Json incident_record(const IncidentEvent& e, const std::string& tz) {
    const Incident& inc = e.incident;
    Json j = Json::object();
    j["v"] = record_version;
    j["type"] = "incident";
    j["event"] = e.event;
    j["id"] = inc.id;
    j["channel"] = inc.channel;
    j["severity"] = to_string(inc.severity);
    j["checks"] = inc.checks;
    j["since"] = format_local(inc.since, tz);
    if (e.event == Event::resolved && inc.until)
        j["until"] = format_local(*inc.until, tz);
    j["time"] = format_local(e.time, tz);
    if (inc.sale)
        j["sale"] = *inc.sale;
    return j;
}

std::optional<CheckResult> check_from_record(const Json& r) {
    const auto text = [&r](const char* key) -> std::optional<std::string> {
        const auto it = r.find(key);
        if (it == r.end())
            return std::string();
        if (!it->is_string())
            return std::nullopt;
        return it->get<std::string>();
    };
    const auto channel = text("channel"), check = text("check"), kind = text("kind"),
               url = text("url"), error = text("error"), time = text("time");
    if (!channel || !check || channel->empty() || check->empty() || !kind || !url || !error ||
        !time)
        return std::nullopt;
    CheckResult c;
    c.channel = *channel;
    c.check = *check;
    c.kind = *kind;
    c.url = *url;
    c.error = *error;
    c.time = parse_rfc3339(*time).value_or(TimePoint{});
    c.state = state_from_string(text("state").value_or("")).value_or(State::unknown);
    c.raw = state_from_string(text("raw_state").value_or("")).value_or(c.state);
    if (const auto it = r.find("http_status"); it != r.end() && it->is_number_integer())
        c.http_status = it->get<long>();
    if (const auto it = r.find("latency_ms"); it != r.end() && it->is_number())
        c.timings.total = it->get<double>() / 1000.0;
    return c;
}

RecordReader::RecordReader(std::istream& in, std::string name) : in_(in), name_(std::move(name)) {}

std::optional<Json> RecordReader::next() {
    std::streambuf* buf = in_.rdbuf();
    for (;;) {
        if (!buf || std::streambuf::traits_type::eq_int_type(buf->sgetc(),
                                                             std::streambuf::traits_type::eof())) {
            in_.setstate(std::ios::eofbit);
            return std::nullopt;
        }
        ++line_;
        raw_.clear();
        bool too_long = false;
        for (;;) {
            const auto c = buf->sbumpc();
            if (std::streambuf::traits_type::eq_int_type(c, std::streambuf::traits_type::eof()) ||
                c == '\n')
                break;
            if (raw_.size() < max_line)
                raw_.push_back(std::streambuf::traits_type::to_char_type(c));
            else
                too_long = true; // read on to the newline, so the count stays right
        }
        if (too_long) {
            raw_.clear();
            throw data_error(
                fmt::format("{}:{}: line too long (over {} MiB)", name_, line_, max_line >> 20));
        }
        if (!raw_.empty() && raw_.back() == '\r')
            raw_.pop_back();
        if (line_ == 1 && raw_.compare(0, 3, "\xEF\xBB\xBF") == 0)
            raw_.erase(0, 3);
        if (blank(raw_))
            continue;

        if (too_deep(raw_))
            throw data_error(
                fmt::format("{}:{}: nested deeper than {} levels", name_, line_, max_depth));
        Json j;
        try {
            j = Json::parse(raw_);
        } catch (const Json::parse_error& e) {
            throw data_error(
                fmt::format("{}:{}: not JSON: {}", name_, line_, short_reason(e.what())));
        } catch (const Json::exception& e) {
            // Valid JSON that nlohmann cannot hold (out_of_range 406: a number
            // beyond a double, 1e400) is one bad line, never the end of the run.
            throw data_error(fmt::format("{}:{}: {}", name_, line_, short_reason(e.what())));
        }
        if (!j.is_object())
            throw data_error(fmt::format("{}:{}: not a JSON object", name_, line_));
        const auto type = j.find("type");
        if (type == j.end() || !type->is_string())
            throw data_error(fmt::format("{}:{}: no \"type\"", name_, line_));
        const auto v = j.find("v");
        if (v == j.end() || !v->is_number_integer())
            throw data_error(fmt::format("{}:{}: no \"v\" (record version)", name_, line_));
        // Positive numbers parse as unsigned; a huge one must not wrap to negative.
        if (v->is_number_unsigned() && v->get<std::uint64_t>() > std::uint64_t(record_version))
            throw data_error(fmt::format("{}:{}: record version {} is newer than this shopkit ({})",
                                         name_, line_, v->get<std::uint64_t>(), record_version));
        if (v->get<long long>() < 1)
            throw data_error(
                fmt::format("{}:{}: bad record version {}", name_, line_, v->get<long long>()));
        return j;
    }
}

namespace {

std::string required_string(const Json& r, const char* key) {
    const auto it = r.find(key);
    if (it == r.end() || !it->is_string() || it->get<std::string>().empty())
        throw data_error(fmt::format("incident record without \"{}\"", key));
    return it->get<std::string>();
}

TimePoint required_time(const Json& r, const char* key) {
    const std::string text = required_string(r, key);
    const auto t = parse_rfc3339(text);
    if (!t)
        throw data_error(
            fmt::format("incident record: \"{}\" is not an RFC 3339 time: \"{}\"", key, text));
    return *t;
}

} // namespace

IncidentEvent incident_from_record(const Json& r, TimePoint now) {
    IncidentEvent e;
    const std::string event = required_string(r, "event");
    const auto kind = event_from_string(event);
    if (!kind || *kind == Event::maintenance)
        throw data_error(fmt::format("incident record: unknown event \"{}\"", event));
    e.event = *kind;
    e.incident.id = required_string(r, "id");
    e.incident.channel = required_string(r, "channel");
    const std::string sev = r.contains("severity") && r["severity"].is_string()
                                ? r["severity"].get<std::string>()
                                : "major";
    const auto s = severity_from_string(sev);
    if (!s)
        throw data_error(fmt::format("incident record: unknown severity \"{}\"", sev));
    e.incident.severity = *s;
    if (r.contains("checks")) {
        if (!r["checks"].is_array())
            throw data_error("incident record: \"checks\" is not a list");
        for (const auto& c : r["checks"]) {
            if (!c.is_string())
                throw data_error("incident record: \"checks\" holds a non-string");
            e.incident.checks.push_back(c.get<std::string>());
        }
    }
    e.incident.since = required_time(r, "since");
    if (e.event == Event::resolved)
        e.incident.until = r.contains("until") ? required_time(r, "until") : now;
    e.time = r.contains("time") ? required_time(r, "time") : now;
    if (r.contains("sale") && !r["sale"].is_null()) {
        if (!r["sale"].is_string())
            throw data_error("incident record: \"sale\" is not a string");
        e.incident.sale = r["sale"].get<std::string>();
    }
    return e;
}

std::vector<IncidentEvent>
read_incident_events(std::istream& in, const std::string& name, TimePoint now,
                     const std::function<void(const std::string& raw_line)>& pass,
                     const std::function<void(const std::string& message)>& bad,
                     const std::function<void(const Json& record)>& other) {
    std::vector<IncidentEvent> out;
    RecordReader reader(in, name);
    for (;;) {
        std::optional<Json> rec;
        try {
            rec = reader.next();
        } catch (const Error& e) {
            // Say where, keep going: the good records after it still count.
            pass(reader.raw());
            bad(e.what());
            continue;
        }
        if (!rec)
            break;
        pass(reader.raw());
        if ((*rec)["type"] != "incident") {
            if (other)
                other(*rec);
            continue;
        }
        try {
            out.push_back(incident_from_record(*rec, now));
        } catch (const Error& e) {
            bad(fmt::format("{}:{}: {}", name, reader.line(), e.what()));
        } catch (const Json::exception& e) {
            bad(fmt::format("{}:{}: {}", name, reader.line(), short_reason(e.what())));
        }
    }
    return out;
}

std::string field_text(const Json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end())
        return "";
    return it->is_string() ? it->get<std::string>() : it->dump();
}

} // namespace shopkit
