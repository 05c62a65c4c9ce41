// A report as people read it, before it becomes text or Markdown: headings,
// lines and tables of finished strings (times local, durations in words, money
// with its sign). render_text and render_markdown lay out the same Document, so
// the terminal and the Markdown never say different things.
#pragma once

#include "lib/report/format.hpp"
#include "lib/report/report.hpp"

#include <string>
#include <vector>

namespace shopkit::report {

struct Table {
    std::vector<std::string> head;
    std::vector<std::vector<std::string>> rows; // each as long as head
    std::vector<bool> right;                    // per column: align right (numbers)
};

// One part of a document: a heading (level 1..3), a paragraph of lines, or a table.
struct Part {
    enum class Kind { heading, lines, table } kind = Kind::lines;
    int level = 1;
    std::vector<std::string> lines; // heading: one line
    Table table;
};

using Document = std::vector<Part>;

// The sections `options` asks for, in Section order, under the report's title.
Document report_document(const Report& report, const RenderOptions& options);

// The timeline of one incident as a table: time, what happened, detail.
Table timeline_table(const Report& report, const IncidentReport& incident);

// The loss estimate of one incident, its inputs beside it, as lines.
std::vector<std::string> loss_lines(const Report& report, const IncidentReport& incident);

// `table` with columns padded to their display width (East Asian wide
// characters count two), two spaces between columns, a rule under the head.
std::string text_table(const Table& table);

// `table` as a GitHub-flavoured Markdown pipe table ('|' in cells escaped).
std::string markdown_table(const Table& table);

} // namespace shopkit::report
