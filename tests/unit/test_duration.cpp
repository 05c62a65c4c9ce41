#include "lib/core/duration.hpp"

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

using namespace std::chrono_literals;
using shopkit::format_duration;
using shopkit::Millis;
using shopkit::parse_duration;

namespace {

std::string reason_of(const std::string& text) {
    try {
        parse_duration(text);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    FAIL("no error for \"" << text << "\"");
    return "";
}

} // namespace

TEST_CASE("duration: parses every unit") {
    CHECK(parse_duration("1500ms") == 1500ms);
    CHECK(parse_duration("90s") == 90s);
    CHECK(parse_duration("10m") == 10min);
    CHECK(parse_duration("2h") == 2h);
    CHECK(parse_duration("1d") == 24h);
    CHECK(parse_duration("0s") == 0ms);
}

TEST_CASE("duration: parses combinations, largest unit first") {
    CHECK(parse_duration("1h30m") == 90min);
    CHECK(parse_duration("1d2h3m4s5ms") == 24h + 2h + 3min + 4s + 5ms);
    CHECK(parse_duration("2m500ms") == 120500ms);
}

TEST_CASE("duration: refuses what is not a duration, with a reason") {
    CHECK_THAT(reason_of(""), Catch::Contains("empty"));
    CHECK_THAT(reason_of("90"), Catch::Contains("missing unit after '90'"));
    CHECK_THAT(reason_of("-5s"), Catch::Contains("negative"));
    CHECK_THAT(reason_of("5x"), Catch::Contains("unknown unit 'x'"));
    CHECK_THAT(reason_of("5sec"), Catch::Contains("unknown unit 'sec'"));
    CHECK_THAT(reason_of("5S"), Catch::Contains("unknown unit 'S'"));
    CHECK_THAT(reason_of("1.5h"), Catch::Contains("fraction"));
    CHECK_THAT(reason_of("30m1h"), Catch::Contains("out of order"));
    CHECK_THAT(reason_of("1m1m"), Catch::Contains("out of order or repeated"));
    CHECK_THAT(reason_of("5 s"), Catch::Contains("missing unit after '5'"));
    CHECK_THAT(reason_of(" 5s"), Catch::Contains("unexpected ' '"));
    CHECK_THAT(reason_of("s"), Catch::Contains("unexpected 's'"));
    CHECK_THAT(reason_of("99999999999999999999s"), Catch::Contains("too large"));
    CHECK_THAT(reason_of("9999999999999999d"), Catch::Contains("too large"));
}

TEST_CASE("duration: formats largest unit first, zero parts left out") {
    CHECK(format_duration(0ms) == "0s");
    CHECK(format_duration(250ms) == "250ms");
    CHECK(format_duration(90s) == "1m30s");
    CHECK(format_duration(90min) == "1h30m");
    CHECK(format_duration(26h) == "1d2h");
    CHECK(format_duration(1500ms) == "1s500ms");
    CHECK(format_duration(-90s) == "-1m30s");
}

TEST_CASE("duration: format and parse round trip") {
    for (const Millis d : {Millis(1), Millis(999), Millis(1000), Millis(61001), Millis(3600000),
                           Millis(86400000), Millis(90061001), Millis(7 * 86400000LL + 1)}) {
        INFO(d.count() << "ms");
        CHECK(parse_duration(format_duration(d)) == d);
    }
    // Canonical spellings come back unchanged.
    for (const std::string text : {"250ms", "1m30s", "10m", "2h", "1d", "1h30m", "1d2h3m4s5ms"})
        CHECK(format_duration(parse_duration(text)) == text);
}
