#!/usr/bin/env bash
# run_modsecurity.sh BUILD_DIR [ftw.py options...]
#
# The CRS v4 regression suite against the peer: nginx + ModSecurity 3 (Debian's
# libnginx-mod-http-modsecurity) + CRS v4 from ../shared/crs, configured as the suite documents
# (crs-setup.conf.example as crs-setup.conf, setup rule 900005: DetectionOnly, blocking paranoia
# level 4; the go-ftw log-marker rule 999999), in front of tests/crs/backend.py. Everything lives
# under BUILD_DIR/crs-modsecurity (never /etc); nginx listens on 127.0.0.1 only; both processes
# are stopped on exit. Extra arguments go to ftw.py (e.g. --include '^942', --show-failures).
# Results: BUILD_DIR/crs-modsecurity/results.json. Details: docs/CRS-REGRESSION.md.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [ftw.py options...]" >&2; exit 2; }
BUILD_DIR=$(mkdir -p "$1" && cd "$1" && pwd)
shift
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CRS=${CRS_DIR:-$(cd "$HERE/../../.." && pwd)/shared/crs}
[ -d "$CRS/rules" ] || CRS=/work/shared/crs
MODSEC_MODULE=/usr/lib/nginx/modules/ngx_http_modsecurity_module.so
W=$BUILD_DIR/crs-modsecurity

die() { echo "run_modsecurity: $*" >&2; exit 1; }
[ -f "$MODSEC_MODULE" ] || die "$MODSEC_MODULE missing (package libnginx-mod-http-modsecurity)"
[ -f /etc/nginx/modsecurity.conf ] || die "/etc/nginx/modsecurity.conf missing (package libnginx-mod-http-modsecurity)"
[ -f "$CRS/crs-setup.conf.example" ] || die "CRS v4 not found at $CRS"
command -v nginx >/dev/null || die "nginx missing"
python3 -c 'import yaml' 2>/dev/null || die "PyYAML missing (package python3-yaml)"

# --- processes: started here, stopped on exit by pid ---------------------------------------
BACKEND_PID=""
cleanup() {
  if [ -f "$W/nginx.pid" ]; then
    kill "$(cat "$W/nginx.pid")" 2>/dev/null || true
    for _ in $(seq 50); do [ -f "$W/nginx.pid" ] || break; sleep 0.1; done
  fi
  [ -n "$BACKEND_PID" ] && kill "$BACKEND_PID" 2>/dev/null || true
}
trap cleanup EXIT INT TERM

[ -f "$W/nginx.pid" ] && kill "$(cat "$W/nginx.pid")" 2>/dev/null && sleep 0.5 || true
rm -rf "$W"
mkdir -p "$W"/{tmp,ms-tmp,ms-data,modsec}

read -r BPORT PORT <<<"$(python3 - <<'EOF'
import socket
found, port = [], 19300
while len(found) < 2 and port < 19900:
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", port)); found.append(port)
    except OSError:
        pass
    s.close(); port += 1
print(*found)
EOF
)"
[ -n "${PORT:-}" ] || die "no free ports in 19300-19899"

# --- ModSecurity + CRS v4 configuration ----------------------------------------------------
ms=$W/modsec
# ModSecurity's recommended config (Debian ships it as /etc/nginx/modsecurity.conf), adjusted
# in the prefix as the CRS test containers do: DetectionOnly, response bodies of the types the
# suite reflects, PCRE limits of the CRS images, no audit log, no status engine.
sed -e 's/^SecRuleEngine .*/SecRuleEngine DetectionOnly/' \
    -e 's/^SecAuditEngine .*/SecAuditEngine Off/' \
    -e "s|^SecAuditLog .*|SecAuditLog $W/modsec_audit.log|" \
    -e "s|^SecTmpDir .*|SecTmpDir $W/ms-tmp/|" \
    -e "s|^SecDataDir .*|SecDataDir $W/ms-data/|" \
    -e 's/^SecStatusEngine .*/SecStatusEngine Off/' \
    -e 's|^SecResponseBodyMimeType .*|SecResponseBodyMimeType text/plain text/html text/xml application/json|' \
    -e 's/^SecPcreMatchLimit .*/SecPcreMatchLimit 100000/' \
    -e 's/^SecPcreMatchLimitRecursion .*/SecPcreMatchLimitRecursion 100000/' \
    /etc/nginx/modsecurity.conf >"$ms/modsecurity.conf"
cp /etc/nginx/unicode.mapping "$ms/unicode.mapping"
cp "$CRS/crs-setup.conf.example" "$ms/crs-setup.conf"
cat "$HERE/suite-setup.conf" >>"$ms/crs-setup.conf"
cat >"$ms/main.conf" <<EOF
Include $ms/modsecurity.conf
Include $ms/crs-setup.conf
Include $CRS/rules/*.conf
EOF

USER_LINE=""
if [ "$(id -u)" -eq 0 ]; then
  USER_LINE="user nobody nogroup;"
  chown -R nobody:nogroup "$W/tmp" "$W/ms-tmp" "$W/ms-data"
fi
cat >"$W/nginx.conf" <<EOF
load_module $MODSEC_MODULE;
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
    modsecurity on;
    modsecurity_rules_file $ms/main.conf;
    server {
        listen 127.0.0.1:$PORT;
        server_name localhost;
        location / {
            proxy_pass http://127.0.0.1:$BPORT;
            proxy_set_header Host \$host;
            proxy_read_timeout 10s;
        }
    }
}
EOF

# --- start ------------------------------------------------------------------------------------
python3 "$HERE/backend.py" "$BPORT" >"$W/backend.log" 2>&1 &
BACKEND_PID=$!
nginx -t -p "$W" -c "$W/nginx.conf" -e "$W/error.log" >"$W/nginx-t.log" 2>&1 \
  || { cat "$W/nginx-t.log" >&2; die "nginx -t failed"; }
nginx -p "$W" -c "$W/nginx.conf" -e "$W/error.log"
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$PORT/" && curl -s -o /dev/null "http://127.0.0.1:$BPORT/" && break
  sleep 0.1
done
curl -s -o /dev/null "http://127.0.0.1:$PORT/" || die "nginx did not come up on 127.0.0.1:$PORT"

MSVER=$(dpkg-query -W -f='${Version}' libmodsecurity3 2>/dev/null || echo '?')
CRSVER=$(sed -n 's/^# OWASP CRS \(v[0-9.]*\).*/\1/p' "$CRS/README.md" | head -1)
echo "run_modsecurity: nginx $(nginx -v 2>&1 | sed 's/.*\///') + libmodsecurity3 $MSVER + CRS ${CRSVER:-v4} ($CRS)"
echo "run_modsecurity: gateway 127.0.0.1:$PORT, backend 127.0.0.1:$BPORT, log $W/error.log"
START=$(date +%s)
set +e
python3 "$HERE/ftw.py" --port "$PORT" --log-file "$W/error.log" --log-adapter modsecurity \
  --tests "$CRS/tests/regression/tests" --overrides "$CRS/tests/regression/nginx-overrides.yaml" \
  --json-out "$W/results.json" "$@"
RC=$?
set -e
echo "run_modsecurity: $(( $(date +%s) - START ))s wall, results in $W/results.json"
exit $RC
