#!/usr/bin/env bash
# shopannounce's e-mail fan-out against msmtp run once per message, both sending
# to one local SMTP server (tests/e2e/smtp_server.py: aiosmtpd, accept and
# discard, count). Results and method: bench/RESULTS.md, "E-mail fan-out".
#
#   bash bench/run_email.sh [--quick] [--no-build]
#
# Environment: N (10000 recipients), MSMTP_N (N; msmtp's recipients, when one
# message per process is too slow for N), RUNS (3), SHOPANNOUNCE (a built
# binary; default: build one in BUILD_DIR), BUILD_DIR (build-bench), RAW
# (bench/email_raw.tsv).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench=$repo/bench
N=${N:-10000}
MSMTP_N=${MSMTP_N:-$N}
RUNS=${RUNS:-3}
RAW=${RAW:-$bench/email_raw.tsv}
BUILD_DIR=${BUILD_DIR:-$repo/build-bench}
SHOPANNOUNCE=${SHOPANNOUNCE:-}
HARD_LIMIT=${HARD_LIMIT:-1200} # any single measured run is killed after this many seconds
PY=/usr/bin/python3
build=1

for arg in "$@"; do
    case $arg in
    --quick) N=1000; MSMTP_N=200; RUNS=1 ;;
    --no-build) build=0 ;;
    -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run_email.sh: unknown argument '$arg' (try --help)" >&2; exit 64 ;;
    esac
done

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { echo "run_email.sh: error: $*" >&2; exit 1; }

command -v msmtp >/dev/null || die "msmtp is missing: apt-get install -y msmtp"
[[ -x /usr/bin/time ]] || die "GNU time is missing: apt-get install -y time"
$PY -c 'import aiosmtpd' 2>/dev/null || die "$PY cannot import aiosmtpd: apt-get install -y python3-aiosmtpd"

if [[ -z $SHOPANNOUNCE ]]; then
    SHOPANNOUNCE=$BUILD_DIR/tools/shopannounce
    if [[ $build == 1 ]]; then
        log "building shopannounce (Release) in $BUILD_DIR"
        cmake -S "$repo" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
            -DSHOPKIT_BUILD_TESTS=OFF >/dev/null
        ninja -C "$BUILD_DIR" shopannounce >/dev/null
    fi
fi
[[ -x $SHOPANNOUNCE ]] || die "no shopannounce binary at $SHOPANNOUNCE (set SHOPANNOUNCE=PATH)"

