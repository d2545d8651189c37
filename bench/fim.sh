#!/usr/bin/env bash
# fim.sh BUILD — file integrity baseline of /usr: rampart-agent against
# AIDE (`make bench-fim`, and a step of `make bench`).
#
# Both build a baseline of the same tree with a comparable attribute set:
# AIDE's "p+i+n+u+g+s+m+sha256" (permissions and type, inode, link count,
# owner, group, size, mtime, SHA-256 of the content) and rampart-agent's
# baseline entry (the same attributes; a symbolic link's target text is
# hashed too). AIDE runs with its default single hashing worker; the
# agent hashes in its one thread. A first, unmeasured agent pass warms the
# page cache so neither measured run pays for cold reads.
# Merges into BUILD/bench.json:
#   fim/rampart_s   seconds for `rampart-agent -B ROOT`
#   fim/aide_s      seconds for `aide --init`
#   fim/entries     entries in the agent's baseline
# Environment: FIM_ROOT (default /usr).
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
AGENT=$BUILD/rampart-agent
ROOT=${FIM_ROOT:-/usr}
WORK=$BUILD/bench-fim

[ -x "$AGENT" ] || { echo "fim: $AGENT is missing — build first (make build)" >&2; exit 1; }
command -v aide >/dev/null || { echo "fim: aide is missing — run scripts/deps.sh" >&2; exit 1; }
rm -rf "$WORK"
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT

printf 'state_dir %s\nlog stderr\nlog_level warn\nfim_hash sha256\n' "$WORK" >"$WORK/agent.conf"
cat >"$WORK/aide.conf" <<CONF
database_out=file:$WORK/aide.db
gzip_dbout=no
report_url=stdout
Rampart = p+i+n+u+g+s+m+sha256
$ROOT Rampart
CONF

now() { date +%s.%N; }
echo "fim: baseline of $ROOT (load: $(cut -d' ' -f1-3 /proc/loadavg)); warming the page cache"
"$AGENT" -c "$WORK/agent.conf" -B "$ROOT" -o "$WORK/warm.baseline" >/dev/null

t0=$(now)
entries=$("$AGENT" -c "$WORK/agent.conf" -B "$ROOT" -o "$WORK/rampart.baseline" | cut -d' ' -f1)
t1=$(now)
# aide exits 0 on success; its report goes to the work directory
aide --init --config="$WORK/aide.conf" >"$WORK/aide.out" 2>&1 || {
  echo "fim: aide --init failed:" >&2
  tail -20 "$WORK/aide.out" >&2
  exit 1
}
t2=$(now)

python3 - "$BUILD/bench.json" "$t0" "$t1" "$t2" "$entries" "$ROOT" <<'PY'
import json, os, sys
path, t0, t1, t2, entries, root = sys.argv[1], *map(float, sys.argv[2:5]), int(sys.argv[5]), sys.argv[6]
rampart, aide = t1 - t0, t2 - t1
print("fim: %s, %d entries: rampart-agent %.1f s, aide --init %.1f s (%.1fx)" %
      (root, entries, rampart, aide, aide / rampart))
bench = {}
if os.path.exists(path):
    with open(path) as f:
        bench = json.load(f)
bench.update({"fim/rampart_s": round(rampart, 2), "fim/aide_s": round(aide, 2),
              "fim/entries": entries})
with open(path, "w") as f:
    json.dump(bench, f, indent=2, sort_keys=True)
    f.write("\n")
PY
