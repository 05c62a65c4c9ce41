// index.html: a view-model of plain data (strings, booleans, lists) for the
// templates in share/templates/site/, which hold the page's markup, CSS and words.
#include "lib/render/status_site.hpp"

#include "lib/core/error.hpp"
#include "lib/core/words.hpp"
#include "lib/render/status_model.hpp"
#include "lib/render/template.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <string_view>
#include <vector>

namespace shopkit {

namespace status {

namespace {

using J = nlohmann::json;

constexpr int history_days = 90;

bool japanese(const Site& site) {
    return site.language == "ja";
}

// Days since 1970-01-01 of the local date of `t` (for day arithmetic).
long civil_day(const Site& site, TimePoint t) {
    const LocalTime lt = local_time(t, site.zone);
    const std::chrono::year_month_day ymd{std::chrono::year{lt.year},
                                          std::chrono::month{unsigned(lt.month)},
                                          std::chrono::day{unsigned(lt.day)}};
    return std::chrono::sys_days{ymd}.time_since_epoch().count();
}

std::string when_text(const Site& site, TimePoint t) {
    return words::time(t, site.zone, site.language);
}

std::string duration_text(const Site& site, TimePoint from, TimePoint to) {
    return words::duration(std::chrono::duration_cast<Millis>(to - from), site.language);
}

// In brackets after a time: "（45分）" or " (45 min)".
std::string bracketed(const Site& site, const std::string& text) {
    return japanese(site) ? "（" + text + "）" : " (" + text + ")";
}

std::string severity_text(const Site& site, Severity sev) {
    return words::severity_label(to_string(sev), site.language);
}

std::string event_word(const Site& site, Event event) {
    if (event == Event::opened)
        return word(site, "ev_opened");
    if (event == Event::resolved)
        return word(site, "ev_resolved");
    if (event == Event::maintenance)
        return word(site, "ev_maintenance");
    return word(site, "ev_updated");
}

// Not colour alone: each state has its own symbol, shown beside its word.
J state_badge(const Site& site, State st) {
    switch (st) {
    case State::up:
        return {{"class", "up"}, {"symbol", "✓"}, {"word", word(site, "state_up")}};
    case State::degraded:
        return {{"class", "degraded"}, {"symbol", "!"}, {"word", word(site, "state_degraded")}};
    case State::down:
        return {{"class", "down"}, {"symbol", "✕"}, {"word", word(site, "state_down")}};
    default:
        return {{"class", "unknown"}, {"symbol", "?"}, {"word", word(site, "state_unknown")}};
    }
}

bool url_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && !std::strchr("\"'<>\\^`{|}", c);
}

// Plain text cut into pieces, its http(s) URLs as links (a URL ends at a space, a
// non-ASCII character or a quote; trailing punctuation is not part of it).
J segments(std::string_view text) {
    J out = J::array();
    auto plain = [&out](std::string_view t) {
        if (!t.empty())
            out.push_back({{"plain", std::string(t)}, {"link", ""}});
    };
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t http = text.find("http", i);
        while (http != std::string_view::npos &&
               !(text.compare(http, 7, "http://") == 0 || text.compare(http, 8, "https://") == 0))
            http = text.find("http", http + 4);
        if (http == std::string_view::npos) {
            plain(text.substr(i));
            break;
        }
        std::size_t end = http;
        while (end < text.size() && url_char(text[end]))
            ++end;
        while (end > http && std::strchr(".,;:!?)]", text[end - 1]))
            --end;
        const std::string_view url = text.substr(http, end - http);
        plain(text.substr(i, http - i));
        if (url.size() > 8) // more than the scheme
            out.push_back({{"plain", ""}, {"link", std::string(url)}});
        else
            plain(url);
        i = end;
    }
    return out;
}

J update_item(const Site& site, const SiteUpdate& u, const std::string& card_title) {
    return {{"event", event_word(site, u.event)},
            {"time_iso", iso(site, u.time)},
            {"time", when_text(site, u.time)},
            {"u_title", u.title != card_title ? u.title : std::string()},
            {"has_text", !u.text.empty()},
            {"segments", segments(u.text)}};
}

// when_label, when and affected: the facts both kinds of card show.
void facts(const Site& site, const SiteIncident& inc, bool open, J& card) {
    const bool incident = inc.kind == "incident";
    if (open && incident) {
        card["when_label"] = word(site, "started");
        card["when"] = when_text(site, inc.since) +
                       bracketed(site, fill(word(site, "elapsed"),
                                            duration_text(site, inc.since, site.s.generated)));
    } else if (inc.until) {
        card["when_label"] = word(site, "period");
        card["when"] = words::time_range(inc.since, *inc.until, site.zone, site.language) +
                       (incident ? bracketed(site, duration_text(site, inc.since, *inc.until))
                                 : std::string());
    } else {
        card["when_label"] = word(site, incident ? "started" : "posted");
        card["when"] = when_text(site, inc.since);
    }
    std::string affected = inc.channel_name;
    if (!inc.checks.empty()) {
        affected += japanese(site) ? "：" : ": ";
        const std::string sep = word(site, "list_sep");
        for (std::size_t i = 0; i < inc.checks.size(); ++i)
            affected += (i ? sep : std::string()) + inc.checks[i];
    }
    card["affected"] = affected;
}

J card_base(const Site& site, const SiteIncident& inc, bool open) {
    J card = {{"id", inc.id},
              {"is_maintenance", inc.kind == "maintenance"},
              {"impact", severity_text(site, inc.severity)},
              {"title", incident_title(site, inc)},
              {"has_updates", !inc.updates.empty()}};
    facts(site, inc, open, card);
    return card;
}

// A current incident or maintenance: only the newest update open, the rest behind a
// <details> (no script needed), so the page stays short on a phone.
J open_card(const Site& site, const SiteIncident& inc) {
    J card = card_base(site, inc, true);
    const bool maint = inc.kind == "maintenance";
    const bool minor = inc.severity == Severity::minor;
    card["card_class"] = maint ? "maint" : minor ? "open minor" : "open";
    card["status"] = {{"class", minor ? "degraded" : "down"},
                      {"symbol", minor ? "!" : "✕"},
                      {"word", word(site, "open_badge")}};
    card["critical"] = !maint && inc.severity == Severity::critical;
    const std::string title = card["title"];
    J latest = J::array(), earlier = J::array();
    for (const auto& u : inc.updates)
        (latest.empty() ? latest : earlier).push_back(update_item(site, u, title));
    card["latest"] = latest;
    card["earlier"] =
        earlier.empty()
            ? J(false)
            : J{{"summary", fill(word(site, "earlier"), std::to_string(earlier.size()))},
                {"items", earlier}};
    return card;
}

J history_card(const Site& site, const SiteIncident& inc) {
    J card = card_base(site, inc, false);
    card["status"] = {{"class", "up"}, {"symbol", "✓"}, {"word", word(site, "resolved_badge")}};
    card["summary"] = fill(word(site, "updates_summary"), std::to_string(inc.updates.size()));
    const std::string title = card["title"];
    J updates = J::array();
    for (const auto& u : inc.updates)
        updates.push_back(update_item(site, u, title));
    card["updates"] = updates;
    return card;
}

// One cell per day of the last 90 (oldest first), classed by the worst incident of
// the channel active that day.
void bars(const Site& site, const SiteChannel& ch, J& channel) {
    const SiteSnapshot& s = site.s;
    const long today = civil_day(site, s.generated);
    const long first_day = today - (history_days - 1);
    std::vector<int> worst(history_days, 0); // 0 none, 1 minor, 2 major, 3 critical
    int count = 0;
    for (const auto& inc : s.incidents) {
        if (inc.channel != ch.id || inc.kind != "incident")
            continue;
        const long first = civil_day(site, inc.since);
        const long last = civil_day(site, inc.until ? *inc.until : s.generated);
        if (last < first_day)
            continue;
        ++count;
        const int rank = inc.severity == Severity::critical ? 3
                         : inc.severity == Severity::major  ? 2
                                                            : 1;
        for (long d = std::max(first, first_day); d <= std::min(last, today); ++d) {
            auto& cell = worst[static_cast<std::size_t>(d - first_day)];
            cell = std::max(cell, rank);
        }
    }
    channel["bars_summary"] = count ? fill(word(site, "incidents_90"), std::to_string(count))
                                    : word(site, "no_incidents_90");
    static const char* level[] = {"", "minor", "major", "critical"};
    static const Severity severity[] = {Severity::minor, Severity::minor, Severity::major,
                                        Severity::critical};
    J days = J::array();
    for (int i = 0; i < history_days; ++i) {
        const auto tp =
            TimePoint(std::chrono::sys_days(std::chrono::days(first_day + i)).time_since_epoch());
        // The label's date only: the zone cannot move a civil date read back as UTC.
        const std::time_t tt = std::chrono::system_clock::to_time_t(
            std::chrono::time_point_cast<std::chrono::seconds>(tp));
        std::tm tm{};
        ::gmtime_r(&tt, &tm);
        const int v = worst[static_cast<std::size_t>(i)];
        days.push_back({{"level", level[v]},
                        {"date", words::short_date(tm.tm_mon + 1, tm.tm_mday, site.language)},
                        {"word", v ? severity_text(site, severity[v]) : word(site, "bar_day_ok")}});
    }
    channel["days"] = days;
}

J channel_item(const Site& site, const SiteChannel& ch) {
    J checks = J::array();
    for (const auto& c : ch.checks) {
        // Check names are words for sentences ("cart"); as a list label, capitalised.
        std::string label = c.name;
        if (!japanese(site) && !label.empty() && label[0] >= 'a' && label[0] <= 'z')
            label[0] = static_cast<char>(label[0] - 'a' + 'A');
        checks.push_back({{"label", label}, {"state", state_badge(site, c.state)}});
    }
    J channel = {{"id", ch.id},
                 {"name", ch.name},
                 {"url", http_url(ch.url) ? ch.url : std::string()},
                 {"state", state_badge(site, channel_state(ch))},
                 {"has_checks", !checks.empty()},
                 {"checks", checks}};
    bars(site, ch, channel);
    return channel;
}

J banner(const Site& site) {
    const SiteSnapshot& s = site.s;
    State overall = State::up;
    std::size_t down = 0;
    for (const auto& ch : s.channels) {
        const State st = channel_state(ch);
        overall = worse(overall, st);
        down += st == State::down;
    }
    bool open_incident = false;
    for (const auto& inc : s.incidents)
        if (inc.kind == "incident" && is_open(inc, s.generated))
            open_incident = true;
    // An open incident this page told people about outweighs counters that
    // already read up: the notice says it is not over yet.
    if (overall == State::up && open_incident)
        overall = State::degraded;
    const char* headline = "all_good";
    switch (overall) {
    case State::down:
        headline = down == s.channels.size() ? "all_down" : "some_down";
        break;
    case State::degraded:
        headline = "some_degraded";
        break;
    case State::unknown:
        headline = "some_unknown";
        break;
    default:
        break;
    }
    return {{"state", state_badge(site, overall)},
            {"headline", word(site, headline)},
            {"text", word(site, overall == State::up ? "banner_fine" : "banner_more")}};
}

J contact(const std::string& contact) {
    if (contact.empty())
        return false;
    std::string href;
    if (http_url(contact))
        href = contact;
    else if (contact.find('@') != std::string::npos &&
             contact.find_first_of(" <>\"'?&") == std::string::npos)
        href = "mailto:" + contact;
    return {{"text", contact}, {"href", href}};
}

J view_model(const Site& site) {
    const SiteSnapshot& s = site.s;
    J open = J::array(), maintenance = J::array(), past = J::array();
    for (const auto& inc : s.incidents) {
        if (!is_open(inc, s.generated))
            past.push_back(history_card(site, inc));
        else
            (inc.kind == "maintenance" ? maintenance : open).push_back(open_card(site, inc));
    }
    J channels = J::array();
    for (const auto& ch : s.channels)
        channels.push_back(channel_item(site, ch));
    const std::string zone = words::zone(s.generated, site.zone, site.language);
    return {{"lang", site.language},
            {"title", s.shop_name + word(site, "status_suffix")},
            {"shop_name", s.shop_name},
            {"shop_url", http_url(s.shop_url) ? s.shop_url : std::string()},
            {"w", site.words},
            {"generated", when_text(site, s.generated)},
            {"generated_iso", iso(site, s.generated)},
            {"banner", banner(site)},
            {"has_open", !open.empty()},
            {"open", open},
            {"has_maintenance", !maintenance.empty()},
            {"maintenance", maintenance},
            {"channels", channels},
            {"has_past", !past.empty()},
            {"past", past},
            {"contact", contact(s.contact)},
            {"times", fill(word(site, "times_in"), zone) + (japanese(site) ? "" : " ") +
                          word(site, "reload")}};
}

} // namespace

std::string render_html(const Site& site) {
    const auto page = find_site_file(site.s.templates, "index.html.mustache");
    if (!page)
        throw config_error("no status page template: looked for site/index.html.mustache");
    const PartialLookup partial = [&site](const std::string& name) {
        return find_site_file(site.s.templates, name + ".mustache");
    };
    return render_html_page(*page, view_model(site), partial);
}

} // namespace status

SiteFiles render_status_site(const SiteSnapshot& snapshot) {
    const status::Site site = status::prepare(snapshot);
    SiteFiles files;
    files.index_html = status::render_html(site);
    files.status_json = status::render_json(site);
    files.feed_atom = status::render_feed(site);
    return files;
}

} // namespace shopkit
