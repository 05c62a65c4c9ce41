#include "lib/detect/charset.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <iconv.h>
#include <utility>

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

// Every name a supported set is declared by, '_' read as '-', and what iconv
// calls it. CP932 and EUC-JP-MS cover what Japanese sites really send
// (Windows' extensions such as ①, ㈱); CP1252 is what browsers read for Latin-1.
struct Alias {
    std::string_view name;
    std::string_view iconv;
};
constexpr Alias aliases[] = {
    {"utf-8", "UTF-8"},
    {"utf8", "UTF-8"},
    {"unicode-1-1-utf-8", "UTF-8"},
    {"us-ascii", "UTF-8"},
    {"ascii", "UTF-8"},
    {"shift-jis", "CP932"},
    {"sjis", "CP932"},
    {"x-sjis", "CP932"},
    {"ms-kanji", "CP932"},
    {"windows-31j", "CP932"},
    {"cp932", "CP932"},
    {"ms932", "CP932"},
    {"euc-jp", "EUC-JP-MS"},
    {"x-euc-jp", "EUC-JP-MS"},
    {"eucjp", "EUC-JP-MS"},
    {"iso-2022-jp", "ISO-2022-JP"},
    {"csiso2022jp", "ISO-2022-JP"},
    {"iso-8859-1", "CP1252"},
    {"iso8859-1", "CP1252"},
    {"latin1", "CP1252"},
    {"l1", "CP1252"},
    {"windows-1252", "CP1252"},
    {"cp1252", "CP1252"},
};

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

std::optional<std::string_view> supported_charset(std::string_view declared) {
    if (declared.empty())
        return "UTF-8";
    std::string name = lower(declared);
    std::replace(name.begin(), name.end(), '_', '-');
    for (const Alias& a : aliases)
        if (a.name == name)
            return a.iconv;
    return std::nullopt;
}

std::optional<std::string> converted_to_utf8(std::string_view body, std::string_view content_type,
                                             std::string* unsupported) {
    const std::string cs = declared_charset(body, content_type);
    const auto from = supported_charset(cs);
    if (!from) {
        if (unsupported != nullptr)
            *unsupported = cs;
        return std::nullopt;
    }
    if (*from == "UTF-8")
        return std::nullopt;
    iconv_t cd = ::iconv_open("UTF-8", std::string(*from).c_str());
    if (cd == reinterpret_cast<iconv_t>(-1))
        return std::nullopt;

    std::string out;
    out.resize(body.size() * 3 / 2 + 16);
    // iconv's input is not const for historical reasons; it only reads it.
    char* in = const_cast<char*>(body.data());
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

std::string to_utf8(std::string body, std::string_view content_type) {
    if (auto converted = converted_to_utf8(body, content_type))
        return std::move(*converted);
    return body;
}

} // namespace shopkit
