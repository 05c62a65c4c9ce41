#!/usr/bin/env bash
# shopcheck against the peers a user would pick instead, on a private loopback
# nginx serving N distinct product pages. See bench/README.md.
#
#   bash bench/run_shopcheck.sh [--quick] [--no-install] [--no-build]
#
# Environment: NS ("100 1000 10000"), RUNS (3), CRON_RUNS (7), SLOW_N (200),
# IDLE_WAIT (0: seconds to wait at most for the load average to fall under 1),
# LIMIT (180: skip a peer at an N where one run is estimated to take longer),
# SHOPCHECK (a built binary; default: build one in BUILD_DIR), BUILD_DIR
# (build-bench), RAW (bench/raw.tsv), TABLE (bench/table.md).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench=$repo/bench
NS=${NS:-"100 1000 10000"}
RUNS=${RUNS:-3}
CRON_RUNS=${CRON_RUNS:-7}
SLOW_N=${SLOW_N:-200}
LIMIT=${LIMIT:-180}
HARD_LIMIT=${HARD_LIMIT:-600}   # any single measured run is killed after this many seconds
RAW=${RAW:-$bench/raw.tsv}
TABLE=${TABLE:-$bench/table.md}
BUILD_DIR=${BUILD_DIR:-$repo/build-bench}
SHOPCHECK=${SHOPCHECK:-}
PER_CHANNEL=${PER_CHANNEL:-10}  # checks per [[channel]] in the generated configs
KEYWORD=カートに入れる
PY=/usr/bin/python3
PLUGINS=/usr/lib/nagios/plugins
install=1
build=1

for arg in "$@"; do
    case $arg in
    --quick) NS="100 1000"; RUNS=1; CRON_RUNS=5 ;;
    --no-install) install=0 ;;
    --no-build) build=0 ;;
    -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run_shopcheck.sh: unknown argument '$arg' (try --help)" >&2; exit 64 ;;
    esac
done

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { echo "run_shopcheck.sh: error: $*" >&2; exit 1; }

# --- what the benchmark needs --------------------------------------------------------------
packages=(nginx-light prometheus-blackbox-exporter monitoring-plugins-basic
          monitoring-plugins-standard time curl python3)
missing() {
    command -v nginx >/dev/null && command -v prometheus-blackbox-exporter >/dev/null &&
        [[ -x $PLUGINS/check_http && -x $PLUGINS/check_curl && -x /usr/bin/time &&
           -x $PY ]] && command -v curl >/dev/null && return 1
    return 0
}
if missing; then
    [[ $install == 1 ]] || die "missing tools; install: apt-get install -y ${packages[*]}"
    [[ $(id -u) == 0 ]] || die "missing tools and not root; run: sudo apt-get install -y ${packages[*]}"
    log "installing ${packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q "${packages[@]}" >/dev/null ||
        { apt-get update -q >/dev/null && apt-get install -y -q "${packages[@]}" >/dev/null; }
    missing && die "tools still missing after apt-get install"
fi

if [[ -z $SHOPCHECK ]]; then
    SHOPCHECK=$BUILD_DIR/tools/shopcheck
    if [[ $build == 1 ]]; then
        log "building shopcheck (Release) in $BUILD_DIR"
        cmake -S "$repo" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
            -DSHOPKIT_BUILD_TESTS=OFF >/dev/null
        ninja -C "$BUILD_DIR" shopcheck >/dev/null
    fi
fi
[[ -x $SHOPCHECK ]] || die "no shopcheck binary at $SHOPCHECK (set SHOPCHECK=PATH)"

