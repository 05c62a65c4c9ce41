// UTF-8 text: decoding, counting, width, cutting, trimming, URLs.
#include "lib/core/text.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace shopkit;

namespace {

std::string utf8(char32_t c) {
    std::string out;
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
    return out;
}

// 120 Hangul syllables, precomposed (U+AC00 …) or as conjoining jamo (L V T).
std::string hangul(std::size_t n, bool jamo) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        const auto s = static_cast<char32_t>(0xAC00 + (i * 97) % 11172);
        if (!jamo) {
            out += utf8(s);
            continue;
        }
        const char32_t index = s - 0xAC00;
        out += utf8(0x1100 + index / (21 * 28));
        out += utf8(0x1161 + (index % (21 * 28)) / 28);
        if (index % 28 != 0)
            out += utf8(0x11A7 + index % 28);
    }
    return out;
}

} // namespace

TEST_CASE("text: a Korean post counts one grapheme a syllable") {
    CHECK(count_graphemes(hangul(120, false)) == 120);
    CHECK(count_graphemes(hangul(120, true)) == 120);
    CHECK(count_graphemes("\xe1\x84\x92\xe1\x85\xa1\xe1\x86\xab") == 1); // 한 as L V T
    CHECK(count_graphemes("\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4") == 3); // 한국어
    CHECK(count_code_points(hangul(120, true)) > 240);
}

TEST_CASE("text: decoding and validity") {
    CHECK(decode_utf8("a", 0).code_point == U'a');
    CHECK(decode_utf8("\xc3\xa9", 0).code_point == 0xE9);
    CHECK(decode_utf8("\xc3\xa9", 0).length == 2);
    CHECK(decode_utf8("\xf0\x9f\x98\x80", 0).code_point == 0x1F600);
    for (const std::string bad :
         {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe3\x81", "\xff"}) {
        CHECK(decode_utf8(bad, 0).code_point == invalid_code_point);
        CHECK(decode_utf8(bad, 0).length == 1);
        CHECK_FALSE(valid_utf8(bad));
    }
    CHECK(valid_utf8(""));
    CHECK(valid_utf8("障害のお知らせ 😀"));
}

TEST_CASE("text: grapheme clusters") {
    CHECK(count_graphemes("e\xcc\x81") == 1);
    CHECK(count_graphemes("👨‍👩‍👧‍👦") == 1);
    CHECK(count_graphemes("🇯🇵🇺🇸") == 2);
    CHECK(count_graphemes("a\r\nb") == 3);
    CHECK(count_graphemes("\xff\xfe") == 2);
    CHECK(count_graphemes("e\xff\xcc\x81") == 3); // a bad byte breaks a cluster
    const std::string flag = "🇯🇵";
    CHECK(grapheme_end(flag + "x", 0) == flag.size());
}

TEST_CASE("text: display width") {
    CHECK(display_width("") == 0);
    CHECK(display_width("abc") == 3);
    CHECK(display_width("障害") == 4);
    CHECK(display_width("e\xcc\x81") == 1);
    CHECK(display_width("\xff") == 1);
}

TEST_CASE("text: utf8_prefix never cuts a character") {
    CHECK(utf8_prefix("abc", 2) == "ab");
    CHECK(utf8_prefix("abc", 10) == "abc");
    CHECK(utf8_prefix("a障", 3) == "a");
    CHECK(utf8_prefix("a障", 4) == "a障");
    CHECK(utf8_prefix("a\xff\xfe", 2) == "a\xff");
}

TEST_CASE("text: trim") {
    CHECK(trim("  a b \r\n") == "a b");
    CHECK(trim(" \t\r\n") == "");
    CHECK(trim(" \ta\t", " ") == "\ta\t");
}

TEST_CASE("text: find_urls by a service's rules") {
    const UrlRules rules{.stop = "<>\"",
                         .trailing = ".,",
                         .closers = ")",
                         .not_after = "",
                         .host_must_start_alnum = true};
    const std::string text = "see https://a.jp/x). and HTTP://b.jp, not xhttp://c.jp or https://.x";
    const auto urls = find_urls(text, rules);
    REQUIRE(urls.size() == 2);
    CHECK(text.substr(urls[0].first, urls[0].second - urls[0].first) == "https://a.jp/x");
    CHECK(text.substr(urls[1].first, urls[1].second - urls[1].first) == "HTTP://b.jp");
    CHECK(find_urls("https://", rules).empty());
    CHECK(find_urls("https://例え.jp", rules).empty());
}
