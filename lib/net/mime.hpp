// One e-mail message as RFC 5322 + MIME want it, built from UTF-8 text: RFC 2047
// encoded-word headers (B encoding, never splitting a character), a base64 body
// in 76-character lines, CRLF line ends, every line at most 78 characters.
// Pure functions: no I/O, no clock (the date is passed in).
#pragma once

#include "lib/core/clock.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shopkit::mime {

// A display name and an address ("Example Store" <shop@example.jp>).
struct Mailbox {
    std::string name;    // UTF-8, may be empty
    std::string address; // local@domain
};

// Standard base64 (RFC 4648, with padding), on one line (lib/core/crypto base64).
std::string base64(std::string_view data);

// base64 of `data` in lines of at most 76 characters, each ended by CRLF (an
// empty input gives an empty string).
std::string base64_lines(std::string_view data);

// `text` with every line end (CRLF, CR or LF) made CRLF: the canonical form of a
// text/plain body before it is encoded.
std::string crlf_lines(std::string_view text);

// True for an address this module writes into headers and SMTP commands:
// local@domain, both parts non-empty, no space, control character, '<', '>',
// '(', ')', ',', ';', '"', '\' or second '@', domain without leading or
// trailing '.' and at most 254 bytes in all.
bool valid_address(std::string_view address);

// "Name <addr>", "\"Name\" <addr>", "<addr>" or "addr", surrounding spaces
// ignored. nullopt when no valid address (valid_address) is found.
std::optional<Mailbox> parse_mailbox(std::string_view text);

// An unstructured header's value (Subject) as it follows "Name: ", folded.
// `used` is how many characters the line holds already (the name, ': ').
// Printable ASCII that folds at spaces into lines of at most 78 characters is
// kept as it is; anything else becomes encoded-words "=?UTF-8?B?…?=" of at most
// 75 characters each, split only between whole UTF-8 characters (a byte that
// starts no valid sequence counts as one character), on lines of at most 76.
// Control characters (CR, LF, tab …) become spaces, so no header is injected.
std::string encode_unstructured(std::string_view utf8, std::size_t used);

// A mailbox as it follows "Name: ": the address alone, a phrase or quoted
// string, or encoded-words for a non-ASCII name, then " <address>", folded the
// same way. `used` as above.
std::string format_mailbox(const Mailbox& mailbox, std::size_t used);

// RFC 5322 date-time in the IANA zone `tz` (empty: UTC), English day and month
// names: "Thu, 04 Jun 2026 12:00:03 +0900".
std::string rfc5322_date(TimePoint t, const std::string& tz);

// A Message-ID stable for (key, recipient): "<KEY.HASH@DOMAIN>", HASH 16 hex
// digits of the lower-cased recipient, so a retried message carries the id of
// its first attempt. Characters of `key` outside [A-Za-z0-9.-] become '-'.
std::string message_id(std::string_view key, std::string_view recipient, std::string_view domain);

// What one message says.
struct Message {
    Mailbox from;
    Mailbox to;
    std::string subject;            // one line (newlines become spaces)
    std::string body;               // UTF-8 text, any line ends
    std::string date;               // rfc5322_date(...)
    std::string message_id;         // "<…@…>"
    std::string unsubscribe_mailto; // an address, or empty
    std::string unsubscribe_url;    // an http(s) URL, or empty
    std::string html;               // UTF-8 HTML: a second, text/html part; empty: none
    std::string list_id;            // "<id>" of List-Id (RFC 2919), or empty
    std::string feedback_id;        // the Feedback-ID value (a:b:c:sender), or empty
};

// The List-Unsubscribe value: "<mailto:ADDR?subject=unsubscribe>, <URL>" (either
// may be absent); empty when both are. Not folded (its URLs must not be split).
std::string list_unsubscribe(const std::string& mailto, const std::string& url);

// The whole message, CRLF line ends: Date, From, To, Subject, Message-ID,
// MIME-Version, Content-Type text/plain; charset=UTF-8, Content-Transfer-Encoding
// base64, Auto-Submitted, List-Id and Feedback-ID (when set), List-Unsubscribe
// (when either is set) and List-Unsubscribe-Post: List-Unsubscribe=One-Click
// (RFC 8058, only with an https URL), a blank line, the base64 body. With `html`,
// the body is multipart/alternative: the text part, then the text/html part
// (both base64), the boundary derived from the Message-ID. Lines are at most 78
// characters except a List-Unsubscribe holding a URL longer than that.
std::string build_message(const Message& message);

// The headers of `build_message` as people read them (UTF-8, unfolded, LF line
// ends) followed by a blank line and the body: what --dry-run shows.
std::string preview_message(const Message& message);

} // namespace shopkit::mime
