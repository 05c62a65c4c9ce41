#!/usr/bin/env bash
# shopreport over a synthetic year of 1-minute runs of 20 checks: wall time,
# CPU and peak RSS of a month's and a year's report in every format, and how
# they grow with the period, with the raw rows kept and with the state's size.
# See bench/README.md.
#
#   bash bench/run_report.sh BUILD_DIR [--quick]
#
# BUILD_DIR holds tools/shopreport and bench/make_report_state (this script
# builds nothing). Environment: STATES (directory of the generated states,
# reused when present; default /tmp/shopkit-report-bench), RUNS (5 measured runs
# per command, after one unmeasured), FORMATS ("text markdown csv json html"),
# RAW (bench/report_raw.tsv), TABLE (bench/report_table.md).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench=$repo/bench
build=${1:-}
quick=0
[[ ${2:-} == --quick ]] && quick=1
if [[ -z $build || $build == -h || $build == --help ]]; then
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 64
fi
build=$(cd "$build" && pwd)
shopreport=$build/tools/shopreport
generator=$build/bench/make_report_state
config=$bench/report_shop.toml
STATES=${STATES:-/tmp/shopkit-report-bench}
RUNS=${RUNS:-5}
FORMATS=${FORMATS:-"text markdown csv json html"}
RAW=${RAW:-$bench/report_raw.tsv}
TABLE=${TABLE:-$bench/report_table.md}
PY=/usr/bin/python3
[[ $quick == 1 ]] && RUNS=1

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { echo "run_report.sh: error: $*" >&2; exit 1; }

[[ -x $shopreport ]] || die "$shopreport: not built (ninja -C BUILD_DIR shopreport)"
[[ -x $generator ]] || die "$generator: not built (ninja -C BUILD_DIR make_report_state)"
[[ -x /usr/bin/time ]] || die "GNU time is missing: apt-get install -y time"
[[ -x $PY ]] || die "python3 is missing"

# The year runs from 2025-11-28 00:00 UTC to 2026-11-28 00:00 UTC (09:00 JST);
# the month is October 2026 in Asia/Tokyo, inside the 90 days of raw history.
YEAR_FROM=2025-11-28T00:00:00Z
SINCE=2025-11-28
UNTIL=2026-11-27
MONTH=2026-10
MONTH_FROM=2026-09-30T15:00:00Z # 2026-10-01 00:00 JST

# --- the states ----------------------------------------------------------------------------
mkdir -p "$STATES"
generate() { # NAME ARGS...: STATES/NAME.db unless it exists, its generator output in NAME.log
    local name=$1
    shift
    local db=$STATES/$name.db
    if [[ -s $db && -s $STATES/$name.log ]]; then
        log "reusing $db"
        return
    fi
    rm -f "$db" "$db-wal" "$db-shm"
    log "generating $db ($*)"
    /usr/bin/time -f 'generator: %e s wall, %U s user, %S s sys, %M KiB peak RSS' \
        "$generator" -c "$config" --state "$db" "$@" >"$STATES/$name.log.tmp" 2>&1 ||
        { cat "$STATES/$name.log.tmp" >&2; die "make_report_state failed"; }
    mv "$STATES/$name.log.tmp" "$STATES/$name.log"
    tail -n 12 "$STATES/$name.log" >&2
}
generate year --from "$YEAR_FROM" --days 365
generate year-raw --from "$YEAR_FROM" --days 365 --history-days 400
generate month --from "$MONTH_FROM" --days 31
for name in year year-raw month; do
    log "$name.db: $(du -k "$STATES/$name.db" | cut -f1) KiB"
done

# --- the runs ------------------------------------------------------------------------------
# Each case: a name, a state, the period's arguments. Every format runs every
# case once per round, round after round, so a drift of the machine's speed
# touches them all alike; the ratios are then taken run by run.
cases=(
    "month|$STATES/year.db|--month $MONTH"
    "year|$STATES/year.db|--since $SINCE --until $UNTIL"
    "year-all-raw|$STATES/year-raw.db|--since $SINCE --until $UNTIL"
    "month-state|$STATES/month.db|--month $MONTH"
)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'format\tcase\trun\twall_s\tuser_s\tsys_s\trss_kib\texit\tbytes\n' >"$RAW"

