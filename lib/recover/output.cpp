#include "lib/recover/output.hpp"

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

template <class T> std::string joined(const std::vector<T>& v) {
    std::string out;
    for (const auto& x : v) {
        out += out.empty() ? "" : ",";
        if constexpr (std::is_same_v<T, std::string>)
            out += x;
        else
            out += std::string(to_string(x));
    }
    return out;
}

std::string argv_text(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& a : argv) {
        const bool plain =
            !a.empty() && a.find_first_of(" \t\"'\\$`|&;<>()*?") == std::string::npos;
        out += (out.empty() ? "" : " ") + (plain ? a : nlohmann::json(a).dump());
    }
    return out;
}

} // namespace

std::string recover_text(const nlohmann::json& r, bool color) {
    const std::string type = text_of(r, "type");
    const std::string result = text_of(r, "result");
    const char* paint = "";
    if (color) {
        if (result == "ok")
            paint = "\033[32m";
        else if (result == "retry" || result == "skipped" || result == "dry-run")
            paint = "\033[33m";
        else if (result == "failed")
            paint = "\033[31m";
    }
    const char* reset = color && *paint ? "\033[0m" : "";
    if (type == "incident")
        return fmt::format("{:<9} {} {}  {}\n", text_of(r, "event"), text_of(r, "incident"),
                           text_of(r, "channel"), text_of(r, "until"));
    if (type == "drill") {
        std::string what =
            r.contains("step") ? "step " + text_of(r, "step") : "channel " + text_of(r, "channel");
        std::string detail = text_of(r, "error");
        if (detail.empty() && r.contains("link"))
            detail = "would point at " + text_of(r, "link") + " (" + text_of(r, "reason") + ")";
        if (detail.empty() && r.contains("alternatives"))
            detail = "up; alternatives up now: " +
                     (r["alternatives"].empty() ? std::string("none") : r["alternatives"].dump());
        if (detail.empty() && r.contains("argv") && r["argv"].is_array())
            detail = argv_text(r["argv"].get<std::vector<std::string>>());
        if (detail.empty())
            detail = text_of(r, "note");
        return fmt::format("{}{:<7}{} {:<24} {}\n", paint, result, reset, what, detail);
    }
    std::string detail = text_of(r, "error");
    if (r.contains("link"))
        detail = "→ " + text_of(r, "link") + (detail.empty() ? "" : "  " + detail);
    if (r.contains("argv") && r["argv"].is_array())
        detail = argv_text(r["argv"].get<std::vector<std::string>>());
    if (!text_of(r, "next_attempt").empty())
        detail +=
            (detail.empty() ? "" : "; ") + std::string("next try ") + text_of(r, "next_attempt");
    std::string out =
        fmt::format("{}{:<8}{} {:<16} {:<9} {}  {}\n", paint, result, reset, text_of(r, "step"),
                    text_of(r, "event"), text_of(r, "incident"), detail);
    const std::string err = text_of(r, "stderr");
    std::size_t start = 0;
    while (start < err.size()) {
        const auto end = err.find('\n', start);
        out += "    " + err.substr(start, end == std::string::npos ? end : end - start) + "\n";
        if (end == std::string::npos)
            break;
        start = end + 1;
    }
    return out;
}

std::string runbook_table(const Config& config) {
    std::string out = fmt::format("{:<16} {:<24} {:<36} {}\n", "STEP", "ON", "FILTERS", "RUNS");
    for (const auto& s : config.runbook) {
        std::string filters;
        auto add = [&](const std::string& name, const std::string& value) {
            if (!value.empty())
                filters += (filters.empty() ? "" : " ") + name + "=" + value;
        };
        add("channels", joined(s.channels));
        add("severities", joined(s.severities));
        add("checks", joined(s.checks));
        if (s.sale)
            add("sale", *s.sale ? "true" : "false");
        std::string runs;
        switch (s.action) {
        case StepAction::command:
            runs = argv_text(s.run) +
                   fmt::format(" (timeout {}, retries {})", format_duration(s.timeout), s.retries);
            break;
        case StepAction::switch_link:
            runs = fmt::format("switch_link {} home={} prefer={}", s.dir.string(), s.home,
                               joined(s.prefer));
            break;
        case StepAction::webhook:
            runs = "webhook " + (s.url_secret.empty() ? s.url : "(url from a secret)");
            break;
        }
        out += fmt::format("{:<16} {:<24} {:<36} {}\n", s.id, joined(s.on),
                           filters.empty() ? "-" : filters, runs);
    }
    return out;
}

} // namespace shopkit
