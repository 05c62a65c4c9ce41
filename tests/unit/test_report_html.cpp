#include "lib/report/format.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>
#include <pugixml.hpp>

#include <cstdlib>
#include <fstream>
#include <string>

using namespace shopkit;
using namespace shopkit::report;
using shopkit::test::at;

namespace {

// A June report of two channels: a resolved critical incident on "own" during a
// sale, with a staff and a customer notice, and an ongoing minor one on "mall";
// a maintenance window of every channel.
Report june(const std::string& language = "en") {
    Report r;
    r.shop = "Tea & <script>alert(\"x\")</script> 'Shop'";
    r.timezone = "Asia/Tokyo";
    r.language = language;
    r.currency = "JPY";
    r.period = {at("2026-06-01T00:00:00+09:00"), at("2026-07-01T00:00:00+09:00")};
    r.generated = at("2026-06-20T10:00:00+09:00");
    r.channels = {"own", "mall"};
    r.channel_names = {"Own <shop>", "楽天市場店"};

    IncidentReport a;
    a.incident.id = "own-20260604T0300";
    a.incident.channel = "own";
    a.incident.severity = Severity::critical;
    a.incident.checks = {"cart", "pay<ment>"};
    a.incident.since = at("2026-06-04T12:00:00+09:00");
    a.incident.until = at("2026-06-04T14:10:00+09:00");
    a.incident.sale = "Summer sale";
    a.first_failure = a.incident.since;
    a.opened = at("2026-06-04T12:05:00+09:00");
    a.staff_told = at("2026-06-04T12:06:00+09:00");
    a.customers_told = at("2026-06-04T12:20:00+09:00");
    a.recovered = at("2026-06-04T14:00:00+09:00");
    a.confirmed = a.incident.until;
    a.downtime = std::chrono::hours(2);
    a.downtime_in_period = a.downtime;
    a.to_detect = std::chrono::minutes(5);
    a.timeline = {{a.first_failure, Mark::first_failure, ""},
                  {*a.opened, Mark::opened, ""},
                  {*a.staff_told, Mark::staff_told, "slack"},
                  {*a.customers_told, Mark::customers_told, "x"},
                  {at("2026-06-04T12:30:00+09:00"), Mark::step, "failover: exit 1 <oops>"},
                  {*a.recovered, Mark::recovered, ""}};
    NoticeEntry staff;
    staff.target = "slack";
    staff.audience = Audience::staff;
    staff.state = OutboxState::sent;
    staff.sent = a.staff_told;
    staff.created = *a.opened;
    staff.text = "Cart down <script>alert(1)</script> & \"quotes\" 'single'";
    NoticeEntry customers;
    customers.target = "x";
    customers.audience = Audience::customers;
    customers.state = OutboxState::sent;
    customers.sent = a.customers_told;
    customers.created = *a.opened;
    customers.text = "Please buy at https://example.jp/mall meanwhile";
    a.notices = {staff, customers};
    StepEntry step;
    step.step = "failover";
    step.state = StepState::failed;
    step.attempts = 2;
    step.error = "exit 1 <oops>";
    a.steps = {step};
    a.loss.minutes = 120;
    a.loss.expected_revenue = 400000;
    a.loss.blocked_share = 1;
    a.loss.blocked_revenue = 400000;
    a.loss.lost = 182000;
    a.loss.events = {{"Summer sale", 4.0, 120, 100000}};

    IncidentReport b;
    b.incident.id = "mall-20260619T2300";
    b.incident.channel = "mall";
    b.incident.severity = Severity::minor;
    b.incident.checks = {"item"};
    b.incident.since = at("2026-06-20T08:00:00+09:00");
    b.first_failure = b.incident.since;
    b.ongoing = true;
    b.downtime = std::chrono::hours(2);
    b.downtime_in_period = b.downtime;

    r.incidents = {a, b};
    r.summary.incidents = 2;
    r.summary.ongoing = 1;
    r.summary.downtime = std::chrono::hours(4);
    r.summary.availability = 0.99445;
    r.summary.lost = 182000;
    r.summary.detect = {1, std::chrono::minutes(5), std::chrono::minutes(5)};

    AvailabilityRow own;
    own.channel = "own";
    own.buckets.up = std::chrono::hours(700);
    own.buckets.down = std::chrono::hours(2);
    own.incidents = 1;
    own.downtime = std::chrono::hours(2);
    AvailabilityRow mall = own;
    mall.channel = "mall";
    mall.counted_from = at("2026-06-02T09:00:00+09:00");
    r.channel_rows = {own, mall};
    AvailabilityRow cart = own;
    cart.check = "cart";
    r.check_rows = {cart};
    r.months = {{"own", 2026, 6, own.buckets, 1, std::chrono::hours(2)}};
    r.sales = {
        {"Summer sale", at("2026-06-04T00:00:00+09:00"), at("2026-06-07T00:00:00+09:00"), 4.0}};
    r.maintenance = {
        {"", at("2026-06-10T01:00:00+09:00"), at("2026-06-10T05:00:00+09:00"), "DB upgrade"}};
    r.basis.source = "hourly";
    r.basis.weekly_revenue = 1400000;
    r.basis.recaptured = 0.25;
    return r;
}

// The <svg>…</svg> of `html`, parsed; fails the test when it is not well-formed.
pugi::xml_document svg_of(const std::string& html) {
    const auto from = html.find("<svg");
    const auto to = html.find("</svg>");
    REQUIRE(from != std::string::npos);
    REQUIRE(to != std::string::npos);
    pugi::xml_document doc;
    const std::string svg = html.substr(from, to + 6 - from);
    const auto parsed = doc.load_string(svg.c_str());
    INFO(parsed.description() << " at " << parsed.offset);
    REQUIRE(parsed);
    return doc;
}

int count(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
        ++n;
    return n;
}

// SHOPKIT_DUMP_HTML=DIR writes the documents there, to look at in a browser.
void dump(const std::string& name, const std::string& html) {
    if (const char* dir = std::getenv("SHOPKIT_DUMP_HTML"))
        std::ofstream(std::string(dir) + "/" + name) << html;
}

} // namespace

