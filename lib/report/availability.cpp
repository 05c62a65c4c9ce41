#include "lib/report/availability.hpp"

#include <algorithm>
#include <cstddef>
#include <utility>

namespace shopkit::report {

namespace {

using std::chrono::seconds;

TimePoint whole_second(TimePoint t) {
    return std::chrono::floor<seconds>(t);
}

seconds length(TimePoint from, TimePoint to) {
    return std::chrono::duration_cast<seconds>(to - from);
}

// Appends [from, to) to `out`, merged into the last segment when it continues it.
void append(std::vector<Segment>& out, TimePoint from, TimePoint to, Bucket bucket) {
    if (to <= from)
        return;
    if (!out.empty() && out.back().to == from && out.back().bucket == bucket) {
        out.back().to = to;
        return;
    }
    out.push_back({from, to, bucket});
}

// Sorted, disjoint, whole-second windows, so one forward walk can lay them over
// the probes' segments.
std::vector<Span> merged(const std::vector<Span>& windows) {
    std::vector<Span> sorted;
    for (const Span& w : windows)
        if (whole_second(w.from) < whole_second(w.to))
            sorted.push_back({whole_second(w.from), whole_second(w.to)});
    std::sort(sorted.begin(), sorted.end(),
              [](const Span& a, const Span& b) { return a.from < b.from; });
    std::vector<Span> out;
    for (const Span& w : sorted) {
        if (!out.empty() && w.from <= out.back().to)
            out.back().to = std::max(out.back().to, w.to);
        else
            out.push_back(w);
    }
    return out;
}

// Lays maintenance over segments that arrive in time order.
class Builder {
  public:
    Builder(Span period, std::vector<Span> maintenance)
        : period_(period), maintenance_(std::move(maintenance)) {}

    void add(TimePoint from, TimePoint to, Bucket bucket) {
        from = std::max(from, period_.from);
        to = std::min(to, period_.to);
        while (from < to) {
            while (next_ < maintenance_.size() && maintenance_[next_].to <= from)
                ++next_;
            if (next_ < maintenance_.size() && maintenance_[next_].from <= from) {
                const TimePoint end = std::min(to, maintenance_[next_].to);
                append(out_, from, end, Bucket::maintenance);
                from = end;
                continue;
            }
            const TimePoint end =
                next_ < maintenance_.size() ? std::min(to, maintenance_[next_].from) : to;
            append(out_, from, end, bucket);
            from = end;
        }
    }

    std::vector<Segment> take() { return std::move(out_); }

