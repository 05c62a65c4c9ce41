#include "lib/render/status_site.hpp"

#include "lib/core/words.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <pugixml.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sstream>
#include <stdexcept>
#include <string_view>

namespace shopkit {

namespace {

constexpr int history_days = 90;

// ---------------------------------------------------------------- text hygiene

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
            u.event = clean_line(u.event);
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

// ---------------------------------------------------------------- time in the shop's zone

// The shop's zone for the whole render; times are converted by lib/core/clock.
thread_local std::string render_zone;

class ZoneScope {
  public:
    explicit ZoneScope(const std::string& tz) {
        old_ = render_zone;
        const bool utc = tz.empty() || tz == "UTC" || tz == "Etc/UTC" || !known_time_zone(tz);
        render_zone = utc ? std::string() : tz;
    }
    ~ZoneScope() { render_zone = old_; }
    ZoneScope(const ZoneScope&) = delete;
    ZoneScope& operator=(const ZoneScope&) = delete;

  private:
    std::string old_;
};

// Days since 1970-01-01 of the local date of `t` (for day arithmetic).
long civil_day(TimePoint t) {
    const LocalTime lt = local_time(t, render_zone);
    const std::chrono::year_month_day ymd{std::chrono::year{lt.year},
                                          std::chrono::month{unsigned(lt.month)},
                                          std::chrono::day{unsigned(lt.day)}};
    return std::chrono::sys_days{ymd}.time_since_epoch().count();
}

// RFC 3339 with the zone's offset ("Z" in UTC).
std::string iso(TimePoint t) {
    return format_local(t, render_zone);
}

bool japanese(const SiteSnapshot& s) {
    return s.language == "ja";
}

std::string_view language(bool ja) {
    return ja ? "ja" : "en";
}

std::string when_text(TimePoint t, bool ja) {
    return words::time(t, render_zone, language(ja));
}

std::string range_text(TimePoint from, TimePoint to, bool ja) {
    return words::time_range(from, to, render_zone, language(ja));
}

std::string duration_text(TimePoint from, TimePoint to, bool ja) {
    return words::duration(std::chrono::duration_cast<Millis>(to - from), language(ja));
}

// ---------------------------------------------------------------- words

struct Words {
    const char* status_suffix;
    const char* updated; // "最終更新"
    const char* all_good;
    const char* some_down;
    const char* all_down;
    const char* some_degraded;
    const char* some_unknown;
    const char* banner_more; // "see below"
    const char* banner_fine;
    const char* open_heading;
    const char* maintenance_heading;
    const char* channels_heading;
    const char* history_heading;
    const char* no_history;
    const char* started;
    const char* posted;  // a maintenance notice without a known window
    const char* elapsed; // "発生から{}"
    const char* period;
    const char* affected;
    const char* no_orders;
    const char* resolved_badge;
    const char* open_badge;
    const char* maintenance_badge;
    const char* impact;
    const char* updates_summary; // "経過（{}件）"
    const char* no_updates;
    const char* days_ago;
    const char* today;
    const char* incidents_90; // "{} 件"
    const char* no_incidents_90;
    const char* bars_label;
    const char* bar_day_ok;
    const char* contact;
    const char* times_in;
    const char* machine;
    const char* reload;
    const char* state_up;
    const char* state_degraded;
    const char* state_down;
    const char* state_unknown;
    const char* indicator_none;
    const char* indicator_minor;
    const char* indicator_major;
    const char* indicator_critical;
    const char* indicator_unknown;
    const char* incident_of; // "{}の障害"
    const char* maintenance_of;
    const char* list_sep;
    const char* earlier; // "以前のお知らせ（{}件）"
    const char* ev_opened;
    const char* ev_updated;
    const char* ev_resolved;
    const char* ev_maintenance;
};

const Words ja_words = {
    " ステータス",
    "最終更新",
    "現在、すべての店舗を通常どおりご利用いただけます",
    "一部の店舗で障害が発生しています",
    "すべての店舗で障害が発生しています",
    "一部の店舗で不具合が発生しています",
    "一部の店舗の状態を確認できていません",
    "詳しくは下記のお知らせをご覧ください。",
    "障害が発生した場合は、このページでお知らせします。",
    "発生中の障害",
    "メンテナンスのお知らせ",
    "店舗の状態",
    "過去90日間の障害",
    "過去90日間に障害はありませんでした。",
    "発生日時",
    "掲載日時",
    "発生から{}",
    "発生期間",
    "影響範囲",
    "現在、ご注文いただけない状態です。",
    "復旧済み",
    "対応中",
    "メンテナンス",
    "影響",
    "経過を見る（{}件）",
    "お知らせの準備中です。",
    "90日前",
    "今日",
    "過去90日間の障害 {}件",
    "過去90日間の障害なし",
    "過去90日間の日ごとの状態",
    "障害なし",
    "お問い合わせ",
    "時刻はすべて{}です。",
    "プログラム向け",
    "最新の状態はページを再読み込みしてご確認ください。",
    "正常",
    "一部障害",
    "障害",
    "不明",
    "すべて正常",
    "一部で不具合",
    "障害発生中",
    "重大な障害が発生中",
    "状態不明",
    "{}の障害",
    "{}のメンテナンス",
    "、",
    "以前のお知らせ（{}件）",
    "障害発生",
    "続報",
    "復旧",
    "メンテナンス",
};

const Words en_words = {
    " status",
    "Last updated",
    "All our stores are working normally",
    "Some of our stores have a problem",
    "All of our stores have a problem",
    "Some of our stores are not working properly",
    "We cannot check some of our stores right now",
    "See the notices below for details.",
    "If something goes wrong, we will post it on this page.",
    "Current incidents",
    "Maintenance",
    "Stores",
    "Past 90 days",
    "No incidents in the past 90 days.",
    "Started",
    "Posted",
    "for {} so far",
    "Duration",
    "Affected",
    "Orders cannot be placed at the moment.",
    "Resolved",
    "Ongoing",
    "Maintenance",
    "Impact",
    "Show the updates ({})",
    "A notice is being prepared.",
    "90 days ago",
    "Today",
    "{} incidents in the past 90 days",
    "No incidents in the past 90 days",
    "State of each of the past 90 days",
    "no incident",
    "Contact",
    "All times are {}.",
    "For programs",
    "Reload the page to see the latest state.",
    "Operational",
    "Degraded",
    "Down",
    "Unknown",
    "All operational",
    "Partly degraded",
    "Outage",
    "Major outage",
    "Unknown",
    "Problem with {}",
    "Maintenance of {}",
    ", ",
    "Earlier updates ({})",
    "Outage",
    "Update",
    "Resolved",
    "Maintenance",
};

const Words& site_words(const SiteSnapshot& s) {
    return japanese(s) ? ja_words : en_words;
}

std::string format1(const char* pattern, const std::string& value) {
    return fmt::format(fmt::runtime(pattern), value);
}

const char* event_word(const std::string& event, const Words& w) {
    if (event == "opened")
        return w.ev_opened;
    if (event == "resolved")
        return w.ev_resolved;
    if (event == "maintenance")
        return w.ev_maintenance;
    return w.ev_updated;
}

const char* state_word(State st, const Words& w) {
    switch (st) {
    case State::up:
        return w.state_up;
    case State::degraded:
        return w.state_degraded;
    case State::down:
        return w.state_down;
    default:
        return w.state_unknown;
    }
}

// Not colour alone: each state has its own symbol, shown beside its word.
const char* state_symbol(State st) {
    switch (st) {
    case State::up:
        return "✓";
    case State::degraded:
        return "!";
    case State::down:
        return "✕";
    default:
        return "?";
    }
}

const char* state_class(State st) {
    switch (st) {
    case State::up:
        return "up";
    case State::degraded:
        return "degraded";
    case State::down:
        return "down";
    default:
        return "unknown";
    }
}

std::string severity_word(Severity sev, bool ja) {
    return words::severity_label(to_string(sev), language(ja));
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

std::string indicator_description(const std::string& ind, const Words& w) {
    if (ind == "none")
        return w.indicator_none;
    if (ind == "minor")
        return w.indicator_minor;
    if (ind == "major")
        return w.indicator_major;
    if (ind == "critical")
        return w.indicator_critical;
    return w.indicator_unknown;
}

std::string incident_title(const SiteIncident& inc, const Words& w) {
    for (const auto& u : inc.updates) // newest first
        if (!u.title.empty())
            return u.title;
    return format1(inc.kind == "maintenance" ? w.maintenance_of : w.incident_of, inc.channel_name);
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
    std::string out;
    for (const auto& p : parts) {
        if (!out.empty())
            out += sep;
        out += p;
    }
    return out;
}

// ---------------------------------------------------------------- HTML

std::string esc(std::string_view s) {
    std::string out;
    out.reserve(s.size() + s.size() / 8);
    for (const char c : s) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += c;
        }
    }
    return out;
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

bool url_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f && !std::strchr("\"'<>\\^`{|}", c);
}

// Escapes plain text and links its http(s) URLs (a URL ends at a space, a
// non-ASCII character or a quote; trailing punctuation is not part of it).
std::string linked(std::string_view text) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t http = text.find("http", i);
        while (http != std::string_view::npos &&
               !(text.compare(http, 7, "http://") == 0 || text.compare(http, 8, "https://") == 0))
            http = text.find("http", http + 4);
        if (http == std::string_view::npos) {
            out += esc(text.substr(i));
            break;
        }
        std::size_t end = http;
        while (end < text.size() && url_char(text[end]))
            ++end;
        while (end > http && std::strchr(".,;:!?)]", text[end - 1]))
            --end;
        const std::string_view url = text.substr(http, end - http);
        out += esc(text.substr(i, http - i));
        if (url.size() > 8) // more than the scheme
            out += "<a href=\"" + esc(url) + "\">" + esc(url) + "</a>";
        else
            out += esc(url);
        i = end;
    }
    return out;
}

