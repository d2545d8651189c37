#!/usr/bin/env bash
# ingest.sh BUILD — rampartd's ingestion throughput into SQLite and
# PostgreSQL, and the top-10 query over 10 million events in PostgreSQL
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
# Then the same pipeline into a private PostgreSQL (scripts/pg-test-server.sh
# with fsync on: durable commits, as in production):
#   ingest/postgres_eps                   events per second, wall clock
#   ingest/postgres_events_per_cpu_second events per CPU-second of rampartd's process
#   ingest/postgres_server_cpu_us_per_event the PostgreSQL server's CPU per event
#   ingest/postgres_capacity_eps          1 / (writer thread + server CPU per event): what
#                                         the writer and its server sustain on one free core
#   ingest/postgres_events, ingest/postgres_seconds
# and a bulk load of INGEST_BULK events (default 10,000,000, spread over 7
# days) through the store's writer, then the top-10 client addresses over
# all of them through the store interface:
#   query/postgres_top10_ms               all of them: the median of 5 runs (first and best
#                                         also printed)
#   query/postgres_top10_7d_ms            the last 7 days up to now (partial first and last
#                                         days counted from the events): the median of 5 runs
#   query/postgres_top10_events           the events it counted over
# The work files go to BUILD/bench-ingest and are removed afterwards
# (INGEST_KEEP=1 keeps them). Environment: INGEST_EVENTS, INGEST_SYNC
# (full|normal), INGEST_BATCH, INGEST_STORES ("sqlite postgres"),
# INGEST_BULK (0 skips the bulk step).
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

STORES=${INGEST_STORES:-sqlite postgres}
BULK=${INGEST_BULK:-10000000}
PG_DIR=""
cleanup() {
  [ -z "$PG_DIR" ] || "$(dirname "$0")/../scripts/pg-test-server.sh" destroy "$PG_DIR"
  [ "${INGEST_KEEP:-0}" = 1 ] || rm -rf "$WORK"
}
trap cleanup EXIT

merge() { # merge KEY_PREFIX RESULT_JSON
python3 - "$BUILD/bench.json" "$1" "$2" <<'PY'
import json, os, sys
path, store, result = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
bench = {}
if os.path.exists(path):
    with open(path) as f:
        bench = json.load(f)
if store == "bulk":
    print("ingest: bulk load of %(bulk_events)d events into PostgreSQL in %(load_seconds).0f s"
          " (%(load_eps).0f/s), housekeeping (VACUUM ANALYZE) %(optimize_seconds).0f s" % result)
    print("query: top-10 client addresses over %(stored)d events: first %(top10_clients_first_ms).0f ms,"
          " median %(top10_clients_median_ms).0f ms, best %(top10_clients_best_ms).0f ms; over the"
          " last 7 days up to now (partial first and last days): median"
          " %(top10_clients_7d_median_ms).0f ms" % result)
    bench.update({"query/postgres_top10_ms": result["top10_clients_median_ms"],
                  "query/postgres_top10_7d_ms": result["top10_clients_7d_median_ms"],
                  "query/postgres_top10_events": result["stored"]})
else:
    print("ingest[%s]: %d events (%d bytes) in %.2f s = %.0f events/s; %.0f events per CPU-second"
          " of rampartd; %d transactions" % (store, result["events"], result["bytes"],
          result["seconds"], result["events_per_second"], result["events_per_cpu_second"],
          result["batches"]))
    writer = result["writer_cpu_us_per_event"]
    server = result.get("server_cpu_us_per_event", 0)
    if store == "sqlite":
        cap = 1e6 / writer
        print("ingest[sqlite]: CPU per event by thread: writer %.1f us, tailer+parser %.1f us,"
              " checkpointer %.1f us -> writer-bound capacity %.0f events/s on one free core" %
              (writer, result["tail_cpu_us_per_event"], result["checkpoint_cpu_us_per_event"], cap))
    else:
        cap = 1e6 / (writer + server)
        print("ingest[postgres]: CPU per event: writer %.1f us, tailer+parser %.1f us, PostgreSQL"
              " server %.1f us -> writer+server capacity %.0f events/s on one free core" %
              (writer, result["tail_cpu_us_per_event"], server, cap))
    print("ingest[%s]: queries over them: newest page %.1f ms, top-10 clients %.0f ms, top-10"
          " rules %.0f ms, one rule's newest page %.0f ms" % (store, result["query_page_s"] * 1e3,
          result["query_top_clients_s"] * 1e3, result["query_top_rules_s"] * 1e3,
          result["query_rule_page_s"] * 1e3))
    bench.update({
        "ingest/%s_eps" % store: round(result["events_per_second"]),
        "ingest/%s_events_per_cpu_second" % store: round(result["events_per_cpu_second"]),
        "ingest/%s_events" % store: result["events"],
        "ingest/%s_seconds" % store: result["seconds"],
    })
    if store == "sqlite":
        bench["ingest/sqlite_writer_capacity_eps"] = round(cap)
    else:
        bench["ingest/postgres_server_cpu_us_per_event"] = server
        bench["ingest/postgres_capacity_eps"] = round(cap)
with open(path, "w") as f:
    json.dump(bench, f, indent=2, sort_keys=True)
print("ingest: merged into " + path)
PY
}

for store in $STORES; do
  case $store in
  sqlite)
    echo "ingest: $EVENTS events into SQLite, sqlite_synchronous $SYNC, batches up to $BATCH (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    result=$("$BIN" --events "$EVENTS" --dir "$WORK" --sync "$SYNC" --batch "$BATCH")
    echo "$result" >"$BUILD/ingest-bench.json"
    merge sqlite "$result"
    ;;
  postgres)
    info=$(PG_TEST_DURABLE=1 "$(dirname "$0")/../scripts/pg-test-server.sh" init)
    PG_DIR=$(echo "$info" | sed -n 's/^dir=//p')
    dsn=$(echo "$info" | sed -n 's/^dsn=//p')
    pid=$(head -1 "$PG_DIR/data/postmaster.pid")
    echo "ingest: $EVENTS events into PostgreSQL $(pg_config --version | cut -d' ' -f2) (fsync on), batches up to $BATCH (load: $(cut -d' ' -f1-3 /proc/loadavg))"
    result=$("$BIN" --events "$EVENTS" --dir "$WORK" --batch "$BATCH" --store postgres --dsn "$dsn" --pg-pid "$pid")
    echo "$result" >"$BUILD/ingest-bench-postgres.json"
    merge postgres "$result"
    if [ "$BULK" -gt 0 ]; then
      psql -X -q -h "$PG_DIR" -p "$(cat "$PG_DIR/port")" -U rampart -d postgres -c "CREATE DATABASE bulk"
      echo "ingest: bulk load of $BULK events into PostgreSQL, then top-10 clients (load: $(cut -d' ' -f1-3 /proc/loadavg))"
      result=$("$BIN" --bulk "$BULK" --dir "$WORK" --store postgres --dsn "${dsn% dbname=*} dbname=bulk")
      echo "$result" >"$BUILD/query-bench-postgres.json"
      merge bulk "$result"
    fi
    ;;
  *) echo "ingest: unknown store $store" >&2; exit 2 ;;
  esac
done
