#include "lib/core/clock.hpp"

#include <fmt/core.h>

#include <cctype>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>

namespace shopkit {

TimePoint Clock::now() const {
    return std::chrono::system_clock::now();
}

namespace {

std::string format_tm(const std::tm& tm, long offset_seconds) {
    std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900,
                                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (offset_seconds == 0)
        return out + "Z";
    const char sign = offset_seconds < 0 ? '-' : '+';
    const long abs = offset_seconds < 0 ? -offset_seconds : offset_seconds;
    return out + fmt::format("{}{:02}:{:02}", sign, abs / 3600, (abs % 3600) / 60);
}

std::time_t to_time_t(TimePoint t) {
    return std::chrono::system_clock::to_time_t(
        std::chrono::time_point_cast<std::chrono::seconds>(t));
}

// libstdc++ 12 has no std::chrono::zoned_time, so a zone is applied through
// TZ and localtime_r. The programs are single-threaded where they format times,
// and TZ is restored afterwards.
class ScopedTz {
  public:
    explicit ScopedTz(const std::string& tz) {
        if (const char* old = std::getenv("TZ")) {
            had_ = true;
            old_ = old;
        }
        ::setenv("TZ", tz.c_str(), 1);
        ::tzset();
    }
    ~ScopedTz() {
        if (had_)
            ::setenv("TZ", old_.c_str(), 1);
        else
            ::unsetenv("TZ");
        ::tzset();
    }
    ScopedTz(const ScopedTz&) = delete;
    ScopedTz& operator=(const ScopedTz&) = delete;

  private:
    bool had_ = false;
    std::string old_;
};

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
    const std::time_t tt = to_time_t(t);
    std::tm tm{};
    ::gmtime_r(&tt, &tm);
    return format_tm(tm, 0);
}

bool known_time_zone(const std::string& tz) {
    if (tz.empty() || tz == "UTC" || tz == "Etc/UTC")
        return true;
    if (tz.find("..") != std::string::npos || tz.front() == '/')
        return false;
    const char* dir = std::getenv("TZDIR");
    const std::filesystem::path base = dir && *dir ? dir : "/usr/share/zoneinfo";
    std::error_code ec;
    return std::filesystem::is_regular_file(base / tz, ec);
}

std::string format_local(TimePoint t, const std::string& tz) {
    if (tz.empty() || tz == "UTC" || tz == "Etc/UTC" || !known_time_zone(tz))
        return format_utc(t);
    const std::time_t tt = to_time_t(t);
    // A run formats one time for thousands of records; switching TZ makes
    // glibc read the zone file again, so the last answer is kept.
    thread_local std::string last_tz;
    thread_local std::time_t last_tt = 0;
    thread_local std::string last_text;
    if (tt == last_tt && tz == last_tz && !last_text.empty())
        return last_text;
    std::tm tm{};
    {
        ScopedTz scope(":" + tz);
        ::localtime_r(&tt, &tm);
    }
    last_tz = tz;
    last_tt = tt;
    last_text = format_tm(tm, tm.tm_gmtoff);
    return last_text;
}

LocalTime local_time(TimePoint t, const std::string& tz) {
    const std::time_t tt = to_time_t(t);
    std::tm tm{};
    LocalTime lt;
    if (tz.empty() || tz == "UTC" || tz == "Etc/UTC" || !known_time_zone(tz)) {
        ::gmtime_r(&tt, &tm);
        tm.tm_gmtoff = 0;
        lt.zone = "UTC";
    } else {
        // tm_zone points into the zone data that restoring TZ replaces: copy it here.
        ScopedTz scope(":" + tz);
        ::localtime_r(&tt, &tm);
        lt.zone = tm.tm_zone ? tm.tm_zone : "";
    }
    lt.year = tm.tm_year + 1900;
    lt.month = tm.tm_mon + 1;
    lt.day = tm.tm_mday;
    lt.hour = tm.tm_hour;
    lt.minute = tm.tm_min;
    lt.second = tm.tm_sec;
    lt.offset = tm.tm_gmtoff;
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
    if (!ymd.ok())
        return std::nullopt;
    const auto days = std::chrono::sys_days{ymd};
    const auto tp = days + std::chrono::hours{hour} + std::chrono::minutes{min} +
                    std::chrono::seconds{sec} - std::chrono::seconds{offset};
    return std::chrono::time_point_cast<TimePoint::duration>(tp);
}

} // namespace shopkit
