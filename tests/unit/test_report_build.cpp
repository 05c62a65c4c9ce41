// shopreport's assembly: the period the command line names, and a report built
// from a real SQLite state that runs like shopcheck's filled (the roll-up, the
// raw history, incidents, notices, steps): downtime ends at the first passing
// probe, reactions are measured from the first failure, the roll-up's days and a
// day the period cuts agree with the raw probes, and the formats say the same.
#include "lib/config/config.hpp"
#include "lib/core/error.hpp"
#include "lib/report/build.hpp"
#include "lib/report/format.hpp"
#include "lib/report/labels.hpp"
#include "lib/state/rollup.hpp"
#include "lib/state/state.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace shopkit;
using namespace shopkit::report;
using namespace std::chrono_literals;
using shopkit::test::at;
using shopkit::test::TempDir;

namespace {

const std::string tokyo = "Asia/Tokyo";

Span period(PeriodArgs args, const char* now) {
    return parse_period(args, at(now), tokyo);
}

CheckResult probe(const std::string& check, TimePoint t, State raw) {
    CheckResult r;
    r.channel = "own";
    r.check = check;
    r.time = t;
    r.raw = raw;
    r.state = raw;
    return r;
}

// A shop whose cart fails for an hour over local midnight, told and recovered.
struct Shop {
    TempDir dir;
    std::unique_ptr<StateHandle> handle;
    Config config;
    const TimePoint t0 = at("2026-06-04T14:00:00Z"); // 23:00 in Tokyo
    Incident incident;

    TimePoint minute(int m) const { return t0 + std::chrono::minutes(m); }

    Shop() {
        config = parse_config(R"(
[shop]
name = "テスト商店"
timezone = "Asia/Tokyo"
language = "ja"
[sales]
currency = "JPY"
hourly = [3600, 3600, 3600, 3600, 3600, 3600, 3600, 3600, 3600, 3600, 3600, 3600,
          3600, 3600, 3600, 3600, 3600, 3600, 3600, 3600, 3600, 3600, 3600, 3600]
recaptured = 0.5
[[sales.event]]
name = "midnight-sale"
start = 2026-06-05T00:00:00+09:00
end = 2026-06-05T01:00:00+09:00
multiplier = 2.0
[[channel]]
id = "own"
url = "http://127.0.0.1:9/"
[[channel.check]]
id = "top"
[[channel.check]]
id = "cart"
critical = true
)",
                              "shop.toml");
        handle = open_sqlite_state(dir.path() / "state.db");
        const Stores& s = handle->stores();
        // Every minute for three hours; the cart fails from minute 30 to 89.
        for (int m = 0; m < 180; ++m) {
            const State cart = m >= 30 && m < 90 ? State::down : State::up;
            const std::vector<CheckResult> run = {probe("top", minute(m), State::up),
                                                  probe("cart", minute(m), cart)};
            s.transaction([&] {
                const auto counters = s.checks.load_counters();
                roll_up_run(s.history, run, counters, config.maintenance, tokyo);
                for (const auto& r : run) {
                    CheckCounter c;
                    c.last_time = r.time;
                    s.checks.save_counter({r.channel, r.check}, c);
                    s.checks.add_history(r);
                }
            });
        }
        incident.id = "own-20260604T1430";
        incident.channel = "own";
        incident.severity = Severity::critical;
        incident.checks = {"cart"};
        incident.since = minute(30);
        s.transaction([&] {
            s.incidents.record_event({Event::opened, incident, minute(32)});
            Incident done = incident;
            done.until = minute(91);
            s.incidents.record_event({Event::resolved, done, minute(91)});
            auto notice = [&](const char* target, Audience a, Event e, int sent_at) {
                OutboxRow row;
                row.incident = incident.id;
                row.event = e;
                row.name = std::string(to_string(e));
                row.target = target;
                row.audience = a;
                row.key = std::string(target) + row.name;
                row.created = minute(sent_at);
                row.text = std::string("notice to ") + target + " | " + row.name;
                REQUIRE(s.outbox.enqueue(row));
                row.state = OutboxState::sent;
                row.finished = minute(sent_at);
                s.outbox.update_outbox(row);
            };
            notice("staff-chat", Audience::staff, Event::opened, 33);
            notice("line", Audience::customers, Event::opened, 40);
            notice("line", Audience::customers, Event::resolved, 93);
            StepRun step;
            step.incident = incident.id;
            step.name = "opened";
            step.step = "landing-to-mall";
            step.created = minute(32);
            REQUIRE(s.runbook.add_step_run(step));
            step.state = StepState::ok;
            step.attempts = 1;
            step.finished = minute(35);
            step.exit_status = 0;
            s.runbook.update_step_run(step);
        });
    }

