// Words for customers, in Japanese ("ja") or English (any other language): times
// in the shop's zone, durations, severities and common check names. A notice and
// the status page take them from here, so one incident reads the same everywhere.
#pragma once

#include "lib/core/clock.hpp"
#include "lib/core/duration.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace shopkit::words {

// True for "ja": the only language besides English that shopkit speaks.
bool japanese(std::string_view language);

// "2026年6月4日 12:00" (ja) or "4 June 2026 12:00", in zone `tz` (empty or unknown: UTC).
std::string time(TimePoint t, const std::string& tz, std::string_view language);

// "2026年6月4日" (ja) or "4 June 2026": a civil date, no zone applied.
std::string date(int year, int month, int day, std::string_view language);

// "6月4日" (ja) or "4 June": a civil date without its year, no zone applied.
std::string short_date(int month, int day, std::string_view language);

// "2026年6月4日 12:00 〜 12:45" (ja) or "4 June 2026 12:00 – 12:45", in zone `tz`;
// the end's date is written only when it differs from the start's.
std::string time_range(TimePoint from, TimePoint to, const std::string& tz,
                       std::string_view language);

// The zone that times at `t` are written in, for a sentence such as "All times are
// …": "UTC" for UTC (and empty or unknown zones), "日本時間（UTC+9）" for UTC+9 in
// Japanese, else "JST (UTC+9)" or "UTC+5:30" when the abbreviation is not letters.
std::string zone(TimePoint t, const std::string& tz, std::string_view language);

// Whole minutes of `d` (rounded down), largest unit first, zero parts left out:
// "1日1時間5分" / "1 day 1 h 5 min", "2 days"; under a minute (or negative):
// "1分未満" / "under a minute".
std::string duration(Millis d, std::string_view language);

// An incident's severity ("minor", "major" or "critical", as to_string(Severity))
// in a sentence: "障害" / "outage". Anything else: "".
std::string severity_sentence(std::string_view severity, std::string_view language);

// The same as a short label after "Impact:": "重度" / "Major". Anything else: "".
std::string severity_label(std::string_view severity, std::string_view language);

// Words for a common check id (top, home, cart, checkout, payment, login, mypage,
// account, search, product(s), api, platform, tls): "カート" / "cart"; nullopt otherwise.
std::optional<std::string> common_check(std::string_view id, std::string_view language);

} // namespace shopkit::words
