// One run of shopreport: open the state read-only, build the report of the
// period asked for (or of one incident), and render it.
#pragma once

#include "lib/config/config.hpp"
#include "lib/core/clock.hpp"
#include "lib/report/build.hpp"
#include "lib/report/format.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace shopkit::report {

struct ReportRequest {
    std::optional<std::filesystem::path> state; // default: [shop] state, else default_state_path()
    PeriodArgs period;
    std::vector<std::string> channels; // empty: every channel
    Format format = Format::text;
    RenderOptions render;
    std::optional<std::string> incident; // the post-mortem of this incident instead (Markdown)
    // A JSON Lines log to report from instead of the state ("-": standard input).
    std::optional<std::string> records;
};

// The document `request` asks for. Throws usage_error (64) for a bad period, an
// unknown channel or incident; data_error (65) for a missing or unreadable state
// file, a state whose schema is older than this shopkit's, a broken orders CSV,
// or a --records log that cannot be read or holds a malformed record.
std::string make_report(const Config& config, const ReportRequest& request, TimePoint now);

} // namespace shopkit::report
