// The shop's customer list: a CSV file (RFC 4180) that the e-mail target mails.
//
// The first row names the columns, in any order and any case; `email` and
// `opted_in` are required, `name` and `segment` are read when present (empty
// otherwise), other columns are ignored. Quoted fields may hold commas, quotes
// ("") and line breaks; lines end in CRLF or LF; a UTF-8 byte order mark is
// skipped. `opted_in` is true for true/yes/y/1 (any case, spaces trimmed);
// anything else, an empty cell included, means the customer is not mailed.
//
// What is a config error and what is not: a file that cannot be read, has no
// header row, lacks a required column, names a column twice, or ends inside a
// quoted field (the rest of the file would silently become one cell) is a
// config_error (exit 78) naming FILE:LINE. A bad row (no email, an address that
// is not local@domain, an address seen before) is only a problem: reported as
// "FILE:LINE: why", skipped, and the rest of the list is still mailed, so one
// typo in a list of thousands does not stop an outage notice.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace shopkit {

struct Customer {
    std::string email;   // trimmed; valid per mime::valid_address
    std::string name;    // may be empty
    std::string segment; // may be empty
    bool opted_in = false;
    std::size_t line = 0; // where its row starts (1-based; the header is line 1)
};

struct CustomerList {
    std::vector<Customer> customers;   // every good row, opted in or not, in file order
    std::vector<std::string> problems; // "FILE:LINE: why" for each skipped row
};

// Parses the CSV text; `name` stands for the file in messages. Throws
// config_error as described above.
CustomerList parse_customers(std::string_view text, const std::string& name);

// Reads and parses a file. Throws config_error "FILE: cannot read: why" when it
// cannot be read, and as parse_customers.
CustomerList load_customers(const std::filesystem::path& path);

// The customers to mail: opted in, and (when `segments` is not empty) whose
// segment is one of them (exact match). File order.
std::vector<Customer> select_customers(const CustomerList& list,
                                       const std::vector<std::string>& segments);

} // namespace shopkit
