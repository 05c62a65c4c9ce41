#include "lib/net/mime.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace shopkit;
using shopkit::test::at;

namespace {

// An independent base64 decoder (not the module's encoder run backwards).
std::string unbase64(const std::string& text) {
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (char ch : text) {
        if (ch == '=' || ch == '\r' || ch == '\n')
            continue;
        const auto v = alphabet.find(ch);
        REQUIRE(v != std::string::npos);
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    return out;
}

std::vector<std::string> split(const std::string& s, const std::string& sep) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (true) {
        const auto end = s.find(sep, pos);
        out.push_back(s.substr(pos, end - pos));
        if (end == std::string::npos)
            return out;
        pos = end + sep.size();
    }
}

// True when every byte sequence is a whole, valid UTF-8 character.
bool whole_utf8(const std::string& s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80         ? 1
                        : (c >> 5) == 6  ? 2
                        : (c >> 4) == 14 ? 3
                        : (c >> 3) == 30 ? 4
                                         : 0;
        if (n == 0 || i + n > s.size())
            return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
                return false;
        i += n;
    }
    return true;
}

// RFC 2047 decoding of a folded header value, written for the test: unfold, then
// join encoded-words (whitespace between two of them is dropped); each word's
// bytes are checked to be whole characters on their own.
std::string decode_header(const std::string& folded, std::vector<std::string>* words = nullptr) {
    std::string value;
    for (std::size_t i = 0; i < folded.size(); ++i) {
        if (folded.compare(i, 3, "\r\n ") == 0) {
            value += ' ';
            i += 2;
        } else {
            REQUIRE(folded[i] != '\r');
            REQUIRE(folded[i] != '\n');
            value += folded[i];
        }
    }
    std::string out;
    bool last_encoded = false;
    std::string pending_space;
    for (const std::string& token : split(value, " ")) {
        if (token.empty()) {
            pending_space += ' ';
            continue;
        }
        const bool encoded = token.rfind("=?UTF-8?B?", 0) == 0 && token.size() >= 12 &&
                             token.compare(token.size() - 2, 2, "?=") == 0;
        if (encoded) {
            const std::string bytes = unbase64(token.substr(10, token.size() - 12));
            CHECK(whole_utf8(bytes));
            if (words)
                words->push_back(token);
            if (!last_encoded && !out.empty())
                out += pending_space;
            out += bytes;
        } else {
            if (!out.empty())
                out += pending_space;
            out += token;
        }
        pending_space = " ";
        last_encoded = encoded;
    }
    return out;
}

void check_lines(const std::string& header_line, std::size_t limit) {
    for (const std::string& line : split(header_line, "\r\n")) {
        INFO(line);
        CHECK(line.size() <= limit);
    }
}

} // namespace

TEST_CASE("mime: base64 of the RFC 4648 test vectors") {
    CHECK(mime::base64("") == "");
    CHECK(mime::base64("f") == "Zg==");
    CHECK(mime::base64("fo") == "Zm8=");
    CHECK(mime::base64("foo") == "Zm9v");
    CHECK(mime::base64("foob") == "Zm9vYg==");
    CHECK(mime::base64("fooba") == "Zm9vYmE=");
    CHECK(mime::base64("foobar") == "Zm9vYmFy");
    CHECK(mime::base64(std::string("\xff\xfe\x00", 3)) == "//4A");
}

TEST_CASE("mime: base64 lines are 76 characters and end in CRLF") {
    std::string data;
    for (int i = 0; i < 1000; ++i)
        data += static_cast<char>(i * 7);
    const std::string encoded = mime::base64_lines(data);
    const auto lines = split(encoded, "\r\n");
    REQUIRE(lines.back().empty()); // ends with CRLF
    for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
        CHECK(lines[i].size() <= 76);
        if (i + 2 < lines.size())
            CHECK(lines[i].size() == 76);
    }
    CHECK(unbase64(encoded) == data);
    CHECK(mime::base64_lines("").empty());
}

TEST_CASE("mime: body line ends become CRLF") {
    CHECK(mime::crlf_lines("a\nb\r\nc\rd\n") == "a\r\nb\r\nc\r\nd\r\n");
    CHECK(mime::crlf_lines("") == "");
}

