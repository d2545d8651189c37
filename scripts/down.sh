#!/usr/bin/env bash
# down.sh BUILD — stop the local Rampart demo stack started by scripts/up.sh
# (`make down`).
#
# Stops exactly the processes recorded in BUILD/run/*.pid (gateway, sync,
# rampartd, demo — in that order, front to back), and only after checking that the pid
# still belongs to the process up.sh started (a recycled pid is left alone).
# Each is asked to stop with SIGTERM, given 10 s, then killed. Logs, the event
# log and the demo's data stay in BUILD/run for inspection.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
if [ ! -d "$1/run" ]; then
  echo "down: nothing to stop ($1/run does not exist)"
  exit 0
fi
RUN=$(cd "$1/run" && pwd)

# name → a string its /proc/PID/cmdline must contain
declare -A MARKER=(
  [gateway]="$RUN/gateway"   # nginx master: "nginx: master process ... -p $RUN/gateway ..."
  [sync]="$RUN/bundle"       # rampart sync --dir $RUN/bundle
  [rampartd]="rampartd"
  [demo]="demo/app.py"
)
ORDER=(gateway sync rampartd demo)

alive() { kill -0 "$1" 2>/dev/null; }

stop_one() {
  local name=$1 pidfile=$RUN/$1.pid pid cmd children
  [ -f "$pidfile" ] || return 0
  pid=$(tr -dc '0-9' <"$pidfile")
  if [ -z "$pid" ] || ! alive "$pid"; then
    echo "down: $name was not running (stale pid file removed)"
    rm -f "$pidfile"
    return 0
  fi
  cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)
  if [[ "$cmd" != *"${MARKER[$name]}"* ]]; then
    echo "down: pid $pid in $pidfile is not our $name any more ($cmd) — left alone"
    rm -f "$pidfile"
    return 0
  fi
  children=$(ps -o pid= --ppid "$pid" 2>/dev/null | xargs echo || true)
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do alive "$pid" || break; sleep 0.1; done
  if alive "$pid"; then
    echo "down: $name (pid $pid) ignored SIGTERM for 10 s — killing it"
    kill -KILL "$pid" 2>/dev/null || true
    for c in $children; do kill -KILL "$c" 2>/dev/null || true; done
  fi
  rm -f "$pidfile"
  echo "down: stopped $name (pid $pid${children:+, children $children})"
}

found=0
for name in "${ORDER[@]}"; do
  [ -f "$RUN/$name.pid" ] && found=1
  stop_one "$name"
done
[ $found -eq 1 ] || echo "down: nothing was running"
# nginx removes its own pid file on exit; anything else left is unknown to us.
for f in "$RUN"/*.pid; do
  [ -e "$f" ] || continue
  echo "down: unknown pid file $f left alone"
done
