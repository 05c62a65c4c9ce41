#include "lib/core/clock.hpp"

#include <date/tz.h>

#include <array>
#include <fmt/core.h>

#include <cctype>
#include <ctime>
#include <exception>
#include <string>

namespace shopkit {

TimePoint Clock::now() const {
    return std::chrono::system_clock::now();
}

namespace {

// A TimePoint counts nanoseconds in 64 bits, so it holds the years 1678 to 2261
// only: a date outside them (year 9999 in a feed, a record or a config) is
// refused rather than overflowed. A day's margin at each end leaves room for
// the time of day and a zone offset.
bool representable(std::chrono::sys_days day) {
    constexpr auto first =
        std::chrono::floor<std::chrono::days>(TimePoint::min()) + std::chrono::days(1);
    constexpr auto last =
        std::chrono::floor<std::chrono::days>(TimePoint::max()) - std::chrono::days(1);
    return day >= first && day <= last;
}

std::string format_tm(const std::tm& tm, long offset_seconds) {
    std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900,
                                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (offset_seconds == 0)
        return out + "Z";
    const char sign = offset_seconds < 0 ? '-' : '+';
    const long abs = offset_seconds < 0 ? -offset_seconds : offset_seconds;
    return out + fmt::format("{}{:02}:{:02}", sign, abs / 3600, (abs % 3600) / 60);
}

// libstdc++ 12 has no std::chrono::zoned_time; Howard Hinnant's date library
// (its prototype) reads the system's tz database and, unlike setenv("TZ") with
// localtime_r, is safe to use from several threads at once.
const date::time_zone* find_zone(const std::string& tz) {
    if (tz.empty() || tz == "UTC" || tz == "Etc/UTC")
        return nullptr;
    if (tz.find("..") != std::string::npos || tz.front() == '/')
        return nullptr;
    try {
        return date::locate_zone(tz);
    } catch (const std::exception&) {
        return nullptr; // not in the database (or no database): UTC
    }
}

int digits(std::string_view s, std::size_t pos, std::size_t n, bool& ok) {
    int v = 0;
    if (pos + n > s.size()) {
        ok = false;
        return 0;
    }
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) {
            ok = false;
            return 0;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

} // namespace

std::string format_utc(TimePoint t) {
    return format_local(t, "");
}

bool known_time_zone(const std::string& tz) {
    return tz.empty() || tz == "UTC" || tz == "Etc/UTC" || find_zone(tz) != nullptr;
}

std::string format_local(TimePoint t, const std::string& tz) {
    const LocalTime lt = local_time(t, tz);
    std::tm tm{};
    tm.tm_year = lt.year - 1900;
    tm.tm_mon = lt.month - 1;
    tm.tm_mday = lt.day;
    tm.tm_hour = lt.hour;
    tm.tm_min = lt.minute;
    tm.tm_sec = lt.second;
    return format_tm(tm, lt.offset);
}

LocalTime local_time(TimePoint t, const std::string& tz) {
    const auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(t);
    LocalTime lt;
    std::chrono::seconds offset{0};
    auto local = seconds.time_since_epoch();
    if (const date::time_zone* zone = find_zone(tz)) {
        const date::zoned_time<std::chrono::seconds> zoned{zone, seconds};
        const date::sys_info info = zoned.get_info();
        offset = info.offset;
        lt.zone = info.abbrev;
        local = zoned.get_local_time().time_since_epoch();
    } else {
        lt.zone = "UTC";
    }
    // Floor to whole days first, so times before 1970 get the right calendar day.
    const auto day = std::chrono::floor<std::chrono::days>(local);
    const std::chrono::year_month_day ymd{std::chrono::sys_days{day}};
    const std::chrono::hh_mm_ss hms{local - day};
    lt.year = static_cast<int>(ymd.year());
    lt.month = static_cast<int>(static_cast<unsigned>(ymd.month()));
    lt.day = static_cast<int>(static_cast<unsigned>(ymd.day()));
    lt.hour = static_cast<int>(hms.hours().count());
    lt.minute = static_cast<int>(hms.minutes().count());
    lt.second = static_cast<int>(hms.seconds().count());
    lt.offset = static_cast<long>(offset.count());
    return lt;
}

std::optional<TimePoint> parse_rfc3339(std::string_view s) {
    // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM); 't', 'z' and a space for 'T' accepted.
    bool ok = true;
    const int year = digits(s, 0, 4, ok);
    const int mon = digits(s, 5, 2, ok);
    const int day = digits(s, 8, 2, ok);
    const int hour = digits(s, 11, 2, ok);
    const int min = digits(s, 14, 2, ok);
    const int sec = digits(s, 17, 2, ok);
    if (!ok || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        s[13] != ':' || s[16] != ':')
        return std::nullopt;
    if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
        return std::nullopt;
    std::size_t pos = 19;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])))
            ++pos;
    }
    if (pos >= s.size())
        return std::nullopt;
    long offset = 0;
    if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
        const int oh = digits(s, pos + 1, 2, ok);
        const int om = digits(s, pos + 4, 2, ok);
        if (!ok || s.size() < pos + 6 || s[pos + 3] != ':' || oh > 23 || om > 59)
            return std::nullopt;
        offset = (oh * 3600L + om * 60L) * (s[pos] == '-' ? -1 : 1);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != s.size())
        return std::nullopt;
    const std::chrono::year_month_day ymd{std::chrono::year{year},
                                          std::chrono::month{unsigned(mon)},
                                          std::chrono::day{unsigned(day)}};
    if (!ymd.ok() || !representable(std::chrono::sys_days{ymd}))
        return std::nullopt;
    const auto days = std::chrono::sys_days{ymd};
    const auto tp = days + std::chrono::hours{hour} + std::chrono::minutes{min} +
                    std::chrono::seconds{sec} - std::chrono::seconds{offset};
    return std::chrono::time_point_cast<TimePoint::duration>(tp);
}

