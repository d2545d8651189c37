#!/usr/bin/env bash
# fuzz.sh BUILD — the long fuzzing run (make fuzz): every libFuzzer target
# for FUZZ_SECONDS (default 600) each, one after another, corpora kept in
# BUILD/fuzz-work so later runs continue where this one stopped.
set -euo pipefail
build=${1:-build}
secs=${FUZZ_SECONDS:-600}
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
for bin in "$build"/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  echo "== $name for ${secs}s"
  mkdir -p "$build/fuzz-work"
  if ! "$root/scripts/fuzz-run.sh" "$bin" "$root/tests/fuzz/corpus/$name" "$secs" \
      > "$build/fuzz-work/$name.log" 2>&1; then
    echo "!! $name found a crash: see $build/fuzz-work/$name.log and $build/fuzz-work/$name/artifacts"
    status=1
  fi
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$build/fuzz-work/$name.log" || true
done
exit $status
