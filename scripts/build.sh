#!/usr/bin/env bash
# Configures and builds shopkit in build/ (or $SHOPKIT_BUILD_DIR). Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${SHOPKIT_BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja "$@" >/dev/null
ninja -C "$build" >&2
