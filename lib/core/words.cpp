#include "lib/core/words.hpp"

#include <fmt/core.h>

#include <array>
#include <cctype>
#include <chrono>

namespace shopkit::words {

namespace {

struct CheckWords {
    std::string_view id, ja, en;
};

constexpr std::array<CheckWords, 14> common_checks = {{
    {"top", "トップページ", "top page"},
    {"home", "トップページ", "home page"},
    {"cart", "カート", "cart"},
    {"checkout", "ご注文手続き", "checkout"},
    {"payment", "お支払い", "payment"},
    {"login", "ログイン", "login"},
    {"mypage", "マイページ", "my account"},
    {"account", "マイページ", "my account"},
    {"search", "商品検索", "search"},
    {"product", "商品ページ", "product pages"},
    {"products", "商品ページ", "product pages"},
    {"api", "API", "API"},
    {"platform", "ショッピングモール・カートサービス", "the shop platform"},
    {"tls", "SSL証明書", "TLS certificate"},
}};

constexpr std::array<std::string_view, 12> month_names = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

std::string_view month_name(int month) {
    return month >= 1 && month <= 12 ? month_names[static_cast<std::size_t>(month - 1)] : "";
}

std::string clock(const LocalTime& lt) {
    return fmt::format("{:02}:{:02}", lt.hour, lt.minute);
}

// The three severities in order minor, major, critical; -1 for anything else.
int severity_index(std::string_view s) {
    if (s == "minor")
        return 0;
    if (s == "major")
        return 1;
    if (s == "critical")
        return 2;
    return -1;
}

} // namespace

bool japanese(std::string_view language) {
    return language == "ja";
}

std::string date(int year, int month, int day, std::string_view language) {
    if (japanese(language))
        return fmt::format("{}年{}月{}日", year, month, day);
    return fmt::format("{} {} {}", day, month_name(month), year);
}

std::string short_date(int month, int day, std::string_view language) {
    if (japanese(language))
        return fmt::format("{}月{}日", month, day);
    return fmt::format("{} {}", day, month_name(month));
}

std::string time(TimePoint t, const std::string& tz, std::string_view language) {
    const LocalTime lt = local_time(t, tz);
    return date(lt.year, lt.month, lt.day, language) + " " + clock(lt);
}

std::string time_range(TimePoint from, TimePoint to, const std::string& tz,
                       std::string_view language) {
    const LocalTime a = local_time(from, tz), b = local_time(to, tz);
    const bool same_day = a.year == b.year && a.month == b.month && a.day == b.day;
    const std::string end = same_day ? clock(b) : time(to, tz, language);
    return time(from, tz, language) + (japanese(language) ? " 〜 " : " – ") + end;
}

std::string zone(TimePoint t, const std::string& tz, std::string_view language) {
    if (tz.empty() || tz == "UTC" || tz == "Etc/UTC" || !known_time_zone(tz))
        return "UTC";
    const LocalTime lt = local_time(t, tz);
    const long a = lt.offset < 0 ? -lt.offset : lt.offset;
    const char sign = lt.offset < 0 ? '-' : '+';
    const std::string offset = a % 3600
                                   ? fmt::format("UTC{}{}:{:02}", sign, a / 3600, a % 3600 / 60)
                                   : fmt::format("UTC{}{}", sign, a / 3600);
    if (japanese(language) && lt.offset == 9 * 3600)
        return "日本時間（" + offset + "）";
    // Abbreviations like "JST" are not all unique or even letters ("+07"): show both.
    const bool letters =
        !lt.zone.empty() && std::isalpha(static_cast<unsigned char>(lt.zone[0])) != 0;
    return letters ? lt.zone + " (" + offset + ")" : offset;
}

std::string duration(Millis d, std::string_view language) {
    const long long minutes = std::chrono::duration_cast<std::chrono::minutes>(d).count();
    if (minutes < 1)
        return japanese(language) ? "1分未満" : "under a minute";
    const long long days = minutes / (24 * 60);
    const long long hours = minutes / 60 % 24;
    const long long mins = minutes % 60;
    std::string out;
    if (japanese(language)) {
        if (days)
            out += fmt::format("{}日", days);
        if (hours)
            out += fmt::format("{}時間", hours);
        if (mins)
            out += fmt::format("{}分", mins);
        return out;
    }
    auto add = [&out](long long n, std::string_view unit) {
        if (!n)
            return;
        if (!out.empty())
            out += ' ';
        out += fmt::format("{} {}", n, unit);
    };
    add(days, days == 1 ? "day" : "days");
    add(hours, "h");
    add(mins, "min");
    return out;
}

std::string severity_sentence(std::string_view severity, std::string_view language) {
    static constexpr std::array<std::string_view, 3> ja = {"一部の機能に遅延・不具合", "障害",
                                                           "重大な障害（ご注文いただけない状態）"};
    static constexpr std::array<std::string_view, 3> en = {
        "degraded service", "outage", "major outage (orders cannot be placed)"};
    const int i = severity_index(severity);
    if (i < 0)
        return {};
    return std::string((japanese(language) ? ja : en)[static_cast<std::size_t>(i)]);
}

std::string severity_label(std::string_view severity, std::string_view language) {
    static constexpr std::array<std::string_view, 3> ja = {"軽度", "重度", "深刻"};
    static constexpr std::array<std::string_view, 3> en = {"Minor", "Major", "Critical"};
    const int i = severity_index(severity);
    if (i < 0)
        return {};
    return std::string((japanese(language) ? ja : en)[static_cast<std::size_t>(i)]);
}

std::optional<std::string> common_check(std::string_view id, std::string_view language) {
    for (const auto& w : common_checks)
        if (w.id == id)
            return std::string(japanese(language) ? w.ja : w.en);
    return std::nullopt;
}

} // namespace shopkit::words