# --- servers, all on 127.0.0.1, all stopped on exit ------------------------------------------
work=$(mktemp -d /tmp/shopkit-bench.XXXXXX)
pids=()
bb_pid=""       # the exporter of the current measurement, if one is running
measure_pid=""  # measure.py, while it runs; it kills what it measures when told to stop
cleanup() {
    local pid
    [[ -z $measure_pid ]] || pids+=("$measure_pid")
    [[ -z $bb_pid ]] || pids+=("$bb_pid")
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Ports for nginx and the exporter (which cannot report a port they chose
# themselves): bound together on port 0 so they are distinct, then released.
read -r port_ka port_close1 port_close2 port_bb < <($PY -c '
import socket
socks = [socket.socket() for _ in range(4)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')

# A new connection per check leaves one TIME_WAIT socket per check on the
# server side. Linux lets loopback connections reuse those with tcp_tw_reuse=2
# (the default) or 1; try to turn it on if it is off, and spread the
# new-connection URLs over two server ports either way.
tw_reuse=$(cat /proc/sys/net/ipv4/tcp_tw_reuse 2>/dev/null || echo unknown)
if [[ $tw_reuse == 0 ]]; then
    sysctl -q -w net.ipv4.tcp_tw_reuse=1 2>/dev/null && tw_reuse="1 (set by this script)" ||
        tw_reuse="0 (could not change it)"
fi

body="<!doctype html><html><head><title>商品 \$uri</title></head><body><h1>商品 \$uri</h1><form><button>$KEYWORD</button></form></body></html>\\n"
mkdir -p "$work/nginx/tmp"
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes 1;
worker_rlimit_nofile 20000;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    default_type text/html;
    charset utf-8;
    client_body_temp_path $work/nginx/tmp/body;
    proxy_temp_path $work/nginx/tmp/proxy;
    fastcgi_temp_path $work/nginx/tmp/fastcgi;
    uwsgi_temp_path $work/nginx/tmp/uwsgi;
    scgi_temp_path $work/nginx/tmp/scgi;
    server {
        listen 127.0.0.1:$port_ka backlog=4096;
        keepalive_requests 1000000;
        keepalive_timeout 75s;
        location /p/ { return 200 "$body"; }
        location / { return 404; }
    }
    server {
        listen 127.0.0.1:$port_close1 backlog=4096;
        listen 127.0.0.1:$port_close2 backlog=4096;
        keepalive_timeout 0;
        location /p/ { return 200 "$body"; }
        location / { return 404; }
    }
}
EOF
nginx -t -q -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" ||
    die "nginx rejected its config: $(cat "$work/nginx/error.log")"
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log" \
    -g 'daemon off;' &
pids+=($!)

$PY "$bench/slow_server.py" --delay 0.2 --lifetime 7200 >"$work/slow.out" 2>"$work/slow.err" &
pids+=($!)

wait_for() { # URL: up to 10 s for it to answer
    local i
    for ((i = 0; i < 100; i++)); do
        curl -s -o /dev/null --max-time 1 "$1" && return 0
        sleep 0.1
    done
    return 1
}
for ((i = 0; i < 100; i++)); do
    [[ -s $work/slow.out ]] && break
    sleep 0.1
done
port_slow=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/slow.out")
[[ -n $port_slow ]] || die "slow server did not start: $(cat "$work/slow.err")"
wait_for "http://127.0.0.1:$port_ka/p/1" || die "nginx did not start: $(cat "$work/nginx/error.log")"
wait_for "http://127.0.0.1:$port_close2/p/1" || die "nginx did not start"
curl -s "http://127.0.0.1:$port_ka/p/1" | grep -q "$KEYWORD" || die "nginx page lacks the keyword"
log "nginx on 127.0.0.1:$port_ka (keep-alive), :$port_close1 and :$port_close2 (Connection: close);" \
    "slow server on :$port_slow"

cat >"$work/blackbox.yml" <<EOF
modules:
  http_2xx:
    prober: http
    timeout: 10s
    http:
      preferred_ip_protocol: ip4
      fail_if_body_not_matches_regexp: ["$KEYWORD"]
EOF

# --- the cases -------------------------------------------------------------------------------
url_of() { # MODE I
    case $1 in
    keepalive) echo "http://127.0.0.1:$port_ka/p/$2" ;;
    close) if (($2 % 2)); then echo "http://127.0.0.1:$port_close1/p/$2"
           else echo "http://127.0.0.1:$port_close2/p/$2"; fi ;;
    slow) echo "http://127.0.0.1:$port_slow/p/$2" ;;
    esac
}

