#include "lib/record/record.hpp"

#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <sstream>

using namespace shopkit;
using namespace std::chrono_literals;

using shopkit::test::at;

namespace {

// The data_error message of reading all of `text`, or "" when it reads cleanly.
std::string read_error(const std::string& text) {
    std::istringstream in(text);
    RecordReader reader(in, "<stdin>");
    try {
        while (reader.next()) {
        }
    } catch (const Error& e) {
        CHECK(e.status() == exit_status::data);
        return e.what();
    }
    return "";
}

std::vector<Json> read_all(const std::string& text) {
    std::istringstream in(text);
    RecordReader reader(in, "<stdin>");
    std::vector<Json> out;
    while (auto r = reader.next())
        out.push_back(*r);
    return out;
}

CheckResult cart_down() {
    CheckResult r;
    r.channel = "own";
    r.check = "cart";
    r.kind = "http";
    r.url = "https://shop.example.jp/cart";
    r.time = at("2026-06-04T03:00:03Z");
    r.raw = State::down;
    r.state = State::down;
    r.critical = true;
    r.http_status = 500;
    r.timings = {0.0123, 0.0456, 0.0789, 0.5004, 0.8125};
    r.error = "HTTP 500";
    return r;
}

} // namespace

TEST_CASE("record: writer puts one record on one line, v and type first") {
    std::ostringstream out;
    Json j = {{"zeta", 1}, {"type", "check"}, {"v", 1}, {"text", "a\nb カート"}};
    write_record(out, j);
    const std::string s = out.str();
    CHECK(s == "{\"v\":1,\"type\":\"check\",\"text\":\"a\\nb カート\",\"zeta\":1}\n");
    CHECK(Json::parse(s) == j);
}

TEST_CASE("record: writer survives text that is not UTF-8") {
    std::ostringstream out;
    write_record(out, {{"v", 1}, {"type", "check"}, {"error", std::string("bad \xff byte")}});
    CHECK(out.str() == "{\"v\":1,\"type\":\"check\",\"error\":\"bad \xef\xbf\xbd byte\"}\n");
}

TEST_CASE("record: check record fields") {
    const Json j = check_record(cart_down(), "Asia/Tokyo");
    CHECK(j["v"] == 1);
    CHECK(j["type"] == "check");
    CHECK(j["time"] == "2026-06-04T12:00:03+09:00");
    CHECK(j["channel"] == "own");
    CHECK(j["check"] == "cart");
    CHECK(j["kind"] == "http");
    CHECK(j["url"] == "https://shop.example.jp/cart");
    CHECK(j["state"] == "down");
    CHECK_FALSE(j.contains("raw_state"));
    CHECK(j["critical"] == true);
    CHECK(j["http_status"] == 500);
    CHECK(j["latency_ms"] == 813);
    CHECK(j["latency_ms"].is_number_integer());
    CHECK(j["timings"] == Json{{"dns_ms", 12},
                               {"connect_ms", 46},
                               {"tls_ms", 79},
                               {"first_byte_ms", 500},
                               {"total_ms", 813}});
    CHECK(j["error"] == "HTTP 500");
    CHECK_FALSE(j.contains("tls_expiry"));
    CHECK_FALSE(j.contains("tls_days_left"));

    std::ostringstream out;
    write_record(out, j);
    CHECK(out.str().rfind("{\"v\":1,\"type\":\"check\",", 0) == 0);
}

TEST_CASE("record: check record leaves out what is not there") {
    CheckResult r = cart_down();
    r.raw = State::up; // passed this time, still confirmed down
    r.critical = false;
    r.http_status = 0;
    r.error.clear();
    r.tls_expiry = at("2026-07-01T00:00:00Z");
    r.tls_days_left = 26.8749;
    const Json j = check_record(r, "");
    CHECK(j["time"] == "2026-06-04T03:00:03Z");
    CHECK(j["state"] == "down");
    CHECK(j["raw_state"] == "up");
    CHECK_FALSE(j.contains("critical"));
    CHECK_FALSE(j.contains("http_status"));
    CHECK_FALSE(j.contains("error"));
    CHECK(j["tls_expiry"] == "2026-07-01T00:00:00Z");
    CHECK(j["tls_days_left"].dump() == "26.9");
}

