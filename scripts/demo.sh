#!/usr/bin/env bash
# The main job on embedded defaults: sets up, builds, starts a small shop on
# 127.0.0.1, breaks its cart, and shows shopcheck catching the outage, opening
# an incident, shoprecover pointing the shop's landing page at the mall,
# shopannounce telling staff and customers; then shoprecover --confirm proving
# the recovery, pointing the page back, and shopannounce telling everyone again.
# Ends with the notices the outage produced and shopreport's report of it (text,
# a post-mortem draft, and an HTML file that outlives the demo). Nothing leaves the machine: the
# chat and LINE APIs are stand-ins on the same loopback server.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${SHOPKIT_BIN:-}" ]; then
  bin=$SHOPKIT_BIN   # built already (the test suite runs the demo this way)
else
  bash scripts/setup.sh
  bash scripts/build.sh
  bin=$PWD/${SHOPKIT_BUILD_DIR:-build}/tools
fi

work=$(mktemp -d /tmp/shopkit-demo.XXXXXX)
# The shop (a loopback server) exits when its stdin closes, so it goes with us.
coproc SHOP { exec /usr/bin/python3 tests/e2e/fixture_server.py 2>/dev/null; }
trap 'exec {SHOP[1]}>&- 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
read -r -t 10 handshake <&"${SHOP[0]}"
base="http://${handshake#listening }"

cat >"$work/shop.toml" <<TOML
[shop]
name = "サンプル商店"
timezone = "Asia/Tokyo"
language = "ja"
contact = "support@example.jp"
state = "$work/state.db"

[policy]
fail_after = 2       # two failing runs in a row before a check is down
recover_after = 2    # two passing runs in a row before it is up again
customer_delay = "10m" # customers hear of an outage after 10 minutes, or at once if critical

[[channel]]
id = "own"
name = "公式オンラインショップ"
url = "$base/flip/top"
[[channel.check]]
id = "top"
expect_text = "カートに入れる"
[[channel.check]]
id = "cart"
url = "$base/flip/cart"
expect_text = "カートに入れる"
critical = true

[[channel]]
id = "rakuten"
name = "楽天市場店"
url = "$base/flip/rakuten"
[[channel.check]]
id = "top"
expect_text = "カートに入れる"

[sales]                     # for shopreport's lost-sales estimate: yen per hour, 0:00 first
currency = "JPY"
hourly = [3000, 1500, 800, 500, 500, 800, 2000, 5000, 8000, 9000, 10000, 12000,
          15000, 14000, 11000, 10000, 11000, 13000, 16000, 20000, 24000, 26000, 18000, 8000]
recaptured = 0.3            # the mall sells a third of it once customers are sent there

[[target]]                  # staff: the shop's Slack, told of everything at once
id = "staff-slack"
kind = "slack"
audience = "staff"
url_env = "DEMO_SLACK_URL"

[[target]]                  # customers: the LINE official account (a broadcast)
id = "line"
kind = "line"
audience = "customers"
api_base = "$base/hook/line"
token_env = "DEMO_LINE_TOKEN"

[[target]]                  # customers: a status page hosted anywhere but the shop
id = "status"
kind = "statuspage"
audience = "customers"
dir = "$work/status"

[[runbook.step]]            # the page the shop's link-in-bio and QR codes point to
id = "landing"
action = "switch_link"
dir = "$work/landing"
home = "own"
prefer = ["rakuten"]
TOML
export DEMO_SLACK_URL="$base/hook/slack/T0DEMO/B0DEMO/demo0not0a0real0hook"
export DEMO_LINE_TOKEN="demo-not-a-real-token"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
check() {
  local rc=0
  printf '$ shopcheck %s\n' "$*"
  "$bin/shopcheck" -c "$work/shop.toml" "$@" || rc=$?
  printf '(exit %d)\n' "$rc"
}
control() { curl -fsS -X POST "$base/control?path=$1&status=$2" >/dev/null; }
# shopcheck's records piped through shoprecover into shopannounce, as the crontab line does.
check_and_tell() {
  printf '$ shopcheck --format jsonl | shoprecover | shopannounce --format text\n'
  set +e
  "$bin/shopcheck" -c "$work/shop.toml" --format jsonl \
    | "$bin/shoprecover" -c "$work/shop.toml" \
    | "$bin/shopannounce" -c "$work/shop.toml" --format text
  local rc=${PIPESTATUS[2]}
  set -e
  printf '(shopannounce exit %d)\n' "$rc"
}
landing() {
  /usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("landing page -> {} {} ({})".format(d["channel"], d["name"], d["reason"]))
' "$work/landing/link.json"
}