namespace {
constexpr std::array<std::string_view, 12> month_abbreviations = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
} // namespace

int month_from_abbreviation(std::string_view abbreviation, bool ignore_case) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
    for (std::size_t i = 0; i < month_abbreviations.size(); ++i) {
        const std::string_view m = month_abbreviations[i];
        if (abbreviation.size() != m.size())
            continue;
        bool same = true;
        for (std::size_t j = 0; j < m.size() && same; ++j)
            same = ignore_case ? lower(abbreviation[j]) == lower(m[j]) : abbreviation[j] == m[j];
        if (same)
            return static_cast<int>(i) + 1;
    }
    return 0;
}

std::string_view month_abbreviation(int month) {
    return month >= 1 && month <= 12 ? month_abbreviations[static_cast<std::size_t>(month - 1)]
                                     : std::string_view();
}

std::optional<TimePoint> utc_civil(int year, int month, int day, int hour, int minute, int second) {
    if (month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
        second < 0 || second > 60)
        return std::nullopt;
    const std::chrono::year_month_day ymd{std::chrono::year(year),
                                          std::chrono::month(static_cast<unsigned>(month)),
                                          std::chrono::day(static_cast<unsigned>(day))};
    if (!ymd.ok() || !representable(std::chrono::sys_days(ymd)))
        return std::nullopt;
    return TimePoint(std::chrono::sys_days(ymd)) + std::chrono::hours(hour) +
           std::chrono::minutes(minute) + std::chrono::seconds(second);
}

std::optional<TimePoint> local_civil(const std::string& tz, int year, int month, int day, int hour,
                                     int minute, int second) {
    const auto as_if_utc = utc_civil(year, month, day, hour, minute, second);
    const date::time_zone* zone = find_zone(tz);
    if (!as_if_utc || zone == nullptr)
        return as_if_utc;
    const date::local_time<TimePoint::duration> local{as_if_utc->time_since_epoch()};
    // choose::earliest never throws: a skipped time maps to the change itself, a
    // repeated one to its first occurrence.
    return zone->to_sys(local, date::choose::earliest);
}

} // namespace shopkit
