// The static status page: a pure renderer from a snapshot of what is known
// (channels and their checks now, incidents of the last 90 days with the
// updates that were posted) to three files, and an atomic writer of them. The
// statuspage target (lib/announce/targets/statuspage.cpp) builds the snapshot.
//
// Files, all UTF-8:
//   index.html   for people, from the Mustache templates and words in
//                share/templates/site/ (a shop's own templates/site/ overrides them
//                file by file, its words.<language>.json word by word):
//                self-contained (inline CSS, no script, no external
//                resource, a Content-Security-Policy that forbids both), readable
//                on a phone; every state shown in words and a symbol, not colour alone;
//                labels in Japanese when language is "ja", else English.
//   status.json  for programs, shaped like Atlassian Statuspage's summary.json so
//                shopcheck's own `kind = "statuspage"` check can read it:
//                { "schema": 1,
//                  "page": {name, url, language, time_zone, updated_at},
//                  "status": {indicator: none|minor|major|critical|unknown, description},
//                  "components": [{id, name, url, state: up|degraded|down|unknown,
//                                  status: operational|degraded_performance|partial_outage|
//                                          major_outage|unknown,
//                                  checks: [{id, name, state}]}],
//                  "incidents": [{id, name, component, component_name,
//                                 kind: incident|maintenance, impact: minor|major|critical,
//                                 status: investigating|resolved, started_at,
//                                 resolved_at (or null), duration_seconds (or null),
//                                 checks: [names], shortlink: "[URL/]index.html#incident-ID",
//                                 updates: [{id, event, title, body, created_at}]}] }
//                Times are RFC 3339 in the shop's zone; incidents ongoing first, then
//                newest first; their updates newest first (as Statuspage). Unlike summary.json,
//                incidents holds the resolved ones of the last 90 days too.
//   feed.atom    Atom 1.0 (RFC 4287): one entry per update, id = the update's id
//                (stable across renders), newest first.
#pragma once

#include "lib/core/clock.hpp"
#include "lib/model/check_state.hpp"
#include "lib/model/incident.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace shopkit {

struct SiteCheck {
    std::string id;
    std::string name; // for people ("カート"); the id when empty
    State state = State::unknown;
};

struct SiteChannel {
    std::string id;
    std::string name;              // for people; the id when empty
    std::string url;               // linked only when http(s)
    std::vector<SiteCheck> checks; // config order
};

// One notice posted about an incident.
struct SiteUpdate {
    std::string id; // stable, an absolute IRI ("urn:uuid:…"): the Atom entry id
    TimePoint time;
    Event event = Event::opened;
    std::string title; // the notice's first line
    std::string text;  // the rest (plain text, may hold several lines)
};

struct SiteIncident {
    std::string id;
    std::string kind = "incident"; // incident | maintenance
    std::string channel;           // channel id
    std::string channel_name;
    Severity severity = Severity::major;
    std::vector<std::string> checks; // affected checks, names for people
    TimePoint since;
    // Resolved at; for a maintenance, the window's end. A maintenance is shown as
    // current until then, or with no end for 24 h after its latest update.
    std::optional<TimePoint> until;
    std::vector<SiteUpdate> updates; // oldest first (equal times: the later is newer)
};

struct SiteSnapshot {
    std::string shop_name;
    std::string shop_url;        // optional; linked only when http(s)
    std::string contact;         // optional; an e-mail address or a URL
    std::string language = "en"; // "ja" or anything else (English)
    std::string timezone;        // IANA zone of the shop; empty = UTC
    std::string site_url;        // optional: where the page is published (Atom self link)
    TimePoint generated;
    std::vector<SiteChannel> channels;
    std::vector<SiteIncident>
        incidents; // open ones and those active in the last 90 days (any order)
    std::optional<std::filesystem::path>
        templates; // the shop's template directory ([shop] templates), holding site/
};

struct SiteFiles {
    std::string index_html;
    std::string status_json;
    std::string feed_atom;
};

// The three files for a snapshot. Pure but for reading the templates, and the
// time formatting, which applies the zone through TZ (restored before returning).
// Never throws on any text content: every string is escaped for where it goes.
// Throws config_error when a shop's own site template or words file is broken.
SiteFiles render_status_site(const SiteSnapshot& snapshot);

// Writes index.html, status.json and feed.atom into `dir` (created with its parents
// when missing), each to a temporary file in `dir`, fsync'd, mode 0644, then
// renamed over the old one, so a reader sees a whole old or a whole new file.
// Throws std::runtime_error naming the path and the OS error.
void write_status_site(const std::filesystem::path& dir, const SiteFiles& files);

} // namespace shopkit
