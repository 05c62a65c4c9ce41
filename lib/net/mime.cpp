#include "lib/net/mime.hpp"

#include "lib/core/crypto.hpp"
#include "lib/core/text.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdint>

namespace shopkit::mime {

namespace {

// RFC 5322 says 78; RFC 2047 says 76 for a line holding an encoded-word.
constexpr std::size_t max_line = 78;
constexpr std::size_t max_encoded_line = 76;
constexpr std::size_t max_encoded_word = 75;
constexpr std::string_view word_open = "=?UTF-8?B?";
constexpr std::string_view word_close = "?=";
constexpr std::size_t word_overhead = 12; // word_open + word_close

// Control characters (and DEL) become spaces, runs of spaces one space, and the
// ends are trimmed: a header value is one line and can inject nothing.
std::string one_line(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    bool space = false;
    for (char ch : text) {
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

bool printable_ascii(std::string_view s) {
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c > 0x7E)
            return false;
    }
    return true;
}

// Space-separated words on lines of at most `limit` characters, the first of
// which holds `used` already; nullopt when a word cannot fit on a line of its own.
std::optional<std::string> fold_words(std::string_view text, std::size_t used, std::size_t limit) {
    std::string out;
    std::size_t column = used;
    bool first = true;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        std::size_t end = text.find(' ', pos);
        if (end == std::string_view::npos)
            end = text.size();
        const std::string_view word = text.substr(pos, end - pos);
        if (first) {
            if (column + word.size() > limit) {
                if (1 + word.size() > limit)
                    return std::nullopt;
                out += "\r\n ";
                column = 1;
            }
        } else if (column + 1 + word.size() <= limit) {
            out += ' ';
            ++column;
        } else {
            if (1 + word.size() > limit)
                return std::nullopt;
            out += "\r\n ";
            column = 1;
        }
        out += word;
        column += word.size();
        first = false;
        pos = end + 1;
    }
    return out;
}

// The whole of `text` as encoded-words, folded; `column` is updated to the
// length of the last line.
std::string encoded_words(std::string_view text, std::size_t& column) {
    std::string out;
    std::size_t pos = 0;
    bool first = true;
    while (pos < text.size()) {
        const std::size_t sep = first ? 0 : 1;
        std::size_t room = column + sep < max_encoded_line ? max_encoded_line - column - sep : 0;
        room = std::min(room, max_encoded_word);
        // The longest character (4 bytes) needs 8 base64 characters: a line with
        // less room than that gets no word, the word goes on the next line.
        if (room < word_overhead + 8) {
            out += "\r\n ";
            column = 1;
            room = std::min(max_encoded_word, max_encoded_line - 1);
        } else if (!first) {
            out += ' ';
            ++column;
        }
        const std::size_t max_bytes = (room - word_overhead) / 4 * 3;
        std::size_t end = pos;
        while (end < text.size()) {
            const std::size_t n = decode_utf8(text, end).length;
            if (end + n - pos > max_bytes)
                break;
            end += n;
        }
        out += word_open;
        out += base64(text.substr(pos, end - pos));
        out += word_close;
        column += word_overhead + (end - pos + 2) / 3 * 4;
        pos = end;
        first = false;
    }
    return out;
}

// The length of the last line of `folded`, which began at column `used`.
std::size_t last_column(const std::string& folded, std::size_t used) {
    const std::size_t nl = folded.rfind('\n');
    return nl == std::string::npos ? used + folded.size() : folded.size() - nl - 1;
}

// atext of RFC 5322 plus the space: a display name that needs no quotes.
bool phrase_safe(std::string_view s) {
    if (s.empty())
        return false;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalnum(c) || ch == ' ')
            continue;
        if (std::string_view("!#$%&'*+-/=?^_`{|}~").find(ch) == std::string_view::npos)
            return false;
    }
    return true;
}

std::string two(int v) {
    return fmt::format("{:02}", v);
}

std::uint64_t fnv1a(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (char ch : s) {
        h ^= static_cast<unsigned char>(ch);
        h *= 0x100000001b3ULL;
    }
    return h;
}

} // namespace

std::string base64(std::string_view data) {
    return shopkit::base64(data);
}

std::string base64_lines(std::string_view data) {
    const std::string flat = base64(data);
    std::string out;
    out.reserve(flat.size() + flat.size() / 76 * 2 + 2);
    for (std::size_t pos = 0; pos < flat.size(); pos += 76) {
        out.append(flat, pos, 76);
        out += "\r\n";
    }
    return out;
}

std::string crlf_lines(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 32);
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char ch = text[i];
        if (ch == '\r') {
            out += "\r\n";
            if (i + 1 < text.size() && text[i + 1] == '\n')
                ++i;
        } else if (ch == '\n') {
            out += "\r\n";
        } else {
            out += ch;
        }
    }
    return out;
}

