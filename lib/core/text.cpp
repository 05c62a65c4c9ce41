#include "lib/core/text.hpp"

#include <utf8proc.h>

#include <algorithm>

namespace shopkit {

Utf8Char decode_utf8(std::string_view s, std::size_t at) {
    const auto b0 = static_cast<unsigned char>(s[at]);
    if (b0 < 0x80)
        return {b0, 1};
    utf8proc_int32_t cp = -1;
    const utf8proc_ssize_t n =
        utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data() + at),
                         static_cast<utf8proc_ssize_t>(s.size() - at), &cp);
    if (n <= 0 || cp < 0)
        return {invalid_code_point, 1};
    return {static_cast<char32_t>(cp), static_cast<std::size_t>(n)};
}

bool valid_utf8(std::string_view s) {
    for (std::size_t at = 0; at < s.size();) {
        const Utf8Char c = decode_utf8(s, at);
        if (c.code_point == invalid_code_point)
            return false;
        at += c.length;
    }
    return true;
}

std::size_t count_code_points(std::string_view utf8) {
    std::size_t n = 0;
    for (std::size_t at = 0; at < utf8.size(); ++n)
        at += decode_utf8(utf8, at).length;
    return n;
}

std::size_t count_utf16_units(std::string_view utf8) {
    std::size_t n = 0;
    for (std::size_t at = 0; at < utf8.size();) {
        const Utf8Char c = decode_utf8(utf8, at);
        n += c.code_point != invalid_code_point && c.code_point >= 0x10000 ? 2 : 1;
        at += c.length;
    }
    return n;
}

std::size_t grapheme_end(std::string_view utf8, std::size_t at) {
    Utf8Char c = decode_utf8(utf8, at);
    at += c.length;
    if (c.code_point == invalid_code_point)
        return at;
    // The state carries what UAX #29 needs beyond a pair (regional indicator
    // parity, emoji ZWJ sequences); a cluster always starts with a fresh one.
    utf8proc_int32_t state = 0;
    auto prev = static_cast<utf8proc_int32_t>(c.code_point);
    while (at < utf8.size()) {
        c = decode_utf8(utf8, at);
        if (c.code_point == invalid_code_point)
            break;
        const auto cp = static_cast<utf8proc_int32_t>(c.code_point);
        if (utf8proc_grapheme_break_stateful(prev, cp, &state))
            break;
        prev = cp;
        at += c.length;
    }
    return at;
}

std::size_t count_graphemes(std::string_view utf8) {
    std::size_t n = 0;
    for (std::size_t at = 0; at < utf8.size(); at = grapheme_end(utf8, at))
        ++n;
    return n;
}

std::size_t display_width(std::string_view utf8) {
    std::size_t width = 0;
    for (std::size_t at = 0; at < utf8.size();) {
        const Utf8Char c = decode_utf8(utf8, at);
        width += c.code_point == invalid_code_point
                     ? 1
                     : static_cast<std::size_t>(
                           utf8proc_charwidth(static_cast<utf8proc_int32_t>(c.code_point)));
        at += c.length;
    }
    return width;
}

std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) {
    std::size_t end = 0;
    while (end < s.size()) {
        const std::size_t n = decode_utf8(s, end).length;
        if (end + n > max_bytes)
            break;
        end += n;
    }
    return s.substr(0, end);
}

std::string_view trim(std::string_view s, std::string_view space) {
    const std::size_t first = s.find_first_not_of(space);
    if (first == std::string_view::npos)
        return {};
    return s.substr(first, s.find_last_not_of(space) - first + 1);
}

namespace {

bool ascii_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool starts_with_ci(std::string_view s, std::size_t at, std::string_view lower) {
    if (s.size() - at < lower.size())
        return false;
    for (std::size_t k = 0; k < lower.size(); ++k) {
        char c = s[at + k];
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c + ('a' - 'A'));
        if (c != lower[k])
            return false;
    }
    return true;
}

bool in(std::string_view set, char c) {
    return set.find(c) != std::string_view::npos;
}

} // namespace

std::vector<std::pair<std::size_t, std::size_t>> find_urls(std::string_view text,
                                                           const UrlRules& rules) {
    std::vector<std::pair<std::size_t, std::size_t>> urls;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t scheme = 0;
        if (starts_with_ci(text, i, "https://"))
            scheme = 8;
        else if (starts_with_ci(text, i, "http://"))
            scheme = 7;
        // "xhttp://" is not a URL; "(http://" and "：http://" are.
        const bool boundary =
            i == 0 || !(ascii_alnum(text[i - 1]) || in(rules.not_after, text[i - 1]));
        if (scheme == 0 || !boundary) {
            ++i;
            continue;
        }
        std::size_t end = i + scheme;
        while (end < text.size()) {
            const auto c = static_cast<unsigned char>(text[end]);
            if (c <= 0x20 || c >= 0x7f || in(rules.stop, static_cast<char>(c)))
                break;
            ++end;
        }
        for (;;) {
            if (end <= i + scheme)
                break;
            const char last = text[end - 1];
            if (in(rules.trailing, last)) {
                --end;
                continue;
            }
            if (in(rules.closers, last)) {
                const char open = last == ')' ? '(' : '[';
                const auto url = text.substr(i, end - i);
                if (std::count(url.begin(), url.end(), last) >
                    std::count(url.begin(), url.end(), open)) {
                    --end;
                    continue;
                }
            }
            break;
        }
        const bool host_ok =
            end > i + scheme && (!rules.host_must_start_alnum || ascii_alnum(text[i + scheme]) ||
                                 text[i + scheme] == '[');
        if (host_ok) {
            urls.emplace_back(i, end);
            i = end;
        } else {
            i += scheme;
        }
    }
    return urls;
}

std::string escape_html(std::string_view text) {
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    for (const char c : text) {
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

} // namespace shopkit
