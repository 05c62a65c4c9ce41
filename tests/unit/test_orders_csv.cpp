#include "lib/report/orders_csv.hpp"

#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

using namespace shopkit;
using namespace shopkit::report;
using shopkit::test::at;

namespace {

OrdersProfile parse(const std::string& text, const std::string& tz = "Asia/Tokyo") {
    std::istringstream in(text);
    return parse_orders_csv(in, "orders.csv", tz);
}

// The message of the data_error parsing `text` throws.
std::string error_of(const std::string& text) {
    try {
        parse(text);
    } catch (const Error& e) {
        CHECK(e.status() == exit_status::data);
        return e.what();
    }
    FAIL("no error for:\n" << text);
    return "";
}

constexpr std::size_t slot(int day, int hour) { // day 0 Monday
    return static_cast<std::size_t>(day * 24 + hour);
}

} // namespace

TEST_CASE("orders_csv: one week into an hour-of-week profile") {
    // Monday 2026-06-01 through Sunday 06-07 in Tokyo: each weekday once, so
    // each hour's average is its sum.
    const OrdersProfile p = parse("order_id,Time ,amount,note\n"
                                  "1,2026-06-01 12:10,1000,plain\n"
                                  // 03:30Z is 12:30 in Tokyo: the same hour as above.
                                  "2,2026-06-01T03:30:00Z,\"1,200\",\"a note, with \"\"quotes\"\"\n"
                                  "and a line break\"\n"
                                  "3,2026-06-07T23:59:59,500.5,last\n"
                                  "\n"
                                  "4,2026-06-03 09:00:00,-200,refund\n");
    CHECK(p.orders == 4);
    CHECK(p.total == Approx(2500.5));
    CHECK(p.days == 7);
    CHECK(p.first == at("2026-06-01T03:10:00Z"));
    CHECK(p.last == at("2026-06-07T14:59:59Z"));
    CHECK(p.baseline.per_hour[slot(0, 12)] == Approx(2200)); // 1000 + 1,200
    CHECK(p.baseline.per_hour[slot(6, 23)] == Approx(500.5));
    CHECK(p.baseline.per_hour[slot(2, 9)] == 0); // a refund alone: 0, not -200
    CHECK(p.baseline.per_hour[slot(0, 13)] == 0);
}

TEST_CASE("orders_csv: each hour is averaged over the times it occurs") {
    // Monday 06-01 through Wednesday 06-17: 17 days; Mondays 1, 8, 15 and
    // Wednesdays 3, 10, 17 occur three times, Thursdays 4 and 11 twice.
    const OrdersProfile p = parse("time,amount\n"
                                  "2026-06-01T10:00:00+09:00,300\n"
                                  "2026-06-08T10:00:00+09:00,600\n"
                                  "2026-06-11T10:00:00+09:00,100\n"
                                  "2026-06-17T10:00:00+09:00,900\n");
    CHECK(p.days == 17);
    CHECK(p.baseline.per_hour[slot(0, 10)] == Approx(300)); // (300 + 600) / 3
    CHECK(p.baseline.per_hour[slot(2, 10)] == Approx(300)); // 900 / 3
    CHECK(p.baseline.per_hour[slot(3, 10)] == Approx(50));  // 100 / 2
    // The same file read in UTC: 10:00 JST is 01:00 UTC.
    const OrdersProfile utc = parse("time,amount\n"
                                    "2026-06-01T10:00:00+09:00,300\n"
                                    "2026-06-08T10:00:00+09:00,600\n",
                                    "");
    CHECK(utc.baseline.per_hour[slot(0, 1)] == Approx(450)); // (300 + 600) / 2
}

TEST_CASE("orders_csv: a file shorter than a week fills the missing days from the same hours") {
    // Monday and Tuesday only: Wednesday 10:00 gets (100 + 300) / 2 days.
    const OrdersProfile p = parse("time,amount\r\n"
                                  "2026-06-01 10:00,100\r\n"
                                  "2026-06-02 10:00,300\r\n");
    CHECK(p.days == 2);
    CHECK(p.baseline.per_hour[slot(0, 10)] == Approx(100));
    CHECK(p.baseline.per_hour[slot(1, 10)] == Approx(300));
    CHECK(p.baseline.per_hour[slot(2, 10)] == Approx(200));
    CHECK(p.baseline.per_hour[slot(2, 11)] == 0);
    // A leap day is a day like another: Feb 28 to Mar 1 2028 covers 3 days.
    CHECK(parse("time,amount\n2028-02-28 10:00,1\n2028-03-01 10:00,1\n").days == 3);
}

