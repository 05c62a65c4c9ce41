#!/usr/bin/env bash
# shopannounce's e-mail fan-out over a network with latency: the SMTP server
# (tests/e2e/smtp_server.py --discard) behind bench/delay_proxy.py, which delays
# every chunk DELAY_MS each way (tc netem is not available without the
# sch_netem module). shopannounce with connections = 1 and 4, beside msmtp run
# once per message through the same proxy. Results: bench/RESULTS.md.
#
#   SHOPANNOUNCE=build/tools/shopannounce bash bench/run_email_rtt.sh
#
# Environment: DELAY_MS (10: a 20 ms round trip), N4 (10000: recipients with
# connections = 4), N1 (2000: with connections = 1), N8 (unset: also
# connections = 8 for that many), MSMTP_N (200).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench=$repo/bench
PY=/usr/bin/python3
DELAY_MS=${DELAY_MS:-10}
N4=${N4:-10000}
N1=${N1:-2000}
MSMTP_N=${MSMTP_N:-200}
SHOPANNOUNCE=${SHOPANNOUNCE:?set SHOPANNOUNCE to a built shopannounce}

work=$(mktemp -d /tmp/shopkit-email-rtt.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

port_of() { # NAME: wait for "listening 127.0.0.1:PORT" in its log
    for ((i = 0; i < 100; i++)); do
        grep -q '^listening' "$work/$1.log" 2>/dev/null && break
        sleep 0.1
    done
    sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/$1.log"
}

$PY "$repo/tests/e2e/smtp_server.py" --mode plain --discard >"$work/server.log" 2>"$work/server.err" &
server_pid=$!
pids+=("$server_pid")
server_port=$(port_of server)
$PY "$bench/delay_proxy.py" "$server_port" "$DELAY_MS" >"$work/proxy.log" 2>"$work/proxy.err" &
pids+=($!)
proxy_port=$(port_of proxy)
echo "server 127.0.0.1:$server_port, proxy 127.0.0.1:$proxy_port (+${DELAY_MS} ms each way)" >&2

count() { # messages the server has accepted so far
    local before
    before=$(grep -c '^{' "$work/server.log" || true)
    kill -USR1 "$server_pid"
    for ((i = 0; i < 100; i++)); do
        (($(grep -c '^{' "$work/server.log" || true) > before)) && break
        sleep 0.05
    done
    tail -1 "$work/server.log" | sed -n 's/^{"messages": \([0-9]*\),.*/\1/p'
}

mkdir -p "$work/shop/templates"
cat >"$work/shop/templates/opened.email.mustache" <<'T'
【障害のお知らせ】{{shop.name}}のカートがご利用いただけません
{{customer.name}} 様

いつも{{shop.name}}をご利用いただき、ありがとうございます。
ただいま公式オンラインショップのカートがご利用いただけません。
楽天市場店は通常どおりご利用いただけます。
配信停止: {{unsubscribe}}
T
printf 'bench-unsubscribe-secret\n' >"$work/unsub.secret"
chmod 600 "$work/unsub.secret"

printf 'sender\tconnections\tn\twall_s\tmsg_per_s\tdelivered\n'
run_shopannounce() { # CONNECTIONS N
    $PY "$bench/email_bench.py" csv "$2" "$work/shop/customers.csv"
    cat >"$work/shop/shop.toml" <<C
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
url = "smtp://127.0.0.1:$proxy_port"
plaintext = true
from = "ベンチ商店 <shop@bench.example>"
customers = "customers.csv"
unsubscribe = "https://shop.bench.example/unsubscribe"
unsubscribe_secret_file = "$work/unsub.secret"
list_id = "outage.bench.example"
connections = $1
timeout = "30s"
C
    rm -f "$work/state.db"*
    $PY "$bench/email_bench.py" record >"$work/stdin"
    local before t0 t1 got
    before=$(count)
    t0=$(date +%s.%N)
    "$SHOPANNOUNCE" -q -c "$work/shop/shop.toml" --state "$work/state.db" --format jsonl \
        <"$work/stdin" >"$work/out"
    t1=$(date +%s.%N)
    got=$(($(count) - before))
    awk -v c="$1" -v n="$2" -v a="$t0" -v b="$t1" -v g="$got" \
        'BEGIN { printf "shopannounce\t%s\t%s\t%.2f\t%.1f\t%s\n", c, n, b - a, n / (b - a), g }'
}
run_shopannounce 4 "$N4"
run_shopannounce 1 "$N1"
[[ -z ${N8:-} ]] || run_shopannounce 8 "$N8"

$PY "$bench/email_bench.py" messages "$MSMTP_N" "$work/msgs"
cat >"$work/msmtprc" <<C
defaults
auth off
tls off
account bench
host 127.0.0.1
port $proxy_port
from shop@bench.example
account default : bench
C
chmod 600 "$work/msmtprc"
before=$(count)
t0=$(date +%s.%N)
for f in "$work/msgs"/*.eml; do msmtp -C "$work/msmtprc" -t <"$f"; done
t1=$(date +%s.%N)
got=$(($(count) - before))
awk -v n="$MSMTP_N" -v a="$t0" -v b="$t1" -v g="$got" \
    'BEGIN { printf "msmtp (one per message)\t1\t%s\t%.2f\t%.1f\t%s\n", n, b - a, n / (b - a), g }'
