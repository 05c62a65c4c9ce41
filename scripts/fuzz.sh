#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz (in build-fuzz, with clang) and
# runs each for SECONDS (default 30) over a scratch copy of its corpus, two at a
# time ($SHOPKIT_FUZZ_JOBS). The saved crashes of tests/fuzz/regressions are
# replayed first. Nothing is written into the repository.
# Usage: scripts/fuzz.sh [SECONDS] [NAME...]   (NAME: charset config feed mime
# record statuspage template text_limits; default all of them)
# Exit status: 0 when nothing was found, 1 when a fuzzer crashed (its input's
# path is printed), 2 on a usage error.
set -euo pipefail
cd "$(dirname "$0")/.."

all=(charset config feed mime record statuspage template text_limits)
seconds=${1:-30}
[ $# -gt 0 ] && shift
case $seconds in '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS] [NAME...]" >&2; exit 2 ;; esac
names=("$@")
[ ${#names[@]} -gt 0 ] || names=("${all[@]}")
for name in "${names[@]}"; do
  [ -f "tests/fuzz/fuzz_$name.cpp" ] || { echo "fuzz: no fuzzer '$name' (${all[*]})" >&2; exit 2; }
done

build=${SHOPKIT_FUZZ_BUILD_DIR:-build-fuzz}
jobs=${SHOPKIT_FUZZ_JOBS:-2}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DSHOPKIT_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
ninja -C "$build" "${names[@]/#/fuzz_}" >&2

work=$(mktemp -d "${TMPDIR:-/tmp}/shopkit-fuzz.XXXXXX")
echo "fuzz: scratch corpus, logs and crash inputs in $work"

# A crash input libFuzzer keeps: crash-*, leak-*, timeout-*, oom-*.
found_input() {
  find "$1" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
    -o -name 'oom-*' \) | head -1
}

run_one() {
  local name=$1 bin=$build/tests/fuzz/fuzz_$1 dir=$work/$1
  mkdir -p "$dir/corpus"
  cp tests/fuzz/corpus/"$name"/* "$dir/corpus/"
  local regressions=(tests/fuzz/regressions/"$name"/*)
  if [ -e "${regressions[0]}" ] &&
    ! "$bin" -timeout=10 -rss_limit_mb=2048 "${regressions[@]}" >"$dir/replay.log" 2>&1; then
    echo "fuzz: $name: a saved crash of tests/fuzz/regressions/$name fails again:"
    tail -n 30 "$dir/replay.log"
    return 1
  fi
  local dict=()
  [ -f "tests/fuzz/$name.dict" ] && dict=("-dict=tests/fuzz/$name.dict")
  local status=0
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/" "${dict[@]}" "$dir/corpus" >"$dir/fuzz.log" 2>&1 || status=$?
  # The last status line ("#N DONE cov: C ft: F corp: …") and the run's exec count.
  local done execs
  done=$(grep -E '^#[0-9]+' "$dir/fuzz.log" | tail -n 1 || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log")
  echo "fuzz: $name: ${seconds}s, ${execs:-?} execs, ${done:-no status line}"
  local input
  input=$(found_input "$dir")
  if [ $status -ne 0 ] || [ -n "$input" ]; then
    echo "fuzz: $name: FOUND A CRASH (exit $status); input: ${input:-none kept}, log: $dir/fuzz.log"
    grep -E -A 25 '^==[0-9]+==|runtime error|property failed|deadly signal' "$dir/fuzz.log" | head -n 40
    echo "fuzz: $name: reproduce with $bin ${input:-<input>}"
    return 1
  fi
}

# Each fuzzer's report goes to a file, printed in order once all have run.
failed=0
running=0
for name in "${names[@]}"; do
  if [ "$running" -ge "$jobs" ]; then
    wait -n || failed=1
    running=$((running - 1))
  fi
  echo "fuzz: $name for ${seconds}s"
  run_one "$name" >"$work/$name.report" 2>&1 &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
  wait -n || failed=1
  running=$((running - 1))
done
for name in "${names[@]}"; do
  cat "$work/$name.report"
done
[ $failed -eq 0 ] && echo "fuzz: no crash in ${names[*]}"
exit $failed
