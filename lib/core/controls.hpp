// Control characters in third-party text (a feed's titles, a status page's
// names, a server's error): what output for a terminal or a monitoring system
// may carry of them.
#pragma once

#include <string>
#include <string_view>

namespace shopkit {

// `text` without control characters, for a terminal or a monitoring system:
// C0 (U+0000-U+001F, tab kept when `keep_tab`), DEL and C1 (U+0080-U+009F, which
// a terminal reads as CSI, OSC …) are dropped, and each byte that starts no valid
// UTF-8 character becomes U+FFFD (a raw 0x9B is CSI to an 8-bit terminal).
std::string strip_controls(std::string_view text, bool keep_tab = false);
// strip_controls of each line of `text`, its line breaks ('\n') kept: for a text
// of several lines of our own (a notice) that may carry third-party words.
std::string strip_controls_by_line(std::string_view text);

} // namespace shopkit
