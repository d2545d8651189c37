#!/usr/bin/env bash
# pg-test-server.sh — a private PostgreSQL for tests and benchmarks, on
# loopback, in a temporary directory, never the system's cluster.
#
#   pg-test-server.sh init           creates DIR (initdb) and starts the server on a free
#                                    127.0.0.1 port; prints dir=, port=, dsn= lines
#   pg-test-server.sh stop DIR       fast shutdown (the data stays)
#   pg-test-server.sh start DIR      starts it again on the same port
#   pg-test-server.sh destroy DIR    stops it and removes DIR
#
# PostgreSQL refuses to run as root: when called by root (CI), the server
# runs as the `postgres` system user of Debian's package (runuser). The
# role `rampart` (superuser) logs in with a random password over TCP
# (scram-sha-256) and without one over the unix socket in DIR (trust).
# Environment: PG_TEST_DURABLE=1 keeps fsync on (benchmarks; tests turn it
# off: their server never outlives the run), PG_TEST_OPTS adds server
# settings ("-c name=value ...").
set -euo pipefail

BIN=$(pg_config --bindir 2>/dev/null || true)
[ -x "$BIN/initdb" ] || BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$BIN/initdb" ] || { echo "pg-test-server: PostgreSQL server binaries not found (scripts/deps.sh installs postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_server() {
  local dir=$1 port
  port=$(cat "$dir/port")
  local opts="-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir"
  opts+=" -c max_connections=200 -c shared_buffers=256MB -c max_wal_size=4GB"
  [ "${PG_TEST_DURABLE:-0}" = 1 ] || opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  opts+=" ${PG_TEST_OPTS:-}"
  as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "$opts" -w -t 60 start >/dev/null
}

case "${1:-}" in
init)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/rp-pg-XXXXXX")
  chmod 0755 "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
  password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  printf '%s\n' "$password" >"$dir/password"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir/password"
  as_owner "$BIN/initdb" -D "$dir/data" -U rampart --pwfile="$dir/password" -E UTF8 \
    --locale=C.UTF-8 --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  for attempt in 1 2 3 4 5; do
    free_port >"$dir/port"
    if start_server "$dir" 2>>"$dir/start.log"; then break; fi
    [ "$attempt" = 5 ] && { cat "$dir/server.log" >&2; exit 1; }
  done
  port=$(cat "$dir/port")
  "$BIN/psql" -q -h "$dir" -p "$port" -U rampart -d postgres -c "CREATE DATABASE rampart" >/dev/null
  echo "dir=$dir"
  echo "port=$port"
  echo "dsn=host=127.0.0.1 port=$port user=rampart password=$password dbname=rampart"
  ;;
stop)
  as_owner "$BIN/pg_ctl" -D "$2/data" -m fast -w stop >/dev/null
  ;;
start)
  start_server "$2"
  ;;
destroy)
  [ -d "$2/data" ] || exit 0
  as_owner "$BIN/pg_ctl" -D "$2/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$2"
  ;;
*)
  echo "usage: $0 init | stop DIR | start DIR | destroy DIR" >&2
  exit 2
  ;;
esac