write_shop_config() { # MODE N FILE
    local mode=$1 n=$2 file=$3 i url
    {
        printf '[shop]\nname = "bench"\n'
        for ((i = 1; i <= n; i++)); do
            url=$(url_of "$mode" "$i")
            if (((i - 1) % PER_CHANNEL == 0)); then
                printf '\n[[channel]]\nid = "shop%d"\nurl = "%s"\n' $(((i - 1) / PER_CHANNEL + 1)) "$url"
            fi
            printf '[[channel.check]]\nid = "p%d"\nurl = "%s"\nexpect_text = "%s"\n' "$i" "$url" "$KEYWORD"
        done
    } >"$file"
}

prepare_case() { # MODE N -> $work/MODE-N/
    local mode=$1 n=$2 dir=$work/$1-$2 i url
    mkdir -p "$dir"
    for ((i = 1; i <= n; i++)); do
        url_of "$mode" "$i"
    done >"$dir/urls.txt"
    while read -r url; do
        printf 'url = "%s"\noutput = "/dev/null"\n' "$url"
    done <"$dir/urls.txt" >"$dir/curl.cfg"
    while read -r url; do
        printf 'url = "http://127.0.0.1:%s/probe?module=http_2xx&target=%s"\n' "$port_bb" "$url"
    done <"$dir/urls.txt" >"$dir/blackbox.cfg"
    sed -n 's|^http://\([0-9.]*\):\([0-9]*\)\(/.*\)$|-I \1 -p \2 -u \3|p' "$dir/urls.txt" >"$dir/plugin.args"
    write_shop_config "$mode" "$n" "$dir/shop.toml"
}

tv_field() { # FILE LABEL: a value from GNU time -v output
    sed -n "s/^[[:space:]]*$2: //p" "$1"
}
tv_elapsed() { # FILE: "h:mm:ss" or "m:ss.ss" as seconds
    tv_field "$1" 'Elapsed (wall clock) time (h:mm:ss or m:ss)' |
        awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }'
}

# measure OUTFILE CMD...: the command under measure.py (wall, user+sys to the
# microsecond) and GNU time -v (peak RSS); stdout goes to OUTFILE.
measure() {
    local out=$1; shift
    rm -f "$work/m"
    # In the background and waited for, so that a signal to this script is
    # acted on at once, not when the measurement ends.
    $PY "$bench/measure.py" -o "$work/m" -t "$HARD_LIMIT" /usr/bin/time -v -o "$work/tv" "$@" \
        >"$out" 2>"$work/stderr" &
    measure_pid=$!
    wait "$measure_pid" || true
    measure_pid=""
    read -r m_wall m_user m_sys m_exit m_timedout <"$work/m" || die "measure.py failed on $*"
    m_rss=$(tv_field "$work/tv" 'Maximum resident set size (kbytes)')
    m_tv="$(tv_elapsed "$work/tv")	$(tv_field "$work/tv" 'User time (seconds)')	$(tv_field "$work/tv" 'System time (seconds)')"
    [[ $m_timedout == 0 ]] || m_note="killed after ${HARD_LIMIT}s"
}

proc_cpu() { # PID: "user sys" seconds of a running process, all its threads
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f %.2f\n", $12 / hz, $13 / hz }' "/proc/$1/stat"
}

printf 'mode\tn\ttool\trep\twall_s\tuser_s\tsys_s\trss_kib\tok\texit\ttv_wall_s\ttv_user_s\ttv_sys_s\tnote\n' >"$RAW"
row() { # MODE N TOOL REP OK NOTE (measurement in m_*)
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" \
        "$m_wall" "$m_user" "$m_sys" "${m_rss:-}" "$5" "$m_exit" "$m_tv" "$6" >>"$RAW"
}