measure() { # FORMAT CASE RUN(0 = warm-up): one measured run, one run under GNU time
    local format=$1 spec=$2 run=$3
    local name=${spec%%|*} rest=${spec#*|}
    local db=${rest%%|*} period=${rest#*|}
    # shellcheck disable=SC2086 # the period is words
    local cmd=("$shopreport" -c "$config" --state "$db" $period --format "$format" -o "$tmp/out")
    "$PY" "$bench/measure.py" -o "$tmp/m" -t 300 "${cmd[@]}" 2>"$tmp/err" ||
        true # the exit status is in $tmp/m
    read -r wall user sys code _ <"$tmp/m"
    [[ $code == 0 ]] || { cat "$tmp/err" >&2; die "$name $format: exit $code"; }
    local bytes
    bytes=$(wc -c <"$tmp/out")
    /usr/bin/time -f '%M' -o "$tmp/rss" "${cmd[@]}" 2>/dev/null
    [[ $run == 0 ]] ||
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$format" "$name" "$run" "$wall" "$user" \
            "$sys" "$(tail -n 1 "$tmp/rss")" "$code" "$bytes" >>"$RAW"
}

log "shopreport: $RUNS runs of ${#cases[@]} cases in each of: $FORMATS"
for format in $FORMATS; do
    for run in $(seq 0 "$RUNS"); do
        for spec in "${cases[@]}"; do
            measure "$format" "$spec" "$run"
        done
    done
    log "$format done"
done

# --- the table -----------------------------------------------------------------------------
"$PY" - "$RAW" "$TABLE" <<'EOF'
import statistics, sys
from collections import defaultdict

raw, table = sys.argv[1], sys.argv[2]
rows = defaultdict(list)  # (format, case) -> [(run, wall, cpu, rss, bytes)]
with open(raw) as f:
    next(f)
    for line in f:
        fmt, case, run, wall, user, sys_s, rss, code, nbytes = line.rstrip("\n").split("\t")
        rows[fmt, case].append((int(run), float(wall), float(user) + float(sys_s),
                                int(rss), int(nbytes)))

def mmm(xs, f="{:.3f}"):
    return "{} / {} / {}".format(f.format(min(xs)), f.format(statistics.median(xs)),
                                 f.format(max(xs)))

def ratio(fmt, a, b):  # run by run, on wall time
    ra = {r[0]: r[1] for r in rows[fmt, a]}
    rb = {r[0]: r[1] for r in rows[fmt, b]}
    return [ra[k] / rb[k] for k in ra if k in rb and rb[k] > 0]

formats = list(dict.fromkeys(k[0] for k in rows))
cases = list(dict.fromkeys(k[1] for k in rows))
out = ["| format | case | runs | wall s min / median / max | CPU s median | peak RSS MiB max | output KiB |",
       "|---|---|---:|---|---:|---:|---:|"]
for fmt in formats:
    for case in cases:
        r = rows[fmt, case]
        out.append("| {} | {} | {} | {} | {:.3f} | {:.1f} | {:.0f} |".format(
            fmt, case, len(r), mmm([x[1] for x in r]), statistics.median(x[2] for x in r),
            max(x[3] for x in r) / 1024, r[0][4] / 1024))
out += ["", "| format | year / month | year-all-raw / year | month on the year state / month-state |",
        "|---|---|---|---|"]
for fmt in formats:
    cells = []
    for a, b in (("year", "month"), ("year-all-raw", "year"), ("month", "month-state")):
        xs = ratio(fmt, a, b)
        cells.append(mmm(xs, "{:.2f}") if xs else "–")
    out.append("| {} | {} |".format(fmt, " | ".join(cells)))
text = "\n".join(out) + "\n"
open(table, "w").write(text)
print(text)
EOF
log "raw runs: $RAW; table: $TABLE"
