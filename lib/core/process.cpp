#include "lib/core/process.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace shopkit {

namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
    int fd[2] = {-1, -1};
    bool open() { return ::pipe2(fd, O_CLOEXEC) == 0; }
    void close_end(int i) {
        if (fd[i] >= 0)
            ::close(fd[i]);
        fd[i] = -1;
    }
    ~Pipe() {
        close_end(0);
        close_end(1);
    }
};

// Drops all but the last `keep` bytes, starting at a line when one begins in them.
void cut_to(std::string& tail, std::size_t keep) {
    tail.erase(0, tail.size() - keep);
    if (const auto nl = tail.find('\n'); nl != std::string::npos && nl + 1 < tail.size())
        tail.erase(0, nl + 1);
}

void keep_tail(std::string& tail, const char* data, std::size_t n, std::size_t keep) {
    tail.append(data, n);
    if (tail.size() > keep * 2)
        cut_to(tail, keep);
}

void finish_tail(std::string& tail, std::size_t keep) {
    if (tail.size() > keep)
        cut_to(tail, keep);
}

bool executable_file(const std::filesystem::path& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

// The child: its own process group, the pipes on 0/1/2, the environment, exec.
// Only async-signal-safe calls between fork and exec.
[[noreturn]] void exec_child(const char* path, char* const* argv, char* const* envp, int in,
                             int out, int err, int report) {
    ::setpgid(0, 0);
    // Default dispositions: a step must die of SIGPIPE or SIGTERM as programs do.
    for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGCHLD})
        ::signal(s, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0) {
        const int e = errno;
        (void)!::write(report, &e, sizeof e);
        ::_exit(127);
    }
    ::execve(path, argv, envp);
    const int e = errno;
    (void)!::write(report, &e, sizeof e);
    ::_exit(127);
}

} // namespace

std::optional<std::filesystem::path> find_program(std::string_view name) {
    if (name.empty())
        return std::nullopt;
    if (name.find('/') != std::string_view::npos) {
        const std::filesystem::path p(name);
        return executable_file(p) ? std::optional(p) : std::nullopt;
    }
    const char* path = std::getenv("PATH");
    std::string_view dirs = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
    while (true) {
        const auto colon = dirs.find(':');
        std::string_view dir = dirs.substr(0, colon);
        const std::filesystem::path p =
            std::filesystem::path(dir.empty() ? "." : std::string(dir)) / std::string(name);
        if (executable_file(p))
            return p;
        if (colon == std::string_view::npos)
            return std::nullopt;
        dirs.remove_prefix(colon + 1);
    }
}

