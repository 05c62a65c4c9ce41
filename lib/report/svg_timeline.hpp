// The pieces of shopreport's HTML format (html.cpp): escaping, and the SVG
// timeline of channels × time at the head of the page.
#pragma once

#include "lib/core/text.hpp"
#include "lib/report/report.hpp"

#include <string>
#include <string_view>

namespace shopkit::report {

// The colour a bar of an incident of `severity` has: "#c62828" (critical),
// "#ef6c00" (major), "#f9a825" (minor).
std::string_view severity_colour(Severity severity);

// One <svg> element (well-formed XML, no script, no external reference) of
// `report.period`: a row per channel with its incidents as bars in their
// severity's colour, sale events and maintenance windows shaded, the notices
// sent as marks (staff and customers apart), local-time ticks in
// `report.timezone`, and a legend. Scales to its container's width (viewBox).
std::string svg_timeline(const Report& report);

} // namespace shopkit::report
