#include "lib/announce/text_limits.hpp"

#include <cstdint>
#include <vector>

namespace shopkit {

namespace {

constexpr char32_t invalid = 0xFFFFFFFF;

// The code point starting at `at` and its length in bytes; an invalid sequence
// (bad lead, truncated, overlong, surrogate, > U+10FFFF) is one bad byte.
std::pair<char32_t, std::size_t> decode(std::string_view s, std::size_t at) {
    const auto b0 = static_cast<unsigned char>(s[at]);
    if (b0 < 0x80)
        return {b0, 1};
    std::size_t len = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if ((b0 & 0xE0) == 0xC0) {
        len = 2, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        len = 3, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        len = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
        return {invalid, 1};
    }
    if (at + len > s.size())
        return {invalid, 1};
    for (std::size_t i = 1; i < len; ++i) {
        const auto b = static_cast<unsigned char>(s[at + i]);
        if ((b & 0xC0) != 0x80)
            return {invalid, 1};
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return {invalid, 1};
    return {cp, len};
}

std::vector<char32_t> decode_all(std::string_view s) {
    std::vector<char32_t> out;
    out.reserve(s.size());
    for (std::size_t at = 0; at < s.size();) {
        const auto [cp, len] = decode(s, at);
        out.push_back(cp);
        at += len;
    }
    return out;
}

bool in(char32_t c, char32_t lo, char32_t hi) {
    return c >= lo && c <= hi;
}

// Characters that attach to the one before them (an approximation of
// Grapheme_Cluster_Break Extend/SpacingMark for the scripts a shop writes in).
bool is_extend(char32_t c) {
    return in(c, 0x0300, 0x036F) ||                                         // combining diacritics
           in(c, 0x0483, 0x0489) ||                                         // Cyrillic combining
           in(c, 0x0591, 0x05BD) ||                                         // Hebrew points
           in(c, 0x0610, 0x061A) || in(c, 0x064B, 0x065F) || c == 0x0670 || // Arabic marks
           in(c, 0x0900, 0x0903) || in(c, 0x093A, 0x094F) ||                // Devanagari signs
           in(c, 0x0E31, 0x0E31) || in(c, 0x0E34, 0x0E3A) || in(c, 0x0E47, 0x0E4E) || // Thai
           in(c, 0x1AB0, 0x1AFF) || in(c, 0x1DC0, 0x1DFF) || // combining extended/supplement
           c == 0x200C ||                                    // ZWNJ
           in(c, 0x20D0, 0x20FF) ||   // combining marks for symbols (keycap U+20E3)
           in(c, 0x302A, 0x302F) ||   // ideographic tone marks
           in(c, 0x3099, 0x309A) ||   // combining kana voiced marks
           in(c, 0xFE00, 0xFE0F) ||   // variation selectors
           in(c, 0xFE20, 0xFE2F) ||   // combining half marks
           in(c, 0x1F3FB, 0x1F3FF) || // emoji skin-tone modifiers
           in(c, 0xE0020, 0xE007F) || // tags (subdivision flags)
           in(c, 0xE0100, 0xE01EF);   // variation selectors supplement
}

bool is_regional_indicator(char32_t c) {
    return in(c, 0x1F1E6, 0x1F1FF);
}

bool is_emoji_base(char32_t c) {
    return in(c, 0x1F000, 0x1FAFF) || in(c, 0x2600, 0x27BF) || in(c, 0x2300, 0x23FF) ||
           in(c, 0x2B00, 0x2BFF) || c == 0x00A9 || c == 0x00AE || c == 0x203C || c == 0x2049 ||
           c == 0x2122 || c == 0x2139 || in(c, 0x2194, 0x21AA);
}

// Where the cluster starting at `i` ends (one past its last code point).
std::size_t cluster_end(const std::vector<char32_t>& cps, std::size_t i) {
    const char32_t first = cps[i++];
    if (first == '\r' && i < cps.size() && cps[i] == '\n')
        return i + 1;
    if (first == invalid || first < 0x20)
        return i;
    if (is_regional_indicator(first) && i < cps.size() && is_regional_indicator(cps[i]))
        ++i; // a flag is a pair; a third indicator starts the next one
    for (;;) {
        if (i < cps.size() && cps[i] != invalid && is_extend(cps[i])) {
            ++i;
        } else if (i + 1 < cps.size() && cps[i] == 0x200D && cps[i + 1] != invalid &&
                   cps[i + 1] >= 0x20) {
            i += 2; // ZWJ joins the next character into this cluster
        } else if (i < cps.size() && cps[i] == 0x200D) {
            ++i; // a trailing ZWJ still belongs to what it follows
        } else {
            return i;
        }
    }
}

bool ascii_alnum(char32_t c) {
    return in(c, 'a', 'z') || in(c, 'A', 'Z') || in(c, '0', '9');
}

char32_t ascii_lower(char32_t c) {
    return in(c, 'A', 'Z') ? c + ('a' - 'A') : c;
}

bool starts_with_ci(const std::vector<char32_t>& cps, std::size_t at, std::string_view word) {
    if (at + word.size() > cps.size())
        return false;
    for (std::size_t k = 0; k < word.size(); ++k)
        if (ascii_lower(cps[at + k]) != static_cast<char32_t>(word[k]))
            return false;
    return true;
}

// Characters a URL may hold in running text (twitter-text stops a URL at
// whitespace and at most non-ASCII text, e.g. Japanese right after the URL).
bool url_char(char32_t c) {
    if (c <= 0x20 || c >= 0x7F)
        return false;
    switch (c) {
    case '"':
    case '<':
    case '>':
    case '`':
    case '{':
    case '}':
    case '^':
    case '\\':
        return false;
    default:
        return true;
    }
}

// When an http(s) URL starts at `at`, its length in code points; else 0.
std::size_t url_at(const std::vector<char32_t>& cps, std::size_t at) {
    if (at > 0 && (ascii_alnum(cps[at - 1]) || cps[at - 1] == '/' || cps[at - 1] == '@' ||
                   cps[at - 1] == '.'))
        return 0;
    std::size_t scheme = 0;
    if (starts_with_ci(cps, at, "https://"))
        scheme = 8;
    else if (starts_with_ci(cps, at, "http://"))
        scheme = 7;
    else
        return 0;
    std::size_t end = at + scheme;
    while (end < cps.size() && url_char(cps[end]))
        ++end;
    // Trailing punctuation ends the sentence, not the URL; a ')' only belongs to
    // the URL when it closes a '(' inside it.
    for (;;) {
        if (end <= at + scheme)
            break;
        const char32_t last = cps[end - 1];
        if (last == '.' || last == ',' || last == ':' || last == ';' || last == '!' ||
            last == '?' || last == '\'' || last == '*') {
            --end;
            continue;
        }
        if (last == ')') {
            long depth = 0;
            for (std::size_t k = at; k < end; ++k)
                depth += cps[k] == '(' ? 1 : cps[k] == ')' ? -1 : 0;
            if (depth < 0) {
                --end;
                continue;
            }
        }
        break;
    }
    // A host must start with a letter or digit ("https://" alone is not a URL).
    if (end <= at + scheme || !(ascii_alnum(cps[at + scheme]) || cps[at + scheme] == '['))
        return 0;
    return end - at;
}

constexpr std::size_t url_weight = 23;

bool x_light(char32_t c) {
    return in(c, 0x0000, 0x10FF) || in(c, 0x2000, 0x200D) || in(c, 0x2010, 0x201F) ||
           in(c, 0x2032, 0x2037);
}

} // namespace

std::size_t count_code_points(std::string_view utf8) {
    std::size_t n = 0;
    for (std::size_t at = 0; at < utf8.size(); ++n)
        at += decode(utf8, at).second;
    return n;
}

std::size_t count_utf16_units(std::string_view utf8) {
    std::size_t n = 0;
    for (std::size_t at = 0; at < utf8.size();) {
        const auto [cp, len] = decode(utf8, at);
        n += cp != invalid && cp >= 0x10000 ? 2 : 1;
        at += len;
    }
    return n;
}

std::size_t count_graphemes(std::string_view utf8) {
    const std::vector<char32_t> cps = decode_all(utf8);
    std::size_t n = 0;
    for (std::size_t i = 0; i < cps.size(); i = cluster_end(cps, i))
        ++n;
    return n;
}

std::size_t x_weighted_length(std::string_view utf8) {
    const std::vector<char32_t> cps = decode_all(utf8);
    std::size_t weight = 0;
    std::size_t i = 0;
    while (i < cps.size()) {
        if (const std::size_t url = url_at(cps, i); url > 0) {
            weight += url_weight;
            i += url;
            continue;
        }
        // twitter-text v3 parses emoji: a whole emoji sequence (ZWJ family, flag,
        // skin tone, keycap, VS16 presentation) weighs 2 like one CJK character.
        const char32_t c = cps[i];
        if (c != invalid && (is_emoji_base(c) || is_regional_indicator(c))) {
            const std::size_t end = cluster_end(cps, i);
            if (end - i > 1 || !x_light(c)) {
                weight += 2;
                i = end;
                continue;
            }
        }
        weight += c == invalid || x_light(c) ? 1 : 2;
        ++i;
    }
    return weight;
}

std::size_t mastodon_length(std::string_view utf8) {
    const std::vector<char32_t> cps = decode_all(utf8);
    std::size_t n = 0;
    for (std::size_t i = 0; i < cps.size();) {
        if (const std::size_t url = url_at(cps, i); url > 0) {
            n += url_weight;
            i += url;
        } else {
            ++n;
            ++i;
        }
    }
    return n;
}

} // namespace shopkit