TEST_CASE(
    "mime: a Japanese subject is encoded-words that decode back and never split a character") {
    const std::string subject =
        "【障害のお知らせ】公式オンラインショップのカートがご利用いただけません（2026年6月4日 "
        "12:00〜）お急ぎの方は楽天市場店をご利用ください 🙇‍♀️🛒";
    for (std::size_t used : {0, 9, 20, 40, 60, 70}) {
        INFO("used " << used);
        const std::string folded = mime::encode_unstructured(subject, used);
        std::vector<std::string> words;
        CHECK(decode_header(folded, &words) == subject);
        CHECK(words.size() > 1);
        for (const auto& w : words)
            CHECK(w.size() <= 75);
        // The first line holds `used` characters already.
        const auto lines = split(folded, "\r\n");
        CHECK(used + lines.front().size() <= 76);
        for (std::size_t i = 1; i < lines.size(); ++i) {
            CHECK(lines[i].size() <= 76);
            CHECK(lines[i].front() == ' ');
        }
    }
}

TEST_CASE("mime: every length of a mixed text splits between whole characters") {
    // Whole characters: a (1), é (2), 日 (3), 🛒 (4), ｶ (3).
    const std::vector<std::string> chars = {"a", "é", "日", "🛒", "ｶ", "x"};
    std::string s;
    for (int n = 1; n < 200; ++n) {
        s += chars[n % chars.size()];
        const std::string folded = mime::encode_unstructured(s, 9);
        std::vector<std::string> words;
        REQUIRE(decode_header(folded, &words) == s);
        for (const auto& w : words)
            REQUIRE(w.size() <= 75);
        check_lines(folded, 76);
    }
}

TEST_CASE("mime: printable ASCII stays readable and folds at spaces") {
    CHECK(mime::encode_unstructured("Outage notice", 9) == "Outage notice");
    std::string long_subject;
    for (int i = 0; i < 30; ++i)
        long_subject += "word" + std::to_string(i) + " ";
    long_subject += "end";
    const std::string folded = mime::encode_unstructured(long_subject, 9);
    CHECK(folded.find("=?") == std::string::npos);
    CHECK(folded.find("\r\n ") != std::string::npos);
    CHECK(decode_header(folded) == long_subject);
    const auto lines = split(folded, "\r\n");
    CHECK(9 + lines.front().size() <= 78);
    for (const auto& line : lines)
        CHECK(line.size() <= 78);
}

TEST_CASE("mime: an ASCII word too long to fold, or one that looks encoded, is encoded") {
    const std::string word(120, 'x');
    const std::string folded = mime::encode_unstructured(word, 9);
    CHECK(folded.find("=?UTF-8?B?") == 0);
    CHECK(decode_header(folded) == word);
    const std::string tricky = "price =?UTF-8?B?5pel?= today";
    const std::string enc = mime::encode_unstructured(tricky, 9);
    CHECK(enc.find("=?UTF-8?B?") == 0);
    CHECK(decode_header(enc) == tricky);
}

TEST_CASE("mime: control characters cannot inject a header") {
    const std::string folded = mime::encode_unstructured("Hello\r\nBcc: victim@example.com", 9);
    // Every line break is a fold (CRLF then a space).
    for (std::size_t p = folded.find("\r\n"); p != std::string::npos;
         p = folded.find("\r\n", p + 1))
        CHECK(folded.compare(p, 3, "\r\n ") == 0);
    CHECK(decode_header(folded) == "Hello Bcc: victim@example.com");
    CHECK(mime::encode_unstructured("  spaced \t out  ", 9) == "spaced out");
}

