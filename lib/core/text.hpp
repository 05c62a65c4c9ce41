// UTF-8 text, on utf8proc: decoding, validity, counting (code points, UTF-16
// units, extended grapheme clusters), terminal width, cutting at a character
// boundary, trimming, and finding http(s) URLs in running text. Invalid UTF-8
// is never an error here: each bad byte counts as one character of its own.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shopkit {

// What decode_utf8 gives for a byte that starts no valid sequence.
inline constexpr char32_t invalid_code_point = 0xFFFFFFFF;

struct Utf8Char {
    char32_t code_point = invalid_code_point; // invalid_code_point for a bad byte
    std::size_t length = 1;                   // bytes: 1 to 4, and 1 for a bad byte
};

// The character starting at byte `at` (< s.size()). A bad lead, truncated,
// overlong, surrogate or > U+10FFFF sequence is one bad byte.
Utf8Char decode_utf8(std::string_view s, std::size_t at);

// True when `s` is entirely valid UTF-8.
bool valid_utf8(std::string_view s);

// Unicode code points (each bad byte counts one).
std::size_t count_code_points(std::string_view utf8);
// UTF-16 code units (LINE's 5,000 limit counts these: an emoji outside the BMP is 2).
std::size_t count_utf16_units(std::string_view utf8);
// Extended grapheme clusters, exactly as Unicode (UAX #29, via utf8proc) defines
// them: a Hangul syllable made of conjoining jamo, an emoji ZWJ sequence or a flag
// each count once (Bluesky's 300 limit). A bad byte is a cluster of its own.
std::size_t count_graphemes(std::string_view utf8);
// The byte offset one past the grapheme cluster starting at byte `at` (< s.size()).
std::size_t grapheme_end(std::string_view utf8, std::size_t at);

// Columns `utf8` takes in a terminal: East Asian wide characters and emoji 2,
// combining marks and controls 0, everything else (and each bad byte) 1.
std::size_t display_width(std::string_view utf8);

// The longest prefix of `s` of at most `max_bytes` bytes that does not end
// inside a valid UTF-8 character.
std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes);

// `s` without the leading and trailing characters found in `space`.
std::string_view trim(std::string_view s, std::string_view space = " \t\r\n");

// How a service finds http:// and https:// URLs in running text (all ASCII).
struct UrlRules {
    std::string_view stop;      // ASCII besides controls, space and DEL that ends a URL
    std::string_view trailing;  // dropped from a URL's end: it ends the sentence
    std::string_view closers;   // ')' or ']' dropped from the end when the URL did not open it
    std::string_view not_after; // besides letters and digits: no URL starts right after these
    bool host_must_start_alnum = false; // the character after "//" must be a letter, digit or '['
};

// Every URL in `text` by `rules` (scheme matched case-insensitively; a URL ends
// before whitespace, a non-ASCII byte or a `stop` character): byte ranges
// [first, second), in order, never overlapping.
std::vector<std::pair<std::size_t, std::size_t>> find_urls(std::string_view text,
                                                           const UrlRules& rules);

// `text` safe inside HTML or SVG text and quoted attributes: & < > " ' as
// &amp; &lt; &gt; &quot; &#39; (HTML 4 knows &#39;, not &apos;). Nothing else changes.
std::string escape_html(std::string_view text);

} // namespace shopkit
