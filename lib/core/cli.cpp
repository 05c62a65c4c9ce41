#include "lib/core/cli.hpp"

#include "lib/core/secret.hpp"

#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <iostream>
#include <unistd.h>

namespace shopkit::cli {

namespace {
std::string g_program = "shopkit";
int g_verbose = 0;
bool g_quiet = false;
int g_stdout_errno = 0; // the first failure of standard output, 0 while it works
} // namespace

const std::string& program() {
    return g_program;
}

int verbosity() {
    return g_quiet ? -1 : g_verbose;
}

void add_common_options(CLI::App& app) {
    app.add_flag("-v,--verbose", g_verbose, "Say more on stderr (repeat for more)");
    app.add_flag("-q,--quiet", g_quiet, "Say nothing on stderr but errors");
    // "shopcheck (shopkit) 0.1.0", the GNU form: which program, of what, which version.
    app.set_version_flag("--version", app.get_name() + " (shopkit) " + SHOPKIT_VERSION,
                         "Print the version and exit");
}

bool use_color(int fd) {
    const char* no_color = std::getenv("NO_COLOR");
    if (no_color && *no_color)
        return false;
    const char* term = std::getenv("TERM");
    if (term && std::string_view(term) == "dumb")
        return false;
    return ::isatty(fd) == 1;
}

void error(const std::string& message) {
    std::cerr << g_program << ": error: " << redact(message) << '\n';
}

void warn(const std::string& message) {
    if (!g_quiet)
        std::cerr << g_program << ": warning: " << redact(message) << '\n';
}

void info(const std::string& message, int level) {
    if (!g_quiet && g_verbose >= level)
        std::cerr << g_program << ": " << redact(message) << '\n';
}

bool flush_stdout() {
    if (g_stdout_errno != 0)
        return false;
    // A write that failed in this batch (more than stdio's buffer) left its
    // reason in errno, and stdio drops the buffer then, so this flush would find
    // nothing to fail on: keep that errno unless the flush itself gives one.
    const int earlier = errno;
    errno = 0;
    std::cout.flush();
    const bool flushed = std::fflush(stdout) == 0;
    if (std::cout && flushed && !std::ferror(stdout))
        return true;
    g_stdout_errno = errno != 0 ? errno : earlier != 0 ? earlier : EIO;
    return false;
}

int main(std::string_view name, int argc, char** argv, CLI::App& app,
         const std::function<int()>& run, int internal_status, int output_status) {
    g_program = std::string(name);
    g_stdout_errno = 0;
    // Records lost on the way out are a failure even when the run went well:
    // a monitoring system or a log would otherwise see nothing and no error.
    auto finish = [&](int status) {
        if (flush_stdout())
            return status;
        error(std::string("cannot write to standard output: ") + std::strerror(g_stdout_errno));
        return output_status;
    };
    try {
        try {
            app.parse(argc, argv);
        } catch (const CLI::CallForHelp& e) {
            return finish(app.exit(e)); // prints help on stdout, 0
        } catch (const CLI::CallForAllHelp& e) {
            return finish(app.exit(e));
        } catch (const CLI::CallForVersion& e) {
            return finish(app.exit(e));
        } catch (const CLI::ParseError& e) {
            // Never CLI11_PARSE: its exit codes are not ours.
            error(std::string(e.what()) + " (see " + g_program + " --help)");
            return exit_status::usage;
        }
        return finish(run());
    } catch (const Error& e) {
        error(e.what());
        return e.status();
    } catch (const std::exception& e) {
        error(std::string("internal error: ") + e.what());
        return internal_status;
    } catch (...) {
        error("internal error");
        return internal_status;
    }
}

} // namespace shopkit::cli
