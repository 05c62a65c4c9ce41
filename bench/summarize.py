#!/usr/bin/python3
"""Turns the raw numbers of run_shopcheck.sh into Markdown: the table and the targets.

Usage: summarize.py RAW.tsv

Each cell is the median of its runs, taken per column (wall, CPU, RSS apart).
"""

import csv
import statistics
import sys

MODES = {"keepalive": "keep-alive", "close": "new connection", "slow": "200 ms answers"}
TOOLS = ["curl", "blackbox_exporter", "check_curl", "check_http", "shopcheck"]
TOOL_NAMES = {
    "curl": "curl --parallel-max 64",
    "blackbox_exporter": "blackbox_exporter ¹",
    "check_curl": "check_curl, xargs -P16",
    "check_http": "check_http, xargs -P16",
    "shopcheck": "**shopcheck** ²",
}
RSS_LIMIT_MIB = 64
CRON_LIMIT_MS = 20


def seconds(x: float) -> str:
    return "%.3f" % x if x < 10 else "%.1f" % x


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: summarize.py RAW.tsv", file=sys.stderr)
        return 64
    with open(sys.argv[1], newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))

    cases = []  # (mode, n) in the order they ran
    runs = {}   # (mode, n, tool) -> [row]
    skipped = {}
    for r in rows:
        key = (r["mode"], int(r["n"]))
        if r["mode"] in MODES and key not in cases:
            cases.append(key)
        if r["rep"] == "0":
            skipped[key + (r["tool"],)] = r["note"]
        else:
            runs.setdefault(key + (r["tool"],), []).append(r)

    def median(rs, f):
        vals = [f(r) for r in rs if r[ "wall_s"] != ""]
        return statistics.median(vals) if vals else None

    def cpu(r):
        return float(r["user_s"]) + float(r["sys_s"])

    out = []
    out.append("| case | N | tool | wall s | CPU s (user+sys) | peak RSS MiB | passed | runs "
               "| wall / curl |")
    out.append("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    walls = {}
    rss_at_max_n = []
    for mode, n in cases:
        for tool in TOOLS:
            key = (mode, n, tool)
            if key in skipped:
                out.append("| %s | %d | %s | %s | | | | | |"
                           % (MODES[mode], n, TOOL_NAMES[tool], skipped[key]))
                continue
            rs = runs.get(key)
            if not rs:
                continue
            wall = median(rs, lambda r: float(r["wall_s"]))
            walls[key] = wall
            c = median(rs, cpu)
            rss = median(rs, lambda r: float(r["rss_kib"] or 0)) / 1024
            passed = min(int(r["ok"] or 0) for r in rs)
            curl = walls.get((mode, n, "curl"))
            ratio = "%.2f" % (wall / curl) if curl else ""
            out.append("| %s | %d | %s | %s | %s | %.1f | %s | %d | %s |"
                       % (MODES[mode], n, TOOL_NAMES[tool], seconds(wall), seconds(c), rss,
                          passed if passed == n else "**%d of %d**" % (passed, n), len(rs), ratio))
            if tool == "shopcheck" and mode != "slow" and n == max(k[1] for k in cases if k[0] != "slow"):
                rss_at_max_n.append((mode, rss))
    out.append("")
    out.append("¹ blackbox_exporter: a fresh exporter per run, driven by one `curl --parallel "
               "--parallel-max 64` against /probe; CPU and peak RSS are the exporter's alone "
               "(the driving curl's are in raw.tsv).  ")
    out.append("² shopcheck: keyword check on, state kept (each measured run updates a state file "
               "filled by one unmeasured run before it), `--format jsonl > /dev/null`.  ")
    out.append("A tool whose run took over three minutes is not run again at that N (runs < 3); "
               "one estimated to take over three minutes, from its slowest run at the smaller N, "
               "is skipped.")
    out.append("")

    out.append("## Targets")
    out.append("")
    for mode, n in cases:
        s, c = walls.get((mode, n, "shopcheck")), walls.get((mode, n, "curl"))
        if s is None or c is None:
            continue
        out.append("- wall time no worse than curl, %s, N=%d: %s (%s s vs %s s, %.2f×)"
                   % (MODES[mode], n, "met" if s <= c else "**missed**", seconds(s), seconds(c), s / c))
    for mode, rss in rss_at_max_n:
        out.append("- peak RSS under %d MiB at the largest N, %s: %s (%.1f MiB)"
                   % (RSS_LIMIT_MIB, MODES[mode], "met" if rss < RSS_LIMIT_MIB else "**missed**", rss))
    cron = [r for r in rows if r["mode"] == "cron"]
    if cron:
        ms = sorted(cpu(r) * 1000 for r in cron)
        med = statistics.median(ms)
        timev = [r for r in rows if r["mode"] == "cron-time-v"]
        rss = statistics.median(float(r["rss_kib"]) for r in timev) / 1024 if timev else 0
        wall = statistics.median(float(r["wall_s"]) for r in cron) * 1000
        bad = sum(1 for r in cron if r["exit"] != "0")
        out.append("- one cron run of a 20-check config under %d ms of CPU: %s (median %.1f ms "
                   "user+sys over %d runs, min %.1f, max %.1f; wall %.0f ms; peak RSS %.1f MiB%s)"
                   % (CRON_LIMIT_MS, "met" if med < CRON_LIMIT_MS else "**missed**", med, len(ms),
                      ms[0], ms[-1], wall, rss,
                      "; %d runs did not exit 0" % bad if bad else ""))
    startup = {}
    for r in rows:
        if r["mode"] == "startup":
            startup.setdefault(r["tool"], []).append(cpu(r) * 1000)
    if startup:
        out.append("- for scale, starting the process alone (`--version`, median user+sys): "
                   + ", ".join("%s %.1f ms" % (t, statistics.median(v))
                               for t, v in sorted(startup.items(), reverse=True)))
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