TEST_CASE("orders_csv: a byte order mark and CRLF are read") {
    const OrdersProfile p = parse("\xEF\xBB\xBFtime,amount\r\n2026-06-01 10:00,1,200\r\n");
    // Unquoted, "1,200" is two fields: amount 1 (the rest is an extra column).
    CHECK(p.baseline.per_hour[slot(0, 10)] == Approx(1));
    // A first column named in full-width letters begins with the byte a BOM does.
    const OrdersProfile wide = parse("\xEF\xBC\x83,time,amount\n7,2026-06-01 10:00,5\n");
    CHECK(wide.baseline.per_hour[slot(0, 10)] == Approx(5));
    CHECK(parse("\xEF\xBB,time,amount\n7,2026-06-01 10:00,5\n").orders == 1);
}

TEST_CASE("orders_csv: errors name the file and the line") {
    CHECK_THAT(error_of(""), Catch::StartsWith("orders.csv: empty"));
    CHECK_THAT(error_of("time,total\n2026-06-01 10:00,1\n"),
               Catch::StartsWith("orders.csv:1: the header names no 'amount' column"));
    CHECK_THAT(error_of("\n\nwhen,amount\n"),
               Catch::StartsWith("orders.csv:3: the header names no 'time' column"));
    CHECK_THAT(error_of("time,amount\n"),
               Catch::StartsWith("orders.csv: no orders below the header"));
    CHECK_THAT(error_of("time,amount\n2026-06-01 10:00,1\nyesterday,2\n"),
               Catch::StartsWith("orders.csv:3: 'yesterday' is not a time"));
    CHECK_THAT(error_of("time,amount\n2026-02-30 10:00,1\n"),
               Catch::StartsWith("orders.csv:2: '2026-02-30 10:00' is not a time"));
    CHECK_THAT(error_of("time,amount\n2026-06-01 10:00,\"¥1,200\"\n"),
               Catch::StartsWith("orders.csv:2: '¥1,200' is not an amount"));
    for (const char* bad : {"\"1,20\"", "\"1200,000\"", "\",200\"", "-", "1.", "1e3", "\"1 200\""})
        CHECK_THAT(error_of(std::string("time,amount\n2026-06-01 10:00,") + bad + "\n"),
                   Catch::Contains("is not an amount"));
    // The line a record starts on, counting the lines inside quoted fields.
    CHECK_THAT(error_of("time,amount,note\n2026-06-01 10:00,1,\"two\nlines\"\n2026-06-01,3,x\n"),
               Catch::StartsWith("orders.csv:4: '2026-06-01' is not a time"));
    CHECK_THAT(error_of("time,amount\n2026-06-01 10:00\n"),
               Catch::StartsWith("orders.csv:2: 1 fields, but the header puts"));
    CHECK_THAT(error_of("time,amount\n2026-06-01 10:00,\"12\n"),
               Catch::StartsWith("orders.csv:2: a quoted field is not closed"));
    CHECK_THAT(error_of("time,amount\n2026-06-01 10:00,1\"2\n"),
               Catch::StartsWith("orders.csv:2: a quote inside a field that is not quoted"));
    CHECK_THAT(error_of("time,amount\n2026-06-01 10:00,\"1\"2\n"),
               Catch::StartsWith("orders.csv:2: after a closing quote"));
    CHECK_THAT(error_of("time,amount\n2026-06-01 10:00,\"" + std::string(70000, '1') + "\"\n"),
               Catch::StartsWith("orders.csv:2: a field longer than 65536 bytes"));
}

TEST_CASE("orders_csv: read_orders_csv names the path") {
    shopkit::test::TempDir dir;
    const auto path = dir.path() / "orders.csv";
    std::ofstream(path) << "time,amount\n2026-06-01 10:00,1\n2026-06-01 10:30,x\n";
    try {
        read_orders_csv(path, "Asia/Tokyo");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.status() == exit_status::data);
        CHECK_THAT(e.what(), Catch::StartsWith(path.string() + ":3: 'x' is not an amount"));
    }
    try {
        read_orders_csv(dir.path() / "missing.csv", "Asia/Tokyo");
        FAIL("no error");
    } catch (const Error& e) {
        CHECK(e.status() == exit_status::data);
        CHECK_THAT(e.what(), Catch::Contains("missing.csv: cannot read: No such file"));
    }
}