  private:
    Span period_;
    std::vector<Span> maintenance_;
    std::size_t next_ = 0;
    std::vector<Segment> out_;
};

// Lower wins in a channel: what a shop owner must hear about first.
int rank(Bucket b) {
    switch (b) {
    case Bucket::maintenance:
        return 0;
    case Bucket::down:
        return 1;
    case Bucket::degraded:
        return 2;
    case Bucket::up:
        return 3;
    case Bucket::unknown:
        return 4;
    case Bucket::no_data:
        break;
    }
    return 5;
}

std::chrono::year_month_day civil(LocalDate d) {
    return std::chrono::year_month_day{std::chrono::year(d.year),
                                       std::chrono::month(static_cast<unsigned>(d.month)),
                                       std::chrono::day(static_cast<unsigned>(d.day))};
}

} // namespace

std::vector<Span> maintenance_for(const std::string& channel,
                                  const std::vector<MaintenanceConfig>& windows) {
    std::vector<Span> out;
    for (const MaintenanceConfig& w : windows)
        if (w.channel.empty() || w.channel == channel)
            out.push_back({w.start, w.end});
    return out;
}

std::vector<Segment> check_timeline(const std::vector<Probe>& probes, Span period, seconds max_gap,
                                    const std::vector<Span>& maintenance) {
    const Span whole{whole_second(period.from), whole_second(period.to)};
    if (whole.to <= whole.from || max_gap.count() <= 0)
        return {};
    // Raw history comes sorted; a roll-up builder may hand over a merged list
    // that is not, and a stable sort keeps "the later of two ties wins".
    const std::vector<Probe>* in = &probes;
    std::vector<Probe> sorted;
    const auto by_time = [](const Probe& a, const Probe& b) { return a.time < b.time; };
    if (!std::is_sorted(probes.begin(), probes.end(), by_time)) {
        sorted = probes;
        std::stable_sort(sorted.begin(), sorted.end(), by_time);
        in = &sorted;
    }
    Builder builder(whole, merged(maintenance));
    for (std::size_t i = 0; i < in->size(); ++i) {
        const TimePoint t = whole_second((*in)[i].time);
        if (t >= whole.to)
            break;
        const TimePoint next = i + 1 < in->size() ? whole_second((*in)[i + 1].time) : whole.to;
        const TimePoint held = std::min(next, t + max_gap);
        builder.add(t, held, bucket_of((*in)[i].state));
        builder.add(held, next, Bucket::no_data);
    }
    return builder.take();
}

std::vector<Segment> channel_timeline(const std::vector<std::vector<Segment>>& checks) {
    std::vector<TimePoint> points;
    for (const auto& timeline : checks)
        for (const Segment& s : timeline) {
            points.push_back(s.from);
            points.push_back(s.to);
        }
    std::sort(points.begin(), points.end());
    points.erase(std::unique(points.begin(), points.end()), points.end());
    std::vector<std::size_t> at(checks.size(), 0);
    std::vector<Segment> out;
    for (std::size_t p = 0; p + 1 < points.size(); ++p) {
        const TimePoint from = points[p];
        int best = -1;
        Bucket bucket = Bucket::no_data;
        for (std::size_t c = 0; c < checks.size(); ++c) {
            const auto& timeline = checks[c];
            while (at[c] < timeline.size() && timeline[at[c]].to <= from)
                ++at[c];
            // Every boundary is a point, so a segment that has begun covers the whole step.
            if (at[c] < timeline.size() && timeline[at[c]].from <= from &&
                (best < 0 || rank(timeline[at[c]].bucket) < best)) {
                best = rank(timeline[at[c]].bucket);
                bucket = timeline[at[c]].bucket;
            }
        }
        if (best >= 0)
            append(out, from, points[p + 1], bucket);
    }
    return out;
}

Buckets total(const std::vector<Segment>& timeline) {
    Buckets out;
    for (const Segment& s : timeline)
        out.add(s.bucket, length(s.from, s.to));
    return out;
}

Buckets check_availability(const std::vector<Probe>& probes, Span period, seconds max_gap,
                           const std::vector<Span>& maintenance) {
    return total(check_timeline(probes, period, max_gap, maintenance));
}

TimePoint start_of_day(LocalDate date, const std::string& tz) {
    return local_civil(tz, date.year, date.month, date.day, 0, 0, 0).value_or(TimePoint{});
}

LocalDate add_days(LocalDate d, int n) {
    const std::chrono::year_month_day next{std::chrono::sys_days(civil(d)) + std::chrono::days(n)};
    return {static_cast<int>(next.year()), static_cast<int>(static_cast<unsigned>(next.month())),
            static_cast<int>(static_cast<unsigned>(next.day()))};
}

LocalDate local_date(TimePoint t, const std::string& tz) {
    const LocalTime lt = local_time(t, tz);
    return {lt.year, lt.month, lt.day};
}

std::vector<DayBuckets> by_day(const std::vector<Segment>& timeline, const std::string& tz) {
    std::vector<DayBuckets> out;
    // The stretch [known_from, known_to) lies inside local day `known`: segments
    // there need no look-up in the zone database.
    TimePoint known_from{};
    TimePoint known_to{};
    LocalDate known;
    for (const Segment& s : timeline) {
        TimePoint from = s.from;
        while (from < s.to) {
            if (!(known_from <= from && from < known_to)) {
                const LocalTime lt = local_time(from, tz);
                known = {lt.year, lt.month, lt.day};
                known_from = from;
                // The wall clock's midnight cuts early on a day a clock goes back
                // (harmless: the next piece lands on the same date); the zone's
                // next midnight cuts right on a day it skips forward.
                const seconds wall_left{86400 - (lt.hour * 3600 + lt.minute * 60 + lt.second)};
                known_to = from + wall_left;
                const TimePoint midnight = start_of_day(add_days(known, 1), tz);
                if (from < midnight && midnight < known_to)
                    known_to = midnight;
            }
            const TimePoint to = std::min(s.to, known_to);
            if (out.empty() || out.back().date != known)
                out.push_back({known, {}});
            out.back().buckets.add(s.bucket, length(from, to));
            from = to;
        }
    }
    return out;
}

std::vector<MonthBuckets> by_month(const std::vector<DayBuckets>& days) {
    std::vector<MonthBuckets> out;
    for (const DayBuckets& d : days) {
        auto it = std::find_if(out.rbegin(), out.rend(), [&](const MonthBuckets& m) {
            return m.year == d.date.year && m.month == d.date.month;
        });
        if (it == out.rend()) {
            out.push_back({d.date.year, d.date.month, {}});
            it = out.rbegin();
        }
        it->buckets += d.buckets;
    }
    std::sort(out.begin(), out.end(), [](const MonthBuckets& a, const MonthBuckets& b) {
        return std::pair(a.year, a.month) < std::pair(b.year, b.month);
    });
    return out;
}

Buckets sum_days(const std::vector<DayBuckets>& days, LocalDate first, LocalDate last) {
    Buckets out;
    for (const DayBuckets& d : days)
        if (first <= d.date && d.date <= last)
            out += d.buckets;
    return out;
}

} // namespace shopkit::report
