#include "lib/report/format.hpp"

#include "lib/core/enum_names.hpp"

#include <algorithm>

namespace shopkit::report {

namespace {

constexpr EnumNames<Section, 4> section_names{{
    {Section::summary, "summary"},
    {Section::incidents, "incidents"},
    {Section::availability, "availability"},
    {Section::loss, "loss"},
}};

constexpr EnumNames<Format, 5> format_names{{
    {Format::text, "text"},
    {Format::markdown, "markdown"},
    {Format::csv, "csv"},
    {Format::json, "json"},
    {Format::html, "html"},
}};

constexpr EnumNames<Mark, 8> mark_names{{
    {Mark::first_failure, "first_failure"},
    {Mark::opened, "opened"},
    {Mark::staff_told, "staff_told"},
    {Mark::customers_told, "customers_told"},
    {Mark::step, "step"},
    {Mark::recovered, "recovered"},
    {Mark::confirmed, "confirmed"},
    {Mark::recovery_told, "recovery_told"},
}};

} // namespace

std::string_view to_string(Section s) {
    return enum_name(section_names, s);
}
std::optional<Section> section_from_string(std::string_view s) {
    return enum_value(section_names, s);
}
std::string_view to_string(Format f) {
    return enum_name(format_names, f);
}
std::optional<Format> format_from_string(std::string_view s) {
    return enum_value(format_names, s);
}
std::string_view to_string(Mark m) {
    return enum_name(mark_names, m);
}

bool wants(const RenderOptions& options, Section s) {
    return options.only.empty() ||
           std::find(options.only.begin(), options.only.end(), s) != options.only.end();
}

std::string render(const Report& report, Format format, const RenderOptions& options) {
    switch (format) {
    case Format::text:
        return render_text(report, options);
    case Format::markdown:
        return render_markdown(report, options);
    case Format::csv:
        return render_csv(report, options);
    case Format::json:
        return render_json(report, options);
    case Format::html:
        return render_html(report, options);
    }
    return render_text(report, options);
}

} // namespace shopkit::report
