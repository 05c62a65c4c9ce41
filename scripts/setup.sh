#!/usr/bin/env bash
# Installs every Debian 12 package shopkit needs to build, test and run its demo.
# Harmless when everything is installed already (then it changes nothing).
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config
  libcli11-dev libcurl4-openssl-dev libfmt-dev libtomlplusplus-dev catch2
  libsqlite3-dev nlohmann-json3-dev libre2-dev libpugixml-dev libkainjow-mustache-dev libssl-dev
  libutf8proc-dev libhowardhinnant-date-dev libopendkim-dev
  # tests and demo: Debian's own python3 runs the loopback servers; openssl makes test certificates
  python3 openssl mandoc sqlite3 curl ca-certificates tzdata clang-format
  # the Debian package test: cpack's dpkg-shlibdeps, and logrotate to try the shipped snippet
  dpkg-dev logrotate
  # e-mail tests: a real SMTP server on loopback; status page test: a real browser
  # and fonts to draw Japanese in its screenshot
  python3-aiosmtpd chromium fonts-noto-cjk
  # DKIM: an independent verifier (dkimpy, with PyNaCl for Ed25519) and opendkim's key tool;
  # the e-mail benchmark's peer (msmtp); traffic control for its delayed link
  python3-dkim python3-nacl opendkim-tools msmtp iproute2
  # fuzzing: clang's libFuzzer runtime (tests/fuzz, SHOPKIT_FUZZ=ON)
  clang-14 libclang-rt-14-dev libfuzzer-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
