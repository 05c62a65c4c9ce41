#include "lib/report/labels.hpp"

#include "lib/core/words.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

namespace shopkit::report {

namespace {

struct Words {
    std::string_view key, en, ja;
};

constexpr std::array labels = {
    Words{"report", "Outage report", "障害レポート"},
    Words{"period", "Period", "期間"},
    Words{"generated", "Generated", "作成"},
    Words{"times_in", "Times in", "時刻の基準"},
    Words{"summary", "Summary", "概要"},
    Words{"incidents", "Incidents", "障害"},
    Words{"availability", "Availability", "稼働率"},
    Words{"loss", "Lost sales estimate", "売上損失の推定"},
    Words{"channel", "Channel", "販売チャネル"},
    Words{"check", "Check", "チェック"},
    Words{"month", "Month", "月"},
    Words{"incident", "Incident", "障害ID"},
    Words{"start", "Start", "発生"},
    Words{"end", "End", "復旧"},
    Words{"downtime", "Downtime", "停止時間"},
    Words{"severity", "Severity", "重大度"},
    Words{"checks", "Checks", "影響したチェック"},
    Words{"sale", "Sale", "セール"},
    Words{"ongoing", "ongoing", "継続中"},
    Words{"none", "none", "なし"},
    Words{"no_incidents", "No incidents in this period.", "この期間に障害はありません。"},
    Words{"incident_count", "Incidents", "障害件数"},
    Words{"total_downtime", "Downtime", "停止時間の合計"},
    Words{"lost_sales", "Estimated lost sales", "推定売上損失"},
    Words{"lost", "Lost", "損失"},
    Words{"to_detect", "Time to detect", "検知まで"},
    Words{"to_tell_staff", "Time to tell staff", "スタッフへの通知まで"},
    Words{"to_tell_customers", "Time to tell customers", "お客様への告知まで"},
    Words{"to_recover", "Time to recover", "復旧確認まで"},
    Words{"median", "median", "中央値"},
    Words{"worst", "worst", "最大"},
    Words{"never", "never", "未実施"},
    Words{"up", "Up", "稼働"},
    Words{"degraded", "Degraded", "低速"},
    Words{"down", "Down", "停止"},
    Words{"unknown", "Unknown", "判定不能"},
    Words{"maintenance", "Maintenance", "メンテナンス"},
    Words{"no_data", "No data", "データなし"},
    Words{"counted_from", "counted from", "計測開始"},
    Words{"maintenance_note", "Time inside maintenance windows is left out of availability.",
          "メンテナンス時間は稼働率の計算から除いています。"},
    Words{"no_data_note",
          "Time with no probe at all (e.g. cron not running) is shown as no data, "
          "not as up.",
          "チェックの記録がない時間（cron停止など）は稼働ではなく「データなし」と表示します。"},
    Words{"expected", "Expected sales", "見込み売上"},
    Words{"blocked", "Blocked", "販売停止率"},
    Words{"recaptured", "Recaptured", "他チャネルでの回収率"},
    Words{"told_minutes", "Minutes after customers were told", "告知後の時間"},
    Words{"multiplier", "Multiplier", "倍率"},
    Words{"basis", "Basis", "算出根拠"},
    Words{"basis_hourly", "[sales] hourly: the same 24 hourly values every day",
          "[sales] hourly：毎日同じ24時間分の売上"},
    Words{"basis_orders", "[sales] orders_csv: an hour-of-week profile of past orders",
          "[sales] orders_csv：過去の注文から作った曜日・時間帯別の売上"},
    Words{"basis_none", "No [sales] figures: the loss is 0 until hourly or orders_csv is set",
          "[sales] の売上データがないため損失は0です（hourly か orders_csv を設定してください）"},
    Words{"weekly_revenue", "A normal week", "平常時の週売上"},
    Words{"timeline", "Timeline", "経過"},
    Words{"notices", "Notices sent", "送信した告知"},
    Words{"steps", "Runbook steps", "実行した手順"},
    Words{"first_failure", "First failing probe", "最初の失敗"},
    Words{"opened", "Incident opened", "障害を検知"},
    Words{"staff_told", "Staff told", "スタッフへ通知"},
    Words{"customers_told", "Customers told", "お客様へ告知"},
    Words{"step", "Runbook step", "手順"},
    Words{"recovered", "First passing probe", "復旧（最初の成功）"},
    Words{"confirmed", "Recovery confirmed", "復旧を確認"},
    Words{"recovery_told", "Recovery announced", "復旧を告知"},
    Words{"target", "Target", "送信先"},
    Words{"audience", "Audience", "対象"},
    Words{"state", "State", "状態"},
    Words{"time", "Time", "時刻"},
    Words{"text", "Text", "本文"},
    Words{"event", "Event", "イベント"},
    Words{"postmortem", "Post-mortem", "障害報告書"},
    Words{"cause", "Cause", "原因"},
    Words{"impact", "Impact on customers", "お客様への影響"},
    Words{"lessons", "Lessons and actions", "教訓と再発防止策"},
    Words{"to_fill", "(to be written)", "（記入してください）"},
    Words{"months", "By month", "月別"},
    Words{"by_channel", "By channel", "チャネル別"},
    Words{"by_check", "By check", "チェック別"},
    Words{"staff_notice", "Staff notice", "スタッフへの通知"},
    Words{"customer_notice", "Customer notice", "お客様への告知"},
    Words{"attempts", "Attempts", "試行回数"},
    Words{"exit_status", "Exit status", "終了コード"},
    Words{"error", "Error", "エラー"},
    Words{"orders", "orders", "件の注文"},
    Words{"days", "days", "日分"},
    Words{"blocked_amount", "Blocked sales", "販売停止分"},
    Words{"recaptured_amount", "Recaptured elsewhere", "他チャネルでの回収額"},
    Words{"sale_multipliers", "Sale multipliers", "セールの倍率"},
    Words{"base_revenue", "Sales without the sale", "通常時の売上"},
};

// The currency's sign before the amount and its decimals; an empty sign puts the
// code after the amount.
struct Currency {
    std::string_view code, sign;
    int decimals;
};

constexpr std::array currencies = {
    Currency{"JPY", "¥", 0},   Currency{"USD", "$", 2}, Currency{"EUR", "€", 2},
    Currency{"GBP", "£", 2},   Currency{"KRW", "₩", 0}, Currency{"CNY", "CN¥", 2},
    Currency{"TWD", "NT$", 0},
};

std::string grouped(unsigned long long n) {
    std::string digits = std::to_string(n);
    std::string out;
    const std::size_t lead = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
    out += digits.substr(0, lead);
    for (std::size_t i = lead; i < digits.size(); i += 3) {
        out += ',';
        out += digits.substr(i, 3);
    }
    return out;
}

} // namespace

std::string_view label(std::string_view key, std::string_view language) {
    const auto w =
        std::find_if(labels.begin(), labels.end(), [&](const Words& x) { return x.key == key; });
    if (w == labels.end())
        throw std::logic_error(fmt::format("report label '{}' is not defined", key));
    return words::japanese(language) ? w->ja : w->en;
}

std::string money(double amount, const std::string& currency, std::string_view /*language*/) {
    const auto c = std::find_if(currencies.begin(), currencies.end(),
                                [&](const Currency& x) { return x.code == currency; });
    const int decimals = c == currencies.end() ? 2 : c->decimals;
    const double scale = decimals == 0 ? 1.0 : 100.0;
    if (!std::isfinite(amount))
        amount = 0;
    const long long minor = std::llround(amount * scale);
    const bool negative = minor < 0;
    const unsigned long long abs_minor = negative ? 0ULL - static_cast<unsigned long long>(minor)
                                                  : static_cast<unsigned long long>(minor);
    std::string number = grouped(decimals == 0 ? abs_minor : abs_minor / 100);
    if (decimals != 0)
        number += fmt::format(".{:02}", abs_minor % 100);
    const std::string sign = negative ? "-" : "";
    if (c == currencies.end())
        return sign + number + " " + currency;
    return sign + std::string(c->sign) + number;
}

std::string percent(std::optional<double> value, std::string_view language) {
    if (!value)
        return std::string(label("no_data", language));
    if (*value >= 1.0)
        return "100%";
    // Floored to the hundredth, so a shop that was ever down never reads 100.00%.
    const double hundredths = std::floor(*value * 10000.0);
    return fmt::format("{:.2f}%", hundredths / 100.0);
}

std::string share(double value) {
    const double pct = std::round(value * 1000.0) / 10.0;
    if (pct == std::floor(pct))
        return fmt::format("{}%", static_cast<long long>(pct));
    return fmt::format("{:.1f}%", pct);
}

std::string duration(std::chrono::seconds d, std::string_view language) {
    const long long s = d.count() < 0 ? 0 : d.count();
    const bool ja = words::japanese(language);
    if (s < 60)
        return ja ? fmt::format("{}秒", s) : fmt::format("{} s", s);
    const long long minutes = s / 60;
    const long long h = minutes / 60;
    const long long m = minutes % 60;
    if (ja)
        return h == 0 ? fmt::format("{}分", m) : fmt::format("{}時間{}分", h, m);
    return h == 0 ? fmt::format("{} min", m) : fmt::format("{} h {:02} min", h, m);
}

std::string local_minute(TimePoint t, const std::string& tz) {
    const LocalTime l = local_time(t, tz);
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}", l.year, l.month, l.day, l.hour, l.minute);
}

std::string local_day_minute(TimePoint t, const std::string& tz) {
    const LocalTime l = local_time(t, tz);
    return fmt::format("{:02}-{:02} {:02}:{:02}", l.month, l.day, l.hour, l.minute);
}

} // namespace shopkit::report
