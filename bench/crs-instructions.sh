#!/usr/bin/env bash
# crs-instructions.sh BUILD [POLICY] [N] — instructions per transaction of the
# engine on the bench's GET and POST (bench/request_bench.c), counted by
# callgrind, for a policy (default policies/default.policy: CRS v4 PL1 +
# Rampart's detectors; policies/detectors.policy is make bench's `rampart`).
#
# Throughput ratios move by several points on a busy machine; instruction
# counts do not. request_bench loads the policy uninstrumented (valgrind's
# --instr-atstart=no: loading CRS under instrumentation takes minutes), then
# switches instrumentation on and runs one of each request unmeasured (lazy
# per-thread state), N GETs into one callgrind dump and N POSTs into another.
# Printed: instructions per GET and per POST transaction; the dumps stay in
# BUILD/crs-instructions for callgrind_annotate.
# RAMPART_COMPILE_CACHE (default BUILD/hs-cache) keeps the compiled Vectorscan
# databases between runs. Needs valgrind; build with -DCMAKE_C_FLAGS=-gdwarf-4
# for valgrind to read the debug information.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [POLICY] [N]" >&2; exit 2; }
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$1" && pwd)
POLICY=${2:-$REPO/policies/default.policy}
N=${3:-100}
WORK=$BUILD/crs-instructions

command -v valgrind >/dev/null || { echo "crs-instructions: valgrind not found" >&2; exit 1; }
[ -x "$BUILD/request_bench" ] || { echo "crs-instructions: $BUILD/request_bench is missing — build first" >&2; exit 1; }
mkdir -p "$WORK"
export RAMPART_COMPILE_CACHE=${RAMPART_COMPILE_CACHE:-$BUILD/hs-cache}
mkdir -p "$RAMPART_COMPILE_CACHE"
rm -f "$WORK"/callgrind.out*

valgrind --tool=callgrind --instr-atstart=no --collect-atstart=no \
  --callgrind-out-file="$WORK/callgrind.out" \
  "$BUILD/request_bench" "$POLICY" "$REPO/bench/post.json" "$N" >"$WORK/run.log" 2>&1 ||
  { tail -5 "$WORK/run.log" >&2; echo "crs-instructions: request_bench failed" >&2; exit 1; }

per_request() { # $1 dump file
  awk -v n="$N" '/^totals:/ { printf "%d\n", $2 / n }' "$1"
}
echo "policy $POLICY, $N transactions each"
echo "get  $(per_request "$WORK/callgrind.out.1") instructions per transaction"
echo "post $(per_request "$WORK/callgrind.out.2") instructions per transaction"
