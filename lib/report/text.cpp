// render_text and render_markdown: one Document (document.hpp), two layouts.
#include "lib/report/document.hpp"
#include "lib/report/format.hpp"

#include "lib/core/controls.hpp"
#include "lib/core/text.hpp"

namespace shopkit::report {

namespace {

// A report carries third-party text (a server's error for a notice, a step's
// output, a check's detail): no control character of it reaches a terminal.
Document readable(Document document) {
    for (Part& p : document) {
        for (std::string& l : p.lines)
            l = strip_controls(l);
        for (std::string& h : p.table.head)
            h = strip_controls(h);
        for (auto& row : p.table.rows)
            for (std::string& cell : row)
                cell = strip_controls(cell);
    }
    return document;
}

} // namespace

std::string render_text(const Report& report, const RenderOptions& options) {
    const std::string bold = options.color ? "\x1b[1m" : "";
    const std::string reset = options.color ? "\x1b[0m" : "";
    std::string out;
    for (const Part& p : readable(report_document(report, options))) {
        switch (p.kind) {
        case Part::Kind::heading: {
            const std::string& h = p.lines.front();
            if (!out.empty() && !out.ends_with("\n\n"))
                out += "\n";
            out += bold + h + reset + "\n";
            if (p.level <= 2)
                out += std::string(display_width(h), p.level == 1 ? '=' : '-') + "\n";
            break;
        }
        case Part::Kind::lines:
            for (const std::string& l : p.lines)
                out += l + "\n";
            break;
        case Part::Kind::table:
            // A blank line after a table keeps the next one apart.
            out += text_table(p.table) + "\n";
            break;
        }
    }
    return out;
}

std::string render_markdown(const Report& report, const RenderOptions& options) {
    std::string out;
    for (const Part& p : readable(report_document(report, options))) {
        if (!out.empty())
            out += "\n";
        switch (p.kind) {
        case Part::Kind::heading:
            out +=
                std::string(static_cast<std::size_t>(p.level), '#') + " " + p.lines.front() + "\n";
            break;
        case Part::Kind::lines:
            // One item a line: a list keeps them apart when the Markdown is rendered.
            for (const std::string& l : p.lines)
                out += "- " + l + "\n";
            break;
        case Part::Kind::table:
            out += markdown_table(p.table);
            break;
        }
    }
    return out;
}

} // namespace shopkit::report