TEST_CASE("mime: addresses") {
    CHECK(mime::valid_address("shop@example.jp"));
    CHECK(mime::valid_address("a.b+tag@sub.example.co.jp"));
    CHECK_FALSE(mime::valid_address(""));
    CHECK_FALSE(mime::valid_address("no-at-sign"));
    CHECK_FALSE(mime::valid_address("@example.jp"));
    CHECK_FALSE(mime::valid_address("user@"));
    CHECK_FALSE(mime::valid_address("a@b@c"));
    CHECK_FALSE(mime::valid_address("two words@example.jp"));
    CHECK_FALSE(mime::valid_address("a@example.jp\r\nBcc: x@y"));
    CHECK_FALSE(mime::valid_address("<a@example.jp>"));
    CHECK_FALSE(mime::valid_address("a@.example.jp"));
    CHECK_FALSE(mime::valid_address("a@example..jp"));
}

TEST_CASE("mime: parse_mailbox reads the usual forms") {
    auto a = mime::parse_mailbox("Example Store <shop@example.jp>");
    REQUIRE(a);
    CHECK(a->name == "Example Store");
    CHECK(a->address == "shop@example.jp");
    auto b = mime::parse_mailbox("  shop@example.jp ");
    REQUIRE(b);
    CHECK(b->name.empty());
    CHECK(b->address == "shop@example.jp");
    auto c = mime::parse_mailbox("\"Store, \\\"Tokyo\\\"\" <shop@example.jp>");
    REQUIRE(c);
    CHECK(c->name == "Store, \"Tokyo\"");
    auto d = mime::parse_mailbox("テスト商店 <shop@example.jp>");
    REQUIRE(d);
    CHECK(d->name == "テスト商店");
    auto e = mime::parse_mailbox("<shop@example.jp>");
    REQUIRE(e);
    CHECK(e->address == "shop@example.jp");
    CHECK_FALSE(mime::parse_mailbox("Example Store"));
    CHECK_FALSE(mime::parse_mailbox("Store <not an address>"));
}

TEST_CASE("mime: mailboxes: phrase, quoted string, encoded name") {
    CHECK(mime::format_mailbox({"", "shop@example.jp"}, 6) == "shop@example.jp");
    CHECK(mime::format_mailbox({"Example Store", "shop@example.jp"}, 6) ==
          "Example Store <shop@example.jp>");
    CHECK(mime::format_mailbox({"Store, Inc. \"Tokyo\"", "shop@example.jp"}, 6) ==
          "\"Store, Inc. \\\"Tokyo\\\"\" <shop@example.jp>");
    const std::string jp =
        mime::format_mailbox({"テスト商店 公式オンラインショップ", "shop@example.jp"}, 6);
    CHECK(jp.find("=?UTF-8?B?") == 0);
    CHECK(jp.size() > 20);
    CHECK(jp.substr(jp.size() - 17) == "<shop@example.jp>");
    CHECK(decode_header(jp) == "テスト商店 公式オンラインショップ <shop@example.jp>");
    check_lines("From: " + jp, 76);
    // A long name puts the address on a line of its own rather than over 78.
    const std::string long_jp = mime::format_mailbox(
        {"株式会社テスト商店 公式オンラインショップ カスタマーサポート窓口 担当チーム",
         "support@example.jp"},
        4);
    check_lines("To: " + long_jp, 76);
    CHECK(decode_header(long_jp) == "株式会社テスト商店 公式オンラインショップ "
                                    "カスタマーサポート窓口 担当チーム <support@example.jp>");
}

TEST_CASE("mime: RFC 5322 dates in the shop's zone or UTC") {
    const auto t = at("2026-06-04T03:00:03Z");
    CHECK(mime::rfc5322_date(t, "Asia/Tokyo") == "Thu, 04 Jun 2026 12:00:03 +0900");
    CHECK(mime::rfc5322_date(t, "") == "Thu, 04 Jun 2026 03:00:03 +0000");
    CHECK(mime::rfc5322_date(t, "America/New_York") == "Wed, 03 Jun 2026 23:00:03 -0400");
    CHECK(mime::rfc5322_date(at("2026-12-31T23:59:59Z"), "Asia/Tokyo") ==
          "Fri, 01 Jan 2027 08:59:59 +0900");
    CHECK(mime::rfc5322_date(at("2026-01-05T00:00:00Z"), "Asia/Kolkata") ==
          "Mon, 05 Jan 2026 05:30:00 +0530");
}

