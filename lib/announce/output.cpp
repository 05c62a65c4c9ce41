#include "lib/announce/output.hpp"

#include "lib/core/controls.hpp"
#include "lib/record/record.hpp"

#include <fmt/core.h>

namespace shopkit {

namespace {

// A field for people: records carry third-party text (an API's error, a step's
// output), and no control character of it may reach a terminal. Line breaks
// of our own (a notice's text) stay.
std::string text_of(const Json& record, const char* key) {
    return strip_controls_by_line(field_text(record, key));
}

std::string indent(const std::string& text, const char* by) {
    std::string out = by;
    for (const char c : text) {
        out += c;
        if (c == '\n')
            out += by;
    }
    return out;
}

} // namespace

std::string announcement_text(const nlohmann::json& r, bool color) {
    const std::string result = text_of(r, "result");
    const char* paint = "";
    if (color) {
        if (result == "sent")
            paint = "\033[32m";
        else if (result == "retry" || result == "waiting" || result == "held")
            paint = "\033[33m";
        else if (result == "failed" || result == "refused")
            paint = "\033[31m";
    }
    std::string detail = text_of(r, "error");
    if (detail.empty() && !text_of(r, "next_attempt").empty())
        detail = "next try " + text_of(r, "next_attempt");
    if (detail.empty())
        detail = text_of(r, "remote_id");
    const bool outbox = r.value("type", "") == "outbox";
    if (outbox)
        detail = text_of(r, "created") + (detail.empty() ? "" : "  " + detail);
    std::string out =
        fmt::format("{}{:<9}{} #{:<5} {:<14} {:<10} {:<9} {}  {}\n", paint, result,
                    color ? "\033[0m" : "", text_of(r, "outbox"), text_of(r, "target"),
                    text_of(r, "audience"), text_of(r, "event"), text_of(r, "incident"), detail);
    if (outbox)
        out += indent(text_of(r, "text"), "    ") + "\n";
    return out;
}

std::string preview_text(const nlohmann::json& r, const std::string& preview) {
    std::string out =
        fmt::format("── {} ({}, {}) · {} · {}{}\n", text_of(r, "target"), text_of(r, "kind"),
                    text_of(r, "audience"), text_of(r, "event"), text_of(r, "incident"),
                    r.value("hold", false) ? " · held for approval" : "");
    if (text_of(r, "result") == "refused")
        out += "REFUSED: " + text_of(r, "error") + "\n";
    return out + preview + "\n\n";
}

} // namespace shopkit
