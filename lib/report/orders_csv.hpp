// [sales] orders_csv: a CSV of past orders turned into an hour-of-week baseline
// for the lost-sales estimate (loss.hpp).
//
// The file: RFC 4180 (fields separated by commas, "quoted" fields may hold
// commas, doubled quotes and line breaks; CRLF or LF; a UTF-8 byte order mark
// is skipped; empty lines are skipped). The first record is the header; it must
// name `time` and `amount` (any case, spaces around ignored); other columns are
// ignored.
// - time: RFC 3339 ("2026-06-04T12:00:00+09:00", "…Z"), or a local date-time in
//   the shop's zone: "YYYY-MM-DD HH:MM", "YYYY-MM-DDTHH:MM", either with ":SS".
// - amount: a decimal number: digits, optionally with commas between groups of
//   three ("1,200", which must then be quoted), a '.' and decimals, and a
//   leading '-' for a refund. No currency signs, no spaces inside.
// The profile: the amounts summed per hour of the week (shop-local), each sum
// divided by how often that hour occurs in the days the file covers (the first
// order's local day through the last order's, each day counted as 24 hours). An
// hour of the week the file never covers (a file shorter than a week) takes the
// average of the same hour over the days it does cover. A negative average (more
// refunds than sales) counts as 0.
#pragma once

#include "lib/core/clock.hpp"
#include "lib/report/loss.hpp"

#include <cstddef>
#include <filesystem>
#include <istream>
#include <string>

namespace shopkit::report {

// The baseline and what it was built from, for the report to show.
struct OrdersProfile {
    Baseline baseline;
    std::size_t orders = 0; // data rows read
    double total = 0;       // the sum of their amounts
    int days = 0;           // local days covered, first order's through last order's
    TimePoint first;        // the earliest order
    TimePoint last;         // the latest order
};

// Reads `in` as the orders CSV described above, times read in zone `tz` (empty:
// UTC). `name` is the file's name for messages. Throws data_error (exit 65)
// "NAME:LINE: why" for a line that cannot be read (LINE is where its record
// starts), and "NAME: why" for a file without a header or without orders.
OrdersProfile parse_orders_csv(std::istream& in, const std::string& name, const std::string& tz);

// parse_orders_csv on the file at `path`, named by its path in messages. Throws
// data_error "PATH: cannot read: why" when it cannot be opened.
OrdersProfile read_orders_csv(const std::filesystem::path& path, const std::string& tz);

} // namespace shopkit::report
