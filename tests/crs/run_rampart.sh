#!/usr/bin/env bash
# run_rampart.sh BUILD_DIR [ftw.py options...]
#
# The CRS v4 regression suite against nginx + ngx_http_rampart_module + CRS v4 (vendored in
# third_party/owasp-crs), configured as the suite documents: Rampart's SecLang base
# (policies/seclang/base.conf), crs-setup.conf.example plus setup rule 900005 (DetectionOnly,
# blocking paranoia level 4) and the go-ftw log-marker rule 999999, in front of
# tests/crs/backend.py. Events go to a JSONL file the runner reads (--log-adapter rampart).
# Everything lives under BUILD_DIR/crs-rampart; nginx listens on 127.0.0.1 only; both
# processes are stopped on exit. Extra arguments go to ftw.py (e.g. --include '^942',
# --show-failures, --baseline tests/crs/baseline.json). Details: docs/CRS-REGRESSION.md.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [ftw.py options...]" >&2; exit 2; }
BUILD_DIR=$(mkdir -p "$1" && cd "$1" && pwd)
shift
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CRS=${CRS_DIR:-$ROOT/third_party/owasp-crs}
MODULE=${RAMPART_MODULE:-$BUILD_DIR/nginx/ngx_http_rampart_module.so}
W=$BUILD_DIR/crs-rampart

die() { echo "run_rampart: $*" >&2; exit 1; }
[ -f "$MODULE" ] || die "$MODULE missing (build the module first: make build)"
[ -f "$CRS/crs-setup.conf.example" ] || die "CRS v4 not found at $CRS"
command -v nginx >/dev/null || die "nginx missing"

NGINX_PID=""
BACKEND_PID=""
cleanup() {
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null || true
  [ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null || true
  [ -n "$BACKEND_PID" ] && kill "$BACKEND_PID" 2>/dev/null || true
}
trap cleanup EXIT
[ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null && sleep 0.5 || true
rm -rf "$W"
mkdir -p "$W/tmp"

read -r BPORT PORT <<<"$(python3 - <<'EOF'
import socket
found, port = [], 19900
while len(found) < 2 and port < 20500:
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port)); found.append(port)
    except OSError:
        pass
    s.close(); port += 1
print(*found)
EOF
)"
[ -n "${PORT:-}" ] || die "no free ports in 19900-20499"

cp "$CRS/crs-setup.conf.example" "$W/crs-setup.conf"
cat "$HERE/suite-setup.conf" >>"$W/crs-setup.conf"
cat >"$W/crs.policy" <<EOF
# CRS regression suite: SecLang rules only (Rampart's own detectors off, so
# the event log holds exactly what the rules logged).
version crs-regression
mode detect
detect sqli off
detect xss off
detect cmdi off
detect ssti off
detect deser off
detect nosql off
detect traversal off
detect ssrf off
detect ldap off
detect crlf off
events matched
limit args 10000
anomaly bad_encoding ignore
anomaly double_encoding ignore
anomaly unicode_encoding ignore
anomaly invalid_utf8 ignore
anomaly overlong_utf8 ignore
anomaly nul_byte ignore
anomaly path_traversal ignore
anomaly body_malformed ignore
anomaly xml_entity ignore
rules $ROOT/policies/seclang/base.conf
rules $W/crs-setup.conf
rules $CRS/rules/*.conf
EOF

USER_LINE=""
[ "$(id -u)" -eq 0 ] && USER_LINE="user root;"
cat >"$W/nginx.conf" <<EOF
load_module $MODULE;
worker_processes 1;
pid $W/nginx.pid;
error_log $W/error.log info;
$USER_LINE
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $W/tmp/client_body;
    proxy_temp_path $W/tmp/proxy;
    fastcgi_temp_path $W/tmp/fastcgi;
    uwsgi_temp_path $W/tmp/uwsgi;
    scgi_temp_path $W/tmp/scgi;
    client_max_body_size 100m;
    rampart_event_sink file:$W/events.jsonl;
    server {
        listen 127.0.0.1:$PORT;
        server_name localhost;
        rampart on;
        rampart_policy $W/crs.policy;
        location / {
            proxy_pass http://127.0.0.1:$BPORT;
            proxy_set_header Host \$host;
            proxy_read_timeout 10s;
        }
    }
}
EOF

python3 "$HERE/backend.py" "$BPORT" >"$W/backend.log" 2>&1 &
BACKEND_PID=$!
nginx -t -p "$W" -c "$W/nginx.conf" -e "$W/error.log" >"$W/nginx-t.log" 2>&1 \
  || { cat "$W/nginx-t.log" >&2; die "nginx -t failed"; }
nginx -p "$W" -c "$W/nginx.conf" -e "$W/error.log"
for _ in $(seq 300); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/" && curl -s -o /dev/null "http://127.0.0.1:$BPORT/" && break
  sleep 0.1
done
curl -s -o /dev/null "http://127.0.0.1:$PORT/" || die "nginx did not come up on 127.0.0.1:$PORT"

echo "run_rampart: nginx $(nginx -v 2>&1 | sed 's/.*\///') + rampart + CRS $(cat "$CRS/UPSTREAM_COMMIT" | cut -c1-12) ($CRS)"
echo "run_rampart: gateway 127.0.0.1:$PORT, backend 127.0.0.1:$BPORT, events $W/events.jsonl"
START=$(date +%s)
set +e
python3 "$HERE/ftw.py" --port "$PORT" --log-file "$W/events.jsonl" --log-adapter rampart \
  --tests "$CRS/tests/regression/tests" --overrides "$CRS/tests/regression/nginx-overrides.yaml" \
  --json-out "$W/results.json" "$@"
RC=$?
set -e
echo "run_rampart: $(( $(date +%s) - START ))s wall, results in $W/results.json"
exit $RC