bool valid_address(std::string_view address) {
    if (address.empty() || address.size() > 254)
        return false;
    const std::size_t at = address.find('@');
    if (at == std::string_view::npos || at == 0 || at + 1 == address.size() ||
        address.find('@', at + 1) != std::string_view::npos)
        return false;
    for (char ch : address) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c == 0x7F ||
            std::string_view("<>(),;\"\\[]:").find(ch) != std::string_view::npos)
            return false;
    }
    const std::string_view domain = address.substr(at + 1);
    return domain.front() != '.' && domain.back() != '.' &&
           domain.find("..") == std::string_view::npos;
}

std::optional<Mailbox> parse_mailbox(std::string_view text) {
    auto trim = [](std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
            s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
            s.remove_suffix(1);
        return s;
    };
    text = trim(text);
    Mailbox box;
    if (!text.empty() && text.back() == '>') {
        const std::size_t open = text.rfind('<');
        if (open == std::string_view::npos)
            return std::nullopt;
        box.address = std::string(trim(text.substr(open + 1, text.size() - open - 2)));
        std::string_view name = trim(text.substr(0, open));
        if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
            name = name.substr(1, name.size() - 2);
            for (std::size_t i = 0; i < name.size(); ++i) {
                if (name[i] == '\\' && i + 1 < name.size())
                    ++i;
                box.name += name[i];
            }
        } else {
            box.name = std::string(name);
        }
        box.name = one_line(box.name);
    } else {
        box.address = std::string(text);
    }
    if (!valid_address(box.address))
        return std::nullopt;
    return box;
}

std::string encode_unstructured(std::string_view utf8, std::size_t used) {
    const std::string text = one_line(utf8);
    if (printable_ascii(text) && text.find("=?") == std::string::npos) {
        if (auto folded = fold_words(text, used, max_line))
            return *folded;
    }
    if (text.empty())
        return {};
    std::size_t column = used;
    return encoded_words(text, column);
}

std::string format_mailbox(const Mailbox& mailbox, std::size_t used) {
    const std::string name = one_line(mailbox.name);
    const std::string addr = "<" + mailbox.address + ">";
    if (name.empty())
        return used + mailbox.address.size() <= max_line ? mailbox.address
                                                         : "\r\n " + mailbox.address;
    std::string out;
    std::size_t column = used;
    std::size_t limit = max_line;
    if (printable_ascii(name) && name.find("=?") == std::string::npos) {
        std::string shown = name;
        if (!phrase_safe(name)) {
            shown = "\"";
            for (char ch : name) {
                if (ch == '"' || ch == '\\')
                    shown += '\\';
                shown += ch;
            }
            shown += '"';
        }
        if (used + shown.size() <= max_line) {
            out = shown;
            column += shown.size();
        } else if (1 + shown.size() <= max_line && shown.find(' ') == std::string::npos) {
            out = "\r\n " + shown;
            column = 1 + shown.size();
        } else if (auto folded = fold_words(shown, used, max_line)) {
            // A quoted string may fold at its spaces too (RFC 5322 allows FWS there).
            out = *folded;
            column = last_column(out, used);
        }
    }
    if (out.empty()) {
        out = encoded_words(name, column);
        limit = max_encoded_line;
    }
    if (column + 1 + addr.size() <= limit) {
        out += " " + addr;
    } else {
        out += "\r\n " + addr;
    }
    return out;
}

std::string rfc5322_date(TimePoint t, const std::string& tz) {
    // format_local applies the zone (and knows its offset at `t`); its RFC 3339
    // text is then re-spelled: 2026-06-04T12:00:03+09:00 or …Z.
    const std::string s = format_local(t, tz);
    const int y = std::stoi(s.substr(0, 4));
    const int mo = std::stoi(s.substr(5, 2));
    const int d = std::stoi(s.substr(8, 2));
    std::string offset = "+0000";
    if (s.size() >= 25 && (s[19] == '+' || s[19] == '-'))
        offset = s.substr(19, 3) + s.substr(23, 2);
    const std::chrono::year_month_day ymd{std::chrono::year{y}, std::chrono::month{unsigned(mo)},
                                          std::chrono::day{unsigned(d)}};
    const std::chrono::weekday wd{std::chrono::sys_days{ymd}};
    static constexpr std::array<const char*, 7> days = {"Sun", "Mon", "Tue", "Wed",
                                                        "Thu", "Fri", "Sat"};
    return fmt::format("{}, {} {} {} {} {}", days[wd.c_encoding()], two(d), month_abbreviation(mo),
                       y, s.substr(11, 8), offset);
}

