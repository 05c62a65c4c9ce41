// The MIME encoder of e-mail notices: headers from hostile UTF-8 (or bytes)
// fold into lines of at most 78 characters with CRLF only as folding, carry
// the text they were given, and never start a header of their own; a whole
// message keeps every line within 998 characters and its body decodes back.
#include "fuzz_support.hpp"

#include "lib/core/text.hpp"
#include "lib/net/mime.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

using namespace shopkit;

namespace {

// Lines of `text` split at CRLF; a lone CR or LF fails the run.
std::vector<std::string_view> crlf_split(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t pos = 0;
    for (;;) {
        const std::size_t end = text.find("\r\n", pos);
        const std::string_view line = text.substr(pos, end - pos);
        FUZZ_CHECK(line.find('\r') == std::string_view::npos);
        FUZZ_CHECK(line.find('\n') == std::string_view::npos);
        lines.push_back(line);
        if (end == std::string_view::npos)
            return lines;
        pos = end + 2;
    }
}

std::string unbase64(std::string_view text) {
    static constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (const char ch : text) {
        if (ch == '=')
            break;
        const std::size_t v = alphabet.find(ch);
        FUZZ_CHECK(v != std::string_view::npos);
        buffer = (buffer << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    return out;
}

// What a header value says once unfolded: controls and runs of spaces are one
// space, the ends trimmed (the encoder's documented one-line form).
std::string one_line(std::string_view text) {
    std::string out;
    bool space = false;
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7F || c == ' ') {
            space = true;
            continue;
        }
        if (space && !out.empty())
            out += ' ';
        space = false;
        out += ch;
    }
    return out;
}

// encode_unstructured: folded lines within 78 (the first holding `used`
// already), and the text comes back from its words whole, split only between
// characters.
void check_unstructured(std::string_view text, std::size_t used) {
    const std::string encoded = mime::encode_unstructured(text, used);
    const auto lines = crlf_split(encoded);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        FUZZ_CHECK((i == 0 ? used : 0) + lines[i].size() <= 78);
        if (i > 0)
            FUZZ_CHECK(lines[i].starts_with(' '));
    }
    std::string unfolded;
    for (const auto line : lines)
        unfolded += line;
    const std::string expected = one_line(text);
    if (!unfolded.starts_with(" =?UTF-8?B?") && !unfolded.starts_with("=?UTF-8?B?")) {
        FUZZ_CHECK(std::string_view(unfolded).substr(unfolded.starts_with(' ') ? 1 : 0) ==
                   expected);
        return;
    }
    std::string decoded;
    std::vector<std::size_t> cuts;
    std::size_t pos = 0;
    while (pos < unfolded.size()) {
        if (unfolded[pos] == ' ') {
            ++pos;
            continue;
        }
        std::size_t end = unfolded.find(' ', pos);
        if (end == std::string::npos)
            end = unfolded.size();
        const std::string_view word = std::string_view(unfolded).substr(pos, end - pos);
        FUZZ_CHECK(word.size() <= 75);
        FUZZ_CHECK(word.starts_with("=?UTF-8?B?") && word.ends_with("?="));
        decoded += unbase64(word.substr(10, word.size() - 12));
        cuts.push_back(decoded.size());
        pos = end;
    }
    FUZZ_CHECK(decoded == expected);
    // Every cut falls on a character boundary of the text.
    std::size_t at = 0;
    for (const std::size_t cut : cuts) {
        while (at < cut)
            at += decode_utf8(decoded, at).length;
        FUZZ_CHECK(at == cut);
    }
}

void check_mailbox(std::string_view text, std::size_t used) {
    const auto box = mime::parse_mailbox(text);
    if (!box)
        return;
    FUZZ_CHECK(mime::valid_address(box->address));
    const std::string formatted = mime::format_mailbox(*box, used);
    const auto lines = crlf_split(formatted);
    // A line holds the whole address: a very long one may pass 78, never 998.
    const std::size_t limit = box->address.size() + 3 <= 78 ? 78 : 998;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        FUZZ_CHECK((i == 0 ? used : 0) + lines[i].size() <= limit);
        if (i > 0)
            FUZZ_CHECK(lines[i].starts_with(' '));
    }
    FUZZ_CHECK(formatted.find(box->address) != std::string::npos);
}

