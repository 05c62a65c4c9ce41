#include "lib/announce/output.hpp"

#include <fmt/core.h>

namespace shopkit {

namespace {

std::string field(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end())
        return "";
    return it->is_string() ? it->get<std::string>() : it->dump();
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
    const std::string result = field(r, "result");
    const char* paint = "";
    if (color) {
        if (result == "sent")
            paint = "\033[32m";
        else if (result == "retry" || result == "waiting" || result == "held")
            paint = "\033[33m";
        else if (result == "failed" || result == "refused")
            paint = "\033[31m";
    }
    std::string detail = field(r, "error");
    if (detail.empty() && !field(r, "next_attempt").empty())
        detail = "next try " + field(r, "next_attempt");
    if (detail.empty())
        detail = field(r, "remote_id");
    const bool outbox = r.value("type", "") == "outbox";
    if (outbox)
        detail = field(r, "created") + (detail.empty() ? "" : "  " + detail);
    std::string out =
        fmt::format("{}{:<9}{} #{:<5} {:<14} {:<10} {:<9} {}  {}\n", paint, result,
                    color ? "\033[0m" : "", field(r, "outbox"), field(r, "target"),
                    field(r, "audience"), field(r, "event"), field(r, "incident"), detail);
    if (outbox)
        out += indent(field(r, "text"), "    ") + "\n";
    return out;
}

std::string preview_text(const nlohmann::json& r, const std::string& preview) {
    std::string out =
        fmt::format("── {} ({}, {}) · {} · {}{}\n", field(r, "target"), field(r, "kind"),
                    field(r, "audience"), field(r, "event"), field(r, "incident"),
                    r.value("hold", false) ? " · held for approval" : "");
    if (field(r, "result") == "refused")
        out += "REFUSED: " + field(r, "error") + "\n";
    return out + preview + "\n\n";
}

} // namespace shopkit
