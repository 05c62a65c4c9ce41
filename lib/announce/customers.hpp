// The shop's customer list: a CSV file (RFC 4180) that the e-mail target mails.
//
// The first row names the columns, in any order and any case; `email` and
// `opted_in` are required, `name`, `segment` and `token` are read when present
// (empty otherwise), other columns are ignored. `token` is the shop's own
// unsubscribe token for the row (A-Z a-z 0-9 - _ . ~, at most 200 characters). Quoted fields may
// hold commas, quotes
// ("") and line breaks; lines end in CRLF or LF; a UTF-8 byte order mark is
// skipped. `opted_in` is true for true/yes/y/1 (any case, spaces trimmed);
// anything else, an empty cell included, means the customer is not mailed.
//
// What is a config error and what is not: a file that cannot be read, has no
// header row, lacks a required column, names a column twice, or ends inside a
// quoted field (the rest of the file would silently become one cell) is a
// config_error (exit 78) naming FILE:LINE. A bad row (no email, an address that
// is not local@domain, an address seen before, a token with another character) is only a problem:
// reported as "FILE:LINE: why", skipped, and the rest of the list is still mailed, so one typo in a
// list of thousands does not stop an outage notice.
#pragma once

#include "lib/render/template.hpp"

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
    std::string token;   // the unsubscribe token from the `token` column; may be empty
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

// The unsubscribe token of an address: HMAC-SHA256 of the lower-cased address
// keyed with `secret`, base64url, its first 22 characters (132 bits).
// Throws Error(exit_status::software) when OpenSSL fails.
std::string unsubscribe_token(std::string_view secret, std::string_view address);

// `url` for one recipient: its "{token}" replaced by `token`, else "t=TOKEN"
// added to the query ("?t=" or "&t=", before any "#fragment"). `url` as it is
// when `token` is empty.
std::string unsubscribe_url(const std::string& url, const std::string& token);

// What {{customer.X}} may name in a template.
inline constexpr std::string_view customer_fields[] = {"email", "name", "segment", "token"};

// Every X of a {{customer.X}} tag (any tag form: section, inverted, unescaped)
// in Mustache `source` that is not one of customer_fields, each once, in order.
std::vector<std::string> unknown_customer_fields(const std::string& source);

// Checks every notice template of a target named `name` (text and .html, each
// event) for unknown customer fields: a template naming {{customer.phone}}
// would mail every customer a blank. Throws config_error "WHO: PATH uses
// {{customer.X}}, …". Events without a template are skipped.
void check_customer_templates(const TemplateSearch& search, const std::string& name,
                              const std::string& who);

} // namespace shopkit
