#include "lib/detect/charset.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace shopkit;

namespace {
// 「カートに入れる」 as Japanese sites send it.
const std::string sjis = "\x83\x4a\x81\x5b\x83\x67\x82\xc9\x93\xfc\x82\xea\x82\xe9";
const std::string eucjp = "\xa5\xab\xa1\xbc\xa5\xc8\xa4\xcb\xc6\xfe\xa4\xec\xa4\xeb";
const std::string utf8 = "カートに入れる";
} // namespace

TEST_CASE(
    "charset: the declared set comes from Content-Type, then meta, then the XML declaration") {
    CHECK(declared_charset("", "text/html; charset=Shift_JIS") == "shift_jis");
    CHECK(declared_charset("", "text/html; charset=\"EUC-JP\"") == "euc-jp");
    CHECK(declared_charset("<html><head><meta charset=\"euc-jp\">", "text/html") == "euc-jp");
    CHECK(
        declared_charset("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=x-sjis\">",
                         "") == "x-sjis");
    CHECK(declared_charset("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><rss/>", "") ==
          "shift_jis");
    CHECK(declared_charset("<html>no declaration</html>", "text/html") == "");
    // The header wins over the page.
    CHECK(declared_charset("<meta charset=\"euc-jp\">", "text/html; charset=utf-8") == "utf-8");
}

TEST_CASE("charset: Shift_JIS and EUC-JP pages become UTF-8") {
    CHECK(to_utf8("<p>" + sjis + "</p>", "text/html; charset=Shift_JIS") == "<p>" + utf8 + "</p>");
    CHECK(to_utf8("<meta charset=\"EUC-JP\"><p>" + eucjp, "text/html") ==
          "<meta charset=\"EUC-JP\"><p>" + utf8);
    // Windows' extensions that Japanese pages use: ① and ㈱.
    CHECK(to_utf8("\x87\x40\x87\x8a", "text/plain; charset=shift_jis") == "①㈱");
}

TEST_CASE("charset: UTF-8, undeclared and unknown sets are left alone") {
    CHECK(to_utf8(utf8, "text/html; charset=utf-8") == utf8);
    CHECK(to_utf8(utf8, "text/html") == utf8);
    CHECK(to_utf8(sjis, "text/html; charset=no-such-set") == sjis);
}

TEST_CASE("charset: bad bytes become U+FFFD and a cut character at the end is dropped") {
    // 0x83 0x4a is カ; a lone 0x83 at the end was cut by max_body.
    CHECK(to_utf8("\x83\x4a\x83", "text/html; charset=shift_jis") == "カ");
    // 0xff is not Shift_JIS.
    CHECK(to_utf8("\x83\x4a\xff\x83\x4a", "text/html; charset=shift_jis") == "カ\xEF\xBF\xBDカ");
}

TEST_CASE("charset: only the documented sets are converted, no other name reaches iconv") {
    CHECK(supported_charset("") == "UTF-8");
    CHECK(supported_charset("utf-8") == "UTF-8");
    CHECK(supported_charset("us-ascii") == "UTF-8");
    for (const char* sjis :
         {"shift_jis", "shift-jis", "sjis", "x-sjis", "windows-31j", "cp932", "ms932", "Shift_JIS"})
        CHECK(supported_charset(sjis) == "CP932");
    CHECK(supported_charset("euc-jp") == "EUC-JP-MS");
    CHECK(supported_charset("x-euc-jp") == "EUC-JP-MS");
    CHECK(supported_charset("iso-2022-jp") == "ISO-2022-JP");
    CHECK(supported_charset("iso-8859-1") == "CP1252");
    CHECK(supported_charset("latin1") == "CP1252");
    for (const char* refused : {"../../etc/passwd", "utf-7", "ibm037", "utf-8//translit", "ucs-2",
                                "euc-kr", "cp932 ", "x"})
        CHECK_FALSE(supported_charset(refused).has_value());

    // An unsupported set is read as it is, and its name told.
    std::string name;
    CHECK_FALSE(converted_to_utf8("+ZeVnLIqe-", "text/html; charset=UTF-7", &name).has_value());
    CHECK(name == "utf-7");
    name.clear();
    CHECK_FALSE(converted_to_utf8("x", "text/html; charset=IBM037", &name).has_value());
    CHECK(name == "ibm037");
    CHECK(to_utf8("abc", "text/html; charset=../../etc/passwd") == "abc");
    // UTF-8 is not copied out: nothing to convert.
    name.clear();
    CHECK_FALSE(converted_to_utf8("カート", "text/html; charset=utf-8", &name).has_value());
    CHECK(name.empty());
    // ISO-2022-JP, now that it is converted.
    CHECK(to_utf8("\x1b$B%+!<%H\x1b(B", "text/plain; charset=ISO-2022-JP") == "カート");
}
