// The words and numbers of a report as a shop owner reads them, in Japanese
// ("ja") or English (any other language): headings and column names, money,
// shares, durations and local times. Every format takes them from here.
#pragma once

#include "lib/core/clock.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace shopkit::report {

// The heading or column name `key` (e.g. "summary", "downtime", "lost_sales") in
// `language`. Throws std::logic_error for a key this file does not know: a typo
// in a format is a bug, not an empty heading.
std::string_view label(std::string_view key, std::string_view language);

// `amount` in `currency` (ISO 4217) for `language`, rounded to the currency's
// minor unit and grouped by thousands: "¥182,000" (JPY: no decimals), "$1,234.50",
// "€12.00", "£3.10"; other currencies: "1,234.50 CHF". Negative: "-¥500".
std::string money(double amount, const std::string& currency, std::string_view language);

// A share 0..1 as a percentage with two decimals, never rounded up to 100:
// "99.95%"; 1 is "100%". nullopt (nothing observed): "no data" / "データなし".
std::string percent(std::optional<double> share, std::string_view language);

// A share 0..1 as a whole or one-decimal percentage for inputs: "50%", "12.5%".
std::string share(double value);

// Whole minutes, largest unit first: "2 h 05 min" / "2時間5分"; under a minute
// "45 s" / "45秒", "0 s" / "0秒". Negative durations are written as 0 s.
std::string duration(std::chrono::seconds d, std::string_view language);

// "2026-06-04 12:00" in zone `tz`: the short local time of tables.
std::string local_minute(TimePoint t, const std::string& tz);

// "06-04 12:00": the same without the year, for timelines inside one period.
std::string local_day_minute(TimePoint t, const std::string& tz);

} // namespace shopkit::report
