// shopcheck's output formats: text (a table for people), jsonl (records),
// tsv (for awk), nagios (monitoring-plugins), prometheus (node_exporter textfile).
#pragma once

#include "lib/check/run.hpp"
#include "lib/config/config.hpp"

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace shopkit {

enum class CheckFormat { text, jsonl, tsv, nagios, prometheus };

// Parses a --format value; nullopt for an unknown one.
std::optional<CheckFormat> check_format_from_string(std::string_view s);

// Writes the run's outcome in `format`. `color` adds ANSI colour to text only.
void write_check_output(std::ostream& out, CheckFormat format, const RunOutcome& outcome,
                        const Config& config, bool color);

// What -v (level 1: the run as a whole) and -vv (level 2: also every check's
// timings) add on stderr: lines without the program's name.
std::vector<std::string> describe_run(const RunOutcome& outcome, int level);

} // namespace shopkit
