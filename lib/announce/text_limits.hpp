// How each service counts the length of a post, so a notice that does not fit is
// refused with a clear error instead of being cut (every count is of UTF-8 input;
// invalid UTF-8 counts each bad byte as one character).
#pragma once

#include <cstddef>
#include <string_view>

namespace shopkit {

// Unicode code points.
std::size_t count_code_points(std::string_view utf8);
// UTF-16 code units (LINE's 5,000 limit counts these: an emoji outside the BMP is 2).
std::size_t count_utf16_units(std::string_view utf8);
// Extended grapheme clusters, approximated: a base character with its combining
// marks, variation selectors, emoji modifiers and ZWJ-joined parts, and a pair of
// regional indicators, each count once (Bluesky's 300 limit).
std::size_t count_graphemes(std::string_view utf8);
// twitter-text v3 weighted length: code points in the light ranges (U+0000-U+10FF,
// U+2000-U+200D, U+2010-U+201F, U+2032-U+2037) weigh 1, all others 2 (so CJK is 2),
// every http(s) URL weighs 23 whatever its length. X's limit is 280.
std::size_t x_weighted_length(std::string_view utf8);
// Mastodon: code points, with every http(s) URL counted as 23. Limit 500 by default.
std::size_t mastodon_length(std::string_view utf8);

} // namespace shopkit