std::string message_id(std::string_view key, std::string_view recipient, std::string_view domain) {
    std::string k;
    for (char ch : key)
        k += (std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-') ? ch : '-';
    std::string lower;
    for (char ch : recipient)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return fmt::format("<{}.{:016x}@{}>", k, fnv1a(lower), domain);
}

std::string list_unsubscribe(const std::string& mailto, const std::string& url) {
    std::vector<std::string> parts;
    if (!mailto.empty())
        parts.push_back("<mailto:" + mailto + "?subject=unsubscribe>");
    if (!url.empty())
        parts.push_back("<" + url + ">");
    std::string out;
    std::size_t column = std::string_view("List-Unsubscribe: ").size();
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) {
            out += ',';
            ++column;
            if (column + 1 + parts[i].size() > max_line) {
                out += "\r\n";
                column = 0;
            }
            out += ' ';
            ++column;
        }
        out += parts[i];
        column += parts[i].size();
    }
    return out;
}

std::string build_message(const Message& m) {
    std::string out;
    out.reserve(1024 + (m.body.size() + m.html.size()) * 2);
    out += "Date: " + m.date + "\r\n";
    out += "From: " + format_mailbox(m.from, 6) + "\r\n";
    out += "To: " + format_mailbox(m.to, 4) + "\r\n";
    out += "Subject: " + encode_unstructured(m.subject, 9) + "\r\n";
    out += "Message-ID: " + m.message_id + "\r\n";
    out += "MIME-Version: 1.0\r\n";
    // A base64 part never holds "=_", so this boundary cannot occur inside one.
    const std::string boundary =
        m.html.empty() ? std::string() : fmt::format("=_shopkit_{:016x}", fnv1a(m.message_id));
    if (m.html.empty()) {
        out += "Content-Type: text/plain; charset=UTF-8\r\n";
        out += "Content-Transfer-Encoding: base64\r\n";
    } else {
        out += "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n";
    }
    out += "Auto-Submitted: auto-generated\r\n";
    if (!m.list_id.empty())
        out += "List-Id: " + m.list_id + "\r\n";
    if (!m.feedback_id.empty())
        out += "Feedback-ID: " + m.feedback_id + "\r\n";
    const std::string unsubscribe = list_unsubscribe(m.unsubscribe_mailto, m.unsubscribe_url);
    if (!unsubscribe.empty()) {
        out += "List-Unsubscribe: " + unsubscribe + "\r\n";
        // RFC 8058: one-click unsubscription is an HTTPS POST; mailto has none.
        if (m.unsubscribe_url.starts_with("https://"))
            out += "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n";
    }
    out += "\r\n";
    if (m.html.empty()) {
        out += base64_lines(crlf_lines(m.body));
        return out;
    }
    out += "--" + boundary + "\r\n";
    out += "Content-Type: text/plain; charset=UTF-8\r\n";
    out += "Content-Transfer-Encoding: base64\r\n\r\n";
    out += base64_lines(crlf_lines(m.body));
    out += "--" + boundary + "\r\n";
    out += "Content-Type: text/html; charset=UTF-8\r\n";
    out += "Content-Transfer-Encoding: base64\r\n\r\n";
    out += base64_lines(crlf_lines(m.html));
    out += "--" + boundary + "--\r\n";
    return out;
}

std::string preview_message(const Message& m) {
    auto shown = [](const Mailbox& box) {
        if (box.name.empty())
            return box.address;
        return one_line(box.name) + " <" + box.address + ">";
    };
    std::string out;
    out += "Date: " + m.date + "\n";
    out += "From: " + shown(m.from) + "\n";
    out += "To: " + shown(m.to) + "\n";
    out += "Subject: " + one_line(m.subject) + "\n";
    out += "Message-ID: " + m.message_id + "\n";
    if (!m.list_id.empty())
        out += "List-Id: " + m.list_id + "\n";
    if (!m.feedback_id.empty())
        out += "Feedback-ID: " + m.feedback_id + "\n";
    std::string unsubscribe = list_unsubscribe(m.unsubscribe_mailto, m.unsubscribe_url);
    for (std::size_t p; (p = unsubscribe.find("\r\n")) != std::string::npos;)
        unsubscribe.erase(p, 2);
    if (!unsubscribe.empty()) {
        out += "List-Unsubscribe: " + unsubscribe + "\n";
        if (m.unsubscribe_url.starts_with("https://"))
            out += "List-Unsubscribe-Post: List-Unsubscribe=One-Click\n";
    }
    out += "\n";
    std::string body = m.body;
    for (std::size_t p; (p = body.find("\r\n")) != std::string::npos;)
        body.erase(p, 1);
    out += body;
    return out;
}

} // namespace shopkit::mime
