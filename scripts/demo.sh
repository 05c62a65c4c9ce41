#!/usr/bin/env bash
# The main job on embedded defaults: sets up, builds, starts a small shop on
# 127.0.0.1, breaks its cart, and shows shopcheck catching the outage, opening
# an incident, and resolving it when the cart is back. Nothing leaves the machine.
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
state = "$work/state.db"

[policy]
fail_after = 2       # two failing runs in a row before a check is down
recover_after = 2    # two passing runs in a row before it is up again

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
TOML

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
check() {
  local rc=0
  printf '$ shopcheck %s\n' "$*"
  "$bin/shopcheck" -c "$work/shop.toml" "$@" || rc=$?
  printf '(exit %d)\n' "$rc"
}
control() { curl -fsS -X POST "$base/control?path=$1&status=$2" >/dev/null; }

step "1. A quiet minute: every channel answers"
check

step "2. The hosted cart starts answering HTTP 500 (run 1 of fail_after 2: not yet an outage)"
control /flip/cart 500
check

step "3. A minute later it still fails: the check is down, an incident opens (exit 2, CRITICAL)"
check --format jsonl

step "4. What a monitoring system sees"
check --format nagios

step "5. The platform recovers; after recover_after passing runs the incident is resolved"
control /flip/cart clear
check
check --format jsonl

step "6. What the state database remembers (sqlite3 $work/state.db)"
sqlite3 -header -column "$work/state.db" \
  "SELECT id, channel, severity, checks, since, until FROM incidents;
   SELECT incident, event, time, severity FROM incident_events ORDER BY id;"