std::string contact_html(const std::string& contact) {
    if (http_url(contact))
        return "<a href=\"" + esc(contact) + "\">" + esc(contact) + "</a>";
    if (contact.find('@') != std::string::npos &&
        contact.find_first_of(" <>\"'?&") == std::string::npos)
        return "<a href=\"mailto:" + esc(contact) + "\">" + esc(contact) + "</a>";
    return esc(contact);
}

std::string badge(State st, const Words& w) {
    return fmt::format("<span class=\"badge {}\"><span class=\"sym\" aria-hidden=\"true\">{}"
                       "</span>{}</span>",
                       state_class(st), state_symbol(st), state_word(st, w));
}

constexpr std::string_view css = R"CSS(
:root{--fg:#1f2328;--muted:#59636e;--line:#d8dee4;--bg:#f6f7f9;--card:#fff;
--up:#1a7f37;--up-bg:#e6f4ea;--deg:#8a5a00;--deg-bg:#fff4d6;--down:#b42318;--down-bg:#fdecea;
--unk:#59636e;--unk-bg:#eef1f4;--mnt:#0b5cad;--mnt-bg:#e7f1fb}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);line-height:1.65;
font-family:system-ui,-apple-system,"Segoe UI","Hiragino Sans","Hiragino Kaku Gothic ProN",
"Noto Sans JP","Noto Sans CJK JP",Meiryo,Roboto,"Helvetica Neue",Arial,sans-serif;
font-size:16px;overflow-wrap:anywhere}
.wrap{max-width:46rem;margin:0 auto;padding:0 1rem}
header.top{background:var(--card);border-bottom:1px solid var(--line)}
header.top .wrap{padding-top:1.1rem;padding-bottom:1rem}
h1{font-size:1.35rem;margin:0;line-height:1.35}
h1 .suffix{color:var(--muted);font-weight:normal}
.meta{margin:.2rem 0 0;color:var(--muted);font-size:.9rem}
main.wrap{padding-top:1.25rem;padding-bottom:1rem}
h2{font-size:1.1rem;margin:2rem 0 .75rem}
h3{font-size:1.02rem;margin:0 0 .35rem;line-height:1.45}
a{color:#0b5cad}
.banner{display:flex;gap:.9rem;align-items:flex-start;border-radius:.6rem;padding:1rem 1.1rem;
border:1px solid;margin:0}
.banner .icon{flex:none;width:2.2rem;height:2.2rem;border-radius:50%;color:#fff;font-weight:bold;
display:flex;align-items:center;justify-content:center;font-size:1.2rem;line-height:1}
.banner p{margin:0}
.banner .headline{font-weight:bold;font-size:1.12rem;line-height:1.4}
.banner.up{background:var(--up-bg);border-color:#a6d8b5}.banner.up .icon{background:var(--up)}
.banner.degraded{background:var(--deg-bg);border-color:#ecd18a}
.banner.degraded .icon{background:#b07800}
.banner.down{background:var(--down-bg);border-color:#f1b3ac}
.banner.down .icon{background:var(--down)}
.banner.unknown{background:var(--unk-bg);border-color:#c9d1d9}
.banner.unknown .icon{background:var(--unk)}
.card{background:var(--card);border:1px solid var(--line);border-radius:.6rem;padding:1rem 1.1rem;
margin:0 0 .9rem}
.card.open{border-left:.35rem solid var(--down)}
.card.open.minor{border-left-color:#b07800}
.card.maint{border-left:.35rem solid var(--mnt)}
.facts{margin:.4rem 0 .6rem;display:grid;grid-template-columns:auto 1fr;gap:.15rem .8rem;
font-size:.95rem}
.facts dt{color:var(--muted)}.facts dd{margin:0}
.note{font-weight:bold;color:var(--down);margin:.3rem 0}
.badge{display:inline-flex;align-items:center;gap:.3rem;border-radius:1rem;padding:.05rem .6rem;
font-size:.85rem;font-weight:bold;white-space:nowrap;line-height:1.6}
.badge .sym{font-size:.8rem}
.badge.up{color:var(--up);background:var(--up-bg)}
.badge.degraded{color:var(--deg);background:var(--deg-bg)}
.badge.down{color:var(--down);background:var(--down-bg)}
.badge.unknown{color:var(--unk);background:var(--unk-bg)}
.badge.mnt{color:var(--mnt);background:var(--mnt-bg)}
.badge.plain{color:var(--muted);background:var(--unk-bg);font-weight:normal}
.badges{display:flex;flex-wrap:wrap;gap:.4rem;margin:0 0 .3rem}
ol.updates{list-style:none;margin:.5rem 0 0;padding:0}
ol.updates li{border-top:1px solid var(--line);padding:.7rem 0 .2rem}
.u-head{margin:0;font-size:.95rem}
.u-head time{color:var(--muted);white-space:nowrap}
.u-event{font-weight:bold;margin-right:.6rem}
.u-title{margin:.2rem 0 0;font-weight:bold}
.u-text{margin:.35rem 0 0;white-space:pre-wrap;font-size:.95rem}
details summary{cursor:pointer;color:#0b5cad;margin-top:.3rem}
ul.channels,ul.checks,ol.history{list-style:none;margin:0;padding:0}
.ch-head{display:flex;justify-content:space-between;align-items:center;gap:.6rem;flex-wrap:wrap}
.ch-name{font-weight:bold;font-size:1.02rem}
ul.checks{margin:.5rem 0 0}
ul.checks li{display:flex;justify-content:space-between;align-items:center;gap:.6rem;
padding:.3rem 0;border-top:1px dashed var(--line);font-size:.95rem}
.bars{display:flex;gap:1px;height:1.6rem;margin:.8rem 0 .2rem}
.bars span{flex:1;border-radius:1px;background:#55b87e}
.bars span.minor{background:#e0a800}.bars span.major{background:#e5533d}
.bars span.critical{background:#a3180f}
.bars-legend{display:flex;justify-content:space-between;color:var(--muted);font-size:.8rem;margin:0;
gap:.5rem}
.bars-legend .count{text-align:center}
.when{color:var(--muted);font-size:.92rem;margin:.1rem 0 0}
.empty{color:var(--muted)}
footer.wrap{color:var(--muted);font-size:.88rem;padding-top:1rem;padding-bottom:2.5rem;
border-top:1px solid var(--line);margin-top:2rem}
footer p{margin:.3rem 0}
@media (max-width:30rem){body{font-size:15.5px}.card{padding:.85rem .9rem}
.facts{grid-template-columns:1fr}.facts dd{margin-bottom:.3rem}}
)CSS";

struct Html {
    const SiteSnapshot& s;
    const Words& w;
    bool ja;
    std::string out;

    void update_item(const SiteUpdate& u, const std::string& card_title) {
        out += fmt::format("<li><p class=\"u-head\"><span class=\"u-event\">{}</span>"
                           "<time datetime=\"{}\">{}</time></p>",
                           event_word(u.event, w), esc(iso(u.time)), esc(when_text(u.time, ja)));
        if (!u.title.empty() && u.title != card_title)
            out += "<p class=\"u-title\">" + esc(u.title) + "</p>";
        if (!u.text.empty())
            out += "<p class=\"u-text\">" + linked(u.text) + "</p>";
        out += "</li>\n";
    }

    // Newest first; with `fold`, only the newest is open and the rest behind a
    // <details> (no script needed), so the page stays short on a phone.
    void updates_list(const SiteIncident& inc, bool fold) {
        const std::string title = incident_title(inc, w);
        out += "<ol class=\"updates\">\n";
        std::size_t shown = 0;
        for (const auto& u : inc.updates) {
            if (fold && shown == 1) {
                out += "</ol>\n<details><summary>" +
                       esc(format1(w.earlier, std::to_string(inc.updates.size() - 1))) +
                       "</summary>\n<ol class=\"updates\">\n";
            }
            update_item(u, title);
            ++shown;
        }
        out += fold && shown > 1 ? "</ol></details>\n" : "</ol>\n";
    }

    void facts(const SiteIncident& inc, bool open) {
        out += "<dl class=\"facts\">";
        if (open && inc.kind == "incident") {
            out += fmt::format("<dt>{}</dt><dd>{}{}{}{}</dd>", w.started,
                               esc(when_text(inc.since, ja)), ja ? "（" : " (",
                               esc(format1(w.elapsed, duration_text(inc.since, s.generated, ja))),
                               ja ? "）" : ")");
        } else if (inc.until) {
            out += fmt::format("<dt>{}</dt><dd>{}", w.period,
                               esc(range_text(inc.since, *inc.until, ja)));
            if (inc.kind == "incident")
                out += (ja ? "（" : " (") + esc(duration_text(inc.since, *inc.until, ja)) +
                       (ja ? "）" : ")");
            out += "</dd>";
        } else {
            out += fmt::format("<dt>{}</dt><dd>{}</dd>",
                               inc.kind == "maintenance" ? w.posted : w.started,
                               esc(when_text(inc.since, ja)));
        }
        std::string affected = esc(inc.channel_name);
        if (!inc.checks.empty())
            affected += (ja ? "：" : ": ") + esc(join(inc.checks, w.list_sep));
        out += fmt::format("<dt>{}</dt><dd>{}</dd></dl>\n", w.affected, affected);
    }

    void open_card(const SiteIncident& inc) {
        const bool maint = inc.kind == "maintenance";
        out += fmt::format("<article class=\"card {}\" id=\"{}\">\n",
                           maint                             ? "maint"
                           : inc.severity == Severity::minor ? "open minor"
                                                             : "open",
                           esc("incident-" + inc.id));
        out += "<div class=\"badges\">";
        if (maint)
            out += fmt::format("<span class=\"badge mnt\">{}</span>", w.maintenance_badge);
        else
            out +=
                fmt::format("<span class=\"badge {}\"><span class=\"sym\" aria-hidden=\"true\">{}"
                            "</span>{}</span><span class=\"badge plain\">{}: {}</span>",
                            inc.severity == Severity::minor ? "degraded" : "down",
                            inc.severity == Severity::minor ? "!" : "✕", w.open_badge, w.impact,
                            severity_word(inc.severity, ja));
        out += "</div>\n";
        out += "<h3>" + esc(incident_title(inc, w)) + "</h3>\n";
        if (!maint && inc.severity == Severity::critical)
            out += fmt::format("<p class=\"note\">{}</p>\n", w.no_orders);
        facts(inc, true);
        if (inc.updates.empty())
            out += fmt::format("<p class=\"empty\">{}</p>\n", w.no_updates);
        else
            updates_list(inc, true);
        out += "</article>\n";
    }

    void history_item(const SiteIncident& inc) {
        const bool maint = inc.kind == "maintenance";
        out += fmt::format("<li><article class=\"card\" id=\"{}\">\n", esc("incident-" + inc.id));
        out += "<div class=\"badges\">";
        if (maint)
            out += fmt::format("<span class=\"badge mnt\">{}</span>", w.maintenance_badge);
        else
            out += fmt::format("<span class=\"badge up\"><span class=\"sym\" aria-hidden=\"true\">✓"
                               "</span>{}</span><span class=\"badge plain\">{}: {}</span>",
                               w.resolved_badge, w.impact, severity_word(inc.severity, ja));
        out += "</div>\n<h3>" + esc(incident_title(inc, w)) + "</h3>\n";
        facts(inc, false);
        if (!inc.updates.empty()) {
            out += "<details><summary>" +
                   esc(format1(w.updates_summary, std::to_string(inc.updates.size()))) +
                   "</summary>\n";
            updates_list(inc, false);
            out += "</details>\n";
        }
        out += "</article></li>\n";
    }

    // One cell per day of the last 90 (oldest first), classed by the worst
    // incident of the channel active that day.
    void bars(const SiteChannel& ch) {
        const long today = civil_day(s.generated);
        std::vector<int> worst(history_days, 0); // 0 none, 1 minor, 2 major, 3 critical
        int count = 0;
        for (const auto& inc : s.incidents) {
            if (inc.channel != ch.id || inc.kind != "incident")
                continue;
            const long first = civil_day(inc.since);
            const long last = civil_day(inc.until ? *inc.until : s.generated);
            if (last < today - (history_days - 1))
                continue;
            ++count;
            const int rank = inc.severity == Severity::critical ? 3
                             : inc.severity == Severity::major  ? 2
                                                                : 1;
            for (long d = std::max(first, today - (history_days - 1)); d <= std::min(last, today);
                 ++d) {
                auto& cell = worst[static_cast<std::size_t>(d - (today - (history_days - 1)))];
                cell = std::max(cell, rank);
            }
        }
        const std::string summary =
            count ? format1(w.incidents_90, std::to_string(count)) : std::string(w.no_incidents_90);
        out += fmt::format("<div class=\"bars\" role=\"img\" aria-label=\"{}: {}\">", w.bars_label,
                           esc(summary));
        static const char* cls[] = {"", "minor", "major", "critical"};
        for (int i = 0; i < history_days; ++i) {
            const long day = today - (history_days - 1) + i;
            const auto tp =
                TimePoint(std::chrono::sys_days(std::chrono::days(day)).time_since_epoch());
            // The label's date only: the zone cannot move a civil date read back as UTC.
            const std::time_t tt = std::chrono::system_clock::to_time_t(
                std::chrono::time_point_cast<std::chrono::seconds>(tp));
            std::tm tm{};
            ::gmtime_r(&tt, &tm);
            const int v = worst[static_cast<std::size_t>(i)];
            out += fmt::format("<span{}{} title=\"{}: {}\"></span>", v ? " class=\"" : "",
                               v ? std::string(cls[v]) + "\"" : "",
                               esc(words::short_date(tm.tm_mon + 1, tm.tm_mday, language(ja))),
                               v ? severity_word(v == 1   ? Severity::minor
                                                 : v == 2 ? Severity::major
                                                          : Severity::critical,
                                                 ja)
                                 : w.bar_day_ok);
        }
        out += fmt::format("</div>\n<p class=\"bars-legend\" aria-hidden=\"true\"><span>{}</span>"
                           "<span class=\"count\">{}</span><span>{}</span></p>\n",
                           w.days_ago, esc(summary), w.today);
    }

    // Check names are words for sentences ("cart"); as a list label, capitalised.
    std::string label(std::string name) const {
        if (!ja && !name.empty() && name[0] >= 'a' && name[0] <= 'z')
            name[0] = static_cast<char>(name[0] - 'a' + 'A');
        return name;
    }

    void channel_item(const SiteChannel& ch) {
        const State st = channel_state(ch);
        out += fmt::format("<li class=\"card\" id=\"{}\">\n<div class=\"ch-head\">",
                           esc("channel-" + ch.id));
        if (http_url(ch.url))
            out +=
                fmt::format("<a class=\"ch-name\" href=\"{}\">{}</a>", esc(ch.url), esc(ch.name));
        else
            out += "<span class=\"ch-name\">" + esc(ch.name) + "</span>";
        out += badge(st, w) + "</div>\n";
        if (!ch.checks.empty()) {
            out += "<ul class=\"checks\">\n";
            for (const auto& c : ch.checks)
                out +=
                    "<li><span>" + esc(label(c.name)) + "</span>" + badge(c.state, w) + "</li>\n";
            out += "</ul>\n";
        }
        bars(ch);
        out += "</li>\n";
    }

    void banner() {
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
        const char* headline = w.all_good;
        switch (overall) {
        case State::down:
            headline = down == s.channels.size() ? w.all_down : w.some_down;
            break;
        case State::degraded:
            headline = w.some_degraded;
            break;
        case State::unknown:
            headline = w.some_unknown;
            break;
        default:
            break;
        }
        out += fmt::format("<section class=\"banner {}\" aria-live=\"polite\"><div class=\"icon\" "
                           "aria-hidden=\"true\">{}</div><div><p class=\"headline\">{}</p><p>{}</p>"
                           "</div></section>\n",
                           state_class(overall), state_symbol(overall), headline,
                           overall == State::up ? w.banner_fine : w.banner_more);
    }

    std::string render() {
        const std::string title = s.shop_name + w.status_suffix;
        out += fmt::format(
            "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n"
            "<meta name=\"generator\" content=\"shopkit\">\n<title>{}</title>\n"
            "<link rel=\"icon\" href=\"data:,\">\n"
            "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"feed.atom\" "
            "title=\"{}\">\n"
            "<style>{}</style>\n</head>\n<body>\n",
            ja ? "ja" : "en", esc(title), esc(title), css);
        out += "<header class=\"top\"><div class=\"wrap\"><h1>";
        if (http_url(s.shop_url))
            out += fmt::format("<a href=\"{}\">{}</a>", esc(s.shop_url), esc(s.shop_name));
        else
            out += esc(s.shop_name);
        out += fmt::format("<span class=\"suffix\">{}</span></h1>\n<p class=\"meta\">{}: <time "
                           "datetime=\"{}\">{}</time></p></div></header>\n",
                           esc(w.status_suffix), w.updated, esc(iso(s.generated)),
                           esc(when_text(s.generated, ja)));
        out += "<main class=\"wrap\">\n";
        banner();

        std::vector<const SiteIncident*> open, maint, past;
        for (const auto& inc : s.incidents) {
            if (is_open(inc, s.generated))
                (inc.kind == "maintenance" ? maint : open).push_back(&inc);
            else
                past.push_back(&inc);
        }
        if (!open.empty()) {
            out += fmt::format("<section aria-labelledby=\"h-open\"><h2 id=\"h-open\">{}</h2>\n",
                               w.open_heading);
            for (const auto* inc : open)
                open_card(*inc);
            out += "</section>\n";
        }
        if (!maint.empty()) {
            out += fmt::format("<section aria-labelledby=\"h-maint\"><h2 id=\"h-maint\">{}</h2>\n",
                               w.maintenance_heading);
            for (const auto* inc : maint)
                open_card(*inc);
            out += "</section>\n";
        }
        out += fmt::format("<section aria-labelledby=\"h-channels\"><h2 id=\"h-channels\">{}</h2>\n"
                           "<ul class=\"channels\">\n",
                           w.channels_heading);
        for (const auto& ch : s.channels)
            channel_item(ch);
        out += "</ul></section>\n";
        out += fmt::format("<section aria-labelledby=\"h-history\"><h2 id=\"h-history\">{}</h2>\n",
                           w.history_heading);
        if (past.empty()) {
            out += fmt::format("<p class=\"empty\">{}</p>\n", w.no_history);
        } else {
            out += "<ol class=\"history\">\n";
            for (const auto* inc : past)
                history_item(*inc);
            out += "</ol>\n";
        }
        out += "</section>\n</main>\n<footer class=\"wrap\">\n";
        if (!s.contact.empty())
            out += fmt::format("<p>{}: {}</p>\n", w.contact, contact_html(s.contact));
        out += "<p>" + esc(format1(w.times_in, words::zone(s.generated, render_zone, s.language))) +
               (ja ? "" : " ") + w.reload + "</p>\n";
        out += fmt::format("<p>{}: <a href=\"status.json\">status.json</a> · "
                           "<a href=\"feed.atom\">Atom</a></p>\n</footer>\n</body>\n</html>\n",
                           w.machine);
        return out;
    }
};

// ---------------------------------------------------------------- status.json

nlohmann::ordered_json json_of(const SiteSnapshot& s) {
    using J = nlohmann::ordered_json;
    const Words& w = site_words(s);
    J page = {{"name", s.shop_name},
              {"url", s.site_url.empty() ? J(nullptr) : J(s.site_url)},
              {"language", japanese(s) ? "ja" : "en"},
              {"time_zone", s.timezone.empty() ? "UTC" : s.timezone},
              {"updated_at", iso(s.generated)}};
    const std::string ind = indicator(s);
    const std::string base =
        s.site_url.empty() || s.site_url.back() == '/' ? s.site_url : s.site_url + "/";
    J components = J::array();
    for (const auto& ch : s.channels) {
        J checks = J::array();
        for (const auto& c : ch.checks)
            checks.push_back({{"id", c.id}, {"name", c.name}, {"state", to_string(c.state)}});
        components.push_back({{"id", ch.id},
                              {"name", ch.name},
                              {"url", ch.url.empty() ? J(nullptr) : J(ch.url)},
                              {"state", to_string(channel_state(ch))},
                              {"status", component_status(ch)},
                              {"checks", checks}});
    }
    J incidents = J::array();
    for (const auto& inc : s.incidents) {
        J updates = J::array();
        for (const auto& u : inc.updates)
            updates.push_back({{"id", u.id},
                               {"event", u.event},
                               {"title", u.title},
                               {"body", u.text},
                               {"created_at", iso(u.time)}});
        const bool resolved = !is_open(inc, s.generated);
        J duration = nullptr;
        if (inc.until)
            duration =
                std::chrono::duration_cast<std::chrono::seconds>(*inc.until - inc.since).count();
        incidents.push_back({{"id", inc.id},
                             {"name", incident_title(inc, w)},
                             {"component", inc.channel},
                             {"component_name", inc.channel_name},
                             {"kind", inc.kind},
                             {"impact", std::string(to_string(inc.severity))},
                             {"status", resolved ? "resolved" : "investigating"},
                             {"started_at", iso(inc.since)},
                             {"resolved_at", inc.until ? J(iso(*inc.until)) : J(nullptr)},
                             {"duration_seconds", duration},
                             {"checks", inc.checks},
                             {"shortlink", base + "index.html#incident-" + inc.id},
                             {"updates", updates}});
    }
    return J{{"schema", 1},
             {"page", page},
             {"status", {{"indicator", ind}, {"description", indicator_description(ind, w)}}},
             {"components", components},
             {"incidents", incidents}};
}

// ---------------------------------------------------------------- feed.atom

// A name-based (version 5, SHA-1) UUID: the same name always gives the same id.
std::string uuid5(std::string_view name) {
    // The URL namespace of RFC 4122, appendix C.
    static const unsigned char ns[16] = {0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1,
                                         0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};
    std::string input(reinterpret_cast<const char*>(ns), 16);
    input += name;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(input.data(), input.size(), md, &len, EVP_sha1(), nullptr);
    md[6] = static_cast<unsigned char>((md[6] & 0x0f) | 0x50);
    md[8] = static_cast<unsigned char>((md[8] & 0x3f) | 0x80);
    std::string out = "urn:uuid:";
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out += '-';
        out += fmt::format("{:02x}", md[i]);
    }
    return out;
}

std::string atom_of(const SiteSnapshot& s) {
    const Words& w = site_words(s);
    struct Entry {
        const SiteIncident* inc;
        const SiteUpdate* up;
    };
    std::vector<Entry> entries;
    for (const auto& inc : s.incidents)
        for (const auto& u : inc.updates)
            entries.push_back({&inc, &u});
    std::stable_sort(entries.begin(), entries.end(),
                     [](const Entry& a, const Entry& b) { return a.up->time > b.up->time; });

    pugi::xml_document doc;
    auto decl = doc.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "utf-8";
    auto feed = doc.append_child("feed");
    feed.append_attribute("xmlns") = "http://www.w3.org/2005/Atom";
    feed.append_attribute("xml:lang") = japanese(s) ? "ja" : "en";
    const std::string base =
        s.site_url.empty() || s.site_url.back() == '/' ? s.site_url : s.site_url + "/";
    auto text_el = [](pugi::xml_node parent, const char* name, const std::string& value) {
        auto el = parent.append_child(name);
        el.append_child(pugi::node_pcdata).set_value(value.c_str());
        return el;
    };
    text_el(feed, "id", uuid5("shopkit-status-feed:" + (base.empty() ? s.shop_name : base)));
    text_el(feed, "title", s.shop_name + w.status_suffix);
    text_el(feed, "updated", iso(entries.empty() ? s.generated : entries.front().up->time));
    auto link = feed.append_child("link");
    link.append_attribute("rel") = "alternate";
    link.append_attribute("type") = "text/html";
    link.append_attribute("href") = (base + "index.html").c_str();
    if (!base.empty()) {
        auto self = feed.append_child("link");
        self.append_attribute("rel") = "self";
        self.append_attribute("type") = "application/atom+xml";
        self.append_attribute("href") = (base + "feed.atom").c_str();
    }
    auto author = feed.append_child("author");
    text_el(author, "name", s.shop_name.empty() ? "shop" : s.shop_name);
    if (http_url(s.shop_url))
        text_el(author, "uri", s.shop_url);
    text_el(feed, "generator", "shopkit");
    for (const auto& e : entries) {
        auto entry = feed.append_child("entry");
        text_el(entry, "id",
                e.up->id.empty() ? uuid5("shopkit-status-update:" + e.inc->id + ":" +
                                         format_utc(e.up->time) + ":" + e.up->event)
                                 : e.up->id);
        text_el(entry, "title", e.up->title.empty() ? incident_title(*e.inc, w) : e.up->title);
        text_el(entry, "updated", iso(e.up->time));
        text_el(entry, "published", iso(e.up->time));
        auto l = entry.append_child("link");
        l.append_attribute("rel") = "alternate";
        l.append_attribute("type") = "text/html";
        l.append_attribute("href") = (base + "index.html#incident-" + e.inc->id).c_str();
        auto cat = entry.append_child("category");
        cat.append_attribute("term") = e.up->event.c_str();
        auto content = text_el(entry, "content", e.up->text.empty() ? e.up->title : e.up->text);
        content.append_attribute("type") = "text";
    }
    std::ostringstream os;
    doc.save(os, "  ", pugi::format_default, pugi::encoding_utf8);
    return os.str();
}

// ---------------------------------------------------------------- writing

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
    throw std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno));
}

void write_atomically(const std::filesystem::path& dir, const std::string& name,
                      const std::string& content) {
    const std::filesystem::path target = dir / name;
    std::string tmp = (dir / ("." + name + ".tmp-XXXXXX")).string();
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0)
        fail("cannot create a temporary file in", dir);
    bool ok = true;
    std::size_t done = 0;
    while (ok && done < content.size()) {
        const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        ok = n > 0;
        if (ok)
            done += static_cast<std::size_t>(n);
    }
    // Served by a web server as other users: world-readable, like any page.
    ok = ok && ::fchmod(fd, 0644) == 0 && ::fsync(fd) == 0;
    const int saved = errno;
    ok = (::close(fd) == 0) && ok;
    if (!ok || ::rename(tmp.c_str(), target.c_str()) != 0) {
        const int err = ok ? errno : saved;
        ::unlink(tmp.c_str());
        errno = err;
        fail("cannot write", target);
    }
}

} // namespace

SiteFiles render_status_site(const SiteSnapshot& snapshot) {
    const SiteSnapshot s = cleaned(snapshot);
    const ZoneScope zone_scope(s.timezone);
    SiteFiles files;
    Html html{s, site_words(s), japanese(s), {}};
    files.index_html = html.render();
    files.status_json = json_of(s).dump(2) + "\n";
    files.feed_atom = atom_of(s);
    return files;
}

void write_status_site(const std::filesystem::path& dir, const SiteFiles& files) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
    write_atomically(dir, "status.json", files.status_json);
    write_atomically(dir, "feed.atom", files.feed_atom);
    // The page last: when it shows an update, the feed and JSON already hold it.
    write_atomically(dir, "index.html", files.index_html);
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        // The renames themselves must survive a crash too.
        ::fsync(dfd);
        ::close(dfd);
    }
}

} // namespace shopkit
