// Time: the clock seam (tests pass a fixed clock), and time formats.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace shopkit {

using TimePoint = std::chrono::system_clock::time_point;

// Where "now" comes from. The default reads the system clock; tests substitute a fixed one.
class Clock {
  public:
    virtual ~Clock() = default;
    virtual TimePoint now() const;
};

// RFC 3339 in UTC with seconds: "2026-06-04T03:00:03Z".
std::string format_utc(TimePoint t);

// RFC 3339 in the IANA time zone `tz` (e.g. "Asia/Tokyo"): "2026-06-04T12:00:03+09:00".
// An empty `tz` means UTC. An unknown zone falls back to UTC.
std::string format_local(TimePoint t, const std::string& tz);

// A time as people in zone `tz` read it (empty or unknown `tz`: UTC).
struct LocalTime {
    int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
    long offset = 0;  // seconds east of UTC
    std::string zone; // the zone's abbreviation, e.g. "JST", "UTC"
};
LocalTime local_time(TimePoint t, const std::string& tz);

// Parses RFC 3339 / ISO 8601 date-times with 'Z' or a numeric offset (fractional
// seconds ignored). Returns nullopt on anything else, and for a year a TimePoint
// cannot hold (before 1678 or after 2261).
std::optional<TimePoint> parse_rfc3339(std::string_view text);

// 1..12 for the English abbreviation "Jan" … "Dec" (the form of HTTP, e-mail,
// RSS and certificate dates); with `ignore_case`, "JAN" and "jan" too. 0 for
// anything else.
int month_from_abbreviation(std::string_view abbreviation, bool ignore_case = false);
// "Jan" … "Dec" for 1..12; "" for anything else.
std::string_view month_abbreviation(int month);
// The instant of a civil date-time in UTC; nullopt for one that does not
// exist (February 30, hour 24, minute 60, second over 60) or that a TimePoint
// cannot hold (a year before 1678 or after 2261).
std::optional<TimePoint> utc_civil(int year, int month, int day, int hour, int minute, int second);
// The instant of a civil date-time as read in zone `tz` (empty or unknown `tz`:
// UTC); nullopt where utc_civil gives nullopt. A time a daylight-saving change
// skips gives the instant of the change; one it repeats, the earlier instant.
std::optional<TimePoint> local_civil(const std::string& tz, int year, int month, int day, int hour,
                                     int minute, int second);

// True when `tz` names a zone this machine's tz database knows.
bool known_time_zone(const std::string& tz);

} // namespace shopkit