run_tool() { # TOOL MODE N REP
    local tool=$1 mode=$2 n=$3 rep=$4 dir=$work/$2-$3 ok note="" bb cpu0 sys0 i
    m_note=""
    case $tool in
    curl)
        measure "$work/out" curl --parallel --parallel-max 64 -s -K "$dir/curl.cfg" \
            -w '%{http_code}\n'
        ok=$(grep -c '^200$' "$work/out" || true) ;;
    blackbox_exporter)
        # A fresh exporter per run, so its peak RSS belongs to this run. Its
        # CPU is read from /proc; the driving curl's numbers go to the note.
        prometheus-blackbox-exporter --config.file="$work/blackbox.yml" \
            --web.listen-address="127.0.0.1:$port_bb" --log.level=error >"$work/bb.log" 2>&1 &
        bb=$!
        bb_pid=$bb
        wait_for "http://127.0.0.1:$port_bb/metrics" || die "blackbox_exporter did not start: $(cat "$work/bb.log")"
        read -r cpu0 sys0 < <(proc_cpu "$bb")
        measure "$work/out" curl --parallel --parallel-max 64 -s -K "$dir/blackbox.cfg"
        note="driver_curl: user=$m_user sys=$m_sys rss_kib=$m_rss"
        read -r m_user m_sys < <(proc_cpu "$bb")
        m_user=$(awk -v a="$m_user" -v b="$cpu0" 'BEGIN { printf "%.2f", a - b }')
        m_sys=$(awk -v a="$m_sys" -v b="$sys0" 'BEGIN { printf "%.2f", a - b }')
        m_rss=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$bb/status")
        kill "$bb"; wait "$bb" 2>/dev/null || true
        bb_pid=""
        ok=$(grep -c '^probe_success 1$' "$work/out" || true) ;;
    check_curl | check_http)
        measure "$work/out" xargs -P16 -L1 -a "$dir/plugin.args" "$PLUGINS/$tool" -t 10 -s "$KEYWORD"
        ok=$(grep -c '^HTTP OK' "$work/out" || true) ;;
    shopcheck)
        # Steady state of a cron job: a fresh state file per measurement, filled
        # by one unmeasured run, so the measured run updates existing rows.
        rm -f "$work/state.db"*
        "$SHOPCHECK" -c "$dir/shop.toml" --state "$work/state.db" --format jsonl >"$work/warm" 2>&1 || true
        i=$(grep -c '"state":"up"' "$work/warm" || true)
        ((i == n)) || note="warm-up run: $i of $n up"
        measure /dev/null "$SHOPCHECK" -c "$dir/shop.toml" --state "$work/state.db" --format jsonl
        if [[ $m_exit == 0 ]]; then ok=$n; else ok=0; note="${note:+$note; }$(head -c 300 "$work/stderr" | tr '\t\n' '  ')"; fi ;;
    esac
    [[ -z $m_note ]] || note="${note:+$note; }$m_note"
    row "$mode" "$n" "$tool" "$rep" "$ok" "$note"
    log "  $mode n=$n $tool #$rep: wall ${m_wall}s cpu $(awk -v a="$m_user" -v b="$m_sys" 'BEGIN { printf "%.3f", a + b }')s rss ${m_rss}KiB ok $ok/$n"
}

tools=(curl blackbox_exporter check_curl check_http shopcheck)

# The estimated wall time of TOOL at N in MODE, scaled linearly from its
# slowest run at the largest smaller N measured (the slowest, not the median:
# a shared machine is noisy, and an estimate just under the limit would cost
# three runs of over three minutes); empty when there is none.
estimate() { # TOOL MODE N
    awk -F'\t' -v t="$1" -v m="$2" -v n="$3" '
        $3 == t && $2 == m && $4 > 0 && $2 + 0 < n + 0 { w[$2] = w[$2] " " $5 }
        END {
            best = 0
            for (k in w) if (k + 0 > best) best = k + 0
            if (best == 0) exit
            c = split(substr(w[best], 2), v, " ")
            top = 0
            for (i = 1; i <= c; i++) if (v[i] + 0 > top) top = v[i] + 0
            printf "%.0f", top * n / best
        }' "$RAW"
}

