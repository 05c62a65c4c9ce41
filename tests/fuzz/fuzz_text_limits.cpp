// The text-limit counters (X, Mastodon, LINE, Bluesky): any bytes are counted,
// with no crash or undefined behaviour, and the counts agree with each other
// and grow by what a character added at the end weighs.
#include "fuzz_support.hpp"

#include "lib/announce/text_limits.hpp"
#include "lib/core/text.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

using namespace shopkit;

namespace {

struct Counts {
    std::size_t code_points, utf16, graphemes, x, mastodon;
};

Counts count(std::string_view s) {
    return {count_code_points(s), count_utf16_units(s), count_graphemes(s), x_weighted_length(s),
            mastodon_length(s)};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const Counts c = count(text);
    FUZZ_CHECK(c.code_points <= size);
    FUZZ_CHECK(c.graphemes <= c.code_points);
    FUZZ_CHECK(c.utf16 >= c.code_points && c.utf16 <= 2 * c.code_points);
    FUZZ_CHECK((size == 0) == (c.x == 0));
    FUZZ_CHECK((size == 0) == (c.mastodon == 0));
    // A URL weighs 23 however long it is, a character at most 2.
    FUZZ_CHECK(c.x <= 2 * c.code_points + 23 * (size / 8 + 1));
    FUZZ_CHECK(c.mastodon <= c.code_points + 23 * (size / 8 + 1));

    // One more letter: one more code point and UTF-16 unit, at most one more
    // cluster. One more space (which no URL holds): one more for X and Mastodon.
    const Counts letter = count(text + "a");
    FUZZ_CHECK(letter.code_points == c.code_points + 1);
    FUZZ_CHECK(letter.utf16 == c.utf16 + 1);
    FUZZ_CHECK(letter.graphemes == c.graphemes || letter.graphemes == c.graphemes + 1);
    const Counts space = count(text + " ");
    FUZZ_CHECK(space.x == c.x + 1);
    FUZZ_CHECK(space.mastodon == c.mastodon + 1);

    (void)display_width(text);
    for (const std::size_t max : {std::size_t(0), size / 2, size}) {
        const std::string_view prefix = utf8_prefix(text, max);
        FUZZ_CHECK(prefix.size() <= max);
        FUZZ_CHECK(text.starts_with(prefix));
    }
    return 0;
}