TEST_CASE("mime: Message-ID is stable per key and recipient") {
    const std::string key = "6f1c2a5e-0b7d-4c39-9a51-2f0e8d7c3b14";
    const std::string a = mime::message_id(key, "taro@example.com", "example.jp");
    CHECK(a == mime::message_id(key, "Taro@Example.com", "example.jp"));
    CHECK(a != mime::message_id(key, "hanako@example.com", "example.jp"));
    CHECK(a != mime::message_id("another-key", "taro@example.com", "example.jp"));
    CHECK(a.starts_with("<" + key + "."));
    CHECK(a.ends_with("@example.jp>"));
    CHECK(a.size() == 1 + key.size() + 1 + 16 + 1 + 10 + 1);
    const std::string odd = mime::message_id("a b<c>", "x@y", "d");
    CHECK(odd.starts_with("<a-b-c-."));
}

TEST_CASE("mime: List-Unsubscribe") {
    CHECK(mime::list_unsubscribe("", "") == "");
    CHECK(mime::list_unsubscribe("stop@example.jp", "") ==
          "<mailto:stop@example.jp?subject=unsubscribe>");
    CHECK(mime::list_unsubscribe("", "https://shop.example.jp/u") == "<https://shop.example.jp/u>");
    const std::string both =
        mime::list_unsubscribe("stop@example.jp", "https://shop.example.jp/unsubscribe?list=news");
    CHECK(both == "<mailto:stop@example.jp?subject=unsubscribe>,\r\n "
                  "<https://shop.example.jp/unsubscribe?list=news>");
    check_lines("List-Unsubscribe: " + both, 78);
}

namespace {

struct Parsed {
    std::vector<std::pair<std::string, std::string>> headers; // name, folded value
    std::string body;

    std::string get(const std::string& name) const {
        for (const auto& [n, v] : headers)
            if (n == name)
                return v;
        return "(absent)";
    }
    int count(const std::string& name) const {
        int n = 0;
        for (const auto& h : headers)
            n += h.first == name;
        return n;
    }
};

Parsed parse(const std::string& message) {
    Parsed p;
    const auto end = message.find("\r\n\r\n");
    REQUIRE(end != std::string::npos);
    p.body = message.substr(end + 4);
    for (const std::string& line : split(message.substr(0, end), "\r\n")) {
        if (line.starts_with(" ") || line.starts_with("\t")) {
            REQUIRE(!p.headers.empty());
            p.headers.back().second += "\r\n" + line;
            continue;
        }
        const auto colon = line.find(": ");
        REQUIRE(colon != std::string::npos);
        p.headers.emplace_back(line.substr(0, colon), line.substr(colon + 2));
    }
    return p;
}

mime::Message sample() {
    mime::Message m;
    m.from = {"テスト商店", "shop@example.jp"};
    m.to = {"山田 太郎", "taro@example.com"};
    m.subject = "【障害のお知らせ】公式オンラインショップのカートがご利用いただけません";
    m.body = "山田 太郎 様\n\nいつもご利用ありがとうございます。\n"
             "ただいま公式オンラインショップのカートがご利用いただけません。\n" +
             std::string(300, 'x') + "\n配信停止: https://shop.example.jp/unsubscribe\n";
    m.date = mime::rfc5322_date(at("2026-06-04T03:00:03Z"), "Asia/Tokyo");
    m.message_id = mime::message_id("k-1", "taro@example.com", "example.jp");
    m.unsubscribe_mailto = "unsubscribe@example.jp";
    m.unsubscribe_url = "https://shop.example.jp/unsubscribe";
    return m;
}

} // namespace

