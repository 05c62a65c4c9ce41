#include "lib/announce/text_limits.hpp"

namespace shopkit {

namespace {

bool in(char32_t c, char32_t lo, char32_t hi) {
    return c >= lo && c <= hi;
}

bool is_regional_indicator(char32_t c) {
    return in(c, 0x1F1E6, 0x1F1FF);
}

bool is_emoji_base(char32_t c) {
    return in(c, 0x1F000, 0x1FAFF) || in(c, 0x2600, 0x27BF) || in(c, 0x2300, 0x23FF) ||
           in(c, 0x2B00, 0x2BFF) || c == 0x00A9 || c == 0x00AE || c == 0x203C || c == 0x2049 ||
           c == 0x2122 || c == 0x2139 || in(c, 0x2194, 0x21AA);
}

// twitter-text's URLs (Mastodon counts the same ones): they stop at whitespace
// and at most non-ASCII text, e.g. Japanese right after the URL; trailing
// punctuation ends the sentence, not the URL; a ')' only belongs to the URL when
// it closes a '(' inside it; a host starts with a letter or digit.
constexpr UrlRules twitter_urls{
    .stop = "\"<>`{}^\\",
    .trailing = ".,:;!?'*",
    .closers = ")",
    .not_after = "/@.",
    .host_must_start_alnum = true,
};

constexpr std::size_t url_weight = 23;

bool x_light(char32_t c) {
    return in(c, 0x0000, 0x10FF) || in(c, 0x2000, 0x200D) || in(c, 0x2010, 0x201F) ||
           in(c, 0x2032, 0x2037);
}

// Calls `url(begin, end)` for each URL and `other(at)` for each character
// outside them (which returns the byte offset to go on from), in text order.
template <typename Url, typename Other> void walk(std::string_view utf8, Url&& url, Other&& other) {
    const auto urls = find_urls(utf8, twitter_urls);
    std::size_t next = 0;
    for (std::size_t at = 0; at < utf8.size();) {
        while (next < urls.size() && urls[next].first < at)
            ++next; // started inside an emoji sequence: text, not a URL
        if (next < urls.size() && urls[next].first == at) {
            url();
            at = urls[next++].second;
        } else {
            at = other(at);
        }
    }
}

} // namespace

std::size_t x_weighted_length(std::string_view utf8) {
    std::size_t weight = 0;
    walk(
        utf8, [&] { weight += url_weight; },
        [&](std::size_t at) {
            const Utf8Char c = decode_utf8(utf8, at);
            const bool valid = c.code_point != invalid_code_point;
            // twitter-text v3 parses emoji: a whole emoji sequence (ZWJ family,
            // flag, skin tone, keycap, VS16 presentation) weighs 2 like one CJK
            // character.
            if (valid && (is_emoji_base(c.code_point) || is_regional_indicator(c.code_point))) {
                const std::size_t end = grapheme_end(utf8, at);
                if (end - at > c.length || !x_light(c.code_point)) {
                    weight += 2;
                    return end;
                }
            }
            weight += !valid || x_light(c.code_point) ? 1 : 2;
            return at + c.length;
        });
    return weight;
}

std::size_t mastodon_length(std::string_view utf8) {
    std::size_t n = 0;
    walk(
        utf8, [&] { n += url_weight; },
        [&](std::size_t at) {
            ++n;
            return at + decode_utf8(utf8, at).length;
        });
    return n;
}

} // namespace shopkit
