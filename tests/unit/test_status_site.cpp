#include "lib/announce/target.hpp"
#include "lib/config/config.hpp"
#include "lib/core/error.hpp"
#include "lib/detect/platform_status.hpp"
#include "lib/render/status_site.hpp"
#include "lib/state/state.hpp"

#include "fake_stores.hpp"
#include "support.hpp"

#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>

using namespace shopkit;
using shopkit::test::at;
using shopkit::test::ManualClock;
using shopkit::test::TempDir;

namespace {

SiteSnapshot sample() {
    SiteSnapshot s;
    s.shop_name = "グリーン茶舗 & <Co>";
    s.contact = "support@example.jp";
    s.language = "ja";
    s.timezone = "Asia/Tokyo";
    s.generated = at("2026-06-04T03:20:00Z");
    s.channels = {
        {"own",
         "公式オンラインショップ",
         "https://shop.example.jp/",
         {{"top", "トップページ", State::up}, {"cart", "カート", State::down}}},
        {"rakuten",
         "楽天市場店",
         "https://www.rakuten.co.jp/example/",
         {{"top", "トップページ", State::up}}},
        {"yahoo", "", "javascript:alert(1)", {{"top", "", State::unknown}}},
    };
    SiteIncident open;
    open.id = "own-20260604T0300";
    open.channel = "own";
    open.channel_name = "公式オンラインショップ";
    open.severity = Severity::critical;
    open.checks = {"カート"};
    open.since = at("2026-06-04T03:00:03Z");
    open.updates = {
        {"urn:uuid:0b9cf0d4-6a43-4a4e-9d57-1c0a1f2b3c4d", at("2026-06-04T03:10:00Z"), Event::opened,
         "【障害のお知らせ】公式オンラインショップで障害が発生しております",
         "カートをご利用いただけません。\n<script>alert('x')</script>\n楽天市場店 "
         "https://www.rakuten.co.jp/example/ でお買い物いただけます。"},
    };
    SiteIncident past;
    past.id = "rakuten-20260520T0100";
    past.channel = "rakuten";
    past.channel_name = "楽天市場店";
    past.severity = Severity::minor;
    past.checks = {"トップページ"};
    past.since = at("2026-05-20T01:00:00Z");
    past.until = at("2026-05-20T01:45:00Z");
    past.updates = {
        {"urn:uuid:1b9cf0d4-6a43-4a4e-9d57-1c0a1f2b3c4d", at("2026-05-20T01:15:00Z"), Event::opened,
         "【障害のお知らせ】楽天市場店", "つながりにくくなっています。"},
        {"urn:uuid:2b9cf0d4-6a43-4a4e-9d57-1c0a1f2b3c4d", at("2026-05-20T01:46:00Z"),
         Event::resolved, "【復旧のお知らせ】楽天市場店", "復旧いたしました。"},
    };
    s.incidents = {open, past};
    return s;
}

std::string read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream os;
    os << in.rdbuf();
    return os.str();
}

} // namespace