TEST_CASE("mime: a whole message: headers, lines, CRLF, body") {
    const mime::Message m = sample();
    const std::string text = mime::build_message(m);
    // CRLF everywhere, no bare CR or LF, every line at most 78 characters.
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n')
            REQUIRE((i > 0 && text[i - 1] == '\r'));
        if (text[i] == '\r')
            REQUIRE((i + 1 < text.size() && text[i + 1] == '\n'));
    }
    check_lines(text, 78);
    const Parsed p = parse(text);
    CHECK(p.get("Date") == "Thu, 04 Jun 2026 12:00:03 +0900");
    CHECK(decode_header(p.get("From")) == "テスト商店 <shop@example.jp>");
    CHECK(decode_header(p.get("To")) == "山田 太郎 <taro@example.com>");
    CHECK(decode_header(p.get("Subject")) == m.subject);
    CHECK(p.get("Message-ID") == m.message_id);
    CHECK(p.get("MIME-Version") == "1.0");
    CHECK(p.get("Content-Type") == "text/plain; charset=UTF-8");
    CHECK(p.get("Content-Transfer-Encoding") == "base64");
    CHECK(p.get("List-Unsubscribe") == "<mailto:unsubscribe@example.jp?subject=unsubscribe>,\r\n "
                                       "<https://shop.example.jp/unsubscribe>");
    CHECK(p.get("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click");
    for (const char* once : {"Date", "From", "To", "Subject", "Message-ID"})
        CHECK(p.count(once) == 1);
    CHECK(unbase64(p.body) == mime::crlf_lines(m.body));
}

TEST_CASE("mime: List-Unsubscribe-Post only with an https URL") {
    mime::Message m = sample();
    m.unsubscribe_url.clear();
    Parsed p = parse(mime::build_message(m));
    CHECK(p.get("List-Unsubscribe") == "<mailto:unsubscribe@example.jp?subject=unsubscribe>");
    CHECK(p.count("List-Unsubscribe-Post") == 0);
    m.unsubscribe_url = "http://shop.example.jp/unsubscribe";
    p = parse(mime::build_message(m));
    CHECK(p.count("List-Unsubscribe-Post") == 0);
    m.unsubscribe_url.clear();
    m.unsubscribe_mailto.clear();
    p = parse(mime::build_message(m));
    CHECK(p.count("List-Unsubscribe") == 0);
}

TEST_CASE("mime: the preview is readable UTF-8") {
    const std::string shown = mime::preview_message(sample());
    CHECK(shown.find("From: テスト商店 <shop@example.jp>\n") != std::string::npos);
    CHECK(shown.find("To: 山田 太郎 <taro@example.com>\n") != std::string::npos);
    CHECK(shown.find("Subject: 【障害のお知らせ】") != std::string::npos);
    CHECK(shown.find("List-Unsubscribe-Post: List-Unsubscribe=One-Click\n") != std::string::npos);
    CHECK(shown.find("\n\n山田 太郎 様\n") != std::string::npos);
    CHECK(shown.find('\r') == std::string::npos);
}

TEST_CASE("mime: List-Id, Feedback-ID and an HTML alternative") {
    mime::Message m = sample();
    m.list_id = "<outage.example.jp>";
    m.feedback_id = "opened:mail:shopkit:example.jp";
    m.html = "<p>山田 太郎 様</p>\n<p>配信停止</p>\n";
    const std::string text = mime::build_message(m);
    check_lines(text, 78);
    const Parsed p = parse(text);
    CHECK(p.get("List-Id") == "<outage.example.jp>");
    CHECK(p.get("Feedback-ID") == "opened:mail:shopkit:example.jp");
    const std::string type = p.get("Content-Type");
    REQUIRE(type.starts_with("multipart/alternative;\r\n boundary=\"=_shopkit_"));
    const std::string boundary =
        type.substr(type.find('"') + 1, type.rfind('"') - type.find('"') - 1);
    CHECK(p.count("Content-Transfer-Encoding") == 0);
    // text/plain first, text/html second, each base64, then the closing boundary.
    const auto first = p.body.find("--" + boundary +
                                   "\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                                   "Content-Transfer-Encoding: base64\r\n\r\n");
    const auto second = p.body.find("--" + boundary +
                                    "\r\nContent-Type: text/html; charset=UTF-8\r\n"
                                    "Content-Transfer-Encoding: base64\r\n\r\n");
    CHECK(first == 0);
    REQUIRE(second != std::string::npos);
    CHECK(second > first);
    CHECK(p.body.ends_with("--" + boundary + "--\r\n"));
    // The same message gives the same boundary (a retry is the same bytes).
    CHECK(mime::build_message(m) == text);
}