TEST_CASE("record: a check record read back gives what staff need of the probe") {
    const auto back = check_from_record(check_record(cart_down(), "Asia/Tokyo"));
    REQUIRE(back);
    CHECK(back->channel == "own");
    CHECK(back->check == "cart");
    CHECK(back->kind == "http");
    CHECK(back->url == "https://shop.example.jp/cart");
    CHECK(back->time == at("2026-06-04T03:00:03Z"));
    CHECK(back->state == State::down);
    CHECK(back->raw == State::down);
    CHECK(back->http_status == 500);
    CHECK(back->timings.total == Approx(0.813));
    CHECK(back->error == "HTTP 500");

    CHECK_FALSE(check_from_record(Json{{"type", "check"}, {"channel", "own"}}));
    CHECK_FALSE(check_from_record(Json{{"channel", "own"}, {"check", 3}}));
    const auto bare = check_from_record(Json{{"channel", "own"}, {"check", "cart"}});
    REQUIRE(bare);
    CHECK(bare->state == State::unknown);
    CHECK(bare->http_status == 0);
}

TEST_CASE("record: the filter hands every record that is not an incident to `other`") {
    std::istringstream in("{\"v\":1,\"type\":\"check\",\"channel\":\"own\",\"check\":\"cart\"}\n"
                          "{\"v\":1,\"type\":\"incident\",\"event\":\"opened\",\"id\":\"own-1\","
                          "\"channel\":\"own\",\"severity\":\"major\",\"checks\":[\"cart\"],"
                          "\"since\":\"2026-06-04T03:00:00Z\"}\n");
    std::vector<std::string> others;
    const auto events = read_incident_events(
        in, "<stdin>", at("2026-06-04T03:05:00Z"), [](const std::string&) {},
        [](const std::string&) {}, [&](const Json& r) { others.push_back(r["type"]); });
    CHECK(events.size() == 1);
    CHECK(others == std::vector<std::string>{"check"});
}

TEST_CASE("record: incident records") {
    IncidentEvent e;
    e.event = Event::opened;
    e.incident.id = "own-20260604T0300";
    e.incident.channel = "own";
    e.incident.severity = Severity::critical;
    e.incident.checks = {"cart", "top"};
    e.incident.since = at("2026-06-04T03:00:03Z");
    e.time = at("2026-06-04T03:01:03Z");
    Json j = incident_record(e, "Asia/Tokyo");
    CHECK(j == Json{{"v", 1},
                    {"type", "incident"},
                    {"event", "opened"},
                    {"id", "own-20260604T0300"},
                    {"channel", "own"},
                    {"severity", "critical"},
                    {"checks", {"cart", "top"}},
                    {"since", "2026-06-04T12:00:03+09:00"},
                    {"time", "2026-06-04T12:01:03+09:00"}});
    std::ostringstream out;
    write_record(out, j);
    CHECK(out.str().rfind(R"({"v":1,"type":"incident","event":"opened","id":"own-20260604T0300",)",
                          0) == 0);

    e.event = Event::resolved;
    e.incident.until = at("2026-06-04T03:45:10Z");
    e.time = *e.incident.until;
    j = incident_record(e, "Asia/Tokyo");
    CHECK(j["event"] == "resolved");
    CHECK(j["until"] == "2026-06-04T12:45:10+09:00");
}

TEST_CASE("record: an incident of a sale carries the sale's name, others none") {
    IncidentEvent e;
    e.event = Event::opened;
    e.incident.id = "own-20261127T0300";
    e.incident.channel = "own";
    e.incident.since = at("2026-11-27T03:00:03Z");
    e.time = at("2026-11-27T03:01:03Z");
    std::ostringstream plain;
    write_record(plain, incident_record(e, ""));
    CHECK(plain.str().find("sale") == std::string::npos);
    CHECK_FALSE(incident_from_record(incident_record(e, ""), e.time).incident.sale);

    e.incident.sale = "black-friday";
    const Json j = incident_record(e, "");
    CHECK(j["sale"] == "black-friday");
    std::ostringstream line;
    write_record(line, j);
    // The same line with one more field: a record without a sale is as it always was.
    std::string without = line.str();
    const std::string field = R"(,"sale":"black-friday")";
    REQUIRE(without.find(field) != std::string::npos);
    without.erase(without.find(field), field.size());
    CHECK(without == plain.str());
    CHECK(incident_from_record(j, e.time).incident.sale == "black-friday");

    Json bad = j;
    bad["sale"] = 3;
    CHECK_THROWS_WITH(incident_from_record(bad, e.time),
                      Catch::Contains("\"sale\" is not a string"));
    bad["sale"] = nullptr;
    CHECK_FALSE(incident_from_record(bad, e.time).incident.sale);
}

