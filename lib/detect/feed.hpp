// RSS 2.0 and Atom feeds of a platform's incident notices (pugixml).
#pragma once

#include "lib/core/clock.hpp"
#include "lib/core/duration.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shopkit {

struct FeedEntry {
    std::string title;
    std::string link;
    std::optional<TimePoint> time; // pubDate / updated / published
};

struct FeedVerdict {
    bool parsed = false;  // false: not RSS or Atom (detail says why)
    bool problem = false; // the newest relevant entry reports a problem
    std::string detail;   // the deciding entry's title, or the parse error
};

// Parses RSS 2.0 (<rss><channel><item>), RSS 1.0 (<rdf:RDF><item>) or Atom
// (<feed><entry>). Throws nothing: returns nullopt when the body is none of them,
// with the reason in *why when given.
std::optional<std::vector<FeedEntry>> parse_feed(const std::string& body,
                                                 std::string* why = nullptr);

// The newest entry whose title matches `match` or `clear` (RE2) decides:
// matching `match` (and not `clear`) is a problem, matching `clear` is not.
// Entries older than now - max_age (when given) are ignored. When every entry is
// dated, the newest date comes first; otherwise document order counts (first = newest).
// Unparsable body or a bad pattern: parsed = false, detail says why.
FeedVerdict judge_feed(const std::string& body, const std::string& match, const std::string& clear,
                       std::optional<Millis> max_age, TimePoint now);

// Parses an RFC 822 date as RSS pubDate writes it: "Thu, 04 Jun 2026 12:00:00 +0900"
// (weekday and seconds optional; zones +hhmm, GMT/UT/UTC/Z, US names, JST; no zone = UTC).
// Returns nullopt for anything else.
std::optional<TimePoint> parse_rfc822(std::string_view text);

} // namespace shopkit
