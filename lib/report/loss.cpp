#include "lib/report/loss.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>

namespace shopkit::report {

namespace {

int hour_of_week(const LocalTime& lt) {
    const std::chrono::year_month_day ymd{std::chrono::year(lt.year),
                                          std::chrono::month(static_cast<unsigned>(lt.month)),
                                          std::chrono::day(static_cast<unsigned>(lt.day))};
    const std::chrono::weekday wd{std::chrono::sys_days(ymd)};
    return static_cast<int>(wd.iso_encoding() - 1) * 24 + lt.hour;
}

double seconds_between(TimePoint a, TimePoint b) {
    return std::chrono::duration<double>(b - a).count();
}

} // namespace

Baseline baseline_from_hourly(const std::vector<double>& hourly) {
    Baseline out;
    if (hourly.size() != 24)
        return out;
    for (std::size_t i = 0; i < out.per_hour.size(); ++i)
        out.per_hour[i] = hourly[i % 24];
    return out;
}

int hour_of_week(TimePoint t, const std::string& tz) {
    return hour_of_week(local_time(t, tz));
}

double blocked_share(const BlockedShare& shares, Severity severity) {
    switch (severity) {
    case Severity::critical:
        return shares.critical;
    case Severity::major:
        return shares.major;
    case Severity::minor:
        break;
    }
    return shares.minor;
}

LossEstimate estimate_loss(const LossInputs& in, TimePoint from, TimePoint to, Severity severity,
                           std::optional<TimePoint> told) {
    LossEstimate out;
    out.blocked_share = blocked_share(in.blocked, severity);
    out.recaptured_share = in.recaptured;

    std::vector<const SalesEvent*> events;
    for (const SalesEvent& e : in.events)
        if (e.start < to && from < e.end)
            events.push_back(&e);
    std::stable_sort(events.begin(), events.end(),
                     [](const SalesEvent* a, const SalesEvent* b) { return a->start < b->start; });
    for (const SalesEvent* e : events)
        out.events.push_back({e->name, e->multiplier, 0, 0});

    // Within a piece nothing changes: not the hour's rate, not the event, not
    // whether customers know. So each piece is rate x length, exactly.
    double told_blocked = 0;
    TimePoint a = from;
    while (a < to) {
        const LocalTime lt = local_time(a, in.timezone);
        const TimePoint whole = std::chrono::floor<std::chrono::seconds>(a);
        TimePoint b = std::min(to, whole + std::chrono::seconds(3600 - lt.minute * 60 - lt.second));
        std::size_t counting = events.size(); // the event whose multiplier counts
        for (std::size_t i = 0; i < events.size(); ++i) {
            const SalesEvent& e = *events[i];
            if (e.start > a)
                b = std::min(b, e.start);
            else if (a < e.end) {
                b = std::min(b, e.end);
                if (counting == events.size() || e.multiplier > events[counting]->multiplier)
                    counting = i;
            }
        }
        if (told && *told > a)
            b = std::min(b, *told);

        const double length = seconds_between(a, b);
        const double base =
            in.baseline.per_hour[static_cast<std::size_t>(hour_of_week(lt))] / 3600.0 * length;
        const double multiplier = counting < events.size() ? events[counting]->multiplier : 1.0;
        out.minutes += length / 60;
        out.base_revenue += base;
        out.expected_revenue += base * multiplier;
        if (counting < events.size()) {
            out.multiplied_minutes += length / 60;
            out.events[counting].minutes += length / 60;
            out.events[counting].base_revenue += base;
        }
        if (told && *told <= a) {
            out.told_minutes += length / 60;
            told_blocked += base * multiplier * out.blocked_share;
        }
        a = b;
    }
    out.blocked_revenue = out.expected_revenue * out.blocked_share;
    out.recaptured_amount = told_blocked * out.recaptured_share;
    out.lost = out.blocked_revenue - out.recaptured_amount;
    return out;
}

} // namespace shopkit::report
