#!/usr/bin/python3
"""Runs one command and writes `wall_s user_s sys_s exit timed_out` to a file.

Usage: measure.py -o FILE [-t SECONDS] COMMAND [ARG...]

GNU time prints CPU seconds with two decimals, too coarse to tell whether a
cron run stays under 20 ms; wait4() gives the child's rusage in microseconds.
posix_spawn (vfork) keeps Python's own start-up out of the child's CPU time,
but not out of its peak RSS, so take peak RSS from GNU time instead. The
command runs in its own process group, which is killed after SECONDS
(default 900), or when measure.py is interrupted, so no measurement can
hang the benchmark or outlive it. Its stdout and stderr are passed through
untouched.
"""

import os
import signal
import sys
import time


def main() -> int:
    args = sys.argv[1:]
    if len(args) < 3 or args[0] != "-o":
        print("usage: measure.py -o FILE [-t SECONDS] COMMAND [ARG...]", file=sys.stderr)
        return 64
    out, args = args[1], args[2:]
    limit = 900.0
    if len(args) >= 2 and args[0] == "-t":
        limit, args = float(args[1]), args[2:]
    if not args:
        print("measure.py: no command", file=sys.stderr)
        return 64
    start = time.perf_counter()
    pid = os.posix_spawnp(args[0], args, os.environ, setpgroup=0)
    timed_out = False

    def expire(_signum, _frame):
        nonlocal timed_out
        timed_out = True
        os.killpg(pid, signal.SIGKILL)

    interrupted = 0

    def interrupt(signum, _frame):
        # The child has a process group of its own, out of reach of Ctrl-C.
        nonlocal interrupted
        interrupted = signum
        os.killpg(pid, signal.SIGKILL)

    signal.signal(signal.SIGALRM, expire)
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, limit)
    # wait4 is retried after a handler runs (PEP 475), and then reaps the killed child.
    _, status, usage = os.wait4(pid, 0)
    signal.setitimer(signal.ITIMER_REAL, 0)
    if interrupted:
        # Die of the same signal, so that the calling shell sees an interrupted
        # command and runs its own trap instead of going on.
        signal.signal(interrupted, signal.SIG_DFL)
        os.kill(os.getpid(), interrupted)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    with open(out, "w") as f:
        f.write("%.6f %.6f %.6f %d %d\n"
                % (wall, usage.ru_utime, usage.ru_stime, code, int(timed_out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