void check_message(FuzzedDataProvider& in) {
    static constexpr std::array<const char*, 3> zones = {"", "Asia/Tokyo", "America/New_York"};
    mime::Message m;
    const auto from = mime::parse_mailbox(in.ConsumeRandomLengthString(80));
    const auto to = mime::parse_mailbox(in.ConsumeRandomLengthString(80));
    m.from = from ? *from : mime::Mailbox{"Shop", "shop@example.jp"};
    m.to = to ? *to : mime::Mailbox{"", "customer@example.com"};
    m.subject = in.ConsumeRandomLengthString(300);
    const auto seconds = in.ConsumeIntegralInRange<std::int64_t>(0, 8'000'000'000);
    m.date = mime::rfc5322_date(TimePoint(std::chrono::seconds(seconds)),
                                zones[in.ConsumeIntegralInRange<std::size_t>(0, zones.size() - 1)]);
    const std::string domain = m.from.address.substr(m.from.address.find('@') + 1);
    m.message_id = mime::message_id(in.ConsumeRandomLengthString(40), m.to.address, domain);
    if (in.ConsumeBool())
        m.unsubscribe_mailto = "stop@example.jp";
    if (in.ConsumeBool()) {
        // As the e-mail target accepts it: no space, control or angle bracket.
        std::string url = "https://example.jp/u?";
        for (const char ch : in.ConsumeRandomLengthString(120))
            if (ch > ' ' && ch < 0x7F && ch != '<' && ch != '>' && ch != '"')
                url += ch;
        m.unsubscribe_url = url;
    }
    m.body = in.ConsumeRemainingBytesAsString();

    const std::string message = mime::build_message(m);
    const std::size_t split = message.find("\r\n\r\n");
    FUZZ_CHECK(split != std::string::npos);
    static constexpr std::array<std::string_view, 11> headers = {"Date: ",
                                                                 "From: ",
                                                                 "To: ",
                                                                 "Subject: ",
                                                                 "Message-ID: ",
                                                                 "MIME-Version: ",
                                                                 "Content-Type: ",
                                                                 "Content-Transfer-Encoding: ",
                                                                 "Auto-Submitted: ",
                                                                 "List-Unsubscribe: ",
                                                                 "List-Unsubscribe-Post: "};
    int starts = 0;
    for (const auto line : crlf_split(std::string_view(message).substr(0, split))) {
        FUZZ_CHECK(line.size() <= 998);
        if (line.starts_with(' '))
            continue;
        ++starts;
        bool known = false;
        for (const auto h : headers)
            known = known || line.starts_with(h);
        FUZZ_CHECK(known);
    }
    FUZZ_CHECK(starts == 9 + (m.unsubscribe_mailto.empty() && m.unsubscribe_url.empty() ? 0 : 1) +
                             (m.unsubscribe_url.empty() ? 0 : 1));
    std::string body64;
    for (const auto line : crlf_split(std::string_view(message).substr(split + 4))) {
        FUZZ_CHECK(line.size() <= 76);
        body64 += line;
    }
    FUZZ_CHECK(unbase64(body64) == mime::crlf_lines(m.body));
    (void)mime::preview_message(m);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    switch (in.ConsumeIntegralInRange(0, 2)) {
    case 0: {
        const auto used = in.ConsumeIntegralInRange<std::size_t>(0, 40);
        check_unstructured(in.ConsumeRemainingBytesAsString(), used);
        break;
    }
    case 1: {
        const auto used = in.ConsumeIntegralInRange<std::size_t>(0, 40);
        check_mailbox(in.ConsumeRemainingBytesAsString(), used);
        break;
    }
    default:
        check_message(in);
        break;
    }
    return 0;
}