    Report report(Span p) {
        ReportOptions o;
        o.period = p;
        o.now = minute(200);
        return build_report(config, handle->stores(), o);
    }
};

} // namespace

TEST_CASE("report period: without arguments, the 30 local days that end today, up to now") {
    const Span p = period({}, "2026-06-04T03:00:00Z");
    CHECK(format_local(p.from, tokyo) == "2026-05-06T00:00:00+09:00");
    CHECK(p.to == at("2026-06-04T03:00:00Z"));
}

TEST_CASE("report period: a month is the shop's calendar month, not UTC's") {
    const Span feb = period({{}, {}, "2026-02"}, "2026-06-04T03:00:00Z");
    CHECK(feb.from == at("2026-01-31T15:00:00Z"));
    CHECK(feb.to == at("2026-02-28T15:00:00Z"));
    // A leap year's February has 29 days.
    const Span leap = period({{}, {}, "2028-02"}, "2028-06-04T03:00:00Z");
    CHECK(leap.to - leap.from == std::chrono::hours(24 * 29));
    // 00:30 on 1 March in Tokyo is still 28 February in UTC: "last" is February.
    const Span last = period({{}, {}, "last"}, "2026-02-28T15:30:00Z");
    CHECK(format_local(last.from, tokyo) == "2026-02-01T00:00:00+09:00");
    CHECK(format_local(last.to, tokyo) == "2026-03-01T00:00:00+09:00");
    const Span december = period({{}, {}, "last"}, "2026-01-10T00:00:00Z");
    CHECK(format_local(december.from, tokyo) == "2025-12-01T00:00:00+09:00");
}

TEST_CASE("report period: dates are local days, --until includes its day, RFC 3339 is exact") {
    const Span day = period({"2026-06-01", "2026-06-01", {}}, "2026-06-04T03:00:00Z");
    CHECK(format_local(day.from, tokyo) == "2026-06-01T00:00:00+09:00");
    CHECK(format_local(day.to, tokyo) == "2026-06-02T00:00:00+09:00");
    const Span exact = period({"2026-06-01T10:00:00Z", {}, {}}, "2026-06-04T03:00:00Z");
    CHECK(exact.from == at("2026-06-01T10:00:00Z"));
    CHECK(exact.to == at("2026-06-04T03:00:00Z"));
    const Span until = period({{}, "2026-06-01", {}}, "2026-06-04T03:00:00Z");
    CHECK(until.to - until.from == std::chrono::hours(24 * 30));
}

TEST_CASE("report period: what cannot be read is a usage error naming the argument") {
    auto status_of = [](PeriodArgs a) {
        try {
            period(a, "2026-06-04T03:00:00Z");
        } catch (const Error& e) {
            return std::make_pair(e.status(), std::string(e.what()));
        }
        return std::make_pair(0, std::string());
    };
    CHECK(status_of({"2026-02-30", {}, {}}).first == 64);
    CHECK_THAT(status_of({"2026-02-30", {}, {}}).second, Catch::Contains("--since 2026-02-30"));
    CHECK(status_of({{}, "tomorrow", {}}).first == 64);
    CHECK(status_of({{}, {}, "2026-6"}).first == 64);
    CHECK(status_of({{}, {}, "2026-00"}).first == 64);
    CHECK(status_of({"2026-06-01", {}, "2026-06"}).first == 64);
    CHECK_THAT(status_of({"2026-06-05", "2026-06-01", {}}).second,
               Catch::Contains("ends before it starts"));
}

