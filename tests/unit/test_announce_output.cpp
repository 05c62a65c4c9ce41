#include "lib/announce/output.hpp"

#include "lib/record/record.hpp"

#include <catch2/catch.hpp>

#include <sstream>
#include <string>

using namespace shopkit;

namespace {

// An announcement record as shopannounce's run writes it.
Json record(const std::string& result, int outbox, const std::string& target,
            const std::string& audience, const std::string& event) {
    return {
        {"v", record_version},  {"type", "announcement"}, {"incident", "own-20260604T0300"},
        {"event", event},       {"target", target},       {"kind", target},
        {"audience", audience}, {"result", result},       {"outbox", outbox},
        {"name", event},        {"attempt", 1},           {"time", "2026-06-04T12:00:05+09:00"}};
}

} // namespace

TEST_CASE("announce output: a sent notice shows its remote id") {
    Json r = record("sent", 7, "line", "customers", "opened");
    r["remote_id"] = "remote-id";
    CHECK(announcement_text(r, false) ==
          "sent      #7     line           customers  opened    own-20260604T0300  remote-id\n");
}

TEST_CASE("announce output: a failed notice shows its error, in red on a terminal") {
    Json r = record("failed", 8, "x", "staff", "resolved");
    r["error"] = "HTTP 403: duplicate";
    r["next_attempt"] = "2026-06-04T12:15:00+09:00"; // the error wins
    CHECK(announcement_text(r, false) ==
          "failed    #8     x              staff      resolved  own-20260604T0300  HTTP 403: "
          "duplicate\n");
    CHECK(announcement_text(r, true) ==
          "\033[31mfailed   \033[0m #8     x              staff      resolved  own-20260604T0300  "
          "HTTP 403: duplicate\n");
}

TEST_CASE("announce output: a retried notice says when it is tried next, in yellow") {
    Json r = record("retry", 9, "slack", "staff", "opened");
    r["next_attempt"] = "2026-06-04T12:15:00+09:00";
    CHECK(announcement_text(r, false) == "retry     #9     slack          staff      opened    "
                                         "own-20260604T0300  next try 2026-06-04T12:15:00+09:00\n");
    CHECK(announcement_text(r, true).starts_with("\033[33mretry    \033[0m #9 "));
}

TEST_CASE("announce output: a held outbox row (--pending) shows its creation time and text") {
    Json r = record("held", 10, "line", "customers", "opened");
    r["type"] = "outbox";
    r["state"] = "held";
    r["created"] = "2026-06-04T12:00:00+09:00";
    r["text"] = "障害のお知らせ\nただいま復旧中です";
    CHECK(announcement_text(r, false) ==
          "held      #10    line           customers  opened    own-20260604T0300  "
          "2026-06-04T12:00:00+09:00\n"
          "    障害のお知らせ\n"
          "    ただいま復旧中です\n");
    CHECK(announcement_text(r, true).starts_with("\033[33mheld     \033[0m"));
}

TEST_CASE("announce output: a preview names the target and says why it is refused") {
    Json r = record("would_send", 0, "x", "customers", "opened");
    CHECK(preview_text(r, "the text") ==
          "── x (x, customers) · opened · own-20260604T0300\nthe text\n\n");
    r["hold"] = true;
    r["result"] = "refused";
    r["error"] = "281 characters, X allows 280";
    CHECK(preview_text(r, "the text") == "── x (x, customers) · opened · own-20260604T0300 · held "
                                         "for approval\nREFUSED: 281 characters, X allows "
                                         "280\nthe text\n\n");
}

TEST_CASE("announce output: a jsonl record is one line that parses back to every field") {
    Json r = record("failed", 8, "x", "staff", "resolved");
    r["error"] = "HTTP 403: \"duplicate\"\nsecond line";
    std::ostringstream out;
    write_record(out, r);
    const std::string line = out.str();
    REQUIRE(line.back() == '\n');
    CHECK(line.find('\n') == line.size() - 1);
    const Json back = Json::parse(line);
    CHECK(back == r);
    for (const char* key : {"v", "type", "incident", "event", "target", "kind", "audience",
                            "result", "outbox", "name", "attempt", "time", "error"})
        CHECK(back.contains(key));
    CHECK(back["v"] == 1);
    CHECK(back["type"] == "announcement");
    CHECK(back["outbox"] == 8);
    // The text form of the parsed record is the text form of the original.
    CHECK(announcement_text(back, false) == announcement_text(r, false));
}
