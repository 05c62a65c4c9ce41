// How X and Mastodon count the length of a post (their own rules, on lib/core/text),
// so a notice that does not fit is refused with a clear error instead of being cut
// (every count is of UTF-8 input; invalid UTF-8 counts each bad byte as one character).
#pragma once

#include "lib/core/text.hpp"

#include <cstddef>
#include <string_view>

namespace shopkit {

// count_code_points, count_utf16_units and count_graphemes (the plain counts
// most services use) come from lib/core/text.

// twitter-text v3 weighted length: code points in the light ranges (U+0000-U+10FF,
// U+2000-U+200D, U+2010-U+201F, U+2032-U+2037) weigh 1, all others 2 (so CJK is 2),
// every http(s) URL weighs 23 whatever its length. X's limit is 280.
std::size_t x_weighted_length(std::string_view utf8);
// Mastodon: code points, with every http(s) URL counted as 23. Limit 500 by default.
std::size_t mastodon_length(std::string_view utf8);

} // namespace shopkit
