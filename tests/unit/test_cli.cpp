// The edges every program shares: the one catch that turns errors into exit
// statuses, CLI11 parse errors as 64, --help and --version on stdout, colour.
#include "lib/core/cli.hpp"
#include "lib/core/error.hpp"
#include "lib/core/exit_status.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <iostream>
#include <sstream>
#include <stdexcept>
#include <vector>

using namespace shopkit;

namespace {

// Runs cli::main over `args` with `run`, capturing std::cout and std::cerr.
struct Outcome {
    int status = -1;
    std::string out, err;
};

Outcome call(std::vector<std::string> args, const std::function<int()>& run) {
    CLI::App app{"a test program", "shoptest"};
    std::string name;
    app.add_option("--name", name, "A name");
    cli::add_common_options(app);
    args.insert(args.begin(), "shoptest");
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    std::ostringstream out, err;
    auto* old_out = std::cout.rdbuf(out.rdbuf());
    auto* old_err = std::cerr.rdbuf(err.rdbuf());
    Outcome o;
    o.status = cli::main("shoptest", static_cast<int>(argv.size()), argv.data(), app, run, 70,
                         exit_status::io);
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    o.out = out.str();
    o.err = err.str();
    return o;
}

int fine() {
    return 0;
}

} // namespace

TEST_CASE("cli: a parse error is exit 64 with a pointer to --help") {
    const Outcome o = call({"--nmae", "x"}, fine);
    CHECK(o.status == exit_status::usage);
    CHECK(o.out.empty());
    CHECK(o.err.rfind("shoptest: error: ", 0) == 0);
    CHECK(o.err.find("(see shoptest --help)") != std::string::npos);
}

TEST_CASE("cli: --help and --version print to stdout and exit 0") {
    const Outcome help = call({"--help"}, fine);
    CHECK(help.status == 0);
    CHECK(help.out.find("--name") != std::string::npos);
    CHECK(help.err.empty());
    const Outcome version = call({"--version"}, fine);
    CHECK(version.status == 0);
    CHECK(version.out.find("shoptest (shopkit) ") == 0);
}

TEST_CASE("cli: output that cannot be written is the output status, whatever the run said") {
    // A stream buffer that takes nothing, as a full disk.
    struct Full : std::streambuf {
        int overflow(int) override { return traits_type::eof(); }
        std::streamsize xsputn(const char*, std::streamsize) override { return 0; }
    } full;
    CLI::App app{"a test program", "shoptest"};
    cli::add_common_options(app);
    std::vector<char*> argv{const_cast<char*>("shoptest")};
    std::ostringstream err;
    auto* old_out = std::cout.rdbuf(&full);
    auto* old_err = std::cerr.rdbuf(err.rdbuf());
    const int status = cli::main(
        "shoptest", 1, argv.data(), app,
        [] {
            std::cout << "a record\n";
            CHECK_FALSE(cli::flush_stdout());
            return 2;
        },
        70, exit_status::io);
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    std::cout.clear();
    CHECK(status == exit_status::io);
    CHECK(err.str().rfind("shoptest: error: cannot write to standard output: ", 0) == 0);
    // The next run starts afresh.
    CHECK(call({}, fine).status == 0);
}

TEST_CASE("cli: an Error becomes its own exit status, anything else the internal one") {
    const Outcome config =
        call({}, []() -> int { throw Error(exit_status::config, "shop.toml:3:1: unknown key"); });
    CHECK(config.status == exit_status::config);
    CHECK(config.err == "shoptest: error: shop.toml:3:1: unknown key\n");

    const Outcome boom = call({}, []() -> int { throw std::logic_error("boom"); });
    CHECK(boom.status == 70);
    CHECK(boom.err == "shoptest: error: internal error: boom\n");

    CHECK(call({"--name", "x"}, [] { return 75; }).status == 75);
}

TEST_CASE("cli: colour only on a terminal, and never with NO_COLOR") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    {
        shopkit::test::ScopedEnv no_color("NO_COLOR", std::nullopt);
        CHECK_FALSE(cli::use_color(fds[1])); // a pipe is no terminal
    }
    {
        shopkit::test::ScopedEnv no_color("NO_COLOR", std::string("1"));
        CHECK_FALSE(cli::use_color(fds[1]));
    }
    ::close(fds[0]);
    ::close(fds[1]);
}
