// Control characters dropped from third-party text.
#include "lib/core/controls.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace shopkit;

TEST_CASE("controls: strip_controls drops C0, DEL and C1, and nothing else") {
    // An OSC that sets the terminal title, BEL, a screen clear, and CSI as C1 (U+009B).
    const std::string hostile = "\x1b]0;pwned\x07\x1b[2J障害\xc2\x9b"
                                "31m\x7f end\r\n";
    CHECK(strip_controls(hostile) == "]0;pwned[2J障害31m end");
    CHECK(strip_controls("a\tb") == "ab");
    CHECK(strip_controls("a\tb", true) == "a\tb");
    // U+00A0 and U+00A6 are not C1; a bad byte (a lone 0x9B) becomes U+FFFD.
    CHECK(strip_controls("\xc2\xa0\xc2\xa6") == "\xc2\xa0\xc2\xa6");
    CHECK(strip_controls("x\x9by") == "x\xef\xbf\xbdy");
    CHECK(strip_controls(std::string("a\0b", 3)) == "ab");
    CHECK(strip_controls("") == "");
}

TEST_CASE("controls: strip_controls_by_line keeps our line breaks and nothing else") {
    CHECK(strip_controls_by_line("障害\n\x1b]0;x\x07ok\r\nend\n") == "障害\n]0;xok\nend\n");
    CHECK(strip_controls_by_line("") == "");
}