TEST_CASE("html: one self-contained document, nothing loaded, no script") {
    const std::string html = render_html(june(), {});
    dump("report-en.html", html);
    CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(html.find("<html lang=\"en\">") != std::string::npos);
    CHECK(html.find("<script") == std::string::npos);
    // Nothing refers to a resource elsewhere; a URL in a notice is only text.
    CHECK(html.find("src=") == std::string::npos);
    CHECK(html.find("href=\"http") == std::string::npos);
    CHECK(html.find("url(http") == std::string::npos);
    CHECK(html.find("@import") == std::string::npos);
    CHECK(html.find("https://example.jp/mall") != std::string::npos);
    CHECK(html.find("@page { size: A4; margin: 12mm }") != std::string::npos);
}

TEST_CASE("html: the timeline is well-formed SVG scaled to the page") {
    const std::string html = render_html(june(), {});
    const auto doc = svg_of(html);
    const auto svg = doc.child("svg");
    CHECK(std::string(svg.attribute("viewBox").value()).rfind("0 0 ", 0) == 0);
    CHECK(std::string(svg.attribute("width").value()) == "100%");

    // One bar per incident, in its severity's colour.
    int bars = 0;
    std::string fills;
    for (const auto& rect : doc.select_nodes("//rect[@class='incident']")) {
        ++bars;
        fills += rect.node().attribute("fill").value();
    }
    CHECK(bars == 2);
    CHECK(fills.find("#c62828") != std::string::npos);
    CHECK(fills.find("#f9a825") != std::string::npos);
    CHECK(doc.select_nodes("//rect[@class='sale']").size() == 1);
    // The window of every channel shades both rows.
    CHECK(doc.select_nodes("//rect[@class='maintenance']").size() == 2);
    // The two notices sent: one for staff, one for customers.
    CHECK(doc.select_nodes("//*[@class='notice staff']").size() == 1);
    CHECK(doc.select_nodes("//*[@class='notice customers']").size() == 1);
    // Days for a month: 30 ticks in June.
    CHECK(doc.select_nodes("//line[@class='tick']").size() == 30);
    // A legend names the three severities.
    CHECK(html.find(">Critical<") != std::string::npos);
    CHECK(html.find(">Minor<") != std::string::npos);
}

TEST_CASE("html: every text from the report is escaped") {
    const std::string html = render_html(june(), {});
    CHECK(html.find("<script>") == std::string::npos);
    CHECK(html.find("Tea &amp; &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &#39;Shop&#39;") !=
          std::string::npos);
    CHECK(html.find("Cart down &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; "
                    "&#39;single&#39;") != std::string::npos);
    CHECK(html.find("Own &lt;shop&gt;") != std::string::npos);
    CHECK(html.find("pay&lt;ment&gt;") != std::string::npos);
    CHECK(html.find("exit 1 &lt;oops&gt;") != std::string::npos);
    CHECK(html.find("<oops>") == std::string::npos);
}