run_case() { # MODE N
    local mode=$1 n=$2 rep tool est active=() again
    log "case $mode n=$n"
    prepare_case "$mode" "$n"
    for tool in "${tools[@]}"; do
        est=$(estimate "$tool" "$mode" "$n")
        if [[ -n $est ]] && ((est > LIMIT)); then
            printf '%s\t%s\t%s\t0\t\t\t\t\t\t\t\t\t\tskipped: one run estimated at %s s (over %s s)\n' \
                "$mode" "$n" "$tool" "$est" "$LIMIT" >>"$RAW"
            log "  skipping $tool at n=$n: estimated ${est}s"
        else
            active+=("$tool")
        fi
    done
    # Interleaved (round-robin per repetition) so that drift on a shared machine
    # hits every tool alike.
    # A tool whose run took over LIMIT seconds is not run again at this N.
    for ((rep = 1; rep <= RUNS && ${#active[@]} > 0; rep++)); do
        again=()
        for tool in "${active[@]}"; do
            run_tool "$tool" "$mode" "$n" "$rep"
            if awk -v w="$m_wall" -v l="$LIMIT" 'BEGIN { exit !(w > l) }'; then
                log "  $tool took over ${LIMIT}s: not repeated at n=$n"
            else
                again+=("$tool")
            fi
        done
        active=("${again[@]}")
    done
    rm -rf "${work:?}/$mode-$n"
}

# On a shared machine, optionally wait (boundedly) for others' work to finish.
if ((${IDLE_WAIT:-0} > 0)); then
    for ((i = 0; i < IDLE_WAIT / 10; i++)); do
        awk '{ exit !($1 < 1.0) }' /proc/loadavg && break
        ((i % 6)) || log "waiting for the 1-minute load average ($(cut -d' ' -f1 /proc/loadavg)) to fall under 1.0"
        sleep 10
    done
fi
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
SECONDS=0
for n in $NS; do
    run_case keepalive "$n"
    run_case close "$n"
done
run_case slow "$SLOW_N"

# --- one cron run of a 20-check config ---------------------------------------------------------
log "cron: 20 checks, keep-alive, state kept, $CRON_RUNS runs"
prepare_case keepalive 20
cron=$work/keepalive-20
rm -f "$work/state.db"*
"$SHOPCHECK" -c "$cron/shop.toml" --state "$work/state.db" --format jsonl >/dev/null 2>&1 || true
for ((rep = 1; rep <= CRON_RUNS; rep++)); do
    # Measured directly (no GNU time in between) so its start-up is not charged.
    $PY "$bench/measure.py" -o "$work/m" -t 60 "$SHOPCHECK" -c "$cron/shop.toml" \
        --state "$work/state.db" --format jsonl >/dev/null 2>"$work/stderr" || true
    read -r m_wall m_user m_sys m_exit m_timedout <"$work/m" || die "measure.py failed"
    m_rss="" m_tv="		"
    row cron 20 shopcheck "$rep" "$([[ $m_exit == 0 ]] && echo 20 || echo 0)" ""
    # The same under GNU time -v, for the peak RSS.
    measure /dev/null "$SHOPCHECK" -c "$cron/shop.toml" --state "$work/state.db" --format jsonl
    row cron-time-v 20 shopcheck "$rep" "$([[ $m_exit == 0 ]] && echo 20 || echo 0)" ""
    # What starting the process alone costs: the dynamic loader's share of the budget.
    for tool in shopcheck curl; do
        if [[ $tool == shopcheck ]]; then bin=$SHOPCHECK; else bin=curl; fi
        $PY "$bench/measure.py" -o "$work/m" -t 60 "$bin" --version >/dev/null 2>&1 || true
        read -r m_wall m_user m_sys m_exit m_timedout <"$work/m" || die "measure.py failed"
        m_rss="" m_tv="		"
        row startup 0 "$tool" "$rep" "" "--version"
    done
done

{
    echo "# shopcheck benchmark"
    echo
    echo "- date: $started, took $((SECONDS / 60)) min $((SECONDS % 60)) s"
    echo "- machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
         "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
    echo "- shopcheck: $("$SHOPCHECK" --version 2>&1 | head -1) ($SHOPCHECK)"
    echo "- peers: $(curl --version | head -1 | cut -d' ' -f1-2)," \
         "blackbox_exporter $(prometheus-blackbox-exporter --version 2>&1 | sed -n '1s/.*version \([^ ]*\).*/\1/p')," \
         "monitoring-plugins $("$PLUGINS/check_http" -V | sed -n '1s/.*(monitoring-plugins \(.*\))/\1/p')," \
         "$(nginx -v 2>&1 | sed 's/^nginx version: //') (1 worker)"
    echo "- net.ipv4.tcp_tw_reuse: $tw_reuse; new-connection URLs spread over two server ports"
    echo "- runs: median of $RUNS per cell; cron: median of $CRON_RUNS"
    echo "- load average (1, 5, 15 min) at the start: $load_start; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    $PY "$bench/summarize.py" "$RAW"
} | tee "$TABLE"
log "raw numbers in $RAW, table in $TABLE"
