// Running a program the way a runbook step must run: directly (never through a
// shell), in a process group of its own so a timeout ends it and everything it
// started, with a bounded amount of its output kept, and never able to write
// to our own standard output (which is a record pipe).
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shopkit {

struct ProcessSpec {
    // argv[0]: a path with a '/', or a name looked up in $PATH (find_program).
    std::vector<std::string> argv;
    // Added to, and overriding, the inherited environment.
    std::vector<std::pair<std::string, std::string>> env_add;
    // Written to the program's standard input, which is then closed. A program
    // that does not read it neither blocks us nor kills us with SIGPIPE.
    std::string stdin_data;
    // The whole run's limit: then SIGTERM to its process group, and SIGKILL
    // after `grace` if it is still there.
    std::chrono::milliseconds timeout{std::chrono::seconds(60)};
    std::chrono::milliseconds grace{std::chrono::seconds(2)};
    // Bytes kept of the END of standard error and of standard output; the rest
    // is read and dropped, never buffered.
    std::size_t keep_output = 4096;
};

struct ProcessResult {
    bool started = false;   // false: it could not be executed (`error` says why)
    bool timed_out = false; // ended by us at the timeout
    std::optional<int> exit_code;
    std::optional<int> signal; // the signal that ended it, if one did
    std::chrono::milliseconds duration{0};
    std::string stderr_tail; // the last keep_output bytes of its standard error
    std::string stdout_tail; // the last keep_output bytes of its standard output
    std::string error;       // why it did not start
};

// Runs the program and waits for it (and reaps it) within the timeout plus the
// grace. Never throws for the program's own failure.
ProcessResult run_process(const ProcessSpec& spec);

// The executable a name stands for: a name with a '/' as it is, else the first
// match in $PATH. nullopt when it is missing, not a regular file, or not
// executable by us.
std::optional<std::filesystem::path> find_program(std::string_view name);

} // namespace shopkit