TEST_CASE("record: reader reads good lines and skips blank ones") {
    std::istringstream in("{\"v\":1,\"type\":\"check\",\"check\":\"cart\"}\n"
                          "\n"
                          "   \n"
                          "{\"v\":1,\"type\":\"incident\"}\n"
                          "{\"v\":1,\"type\":\"no-newline-at-end\"}");
    RecordReader reader(in, "<stdin>");
    auto a = reader.next();
    REQUIRE(a);
    CHECK((*a)["check"] == "cart");
    CHECK(reader.line() == 1);
    CHECK(reader.raw() == "{\"v\":1,\"type\":\"check\",\"check\":\"cart\"}");
    auto b = reader.next();
    REQUIRE(b);
    CHECK((*b)["type"] == "incident");
    CHECK(reader.line() == 4);
    auto c = reader.next();
    REQUIRE(c);
    CHECK(reader.line() == 5);
    CHECK_FALSE(reader.next());
    CHECK_FALSE(reader.next());
}

TEST_CASE("record: reader passes unknown types through") {
    const auto all = read_all("{\"v\":1,\"type\":\"announcement\",\"target\":\"line\"}\n"
                              "{\"v\":1,\"type\":\"something-new\",\"x\":[1,2]}\n");
    REQUIRE(all.size() == 2);
    CHECK(all[1]["type"] == "something-new");
    CHECK(all[1]["x"] == Json{1, 2});
}

TEST_CASE("record: reader tolerates CRLF and a BOM on line 1") {
    std::istringstream in("\xEF\xBB\xBF{\"v\":1,\"type\":\"check\"}\r\n"
                          "\r\n"
                          "{\"v\":1,\"type\":\"incident\"}\r\n");
    RecordReader reader(in, "<stdin>");
    REQUIRE(reader.next());
    CHECK(reader.raw() == "{\"v\":1,\"type\":\"check\"}");
    REQUIRE(reader.next());
    CHECK(reader.raw() == "{\"v\":1,\"type\":\"incident\"}");
    CHECK(reader.line() == 3);
    CHECK_FALSE(reader.next());
}

TEST_CASE("record: reader names the line of malformed JSON") {
    const std::string err = read_error("{\"v\":1,\"type\":\"check\"}\n\n{\"v\":1,\"type\":\n");
    CHECK_THAT(err, Catch::StartsWith("<stdin>:3: not JSON: "));
    CHECK_THAT(err, !Catch::Contains("json.exception"));
    CHECK_THAT(read_error("not json at all\n"), Catch::StartsWith("<stdin>:1: not JSON: "));
}

TEST_CASE("record: reader refuses what is not a record") {
    CHECK(read_error("[1,2,3]\n") == "<stdin>:1: not a JSON object");
    CHECK(read_error("\"text\"\n") == "<stdin>:1: not a JSON object");
    CHECK(read_error("{\"v\":1,\"type\":\"a\"}\n{\"v\":1}\n") == "<stdin>:2: no \"type\"");
    CHECK(read_error("{\"v\":1,\"type\":7}\n") == "<stdin>:1: no \"type\"");
    CHECK_THAT(read_error("{\"type\":\"check\"}\n"), Catch::StartsWith("<stdin>:1: no \"v\""));
    CHECK_THAT(read_error("{\"type\":\"check\",\"v\":\"1\"}\n"),
               Catch::StartsWith("<stdin>:1: no \"v\""));
    CHECK_THAT(read_error("{\"type\":\"check\",\"v\":1.5}\n"),
               Catch::StartsWith("<stdin>:1: no \"v\""));
    CHECK(read_error("{\"type\":\"check\",\"v\":0}\n") == "<stdin>:1: bad record version 0");
}

