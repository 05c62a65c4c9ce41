#include "lib/render/status_model.hpp"

#include "lib/core/error.hpp"
#include "lib/render/template.hpp"

#include <algorithm>
#include <cctype>

namespace shopkit::status {

namespace {

// Valid UTF-8 with no control character but tab and newline: what XML 1.0, JSON
// and HTML all accept. Invalid bytes become U+FFFD; CR LF and CR become LF.
std::string clean(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    std::size_t i = 0;
    while (i < in.size()) {
        const auto c = static_cast<unsigned char>(in[i]);
        if (c < 0x80) {
            if (c == '\r') {
                out += '\n';
                i += (i + 1 < in.size() && in[i + 1] == '\n') ? 2 : 1;
                continue;
            }
            if ((c >= 0x20 && c != 0x7f) || c == '\t' || c == '\n')
                out += static_cast<char>(c);
            ++i;
            continue;
        }
        std::size_t len = 0;
        char32_t cp = 0;
        if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07;
        }
        bool ok = len != 0 && i + len <= in.size();
        for (std::size_t k = 1; ok && k < len; ++k) {
            const auto cc = static_cast<unsigned char>(in[i + k]);
            ok = (cc & 0xc0) == 0x80;
            cp = (cp << 6) | (cc & 0x3f);
        }
        // Overlong forms, surrogates, beyond U+10FFFF and the C1 controls are refused too.
        ok = ok && !(len == 3 && cp < 0x800) && !(len == 4 && (cp < 0x10000 || cp > 0x10ffff)) &&
             !(cp >= 0xd800 && cp <= 0xdfff) && !(cp >= 0x80 && cp <= 0x9f) && cp != 0xfffe &&
             cp != 0xffff;
        if (ok) {
            out.append(in.substr(i, len));
            i += len;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

std::string clean_line(std::string_view in) {
    std::string s = clean(in);
    std::replace(s.begin(), s.end(), '\n', ' ');
    std::replace(s.begin(), s.end(), '\t', ' ');
    return s;
}

std::string trim(std::string_view s) {
    const auto b = s.find_first_not_of(" \t\n");
    if (b == std::string_view::npos)
        return {};
    const auto e = s.find_last_not_of(" \t\n");
    return std::string(s.substr(b, e - b + 1));
}

// A copy of the snapshot in which every text is clean: the renderers below can
// then never meet a byte that their format cannot hold.
SiteSnapshot cleaned(const SiteSnapshot& in) {
    SiteSnapshot s = in;
    s.shop_name = clean_line(s.shop_name);
    s.shop_url = clean_line(s.shop_url);
    s.contact = clean_line(s.contact);
    s.language = clean_line(s.language);
    s.site_url = clean_line(s.site_url);
    for (auto& ch : s.channels) {
        ch.id = clean_line(ch.id);
        ch.name = clean_line(ch.name.empty() ? ch.id : ch.name);
        ch.url = clean_line(ch.url);
        for (auto& c : ch.checks) {
            c.id = clean_line(c.id);
            c.name = clean_line(c.name.empty() ? c.id : c.name);
        }
    }
    for (auto& inc : s.incidents) {
        inc.id = clean_line(inc.id);
        inc.kind = inc.kind == "maintenance" ? "maintenance" : "incident";
        inc.channel = clean_line(inc.channel);
        inc.channel_name = clean_line(inc.channel_name.empty() ? inc.channel : inc.channel_name);
        for (auto& c : inc.checks)
            c = clean_line(c);
        for (auto& u : inc.updates) {
            u.id = clean_line(u.id);
            u.title = trim(clean_line(u.title));
            u.text = trim(clean(u.text));
        }
        // Newest first; of equal times (the state keeps whole seconds) the later in
        // the list is the newer.
        std::reverse(inc.updates.begin(), inc.updates.end());
        std::stable_sort(inc.updates.begin(), inc.updates.end(),
                         [](const SiteUpdate& a, const SiteUpdate& b) { return a.time > b.time; });
    }
    // Ongoing incidents first, then the newest (by start, then by latest update).
    auto latest = [](const SiteIncident& i) {
        return i.updates.empty() ? i.since : std::max(i.since, i.updates.front().time);
    };
    std::stable_sort(s.incidents.begin(), s.incidents.end(),
                     [&](const SiteIncident& a, const SiteIncident& b) {
                         if (a.until.has_value() != b.until.has_value())
                             return !a.until;
                         if (a.since != b.since)
                             return a.since > b.since;
                         return latest(a) > latest(b);
                     });
    return s;
}

// The built-in words, overridden key by key by the shop's file (else the installed
// one): a shop's file may hold just the words it wants changed.
nlohmann::json load_words(const SiteSnapshot& s, const std::string& language) {
    const std::string file = "words." + language + ".json";
    nlohmann::json words = nlohmann::json::object();
    if (const auto builtin = builtin_template("site/" + file))
        words = nlohmann::json::parse(*builtin, nullptr, false);
    if (const auto found = find_site_file(s.templates, file);
        found && found->path.rfind("builtin:", 0) != 0) {
        const auto own = nlohmann::json::parse(found->source, nullptr, false);
        if (!own.is_object())
            throw config_error(found->path + ": not a JSON object of words");
        words.update(own);
    }
    return words;
}

} // namespace

Site prepare(const SiteSnapshot& snapshot) {
    Site site;
    site.s = cleaned(snapshot);
    const std::string& tz = site.s.timezone;
    const bool utc = tz.empty() || tz == "UTC" || tz == "Etc/UTC" || !known_time_zone(tz);
    site.zone = utc ? std::string() : tz;
    site.language = site.s.language == "ja" ? "ja" : "en";
    site.words = load_words(site.s, site.language);
    return site;
}

std::string word(const Site& site, const char* key) {
    const auto it = site.words.find(key);
    return it != site.words.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string fill(std::string pattern, const std::string& value) {
    if (const auto at = pattern.find("{}"); at != std::string::npos)
        pattern.replace(at, 2, value);
    return pattern;
}

std::string iso(const Site& site, TimePoint t) {
    return format_local(t, site.zone);
}

State channel_state(const SiteChannel& ch) {
    if (ch.checks.empty())
        return State::unknown;
    State st = State::up;
    for (const auto& c : ch.checks)
        st = worse(st, c.state);
    return st;
}

// Statuspage's component status for a channel.
const char* component_status(const SiteChannel& ch) {
    switch (channel_state(ch)) {
    case State::up:
        return "operational";
    case State::degraded:
        return "degraded_performance";
    case State::down:
        return std::all_of(ch.checks.begin(), ch.checks.end(),
                           [](const SiteCheck& c) { return c.state == State::down; })
                   ? "major_outage"
                   : "partial_outage";
    default:
        return "unknown";
    }
}

// A maintenance notice is current until its window ends, or, with no known end,
// for a day after its latest update (people read it, then it moves to the history).
bool is_open(const SiteIncident& inc, TimePoint now) {
    if (inc.kind != "maintenance")
        return !inc.until;
    if (inc.until)
        return *inc.until > now;
    TimePoint last = inc.since;
    for (const auto& u : inc.updates)
        last = std::max(last, u.time);
    return last > now - std::chrono::hours(24);
}

// none < unknown < minor < major < critical, from the channels' states and the
// open incidents' severities.
std::string indicator(const SiteSnapshot& s) {
    int rank = 0; // 0 none, 1 unknown, 2 minor, 3 major, 4 critical
    for (const auto& ch : s.channels) {
        switch (channel_state(ch)) {
        case State::down:
            rank = std::max(rank, 3);
            break;
        case State::degraded:
            rank = std::max(rank, 2);
            break;
        case State::unknown:
            rank = std::max(rank, 1);
            break;
        default:
            break;
        }
    }
    for (const auto& inc : s.incidents) {
        if (inc.kind != "incident" || !is_open(inc, s.generated))
            continue;
        rank = std::max(rank, inc.severity == Severity::critical ? 4
                              : inc.severity == Severity::major  ? 3
                                                                 : 2);
    }
    static const char* names[] = {"none", "unknown", "minor", "major", "critical"};
    return names[rank];
}

std::string indicator_description(const Site& site, const std::string& ind) {
    if (ind == "none")
        return word(site, "indicator_none");
    if (ind == "minor")
        return word(site, "indicator_minor");
    if (ind == "major")
        return word(site, "indicator_major");
    if (ind == "critical")
        return word(site, "indicator_critical");
    return word(site, "indicator_unknown");
}

std::string incident_title(const Site& site, const SiteIncident& inc) {
    for (const auto& u : inc.updates) // newest first
        if (!u.title.empty())
            return u.title;
    return fill(word(site, inc.kind == "maintenance" ? "maintenance_of" : "incident_of"),
                inc.channel_name);
}

bool http_url(std::string_view u) {
    auto starts = [&u](std::string_view p) {
        if (u.size() <= p.size())
            return false;
        for (std::size_t i = 0; i < p.size(); ++i)
            if (std::tolower(static_cast<unsigned char>(u[i])) != p[i])
                return false;
        return true;
    };
    return (starts("https://") || starts("http://")) &&
           u.find_first_of(" \t\n\"'<>\\") == std::string_view::npos;
}

std::string base_url(const SiteSnapshot& s) {
    return s.site_url.empty() || s.site_url.back() == '/' ? s.site_url : s.site_url + "/";
}

} // namespace shopkit::status