work=$(mktemp -d /tmp/shopkit-email-bench.XXXXXX)
server_pid=""
measure_pid=""
cleanup() {
    [[ -z $measure_pid ]] || kill "$measure_pid" 2>/dev/null || true
    [[ -z $server_pid ]] || { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the server: accept, discard, count -------------------------------------------------------
$PY "$repo/tests/e2e/smtp_server.py" --mode plain --discard >"$work/server.log" 2>"$work/server.err" &
server_pid=$!
for ((i = 0; i < 100; i++)); do
    grep -q '^listening' "$work/server.log" 2>/dev/null && break
    sleep 0.1
done
port=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/server.log")
[[ -n $port ]] || die "smtp_server.py did not start: $(cat "$work/server.err")"
log "aiosmtpd (smtp_server.py --discard) on 127.0.0.1:$port, pid $server_pid"

server_count() { # messages accepted so far
    local before
    before=$(grep -c '^{' "$work/server.log" || true)
    kill -USR1 "$server_pid"
    for ((i = 0; i < 100; i++)); do
        (($(grep -c '^{' "$work/server.log" || true) > before)) && break
        sleep 0.05
    done
    tail -1 "$work/server.log" | sed -n 's/^{"messages": \([0-9]*\),.*/\1/p'
}
server_cpu() { # user+sys seconds of the server so far
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f\n", ($12 + $13) / hz }' "/proc/$server_pid/stat"
}

tv_field() { # FILE LABEL: a value from GNU time -v output
    sed -n "s/^[[:space:]]*$2: //p" "$1"
}

# measure CMD...: wall, user and sys from measure.py (wait4), peak RSS from GNU time -v.
measure() {
    rm -f "$work/m"
    $PY "$bench/measure.py" -o "$work/m" -t "$HARD_LIMIT" /usr/bin/time -v -o "$work/tv" "$@" \
        <"$work/stdin" >"$work/out" 2>"$work/stderr" &
    measure_pid=$!
    wait "$measure_pid" || true
    measure_pid=""
    read -r m_wall m_user m_sys m_exit m_timedout <"$work/m" || die "measure.py failed on $*"
    m_rss=$(tv_field "$work/tv" 'Maximum resident set size (kbytes)')
}

printf 'tool\tn\trep\twall_s\tuser_s\tsys_s\trss_kib\tdelivered\texit\tserver_cpu_s\tnote\n' >"$RAW"
row() { # TOOL N REP DELIVERED SERVER_CPU NOTE
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$m_wall" "$m_user" \
        "$m_sys" "$m_rss" "$4" "$m_exit" "$5" "$6" >>"$RAW"
    log "  $1 n=$2 #$3: wall ${m_wall}s cpu $(awk -v a="$m_user" -v b="$m_sys" 'BEGIN { printf "%.2f", a + b }')s" \
        "rss ${m_rss}KiB delivered $4/$2 server cpu ${5}s ${6}"
}

# --- inputs -----------------------------------------------------------------------------------
log "writing $N customers and $MSMTP_N messages for msmtp"
mkdir -p "$work/shop/templates"
$PY "$bench/email_bench.py" csv "$N" "$work/shop/customers.csv"
$PY "$bench/email_bench.py" messages "$MSMTP_N" "$work/msgs"
cat >"$work/shop/templates/opened.email.mustache" <<'EOF'
【障害のお知らせ】{{shop.name}}のカートがご利用いただけません
{{customer.name}} 様

いつも{{shop.name}}をご利用いただき、ありがとうございます。
ただいま公式オンラインショップのカートがご利用いただけません。
楽天市場店は通常どおりご利用いただけます。
配信停止: {{unsubscribe}}
EOF
cat >"$work/shop/shop.toml" <<EOF
[shop]
name = "ベンチ商店"
timezone = "Asia/Tokyo"
language = "ja"
contact = "shop@bench.example"
templates = "templates"

[[channel]]
id = "own"
name = "公式オンラインショップ"
url = "https://shop.bench.example/"

[[target]]
id = "mail"
kind = "email"
audience = "customers"
url = "smtp://127.0.0.1:$port"
plaintext = true                 # the server is on this host; msmtp runs with tls off too
from = "ベンチ商店 <shop@bench.example>"
customers = "customers.csv"
unsubscribe = "https://shop.bench.example/unsubscribe"
timeout = "30s"
EOF
cat >"$work/msmtprc" <<EOF
defaults
auth off
tls off
account bench
host 127.0.0.1
port $port
from shop@bench.example
account default : bench
EOF
chmod 600 "$work/msmtprc"
# What a shop's own script would do: one msmtp per message, in a loop.
cat >"$work/msmtp_loop.sh" <<EOF
for f in "$work/msgs"/*.eml; do
    msmtp -C "$work/msmtprc" -t <"\$f" || exit 1
done
EOF

# --- the server's ceiling ---------------------------------------------------------------------
for conns in 1 2; do
    c0=$(server_cpu)
    read -r ok wall rate < <($PY "$bench/email_bench.py" ceiling "$port" "$N" "$conns")
    c1=$(server_cpu)
    m_wall=$wall m_user="" m_sys="" m_rss="" m_exit=0
    row "ceiling-${conns}conn" "$N" 1 "$ok" "$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')" \
        "pipelined python client: $rate msg/s"
done

# --- the runs, interleaved --------------------------------------------------------------------
for ((rep = 1; rep <= RUNS; rep++)); do
    rm -f "$work/state.db"*
    $PY "$bench/email_bench.py" record >"$work/stdin"
    before=$(server_count)
    c0=$(server_cpu)
    measure "$SHOPANNOUNCE" -c "$work/shop/shop.toml" --state "$work/state.db" --format jsonl
    c1=$(server_cpu)
    got=$(($(server_count) - before))
    note=$(grep -o '"result":"[a-z-]*"' "$work/out" | tr '\n' ' ')
    [[ $m_exit == 0 ]] || note="$note $(head -c 300 "$work/stderr" | tr '\t\n' '  ')"
    row shopannounce "$N" "$rep" "$got" "$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')" "$note"

    : >"$work/stdin"
    before=$(server_count)
    c0=$(server_cpu)
    measure bash "$work/msmtp_loop.sh"
    c1=$(server_count)
    got=$((c1 - before))
    c1=$(server_cpu)
    note=""
    [[ $m_exit == 0 ]] || note="$(head -c 300 "$work/stderr" | tr '\t\n' '  ')"
    row msmtp "$MSMTP_N" "$rep" "$got" "$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }')" "$note"
done

{
    echo "# e-mail fan-out benchmark"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ); $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- shopannounce: $SHOPANNOUNCE; $(msmtp --version | head -1); aiosmtpd $($PY -c 'import aiosmtpd; print(aiosmtpd.__version__)')"
    echo
    $PY "$bench/email_bench.py" summary "$RAW"
}
log "raw numbers in $RAW"