TEST_CASE("report: an incident's downtime, reactions and timeline from the state") {
    Shop shop;
    const Report r = shop.report({shop.t0, shop.minute(180)});
    REQUIRE(r.incidents.size() == 1);
    const IncidentReport& i = r.incidents[0];
    CHECK(i.first_failure == shop.minute(30));
    CHECK(i.opened == shop.minute(32));
    // Downtime ends at the first passing probe (minute 90), not the resolution (91).
    CHECK(i.recovered == shop.minute(90));
    CHECK(i.confirmed == shop.minute(91));
    CHECK(i.downtime == 60min);
    CHECK(i.to_detect == 2min);
    CHECK(i.to_tell_staff == 3min);
    CHECK(i.to_tell_customers == 10min);
    CHECK(i.to_recover == 61min);
    CHECK(i.recovery_told == shop.minute(93));
    std::vector<Mark> marks;
    for (const auto& e : i.timeline)
        marks.push_back(e.mark);
    CHECK(marks == std::vector<Mark>{Mark::first_failure, Mark::opened, Mark::staff_told,
                                     Mark::step, Mark::customers_told, Mark::recovered,
                                     Mark::confirmed, Mark::recovery_told});
    CHECK(i.notices.size() == 3);
    REQUIRE(i.steps.size() == 1);
    CHECK(i.steps[0].state == StepState::ok);

    // 1 yen a second; the sale doubles 00:00–01:00 JST = minutes 60..120: 30 of the
    // downtime's minutes are inside it. Critical blocks all; half is recaptured
    // after customers were told at minute 40 (50 minutes, 20 of them in the sale).
    CHECK(i.loss.expected_revenue == Approx(30 * 60 + 30 * 60 * 2));
    CHECK(i.loss.blocked_revenue == Approx(5400));
    CHECK(i.loss.recaptured_amount == Approx(0.5 * (20 * 60 + 30 * 60 * 2)));
    CHECK(i.loss.lost == Approx(5400 - 2400));
    CHECK(r.summary.lost == Approx(3000));
    CHECK(r.summary.tell_customers.median == 10min);
}

TEST_CASE("report: a slow (degraded) incident lasts until the check is up again") {
    Shop shop;
    const Stores& s = shop.handle->stores();
    // The top page is slow from minute 200 to 209; up again at 210 (and a probe
    // that could not judge at 211 neither passes nor fails).
    for (int m = 180; m < 215; ++m) {
        const State top = m >= 200 && m < 210 ? State::degraded
                          : m == 211          ? State::unknown
                                              : State::up;
        record_probes(s,
                      {probe("top", shop.minute(m), top), probe("cart", shop.minute(m), State::up)},
                      {}, tokyo);
    }
    Incident slow;
    slow.id = "own-20260604T1720";
    slow.channel = "own";
    slow.severity = Severity::minor;
    slow.checks = {"top"};
    slow.since = shop.minute(200);
    s.transaction([&] {
        s.incidents.record_event({Event::opened, slow, shop.minute(201)});
        slow.until = shop.minute(212);
        s.incidents.record_event({Event::resolved, slow, shop.minute(212)});
    });
    const Report r = shop.report({shop.minute(180), shop.minute(215)});
    REQUIRE(r.incidents.size() == 1);
    CHECK(r.incidents[0].recovered == shop.minute(210));
    CHECK(r.incidents[0].downtime == 10min);
    CHECK(r.incidents[0].loss.blocked_share == 0.1);
}

TEST_CASE("report: availability of whole days comes from the roll-up, cut days from raw probes") {
    Shop shop;
    // Whole local days 4 and 5 June: the roll-up, which counts each probe's state
    // until the next probe (the last one, minute 179, has none yet).
    const Report days =
        shop.report(period({"2026-06-04", "2026-06-05", {}}, "2026-06-06T00:00:00Z"));
    REQUIRE(days.check_rows.size() == 2);
    CHECK(days.check_rows[1].check == "cart");
    CHECK(days.check_rows[1].buckets.down == 60min);
    CHECK(days.check_rows[1].buckets.up == 119min);
    CHECK(days.check_rows[1].incidents == 1);
    CHECK(days.check_rows[1].downtime == 60min);
    CHECK(days.check_rows[0].buckets.up == 179min);
    CHECK(days.channel_rows[0].buckets.down == 60min);
    CHECK(days.channel_rows[0].buckets.up == 119min);
    // The checks started at 23:00 on the 4th: counted from their first probe.
    CHECK(days.check_rows[1].counted_from == shop.t0);

    // From 23:15 JST to 02:00 JST: both days cut, so both read from the raw
    // probes, where the last probe holds until the period's end.
    const Report cut = shop.report({shop.minute(15), shop.minute(180)});
    const AvailabilityRow& cart = cut.check_rows[1];
    CHECK(cart.buckets.down == 60min);
    CHECK(cart.buckets.up == 105min);
    CHECK(cart.buckets.no_data == 0min);
    CHECK_FALSE(cart.counted_from);
    const AvailabilityRow& own = cut.channel_rows[0];
    CHECK(own.buckets.down == 60min);
    CHECK(*own.buckets.availability() == Approx(105.0 / 165.0));
    REQUIRE(cut.months.size() == 1);
    CHECK(cut.months[0].buckets == own.buckets);
    CHECK(cut.months[0].downtime == 60min);
}

