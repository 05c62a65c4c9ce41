// How each service counts a post's length.
#include "lib/announce/text_limits.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace shopkit;

namespace {

std::string repeat(const std::string& s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i)
        out += s;
    return out;
}

} // namespace

TEST_CASE("text_limits: code points and UTF-16 units") {
    CHECK(count_code_points("") == 0);
    CHECK(count_code_points("abc") == 3);
    CHECK(count_code_points("障害のお知らせ") == 7);
    CHECK(count_code_points("é") == 1);
    CHECK(count_code_points("😀") == 1);
    CHECK(count_utf16_units("abc") == 3);
    CHECK(count_utf16_units("障害") == 2);
    CHECK(count_utf16_units("😀") == 2); // outside the BMP: a surrogate pair
    CHECK(count_utf16_units("a😀b") == 4);
}

TEST_CASE("text_limits: invalid UTF-8 counts each bad byte once") {
    CHECK(count_code_points("\xff") == 1);
    CHECK(count_code_points("a\xe3\x81") == 3);        // truncated sequence
    CHECK(count_code_points("\xc0\xaf") == 2);         // overlong '/'
    CHECK(count_code_points("\xed\xa0\x80") == 3);     // a surrogate
    CHECK(count_code_points("\xf4\x90\x80\x80") == 4); // beyond U+10FFFF
    CHECK(count_utf16_units("\xf0\x9f\x98") == 3);
    CHECK(x_weighted_length("\xff\xfe") == 2);
    CHECK(count_graphemes("\xff\xfe") == 2);
}

TEST_CASE("text_limits: graphemes") {
    CHECK(count_graphemes("") == 0);
    CHECK(count_graphemes("abc") == 3);
    CHECK(count_graphemes("e\xcc\x81") == 1);                 // e + combining acute
    CHECK(count_graphemes("\xe3\x81\x8b\xe3\x82\x99") == 1);  // か + combining dakuten
    CHECK(count_graphemes("👍🏽") == 1);                  // skin tone
    CHECK(count_graphemes("👨‍👩‍👧‍👦") == 1); // ZWJ family
    CHECK(count_graphemes("🇯🇵") == 1);                        // a flag
    CHECK(count_graphemes("🇯🇵🇺🇸") == 2);
    CHECK(count_graphemes("🇯🇵🇺") == 2);     // a lone indicator
    CHECK(count_graphemes("1️⃣") == 1); // keycap
    CHECK(count_graphemes("❤️") == 1);  // VS16
    CHECK(count_graphemes("a\r\nb") == 3);
    CHECK(count_graphemes("障害🙇‍♀️です") == 5);
}

TEST_CASE("text_limits: X weighted length") {
    CHECK(x_weighted_length("") == 0);
    CHECK(x_weighted_length("hello") == 5);
    CHECK(x_weighted_length("カート") == 6);       // CJK weighs 2
    CHECK(x_weighted_length("café") == 4);         // Latin-1 is light
    CHECK(x_weighted_length("Привет") == 6);       // Cyrillic is light (< U+10FF)
    CHECK(x_weighted_length("\xe2\x80\x94") == 1); // em dash U+2014 is light
    CHECK(x_weighted_length("\xe2\x80\xa6") == 2); // … U+2026 is not
    CHECK(x_weighted_length("\xe2\x80\xb2") == 1); // prime U+2032 is light
    CHECK(x_weighted_length("😀") == 2);
    CHECK(x_weighted_length("👨‍👩‍👧‍👦") == 2); // one emoji sequence
    CHECK(x_weighted_length("🇯🇵") == 2);
    CHECK(x_weighted_length("❤️") == 2);
    CHECK(x_weighted_length("©") == 1);

    // Every URL weighs 23, whatever its length.
    CHECK(x_weighted_length("https://t.co") == 23);
    CHECK(x_weighted_length("http://example.com/a/very/long/path/that/goes/on/and/on?x=1") == 23);
    CHECK(x_weighted_length("see https://shop.example.jp/cart.") == 4 + 23 + 1);
    CHECK(x_weighted_length("(https://shop.example.jp/a)") == 1 + 23 + 1);
    CHECK(x_weighted_length("https://en.wikipedia.org/wiki/Foo_(bar)") == 23);
    // Japanese right after a URL is text, not URL.
    CHECK(x_weighted_length("https://shop.example.jp/です") == 23 + 4);
    CHECK(x_weighted_length("HTTPS://EXAMPLE.COM") == 23);
    CHECK(x_weighted_length("https://") == 8);                          // no host: not a URL
    CHECK(x_weighted_length("xhttps://example.com/a/long/path") == 32); // not a URL
    CHECK(x_weighted_length("a https://a.jp b https://b.jp") == 2 + 23 + 3 + 23);
}

TEST_CASE("text_limits: X's 280 boundary") {
    CHECK(x_weighted_length(repeat("a", 280)) == 280);
    CHECK(x_weighted_length(repeat("あ", 140)) == 280);
    CHECK(x_weighted_length(repeat("あ", 140) + "a") == 281);
    // A long URL in a Japanese notice still fits: it weighs 23.
    const std::string notice = repeat("障", 128) + "\nhttps://shop.example.jp/" + repeat("x", 200);
    CHECK(x_weighted_length(notice) == 256 + 1 + 23);
}

TEST_CASE("text_limits: Mastodon length") {
    CHECK(mastodon_length("") == 0);
    CHECK(mastodon_length("障害") == 2);
    CHECK(mastodon_length("😀") == 1);
    CHECK(mastodon_length("see https://example.com/" + repeat("p", 100)) == 4 + 23);
    CHECK(mastodon_length(repeat("a", 500)) == 500);
}
