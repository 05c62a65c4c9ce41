#include "lib/core/controls.hpp"

#include "lib/core/text.hpp"

namespace shopkit {

std::string strip_controls(std::string_view text, bool keep_tab) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const Utf8Char c = decode_utf8(text, i);
        if (c.code_point == invalid_code_point)
            out += "\uFFFD";
        else if ((c.code_point >= 0x20 && c.code_point < 0x7F) || c.code_point > 0x9F ||
                 (keep_tab && c.code_point == '\t'))
            out.append(text, i, c.length);
        i += c.length;
    }
    return out;
}

std::string strip_controls_by_line(std::string_view text) {
    std::string out;
    std::size_t start = 0;
    for (std::size_t nl; (nl = text.find('\n', start)) != std::string_view::npos; start = nl + 1)
        out += strip_controls(text.substr(start, nl - start)) + '\n';
    return out + strip_controls(text.substr(start));
}

} // namespace shopkit