step "1. A quiet minute: every channel answers"
check

step "2. The hosted cart starts answering HTTP 500 (run 1 of fail_after 2: not yet an outage)"
control /flip/cart 500
check

step "3. A minute later it still fails: the check is down, an incident opens (exit 2, CRITICAL)"
check --format jsonl

step "4. The same minute, through shoprecover and shopannounce: the landing page sends customers to the mall; the cart is critical, so staff and customers hear at once"
# (shopcheck ran above; this run of it sees the same outage, the incident is already open)
check_and_tell
landing

step "5. What a monitoring system sees"
check --format nagios

step "6. The platform says it is fixed: shoprecover --confirm probes every check until recover_after rounds pass in a row, resolves the incident, points the landing page back, and shopannounce tells everyone"
control /flip/cart clear
printf '$ shoprecover --confirm --interval 1s -v | shopannounce --format text\n'
set +e
# (its rounds, said at -v on stderr, are shown here too)
{ "$bin/shoprecover" -c "$work/shop.toml" --confirm --interval 1s --wait 1m -v --format jsonl 2>&3 \
  | "$bin/shopannounce" -c "$work/shop.toml" --format text; rcs=("${PIPESTATUS[@]}"); } 3>&1
set -e
printf '(shoprecover exit %d)\n(shopannounce exit %d)\n' "${rcs[0]}" "${rcs[1]}"
landing

step "7. What the state database remembers (sqlite3 $work/state.db)"
sqlite3 -header -column "$work/state.db" \
  "SELECT id, channel, severity, checks, since, until FROM incidents;
   SELECT incident, event, time, severity FROM incident_events ORDER BY id;
   SELECT id, target, name, state, attempts FROM outbox ORDER BY id;
   SELECT incident, name, step, state, attempts FROM runbook_runs ORDER BY id;"

step "8. The notices the outage produced"
curl -fsS "$base/_hooks" | /usr/bin/python3 -c '
import json, sys
for hook in json.load(sys.stdin):
    body = hook["body"]
    if hook["path"].startswith("/hook/slack"):
        where, text = "Slack (staff)", body.get("text", "")
    else:
        where = "LINE broadcast (customers)"
        text = "\n".join(m.get("text", "") for m in body.get("messages", []))
    print(f"--- {where}\n{text}\n")
'
echo "--- Status page: $work/status/"
ls "$work/status"
/usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(json.dumps({k: d[k] for k in list(d)[:3]}, ensure_ascii=False, indent=1))' "$work/status/status.json"

step "9. The report of the outage: what happened, how fast customers were told, what it cost"
printf '$ shopreport\n'
"$bin/shopreport" -c "$work/shop.toml"
id=$("$bin/shopreport" -c "$work/shop.toml" --format json \
  | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["incidents"][0]["id"])')
printf '\n$ shopreport incident %s | head -20\n' "$id"
"$bin/shopreport" -c "$work/shop.toml" incident "$id" | head -20
report_html=${SHOPKIT_DEMO_REPORT:-/tmp/shopkit-demo-report.html}
"$bin/shopreport" -c "$work/shop.toml" --format html -o "$report_html"
printf '\n$ shopreport --format html -o %s\n(open it in a browser, or print it on A4)\n' "$report_html"
