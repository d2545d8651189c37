#!/usr/bin/env bash
# fuzz-run.sh BINARY SEED_DIR SECONDS — one time-boxed libFuzzer run.
# Seeds are copied to a scratch corpus so runs never write into the repo.
set -euo pipefail
bin=$1 seeds=$2 secs=$3
name=$(basename "$bin")
work=$(dirname "$bin")/fuzz-work/$name
mkdir -p "$work/corpus" "$work/artifacts"
[ -d "$seeds" ] && cp -n "$seeds"/* "$work/corpus/" 2>/dev/null || true
exec "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus"
