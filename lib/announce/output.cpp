#include "lib/announce/output.hpp"

#include "lib/record/record.hpp"

#include <fmt/core.h>

namespace shopkit {

namespace {

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
    const std::string result = field_text(r, "result");
    const char* paint = "";
    if (color) {
        if (result == "sent")
            paint = "\033[32m";
        else if (result == "retry" || result == "waiting" || result == "held")
            paint = "\033[33m";
        else if (result == "failed" || result == "refused")
            paint = "\033[31m";
    }
    std::string detail = field_text(r, "error");
    if (detail.empty() && !field_text(r, "next_attempt").empty())
        detail = "next try " + field_text(r, "next_attempt");
    if (detail.empty())
        detail = field_text(r, "remote_id");
    const bool outbox = r.value("type", "") == "outbox";
    if (outbox)
        detail = field_text(r, "created") + (detail.empty() ? "" : "  " + detail);
    std::string out = fmt::format("{}{:<9}{} #{:<5} {:<14} {:<10} {:<9} {}  {}\n", paint, result,
                                  color ? "\033[0m" : "", field_text(r, "outbox"),
                                  field_text(r, "target"), field_text(r, "audience"),
                                  field_text(r, "event"), field_text(r, "incident"), detail);
    if (outbox)
        out += indent(field_text(r, "text"), "    ") + "\n";
    return out;
}

std::string preview_text(const nlohmann::json& r, const std::string& preview) {
    std::string out =
        fmt::format("── {} ({}, {}) · {} · {}{}\n", field_text(r, "target"), field_text(r, "kind"),
                    field_text(r, "audience"), field_text(r, "event"), field_text(r, "incident"),
                    r.value("hold", false) ? " · held for approval" : "");
    if (field_text(r, "result") == "refused")
        out += "REFUSED: " + field_text(r, "error") + "\n";
    return out + preview + "\n\n";
}

} // namespace shopkit
