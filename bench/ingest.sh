#!/usr/bin/env bash
# ingest.sh BUILD — rampartd's ingestion throughput into SQLite
# (`make bench-ingest`, and the last step of `make bench`).
#
# Runs BUILD/ingest_bench: INGEST_EVENTS realistic gateway events
# (default 1,000,000, about 630 MB) written to a file, then read by the
# pipeline rampartd runs — file tailer, bounded queue, writer committing
# batches together with the file checkpoint — into a fresh store with the
# shipped defaults (sqlite_synchronous full, batches up to 10,000 events).
# Prints the figures and merges them into BUILD/bench.json:
#   ingest/sqlite_eps                  events per second, first read to last commit
#   ingest/sqlite_events_per_cpu_second events per CPU-second of the whole process
#   ingest/sqlite_writer_capacity_eps  1 / (the writer thread's CPU time per event): what
#                                      one free core sustains, whatever else the machine runs
#   ingest/sqlite_events, ingest/sqlite_seconds
# The work files go to BUILD/bench-ingest and are removed afterwards
# (INGEST_KEEP=1 keeps them). Environment: INGEST_EVENTS, INGEST_SYNC
# (full|normal), INGEST_BATCH.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
BIN=$BUILD/ingest_bench
WORK=$BUILD/bench-ingest
EVENTS=${INGEST_EVENTS:-1000000}
SYNC=${INGEST_SYNC:-full}
BATCH=${INGEST_BATCH:-10000}

[ -x "$BIN" ] || { echo "ingest: $BIN is missing — build first (make build)" >&2; exit 1; }
rm -rf "$WORK"
mkdir -p "$WORK"
[ "${INGEST_KEEP:-0}" = 1 ] || trap 'rm -rf "$WORK"' EXIT

echo "ingest: $EVENTS events, sqlite_synchronous $SYNC, batches up to $BATCH (load: $(cut -d' ' -f1-3 /proc/loadavg))"
result=$("$BIN" --events "$EVENTS" --dir "$WORK" --sync "$SYNC" --batch "$BATCH")
echo "$result" >"$BUILD/ingest-bench.json"

python3 - "$BUILD/bench.json" "$result" <<'PY'
import json, os, sys
path, result = sys.argv[1], json.loads(sys.argv[2])
print("ingest: %(events)d events (%(bytes)d bytes) in %(seconds).2f s = %(events_per_second).0f events/s;"
      " %(events_per_cpu_second).0f events per CPU-second; %(batches)d transactions" % result)
print("ingest: CPU per event by thread: writer %(writer_cpu_us_per_event).1f us, tailer+parser"
      " %(tail_cpu_us_per_event).1f us, checkpointer %(checkpoint_cpu_us_per_event).1f us"
      " -> writer-bound capacity %(cap).0f events/s on one free core" %
      dict(result, cap=1e6 / result["writer_cpu_us_per_event"]))
print("ingest: queries over them: newest page %.1f ms, top-10 clients %.0f ms, top-10 rules %.0f ms,"
      " one rule's newest page %.0f ms" % (result["query_page_s"] * 1e3,
                                           result["query_top_clients_s"] * 1e3,
                                           result["query_top_rules_s"] * 1e3,
                                           result["query_rule_page_s"] * 1e3))
bench = {}
if os.path.exists(path):
    with open(path) as f:
        bench = json.load(f)
bench.update({
    "ingest/sqlite_eps": round(result["events_per_second"]),
    "ingest/sqlite_events_per_cpu_second": round(result["events_per_cpu_second"]),
    "ingest/sqlite_writer_capacity_eps": round(1e6 / result["writer_cpu_us_per_event"]),
    "ingest/sqlite_events": result["events"],
    "ingest/sqlite_seconds": result["seconds"],
})
with open(path, "w") as f:
    json.dump(bench, f, indent=2, sort_keys=True)
print("ingest: merged into " + path)
PY
