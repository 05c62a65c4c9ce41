// The formats of a report: each reads a Report (report.hpp) and writes one
// document. Pure: no state, no clock, no files.
//
// Every format holds the sections in the order of Section, the summary first;
// `only` (when not empty) narrows it to the sections named. CSV, being one table,
// holds one section: the first of `only`, else the incidents.
#pragma once

#include "lib/report/report.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shopkit::report {

enum class Format { text, markdown, csv, json, html };
// "text", "markdown", "csv", "json", "html".
std::string_view to_string(Format f);
// The inverse of to_string; nullopt for anything else.
std::optional<Format> format_from_string(std::string_view s);

struct RenderOptions {
    std::vector<Section> only; // empty: every section
    bool color = false;        // text only: ANSI colours for a terminal
};

// True when `options` asks for section `s`.
bool wants(const RenderOptions& options, Section s);

// Tables for a terminal.
std::string render_text(const Report& report, const RenderOptions& options);
// GitHub-flavoured Markdown: headings and pipe tables.
std::string render_markdown(const Report& report, const RenderOptions& options);
// RFC 4180 with a header row, CRLF line ends; times RFC 3339 in the shop's zone,
// durations in seconds, money unrounded as a plain number.
std::string render_csv(const Report& report, const RenderOptions& options);
// One JSON object: every section asked for, each incident with its own downtime
// and loss; times RFC 3339 in the shop's zone, durations in seconds.
std::string render_json(const Report& report, const RenderOptions& options);
// One self-contained HTML file (no network, no JavaScript) with an SVG timeline of
// channels × time; prints on A4.
std::string render_html(const Report& report, const RenderOptions& options);

// `render_<format>`.
std::string render(const Report& report, Format format, const RenderOptions& options);

// The post-mortem draft of one incident of `report`, in Markdown, in the report's
// language: summary, timeline, every notice sent (where, when, its text), the
// steps run, the loss estimate, and headings left for the cause, the impact on
// customers and the lessons.
std::string postmortem(const Report& report, const IncidentReport& incident);

} // namespace shopkit::report