TEST_CASE("status_site: the page escapes every text and needs nothing outside itself") {
    const SiteFiles f = render_status_site(sample());
    const std::string& h = f.index_html;
    CHECK(h.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(h.find("<html lang=\"ja\">") != std::string::npos);
    CHECK(h.find("<meta charset=\"utf-8\">") != std::string::npos);
    CHECK(h.find("<meta name=\"viewport\"") != std::string::npos);
    CHECK(h.find("Content-Security-Policy") != std::string::npos);
    // The incident text's script is shown, not run.
    CHECK(h.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") != std::string::npos);
    CHECK(h.find("<script") == std::string::npos);
    CHECK(h.find("グリーン茶舗 &amp; &lt;Co&gt;") != std::string::npos);
    // No external resource: no src=, and every href is a link for people or local.
    CHECK(h.find("src=") == std::string::npos);
    CHECK(h.find("<link rel=\"stylesheet\"") == std::string::npos);
    // A javascript: URL is never linked; an http(s) one in a text is.
    CHECK(h.find("href=\"javascript:") == std::string::npos);
    CHECK(h.find("<a href=\"https://www.rakuten.co.jp/example/\">") != std::string::npos);
    // States in words, not colour alone; Japanese labels.
    CHECK(h.find("一部の店舗で障害が発生しています") != std::string::npos);
    CHECK(h.find(">正常</span>") != std::string::npos);
    CHECK(h.find(">障害</span>") != std::string::npos);
    CHECK(h.find(">不明</span>") != std::string::npos);
    CHECK(h.find("発生中の障害") != std::string::npos);
    CHECK(h.find("現在、ご注文いただけない状態です。") != std::string::npos);
    CHECK(h.find("2026年6月4日 12:00") != std::string::npos); // the shop's zone
    CHECK(h.find("日本時間（UTC+9）") != std::string::npos);
    CHECK(h.find("復旧済み") != std::string::npos);
    CHECK(h.find("（45分）") != std::string::npos);
}

TEST_CASE("status_site: English labels for other languages, and a calm page with nothing wrong") {
    SiteSnapshot s = sample();
    s.language = "en";
    s.timezone = "";
    for (auto& ch : s.channels)
        for (auto& c : ch.checks)
            c.state = State::up;
    s.incidents.erase(s.incidents.begin());
    const SiteFiles f = render_status_site(s);
    CHECK(f.index_html.find("<html lang=\"en\">") != std::string::npos);
    CHECK(f.index_html.find("All our stores are working normally") != std::string::npos);
    CHECK(f.index_html.find("Current incidents") == std::string::npos);
    CHECK(f.index_html.find("Past 90 days") != std::string::npos);
    CHECK(f.index_html.find("All times are UTC.") != std::string::npos);
    const auto j = nlohmann::json::parse(f.status_json);
    CHECK(j["status"]["indicator"] == "none");
}

TEST_CASE("status_site: status.json has the documented shape and reads as a Statuspage") {
    const SiteFiles f = render_status_site(sample());
    const auto j = nlohmann::json::parse(f.status_json);
    CHECK(j["schema"] == 1);
    CHECK(j["page"]["name"] == "グリーン茶舗 & <Co>");
    CHECK(j["page"]["time_zone"] == "Asia/Tokyo");
    CHECK(j["page"]["updated_at"] == "2026-06-04T12:20:00+09:00");
    CHECK(j["status"]["indicator"] == "critical");
    REQUIRE(j["components"].size() == 3);
    CHECK(j["components"][0]["id"] == "own");
    CHECK(j["components"][0]["state"] == "down");
    CHECK(j["components"][0]["status"] == "partial_outage");
    CHECK(j["components"][0]["checks"][1]["state"] == "down");
    CHECK(j["components"][1]["status"] == "operational");
    CHECK(j["components"][2]["name"] == "yahoo");
    CHECK(j["components"][2]["status"] == "unknown");
    REQUIRE(j["incidents"].size() == 2);
    const auto& open = j["incidents"][0];
    CHECK(open["id"] == "own-20260604T0300");
    CHECK(open["status"] == "investigating");
    CHECK(open["impact"] == "critical");
    CHECK(open["resolved_at"].is_null());
    CHECK(open["started_at"] == "2026-06-04T12:00:03+09:00");
    CHECK(open["updates"][0]["body"].get<std::string>().find("<script>") != std::string::npos);
    const auto& past = j["incidents"][1];
    CHECK(past["status"] == "resolved");
    CHECK(past["duration_seconds"] == 45 * 60);
    CHECK(past["updates"][0]["event"] == "resolved"); // newest first
    // shopcheck's own statuspage check understands the page.
    CHECK(judge_statuspage(f.status_json, {}).state == 2);
    CHECK(judge_statuspage(f.status_json, {"楽天市場店"}).state == 0);
    CHECK(judge_statuspage(f.status_json, {"own"}).state == 2);
}

TEST_CASE("status_site: feed.atom is Atom 1.0 with one entry per update and stable ids") {
    SiteSnapshot s = sample();
    const SiteFiles f = render_status_site(s);
    pugi::xml_document doc;
    REQUIRE(doc.load_string(f.feed_atom.c_str()));
    const auto feed = doc.child("feed");
    REQUIRE(feed);
    CHECK(std::string(feed.attribute("xmlns").value()) == "http://www.w3.org/2005/Atom");
    CHECK(std::string(feed.child_value("id")).rfind("urn:uuid:", 0) == 0);
    CHECK(parse_rfc3339(feed.child_value("updated")));
    CHECK(std::string(feed.child("author").child_value("name")) == "グリーン茶舗 & <Co>");
    std::vector<std::string> ids;
    for (auto e : feed.children("entry")) {
        ids.push_back(e.child_value("id"));
        CHECK(!std::string(e.child_value("title")).empty());
        CHECK(parse_rfc3339(e.child_value("updated")));
        CHECK(std::string(e.child("content").attribute("type").value()) == "text");
        CHECK(std::string(e.child("link").attribute("href").value())
                  .rfind("index.html#incident-", 0) == 0);
    }
    REQUIRE(ids.size() == 3);
    CHECK(ids[0] == "urn:uuid:0b9cf0d4-6a43-4a4e-9d57-1c0a1f2b3c4d"); // newest first
    CHECK(std::string(feed.child("entry").child_value("content")).find("<script>") !=
          std::string::npos); // text content, escaped by XML
    // Another render later: the same ids, and the same feed id.
    s.generated += std::chrono::minutes(5);
    pugi::xml_document again;
    REQUIRE(again.load_string(render_status_site(s).feed_atom.c_str()));
    CHECK(std::string(again.child("feed").child_value("id")) == feed.child_value("id"));
    CHECK(std::string(again.child("feed").child("entry").child_value("id")) == ids[0]);
}

TEST_CASE("status_site: bytes no format can hold are replaced, never thrown on") {
    SiteSnapshot s = sample();
    s.incidents[0].updates[0].text = "bad \xff\xfe utf-8, a bell \x07 and NUL-free text\r\nnext";
    s.shop_name = "shop\x01";
    SiteFiles f;
    REQUIRE_NOTHROW(f = render_status_site(s));
    CHECK_NOTHROW(nlohmann::json::parse(f.status_json));
    pugi::xml_document doc;
    CHECK(doc.load_string(f.feed_atom.c_str()));
    CHECK(f.status_json.find("\\u0007") == std::string::npos);
    CHECK(f.index_html.find("\xEF\xBF\xBD") != std::string::npos);
}

TEST_CASE("status_site: writing is atomic, creates the directory and leaves no temporary file") {
    TempDir tmp;
    const auto dir = tmp.path() / "www" / "status";
    const SiteFiles f = render_status_site(sample());
    write_status_site(dir, f);
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{"feed.atom", "index.html", "status.json"});
    CHECK(read(dir / "index.html") == f.index_html);
    struct stat st {};
    REQUIRE(::stat((dir / "index.html").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0644);

    SiteSnapshot later = sample();
    later.incidents.clear();
    const SiteFiles g = render_status_site(later);
    write_status_site(dir, g);
    CHECK(read(dir / "status.json") == g.status_json);
    CHECK(std::distance(std::filesystem::directory_iterator(dir),
                        std::filesystem::directory_iterator()) == 3);

    // A path that cannot be a directory: an error naming it, nothing half-written.
    std::ofstream(tmp.path() / "file") << "x";
    CHECK_THROWS_WITH(write_status_site(tmp.path() / "file" / "sub", g),
                      Catch::Contains((tmp.path() / "file").string()));
}

// ---------------------------------------------------------------- the target

namespace {

// The in-memory state the statuspage target reads.
using FakeState = shopkit::test::MemoryState;

OutboxRow row(std::int64_t id, const std::string& incident, const std::string& event,
              const std::string& target, const std::string& state, const char* created,
              const std::string& text) {
    OutboxRow r;
    r.id = id;
    r.incident = incident;
    r.event = *event_from_string(event);
    r.name = event;
    r.target = target;
    r.state = *outbox_state_from_string(state);
    r.key = fmt::format("00000000-0000-4000-8000-{:012}", id);
    r.created = at(created);
    r.text = text;
    r.context = "{}";
    return r;
}

Config shop_config(const std::filesystem::path& dir) {
    return parse_config(fmt::format(R"TOML(
[shop]
name = "テスト商店"
timezone = "Asia/Tokyo"
language = "ja"
contact = "support@example.jp"

[[channel]]
id = "own"
name = "公式オンラインショップ"
url = "https://shop.example.jp/"
  [[channel.check]]
  id = "top"
  [[channel.check]]
  id = "cart"
  url = "https://shop.example.jp/cart"
  critical = true

[[channel]]
id = "rakuten"
name = "楽天市場店"
url = "https://www.rakuten.co.jp/example/"

[[target]]
id = "page"
kind = "statuspage"
audience = "customers"
dir = "{}"
url = "https://status.example.jp/"
)TOML",
                                    dir.string()),
                        "shop.toml");
}

} // namespace

TEST_CASE("status_site: the statuspage target shows what it was told, and the checks now") {
    TempDir tmp;
    const auto dir = tmp.path() / "site";
    const Config config = shop_config(dir);
    FakeState state;
    const TimePoint now = at("2026-06-04T03:20:00Z");
    state.counters[{"own", "top"}].state = State::up;
    state.counters[{"own", "cart"}].state = State::down;
    state.counters[{"rakuten", "top"}].state = State::up;
    Incident cart{"own-20260604T0300",        "own",        Severity::critical, {"cart"},
                  at("2026-06-04T03:00:03Z"), std::nullopt, std::nullopt};
    Incident blip{"rakuten-20260603T0100",
                  "rakuten",
                  Severity::major,
                  {"top"},
                  at("2026-06-03T01:00:00Z"),
                  at("2026-06-03T01:01:30Z"),
                  std::nullopt};
    Incident old{"own-20260101T0000",
                 "own",
                 Severity::major,
                 {"top"},
                 at("2026-01-01T00:00:00Z"),
                 at("2026-01-01T01:00:00Z"),
                 std::nullopt};
    state.incidents = {cart, blip, old};
    state.rows = {
        row(1, cart.id, "opened", "page", "sent", "2026-06-04T03:10:00Z",
            "【障害のお知らせ】公式オンラインショップで障害が発生しております\n\nカートをご利用いた"
            "だけません。"),
        row(2, cart.id, "opened", "staff", "sent", "2026-06-04T03:01:00Z", "staff only\nsecret"),
        row(3, blip.id, "opened", "staff", "sent", "2026-06-03T01:00:30Z", "blip\nstaff only"),
        row(4, cart.id, "updated", "page", "failed", "2026-06-04T03:15:00Z", "never sent\nx"),
        row(5, cart.id, "updated", "page", "sending", "2026-06-04T03:20:00Z", "ignored\nx"),
        row(6, old.id, "opened", "page", "sent", "2026-01-01T00:10:00Z", "old\nx"),
    };
    const ManualClock clock(now);
    TargetEnv env;
    env.config = &config;
    env.state = &state.stores;
    env.clock = &clock;
    auto target = make_target(config.targets.at(0), env);

    Notice n;
    n.outbox_id = 5;
    n.incident = cart.id;
    n.event = Event::updated;
    n.target = "page";
    n.key = state.rows[4].key; // row 5, the one being sent
    n.subject = "【続報】公式オンラインショップの障害について";
    n.text = n.subject + "\n\n引き続き対応しております。";
    CHECK(target->preview(n) == n.text);
    CHECK_FALSE(target->refuse(n));
    const SendResult r = target->send(n);
    REQUIRE(r.outcome == SendResult::Outcome::sent);
    CHECK(r.remote_id == dir.string());

    const auto j = nlohmann::json::parse(read(dir / "status.json"));
    CHECK(j["page"]["url"] == "https://status.example.jp/");
    CHECK(j["components"][0]["checks"][0]["name"] == "トップページ");
    CHECK(j["components"][0]["checks"][1]["name"] == "カート");
    CHECK(j["components"][0]["checks"][1]["state"] == "down");
    REQUIRE(j["incidents"].size() == 1); // not the blip, not the old one
    const auto& inc = j["incidents"][0];
    CHECK(inc["id"] == cart.id);
    CHECK(inc["checks"] == nlohmann::json::array({"カート"}));
    REQUIRE(inc["updates"].size() == 2);
    CHECK(inc["updates"][0]["title"] == "【続報】公式オンラインショップの障害について");
    CHECK(inc["updates"][0]["body"] == "引き続き対応しております。");
    CHECK(inc["updates"][0]["created_at"] == "2026-06-04T12:20:00+09:00");
    CHECK(inc["updates"][1]["body"] == "カートをご利用いただけません。");
    CHECK(inc["updates"][1]["id"] == "urn:uuid:" + state.rows[0].key);
    const std::string html = read(dir / "index.html");
    CHECK(html.find("staff only") == std::string::npos);
    CHECK(html.find("never sent") == std::string::npos);
    pugi::xml_document feed;
    CHECK(feed.load_file((dir / "feed.atom").c_str()));
    CHECK(std::string(feed.child("feed")
                          .find_child_by_attribute("link", "rel", "self")
                          .attribute("href")
                          .value()) == "https://status.example.jp/feed.atom");
}

TEST_CASE("status_site: a person's maintenance notice is shown without an incident in the state") {
    TempDir tmp;
    const Config config = shop_config(tmp.path() / "site");
    FakeState state;
    const ManualClock clock(at("2026-06-04T03:20:00Z"));
    TargetEnv env;
    env.config = &config;
    env.state = &state.stores;
    env.clock = &clock;
    auto target = make_target(config.targets.at(0), env);
    Notice n;
    n.incident = "own-maintenance-20260604T032000";
    n.event = Event::maintenance;
    n.key = "11111111-2222-4333-8444-555555555555";
    n.subject = "【メンテナンスのお知らせ】公式オンラインショップ";
    n.text = n.subject + "\n\n6月10日 2:00〜5:00に実施します。";
    n.context = {{"channel", {{"id", "own"}}},
                 {"incident", {{"severity", "major"}, {"since_iso", "2026-06-04T12:20:00+09:00"}}}};
    REQUIRE(target->send(n).outcome == SendResult::Outcome::sent);
    const auto j = nlohmann::json::parse(read(tmp.path() / "site" / "status.json"));
    REQUIRE(j["incidents"].size() == 1);
    CHECK(j["incidents"][0]["kind"] == "maintenance");
    CHECK(j["incidents"][0]["component_name"] == "公式オンラインショップ");
    const std::string html = read(tmp.path() / "site" / "index.html");
    CHECK(html.find("メンテナンスのお知らせ</h2>") != std::string::npos);
    CHECK(j["status"]["indicator"] == "unknown"); // no counters yet: nothing is known
}

TEST_CASE("status_site: the statuspage target needs a dir, and a write failure is retried") {
    TempDir tmp;
    Config config = shop_config(tmp.path() / "site");
    TargetConfig t = config.targets.at(0);
    TargetEnv env;
    env.config = &config;
    t.params.erase("dir");
    CHECK_THROWS_AS(make_target(t, env), Error);

    std::ofstream(tmp.path() / "plain") << "x";
    t.params["dir"] = (tmp.path() / "plain" / "site").string();
    auto target = make_target(t, env);
    Notice n;
    n.incident = "own-1";
    n.event = Event::opened;
    n.text = "title\nbody";
    const SendResult r = target->send(n);
    CHECK(r.outcome == SendResult::Outcome::retry);
    CHECK(r.error.find("plain") != std::string::npos);
}

TEST_CASE("status_site: durations read as in the notices") {
    SiteSnapshot s = sample();
    s.language = "en";
    s.incidents[1].until = s.incidents[1].since + std::chrono::seconds(59);
    CHECK(render_status_site(s).index_html.find(" (under a minute)</dd>") != std::string::npos);
    s.incidents[1].until = s.incidents[1].since + std::chrono::hours(25) + std::chrono::minutes(5);
    CHECK(render_status_site(s).index_html.find(" (1 day 1 h 5 min)</dd>") != std::string::npos);
}

TEST_CASE("status_site: a shop's own site templates and words replace the built-in ones") {
    TempDir dir;
    std::filesystem::create_directory(dir.path() / "site");
    std::ofstream(dir.path() / "site" / "words.en.json") << R"({"all_good": "Open for business"})";
    std::ofstream(dir.path() / "site" / "badge.mustache")
        << "<b class=\"b-{{state.class}}\">{{state.word}}</b>";
    SiteSnapshot s = sample();
    s.language = "en";
    s.templates = dir.path();
    for (auto& ch : s.channels)
        for (auto& c : ch.checks)
            c.state = State::up;
    s.incidents.erase(s.incidents.begin());
    const std::string h = render_status_site(s).index_html;
    CHECK(h.find("Open for business") != std::string::npos);
    CHECK(h.find("<b class=\"b-up\">Operational</b>") != std::string::npos);
    CHECK(h.find("Past 90 days") != std::string::npos); // the other words still built in
    std::ofstream(dir.path() / "site" / "words.en.json") << "[1]";
    CHECK_THROWS_AS(render_status_site(s), Error);
}
