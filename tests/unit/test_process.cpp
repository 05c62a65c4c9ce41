// run_process with real programs: exit codes, signals, no shell, bounded
// output, stdin, the environment, and timeouts that end the whole group.
#include "lib/core/process.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <sstream>

using namespace shopkit;
using shopkit::test::TempDir;

namespace {

ProcessResult sh(const std::string& script,
                 std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    ProcessSpec spec;
    spec.argv = {"/bin/sh", "-c", script};
    spec.timeout = timeout;
    return run_process(spec);
}

bool alive(pid_t pid) {
    if (::kill(pid, 0) != 0)
        return false;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string s((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto close = s.rfind(") ");
    return close == std::string::npos || s[close + 2] != 'Z';
}

} // namespace

TEST_CASE("process: exit status, signal and the tails of the output") {
    const auto ok = sh("echo out; echo err >&2");
    CHECK(ok.started);
    CHECK(ok.exit_code == 0);
    CHECK(ok.stdout_tail == "out\n");
    CHECK(ok.stderr_tail == "err\n");
    CHECK(sh("exit 7").exit_code == 7);
    const auto killed = sh("kill -9 $$");
    CHECK_FALSE(killed.exit_code);
    CHECK(killed.signal == SIGKILL);
    // A megabyte of stderr: only the end is kept, from a line start.
    const auto big = sh("i=0; while [ $i -lt 20000 ]; do echo \"line $i of the noise\" >&2; "
                        "i=$((i+1)); done; echo last >&2");
    CHECK(big.stderr_tail.size() <= 4096);
    CHECK(big.stderr_tail.ends_with("line 19999 of the noise\nlast\n"));
    CHECK(big.stderr_tail.starts_with("line "));
}

TEST_CASE("process: arguments reach the program verbatim, without a shell") {
    ProcessSpec spec;
    const std::string weird = "$(touch /tmp/shopkit-nope) `id` ; | & * {{x}} 'q'";
    spec.argv = {"/bin/sh", "-c", "printf %s \"$1\"", "sh", weird};
    const auto r = run_process(spec);
    CHECK(r.stdout_tail == weird);
}

TEST_CASE("process: stdin, the environment, and PATH lookup") {
    ProcessSpec cat;
    cat.argv = {"cat"};
    cat.stdin_data = "{\"type\":\"incident\"}\n";
    CHECK(run_process(cat).stdout_tail == cat.stdin_data);

    // A program that never reads a large stdin neither blocks nor kills us.
    ProcessSpec deaf;
    deaf.argv = {"/bin/true"};
    deaf.stdin_data.assign(1 << 20, 'x');
    const auto d = run_process(deaf);
    CHECK(d.exit_code == 0);

    shopkit::test::ScopedEnv inherited("SHOPKIT_TEST_INHERITED", "kept");
    ProcessSpec env;
    env.argv = {"/bin/sh", "-c", "printf '%s %s' \"$SHOPKIT_TEST_INHERITED\" \"$SHOPKIT_EVENT\""};
    env.env_add = {{"SHOPKIT_EVENT", "opened"}};
    CHECK(run_process(env).stdout_tail == "kept opened");

    CHECK(find_program("sh"));
    CHECK(find_program("/bin/sh") == std::filesystem::path("/bin/sh"));
    CHECK_FALSE(find_program("no-such-program-xyz"));
    TempDir dir;
    const auto plain = dir.path() / "not-executable";
    std::ofstream(plain) << "#!/bin/sh\n";
    CHECK_FALSE(find_program(plain.string()));
    ProcessSpec missing;
    missing.argv = {"/no/such/program"};
    const auto m = run_process(missing);
    CHECK_FALSE(m.started);
    CHECK_FALSE(m.error.empty());
}

TEST_CASE("process: a timeout ends the program and every process it started") {
    TempDir dir;
    const auto pids = dir.path() / "pids";
    const auto r = sh("sleep 300 & echo $! > " + pids.string() + "; trap '' TERM; sleep 300",
                      std::chrono::milliseconds(500));
    CHECK(r.timed_out);
    CHECK(r.duration < std::chrono::seconds(15));
    std::ifstream in(pids);
    pid_t child = 0;
    in >> child;
    REQUIRE(child > 0);
    CHECK_FALSE(alive(child));

    // A program that exits but leaves a child holding its output open is done
    // when it exits, not at the timeout.
    const auto left = sh("sleep 5 & echo bye", std::chrono::seconds(20));
    CHECK(left.exit_code == 0);
    CHECK_FALSE(left.timed_out);
    CHECK(left.duration < std::chrono::seconds(4));
}
