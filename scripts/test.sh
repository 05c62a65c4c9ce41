#!/usr/bin/env bash
# Sets up, builds and runs the whole test suite (unit, end-to-end, man pages).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh "$@"
build=${SHOPKIT_BUILD_DIR:-build}
ctest --test-dir "$build" --output-on-failure -j2
