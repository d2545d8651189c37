#!/usr/bin/env bash
# console-build.sh BUILD — build the web console (console/) into BUILD/console
# for rampartd to serve (`make build`, hence `make up` and `make test`).
#
# Does the work only when something changed:
#   npm ci      when console/package-lock.json differs from the one
#               node_modules was installed from (or node_modules is missing)
#   vite build  when any console source, package.json or the lock differs
#               from the last build (or BUILD/console/index.html is missing)
# Each step records a SHA-256 stamp: console/node_modules/.rampart-lock.sha256
# and BUILD/console.stamp.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
REPO=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
BUILD=$(cd "$1" && pwd)
SRC=$REPO/console
OUT=$BUILD/console
STAMP=$BUILD/console.stamp
LOCK_STAMP=$SRC/node_modules/.rampart-lock.sha256

command -v node >/dev/null && command -v npm >/dev/null ||
  { echo "console: node and npm are missing; run scripts/deps.sh" >&2; exit 1; }

lock_hash=$(sha256sum "$SRC/package-lock.json" | cut -d' ' -f1)
# Every file that goes into the build, in a stable order (never node_modules).
sources_hash=$(cd "$SRC" && find . -path ./node_modules -prune -o -type f -print | LC_ALL=C sort |
  xargs -d '\n' sha256sum | sha256sum | cut -d' ' -f1)

if [ ! -d "$SRC/node_modules" ] || [ "$(cat "$LOCK_STAMP" 2>/dev/null)" != "$lock_hash" ]; then
  echo "console: npm ci (package-lock.json changed)"
  (cd "$SRC" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_hash" >"$LOCK_STAMP"
fi

if [ -f "$OUT/index.html" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$sources_hash" ]; then
  exit 0
fi
echo "console: vite build -> $OUT"
(cd "$SRC" && RP_CONSOLE_OUT="$OUT" npx --no-install vite build --logLevel warn)
[ -f "$OUT/index.html" ] || { echo "console: the build wrote no index.html" >&2; exit 1; }
echo "$sources_hash" >"$STAMP"