ProcessResult run_process(const ProcessSpec& spec) {
    ProcessResult result;
    const auto started = Clock::now();
    if (spec.argv.empty() || spec.argv.front().empty()) {
        result.error = "no program given";
        return result;
    }
    const auto program = find_program(spec.argv.front());
    if (!program) {
        result.error = spec.argv.front().find('/') == std::string::npos
                           ? "not found in PATH"
                           : "no such file, or not executable";
        return result;
    }

    // Everything the child needs is built before fork.
    std::vector<std::string> env_strings;
    for (char** e = environ; e && *e; ++e) {
        const std::string_view entry(*e);
        const auto eq = entry.find('=');
        const std::string_view key = entry.substr(0, eq);
        bool overridden = false;
        for (const auto& [k, v] : spec.env_add)
            overridden = overridden || k == key;
        if (!overridden)
            env_strings.emplace_back(entry);
    }
    for (const auto& [k, v] : spec.env_add)
        env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings)
        envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> args = spec.argv;
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string path = program->string();

    Pipe in, out, err, report;
    if (!in.open() || !out.open() || !err.open() || !report.open()) {
        result.error = std::string("cannot make a pipe: ") + std::strerror(errno);
        return result;
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
        result.error = std::string("cannot fork: ") + std::strerror(errno);
        return result;
    }
    if (pid == 0)
        exec_child(path.c_str(), argv.data(), envp.data(), in.fd[0], out.fd[1], err.fd[1],
                   report.fd[1]);
    // Also from here, so the group exists before we might signal it.
    ::setpgid(pid, pid);
    in.close_end(0);
    out.close_end(1);
    err.close_end(1);
    report.close_end(1);

    int exec_errno = 0;
    {
        ssize_t n;
        do
            n = ::read(report.fd[0], &exec_errno, sizeof exec_errno);
        while (n < 0 && errno == EINTR);
        if (n != static_cast<ssize_t>(sizeof exec_errno))
            exec_errno = 0;
    }
    result.started = exec_errno == 0;
    if (!result.started)
        result.error = std::strerror(exec_errno);

    ::fcntl(in.fd[1], F_SETFL, O_NONBLOCK);
    std::size_t written = 0;
    if (spec.stdin_data.empty() || !result.started)
        in.close_end(1);

    const auto deadline = started + spec.timeout;
    auto kill_deadline = Clock::time_point::max();
    bool term_sent = false;
    char buf[8192];
    int status = 0;
    while (true) {
        if (const pid_t w = ::waitpid(pid, &status, WNOHANG); w == pid) {
            // Exited. Take what is already in the pipes; a child it left behind
            // holding them open must not keep us here.
            for (Pipe* p : {&out, &err}) {
                if (p->fd[0] < 0)
                    continue;
                ::fcntl(p->fd[0], F_SETFL, O_NONBLOCK);
                std::string& tail = p == &out ? result.stdout_tail : result.stderr_tail;
                for (ssize_t n; (n = ::read(p->fd[0], buf, sizeof buf)) > 0;)
                    keep_tail(tail, buf, static_cast<std::size_t>(n), spec.keep_output);
            }
            break;
        }
        pollfd fds[3];
        int nfds = 0;
        int idx_out = -1, idx_err = -1, idx_in = -1;
        if (out.fd[0] >= 0) {
            idx_out = nfds;
            fds[nfds++] = {out.fd[0], POLLIN, 0};
        }
        if (err.fd[0] >= 0) {
            idx_err = nfds;
            fds[nfds++] = {err.fd[0], POLLIN, 0};
        }
        if (in.fd[1] >= 0) {
            idx_in = nfds;
            fds[nfds++] = {in.fd[1], POLLOUT, 0};
        }
        const auto now = Clock::now();
        if (!term_sent && now >= deadline) {
            result.timed_out = true;
            ::kill(-pid, SIGTERM);
            term_sent = true;
            kill_deadline = now + spec.grace;
            in.close_end(1);
            continue;
        }
        if (term_sent && now >= kill_deadline) {
            ::kill(-pid, SIGKILL);
            kill_deadline = Clock::time_point::max();
            // Descendants may hold the pipes open; stop reading them.
            out.close_end(0);
            err.close_end(0);
            continue;
        }
        const auto limit = term_sent ? kill_deadline : deadline;
        auto wait_ms = std::chrono::duration_cast<std::chrono::milliseconds>(limit - now).count();
        // Short polls: the exit is noticed by waitpid above, not by the pipes.
        wait_ms = std::clamp<long long>(wait_ms, 0, 50);
        // With no pipe left open this is a short sleep until the exit.
        const int r = ::poll(fds, static_cast<nfds_t>(nfds), static_cast<int>(wait_ms));
        if (r <= 0)
            continue;
        auto drain = [&](int index, Pipe& p, std::string& tail) {
            if (index < 0 || !(fds[index].revents & (POLLIN | POLLHUP | POLLERR)))
                return;
            const ssize_t n = ::read(p.fd[0], buf, sizeof buf);
            if (n > 0)
                keep_tail(tail, buf, static_cast<std::size_t>(n), spec.keep_output);
            else if (n == 0 || (errno != EINTR && errno != EAGAIN))
                p.close_end(0);
        };
        drain(idx_out, out, result.stdout_tail);
        drain(idx_err, err, result.stderr_tail);
        if (idx_in >= 0 && (fds[idx_in].revents & (POLLOUT | POLLERR | POLLHUP))) {
            // MSG_NOSIGNAL is for sockets; a pipe whose reader is gone gives
            // EPIPE here only because SIGPIPE is blocked around the write.
            sigset_t pipe_set, old;
            sigemptyset(&pipe_set);
            sigaddset(&pipe_set, SIGPIPE);
            ::pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
            const ssize_t n = ::write(in.fd[1], spec.stdin_data.data() + written,
                                      spec.stdin_data.size() - written);
            const int e = errno;
            if (n < 0 && e == EPIPE) {
                // Take the pending SIGPIPE so it is not delivered when unblocked.
                timespec zero{0, 0};
                ::sigtimedwait(&pipe_set, nullptr, &zero);
            }
            ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
            if (n > 0)
                written += static_cast<std::size_t>(n);
            if ((n < 0 && e != EAGAIN && e != EINTR) || written >= spec.stdin_data.size())
                in.close_end(1);
        }
    }
    in.close_end(1);
    // Whatever the step left behind in its group goes with it.
    if (result.timed_out)
        ::kill(-pid, SIGKILL);
    if (WIFEXITED(status))
        result.exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        result.signal = WTERMSIG(status);
    if (!result.started) {
        result.exit_code.reset();
        result.signal.reset();
    }
    finish_tail(result.stdout_tail, spec.keep_output);
    finish_tail(result.stderr_tail, spec.keep_output);
    result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
    return result;
}

} // namespace shopkit
