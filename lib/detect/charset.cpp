#include "lib/detect/charset.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <iconv.h>

namespace shopkit {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// The value after `key` (e.g. "charset=" or "encoding="), unquoted, in `text` (lower-cased).
std::string value_after(const std::string& text, std::string_view key) {
    const auto at = text.find(key);
    if (at == std::string::npos)
        return {};
    std::size_t i = at + key.size();
    while (i < text.size() && (text[i] == '"' || text[i] == '\'' || text[i] == ' '))
        ++i;
    std::size_t end = i;
    while (end < text.size() &&
           (std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '-' ||
            text[end] == '_' || text[end] == '.' || text[end] == ':'))
        ++end;
    return text.substr(i, end - i);
}

bool is_utf8_or_ascii(const std::string& cs) {
    return cs.empty() || cs == "utf-8" || cs == "utf8" || cs == "us-ascii" || cs == "ascii";
}

// Names browsers treat as one set, mapped to the glibc iconv name that covers
// what Japanese sites really send (Windows' extensions such as ①, ㈱).
std::string iconv_name(const std::string& cs) {
    if (cs == "shift_jis" || cs == "shift-jis" || cs == "sjis" || cs == "x-sjis" ||
        cs == "windows-31j" || cs == "cp932" || cs == "ms_kanji")
        return "CP932";
    if (cs == "euc-jp" || cs == "x-euc-jp" || cs == "eucjp")
        return "EUC-JP-MS";
    return cs;
}

} // namespace

std::string declared_charset(std::string_view body, std::string_view content_type) {
    std::string cs = value_after(lower(content_type), "charset=");
    if (!cs.empty())
        return cs;
    const std::string head = lower(body.substr(0, 1024));
    cs = value_after(head, "charset=");
    if (!cs.empty())
        return cs;
    if (head.starts_with("<?xml"))
        return value_after(head.substr(0, head.find("?>")), "encoding=");
    return {};
}

std::string to_utf8(std::string body, std::string_view content_type) {
    const std::string cs = declared_charset(body, content_type);
    if (is_utf8_or_ascii(cs))
        return body;
    iconv_t cd = ::iconv_open("UTF-8", iconv_name(cs).c_str());
    if (cd == reinterpret_cast<iconv_t>(-1))
        return body;

    std::string out;
    out.resize(body.size() * 3 / 2 + 16);
    char* in = body.data();
    std::size_t in_left = body.size();
    std::size_t used = 0;
    while (in_left > 0) {
        char* dst = out.data() + used;
        std::size_t dst_left = out.size() - used;
        const std::size_t rc = ::iconv(cd, &in, &in_left, &dst, &dst_left);
        used = out.size() - dst_left;
        if (rc != static_cast<std::size_t>(-1))
            break;
        if (errno == E2BIG) {
            out.resize(out.size() * 2);
        } else if (errno == EILSEQ) {
            ++in;
            --in_left;
            out.resize(std::max(out.size(), used + 3));
            out.replace(used, 3, "\xEF\xBF\xBD");
            used += 3;
        } else {
            break; // EINVAL: a character cut at the end of what was read
        }
    }
    ::iconv_close(cd);
    out.resize(used);
    return out;
}

} // namespace shopkit