TEST_CASE("report: the formats agree on the figures, and --only narrows them") {
    Shop shop;
    const Report r = shop.report({shop.t0, shop.minute(180)});
    const auto json = nlohmann::json::parse(render_json(r, {}));
    CHECK(json["summary"]["incidents"] == 1);
    CHECK(json["incidents"][0]["downtime_s"] == 3600);
    CHECK(json["incidents"][0]["start"] == "2026-06-04T23:30:00+09:00");
    CHECK(json["loss"]["total"].get<double>() == Approx(3000));
    const std::string text = render_text(r, {});
    CHECK_THAT(text, Catch::Contains("¥3,000"));
    CHECK_THAT(text, Catch::Contains("1時間0分"));
    const std::string md = render_markdown(r, {});
    // A '|' in a notice or a step cannot break a Markdown table.
    CHECK_THAT(md, Catch::Contains("landing-to-mall (opened: ok)"));
    const std::string csv = render_csv(r, {});
    CHECK(csv.rfind("incident,channel,severity", 0) == 0);
    CHECK_THAT(csv, Catch::Contains("own-20260604T1430,own,critical,cart,"));
    RenderOptions only;
    only.only = {Section::loss};
    const auto narrowed = nlohmann::json::parse(render_json(r, only));
    CHECK(narrowed.contains("loss"));
    CHECK_FALSE(narrowed.contains("incidents"));
    CHECK_FALSE(narrowed.contains("summary"));
    CHECK(render_csv(r, only).rfind("incident,channel,severity,downtime_s,base_revenue", 0) == 0);
}

TEST_CASE("report: the post-mortem holds the notices, steps and headings to fill") {
    Shop shop;
    const Report r = shop.report({shop.t0, shop.minute(180)});
    const std::string pm = postmortem(r, r.incidents[0]);
    CHECK_THAT(pm, Catch::StartsWith("# 障害報告書"));
    CHECK_THAT(pm, Catch::Contains("> notice to staff-chat | opened"));
    CHECK_THAT(pm, Catch::Contains("> notice to line | resolved"));
    CHECK_THAT(pm, Catch::Contains("landing-to-mall"));
    for (const char* h :
         {"## 経過", "## 送信した告知", "## 原因", "## お客様への影響", "## 教訓と再発防止策"})
        CHECK_THAT(pm, Catch::Contains(h));
}

TEST_CASE("report labels: money as a shop owner writes it") {
    CHECK(money(182000, "JPY", "ja") == "¥182,000");
    CHECK(money(181999.6, "JPY", "en") == "¥182,000");
    CHECK(money(1234.5, "USD", "en") == "$1,234.50");
    CHECK(money(-500, "JPY", "ja") == "-¥500");
    CHECK(money(0, "JPY", "ja") == "¥0");
    CHECK(money(999, "CHF", "en") == "999.00 CHF");
    CHECK(percent(0.99996, "en") == "99.99%");
    CHECK(percent(1.0, "en") == "100%");
    CHECK(percent(std::nullopt, "ja") == "データなし");
    CHECK(share(0.125) == "12.5%");
    CHECK(share(1.0) == "100%");
    CHECK(duration(3600s, "ja") == "1時間0分");
    CHECK(duration(3900s, "en") == "1 h 05 min");
    CHECK(duration(45s, "en") == "45 s");
    CHECK(duration(0s, "ja") == "0秒");
    CHECK_THROWS_AS(label("no-such-heading", "en"), std::logic_error);
}

TEST_CASE("report text: colour only when asked for (a terminal), and never in Markdown") {
    Shop shop;
    const Report r = shop.report({shop.t0, shop.minute(180)});
    RenderOptions plain;
    CHECK(render_text(r, plain).find('\x1b') == std::string::npos);
    RenderOptions color;
    color.color = true;
    CHECK_THAT(render_text(r, color), Catch::Contains("\x1b[1m概要\x1b[0m"));
    CHECK(render_markdown(r, color).find('\x1b') == std::string::npos);
}