TEST_CASE("html: sections, figures and words") {
    const std::string html = render_html(june(), {});
    CHECK(html.find("<section id=\"summary\"") < html.find("<section id=\"incidents\""));
    CHECK(html.find("<section id=\"incidents\"") < html.find("<section id=\"availability\""));
    CHECK(html.find("<section id=\"availability\"") < html.find("<section id=\"loss\""));
    CHECK(html.find("¥182,000") != std::string::npos);
    CHECK(html.find("99.44%") != std::string::npos);
    CHECK(html.find("2026-06-04 12:00") != std::string::npos); // local time
    CHECK(html.find(">ongoing<") != std::string::npos);
    CHECK(html.find("Summer sale") != std::string::npos);
    CHECK(html.find("×4") != std::string::npos);
    CHECK(html.find("25%") != std::string::npos); // recaptured
    CHECK(html.find("counted from 2026-06-02 09:00") != std::string::npos);
    CHECK(count(html, "<details") == 2);
}

TEST_CASE("html: Japanese headings for a Japanese report") {
    const std::string html = render_html(june("ja"), {});
    dump("report-ja.html", html);
    CHECK(html.find("<html lang=\"ja\">") != std::string::npos);
    CHECK(html.find("概要") != std::string::npos);
    CHECK(html.find("稼働率") != std::string::npos);
    CHECK(html.find("売上損失の推定") != std::string::npos);
    CHECK(html.find("継続中") != std::string::npos);
    CHECK(html.find(">Summary<") == std::string::npos);
    svg_of(html);
}

TEST_CASE("html: only the sections asked for") {
    RenderOptions options;
    options.only = {Section::loss};
    const std::string html = render_html(june(), options);
    CHECK(html.find("<section id=\"loss\"") != std::string::npos);
    CHECK(html.find("<section id=\"summary\"") == std::string::npos);
    CHECK(html.find("<section id=\"incidents\"") == std::string::npos);
    CHECK(html.find("<section id=\"availability\"") == std::string::npos);
    // The timeline is the page's head, whatever the sections.
    svg_of(html);
}

TEST_CASE("html: a year has month ticks, a quiet report still has its rows") {
    Report r = june();
    r.incidents.clear();
    r.period = {at("2026-01-01T00:00:00+09:00"), at("2027-01-01T00:00:00+09:00")};
    const std::string html = render_html(r, {});
    dump("report-year.html", html);
    const auto doc = svg_of(html);
    CHECK(doc.select_nodes("//line[@class='tick']").size() == 12);
    CHECK(doc.select_nodes("//rect[@class='incident']").empty());
    CHECK(doc.select_nodes("//rect[@class='row']").size() == 2);
    CHECK(html.find("No incidents in this period.") != std::string::npos);
}

TEST_CASE("html: a day has hour ticks, and the incident fills its hours") {
    Report r = june();
    r.period = {at("2026-06-04T00:00:00+09:00"), at("2026-06-05T00:00:00+09:00")};
    const std::string html = render_html(r, {});
    dump("report-day.html", html);
    const auto doc = svg_of(html);
    // Every two hours: 12 ticks, midnight labelled with its date.
    CHECK(doc.select_nodes("//line[@class='tick']").size() == 12);
    CHECK(html.find(">6/4<") != std::string::npos);
    CHECK(html.find(">02:00<") != std::string::npos);
    // 12:00-14:00 of a day: a twelfth of the plot's width, not a sliver.
    const auto bar = doc.select_node("//rect[@class='incident']").node();
    CHECK(bar.attribute("width").as_double() > 50);
}

TEST_CASE("html: an empty report still renders, a long channel name is cut in the timeline") {
    const Report empty;
    const std::string html = render_html(empty, {});
    CHECK(html.find("<html lang=\"en\">") != std::string::npos);
    svg_of(html);

    Report r = june("ja");
    r.channel_names[1] = "とても長い名前の楽天市場店・公式アウトレットストア本店";
    const std::string long_name = render_html(r, {});
    const auto doc = svg_of(long_name);
    // The row's label is cut at a character with "…"; its title holds the whole name.
    bool cut = false;
    for (const auto& text : doc.select_nodes("//text[title]")) {
        const std::string shown = text.node().last_child().value();
        const std::string title = text.node().child("title").child_value();
        if (title == r.channel_names[1]) {
            cut = shown.size() < title.size() && shown.ends_with("…") &&
                  title.rfind(shown.substr(0, shown.size() - 3), 0) == 0;
        }
    }
    CHECK(cut);
}
