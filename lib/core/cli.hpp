// What every program shares at its edges: option parsing (CLI11, parse errors
// are exit 64), -v/-q/--version, colour, diagnostics on stderr, and the one
// place where an Error becomes an exit status.
#pragma once

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <functional>
#include <string>
#include <string_view>

namespace shopkit::cli {

// The running program's name ("shopcheck"), for messages.
const std::string& program();

// -1 quiet (-q), 0 default, 1+ verbose (-v, -vv).
int verbosity();

// Adds -v/--verbose, -q/--quiet and --version to `app`.
void add_common_options(CLI::App& app);

// Parses argv and calls `run`, returning its exit status. Maps a CLI11 parse
// error to 64 (help and --version print to stdout and return 0), an Error to
// its status, and anything else to `internal_status` ("internal error: …").
// Flushes standard output at the end: if anything written to it was lost
// (flush_stdout), says so and returns `output_status` whatever the run returned.
int main(std::string_view name, int argc, char** argv, CLI::App& app,
         const std::function<int()>& run, int internal_status, int output_status);

// Flushes std::cout (and C's stdout) now. Returns false once standard output has
// failed (a full disk, /dev/full, a closed pipe), now or before; the first
// failure's errno is kept for main's "cannot write to standard output: REASON".
// Call it after each batch of records, so they reach the file as they are made.
bool flush_stdout();

// True when colour should be used on this file descriptor: a terminal, and
// NO_COLOR unset or empty.
bool use_color(int fd);

// "prog: error: MESSAGE" on stderr.
void error(const std::string& message);
// "prog: warning: MESSAGE" on stderr, unless -q.
void warn(const std::string& message);
// "prog: MESSAGE" on stderr, only with -v (level 1) or -vv (level 2).
void info(const std::string& message, int level = 1);

} // namespace shopkit::cli