TEST_CASE("record: a number too big for a double is a bad line, not the end of the input") {
    // nlohmann throws out_of_range (406), not parse_error, for 1e400.
    CHECK(read_error("{\"v\":1,\"type\":\"note\",\"x\":1e400}\n") ==
          "<stdin>:1: number overflow parsing '1e400'");
    CHECK_THAT(read_error("{\"v\":1,\"type\":\"a\"}\n{\"v\":1,\"type\":\"b\",\"y\":[-1e999]}\n"),
               Catch::StartsWith("<stdin>:2: number overflow"));

    std::istringstream in("{\"v\":1,\"type\":\"a\"}\n"
                          "{\"v\":1,\"type\":\"note\",\"x\":1e400}\n"
                          "{\"v\":1,\"type\":\"c\"}\n");
    RecordReader reader(in, "<stdin>");
    REQUIRE(reader.next());
    CHECK_THROWS_AS(reader.next(), Error);
    CHECK(reader.raw() == "{\"v\":1,\"type\":\"note\",\"x\":1e400}");
    auto c = reader.next();
    REQUIRE(c);
    CHECK((*c)["type"] == "c");
    CHECK(reader.line() == 3);
}

TEST_CASE("record: reader refuses a newer record version") {
    CHECK(read_error("\n\n{\"v\":2,\"type\":\"check\"}\n") ==
          "<stdin>:3: record version 2 is newer than this shopkit (1)");
    CHECK(read_error("{\"v\":18446744073709551615,\"type\":\"check\"}\n") ==
          "<stdin>:1: record version 18446744073709551615 is newer than this shopkit (1)");
}

TEST_CASE("record: reader refuses a line over 16 MiB and keeps counting lines") {
    std::string text = "{\"v\":1,\"type\":\"a\"}\n";
    text += std::string((16u << 20) + 10, 'x');
    text += "\n{\"v\":1,\"type\":\"b\"}\n";
    std::istringstream in(text);
    RecordReader reader(in, "<stdin>");
    REQUIRE(reader.next());
    try {
        reader.next();
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(std::string(e.what()) == "<stdin>:2: line too long (over 16 MiB)");
    }
    auto b = reader.next();
    REQUIRE(b);
    CHECK(reader.line() == 3);
    CHECK((*b)["type"] == "b");
}

TEST_CASE("record: reader survives deeply nested JSON") {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    CHECK(read_error(deep + "\n") == "<stdin>:1: nested deeper than 64 levels");
    std::string nested = "{\"v\":1,\"type\":\"x\",\"a\":";
    for (int i = 0; i < 100000; ++i)
        nested += "{\"a\":";
    nested += "1" + std::string(100001, '}');
    CHECK(read_error(nested) == "<stdin>:1: nested deeper than 64 levels");
    // Brackets inside strings do not count, nor do escaped quotes end them.
    const std::string quoted =
        "{\"v\":1,\"type\":\"x\",\"t\":\"\\\"" + std::string(1000, '[') + "\"}";
    REQUIRE(read_all(quoted).size() == 1);
    CHECK(read_all(quoted)[0]["t"].get<std::string>().size() == 1001);
    // 64 levels are fine.
    const std::string ok =
        "{\"v\":1,\"type\":\"x\",\"a\":" + std::string(63, '[') + std::string(63, ']') + "}";
    CHECK(read_all(ok).size() == 1);
}

TEST_CASE("record: what the writer writes, the reader reads") {
    std::stringstream pipe;
    write_record(pipe, check_record(cart_down(), "Asia/Tokyo"));
    write_record(pipe, {{"v", 1}, {"type", "step"}, {"result", "ok"}});
    RecordReader reader(pipe, "<pipe>");
    auto a = reader.next();
    REQUIRE(a);
    CHECK(*a == check_record(cart_down(), "Asia/Tokyo"));
    auto b = reader.next();
    REQUIRE(b);
    CHECK((*b)["type"] == "step");
    CHECK_FALSE(reader.next());
}
