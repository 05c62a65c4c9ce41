// What the three files of the status page (index.html, status.json, feed.atom)
// share: the cleaned snapshot, the states and indicator derived from it, and the
// page's words. Internal to lib/render.
#pragma once

#include "lib/render/status_site.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace shopkit::status {

// A snapshot ready to render, and how to write its times and words.
struct Site {
    SiteSnapshot s;       // every text clean (valid UTF-8, no control bytes), sorted
    std::string zone;     // the shop's zone; empty for UTC (also for an unknown zone)
    std::string language; // "ja" or "en"
    nlohmann::json words; // words.<language>.json: the built-in one, overridden key by key
};

// Cleans and sorts `snapshot` (incidents ongoing first, then newest; updates newest
// first) and loads its words. Throws config_error naming the file when a shop's
// words file is not a JSON object.
Site prepare(const SiteSnapshot& snapshot);

// The word `key` of the site's table; "" when missing.
std::string word(const Site& site, const char* key);

// `pattern` with its first "{}" replaced by `value`.
std::string fill(std::string pattern, const std::string& value);

// RFC 3339 in the site's zone ("Z" in UTC).
std::string iso(const Site& site, TimePoint t);

// The worst state of a channel's checks; unknown without checks.
State channel_state(const SiteChannel& ch);

// Statuspage's component status for a channel: operational, degraded_performance,
// partial_outage, major_outage or unknown.
const char* component_status(const SiteChannel& ch);

// Whether an incident is current at `now`: an incident until resolved; a maintenance
// until its window ends, or without one, for 24 h after its latest update.
bool is_open(const SiteIncident& inc, TimePoint now);

// The page's indicator: none, unknown, minor, major or critical.
std::string indicator(const SiteSnapshot& s);

// The indicator in the site's words.
std::string indicator_description(const Site& site, const std::string& indicator);

// The newest update's title, else "Problem with CHANNEL" (or its maintenance form).
std::string incident_title(const Site& site, const SiteIncident& inc);

// True for an http(s) URL with something after the scheme and no quote, space or
// angle bracket: safe to link.
bool http_url(std::string_view u);

// "index.html" and the others' base: the site URL ending in '/', or "" without one.
std::string base_url(const SiteSnapshot& s);

// status.json (status_json.cpp), feed.atom (status_feed.cpp) and index.html
// (status_site.cpp) of a prepared site; the page throws config_error on a broken
// template of the shop's.
std::string render_json(const Site& site);
std::string render_feed(const Site& site);
std::string render_html(const Site& site);

} // namespace shopkit::status
