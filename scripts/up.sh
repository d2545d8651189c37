#!/usr/bin/env bash
# up.sh BUILD — start the local Rampart demo stack on loopback (`make up`).
#
#   demo app   python3 demo/app.py            127.0.0.1:8081  (intentionally vulnerable)
#   rampartd   control plane (web console, API, event store) 127.0.0.1:9000,
#              SQLite in BUILD/run, the console from BUILD/console; on first
#              run it registers the demo app as application "demo"
#   sync       rampart sync: long-polls rampartd for the distribution bundle
#              (applications, switches, policies) and installs it into
#              BUILD/run/bundle for the gateway, reloading nginx when needed;
#              beside it the identity files the gateway enforces sessions
#              with: session keys, upstream keys and the revocation list
#   gateway    nginx + ngx_http_rampart_module 127.0.0.1:8080 → the registered
#              applications (the demo app); its events go to
#              BUILD/run/events.jsonl, which rampartd tails
#
# Everything lives under BUILD/run: the gateway's own nginx prefix (config,
# logs, temp paths), the demo's data dir, the event log, rampartd's
# configuration, store (rampartd-data/) and log, and one pid file per
# process. rampartd also seeds the directory user demo-auditor (directory
# role auditor; its password in BUILD/run/demo-auditor-password, made once),
# whom scripts/demo-session.sh logs in. On the first run rampartd creates the account admin with a
# one-time password, which this script prints (it stays in
# BUILD/run/rampartd/initial-admin-password until it is changed). Never touches /etc/nginx or the system nginx service. Running it
# again restarts the stack cleanly (scripts/down.sh first). Stop with `make down`.
#
# Environment:
#   RP_GATEWAY_PORT, RP_DEMO_PORT   ports (default 8080, 8081)
#   RP_RAMPARTD_PORT                rampartd's port (default 9000)
#   RP_MODE=block|detect            the demo app's first WAF switch (default block;
#                                   later the switch is changed through the API)
#   RP_UP_PLAIN=1                   gateway without the Rampart module (a plain
#                                   proxy; for trying the scripts before the module builds)
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
REPO=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
BUILD=$(cd "$1" && pwd)
RUN=$BUILD/run
GW=$RUN/gateway
DEMO_DATA=$RUN/demo-data
EVENTS=$RUN/events.jsonl
MODULE=$BUILD/nginx/ngx_http_rampart_module.so
POLICY=$REPO/policies/default.policy
GATEWAY_PORT=${RP_GATEWAY_PORT:-8080}
DEMO_PORT=${RP_DEMO_PORT:-8081}
RAMPARTD_PORT=${RP_RAMPARTD_PORT:-9000}
RAMPARTD=$BUILD/rampartd
RAMPARTD_RUN=$RUN/rampartd
RAMPART_CLI=$BUILD/rampart
BUNDLE=$RUN/bundle
MODE=${RP_MODE:-block}
PLAIN=${RP_UP_PLAIN:-0}
NGINX=${NGINX:-/usr/sbin/nginx}
WAIT_SECONDS=15
# Compiled pattern databases survive restarts here: CRS loads in ~1 s
# instead of ~10 s after the first start (docs/NGINX.md, rampart_compile_cache).
export RAMPART_COMPILE_CACHE=${RAMPART_COMPILE_CACHE:-$BUILD/compile-cache}

die() { echo "up: error: $*" >&2; exit 1; }
say() { echo "up: $*"; }

# --- preflight ------------------------------------------------------------
command -v "$NGINX" >/dev/null || die "nginx not found ($NGINX); run scripts/deps.sh"
command -v python3 >/dev/null || die "python3 not found"
command -v curl >/dev/null || die "curl not found"
[ -x "$RAMPARTD" ] || die "$RAMPARTD is missing — build it first: make build"
if [ "$PLAIN" != 1 ]; then
  [ -f "$MODULE" ] || die "$MODULE is missing — build it first: make build"
  [ -f "$POLICY" ] || die "$POLICY is missing"
fi
case $MODE in block|detect) ;; *) die "RP_MODE must be block or detect, not '$MODE'" ;; esac

# A second `make up` restarts: stop whatever the previous one left running.
if compgen -G "$RUN/*.pid" >/dev/null; then
  say "stopping the previous stack first"
  "$REPO/scripts/down.sh" "$BUILD"
fi

# Both ports must be free now; anything still listening is not ours.
port_free() {
  python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as nginx does
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}
for port in "$GATEWAY_PORT" "$DEMO_PORT" "$RAMPARTD_PORT"; do
  if ! port_free "$port"; then
    who=$(ss -ltnpH "sport = :$port" 2>/dev/null | head -3 || true)
    die "port 127.0.0.1:$port is already in use by something else:${who:+
$who}
stop it, or choose other ports with RP_GATEWAY_PORT / RP_DEMO_PORT / RP_RAMPARTD_PORT"
  fi
done

mkdir -p "$RUN" "$GW/logs" "$GW/tmp" "$DEMO_DATA"

# Started processes are stopped again if a later step fails.
started=0
on_exit() {
  local rc=$?
  if [ $rc -ne 0 ] && [ $started -eq 1 ]; then
    echo "up: failed — stopping what was started" >&2
    "$REPO/scripts/down.sh" "$BUILD" >&2 || true
  fi
}
trap on_exit EXIT

log_tail() {  # FILE — the last lines of a log, for error messages
  echo "---- last lines of $1 ----" >&2
  tail -n 25 "$1" >&2 2>/dev/null || echo "(no log)" >&2
  echo "----" >&2
}

# wait_http NAME URL LOG — poll until URL answers 200, bounded.
wait_http() {
  local name=$1 url=$2 log=$3 deadline=$((SECONDS + WAIT_SECONDS)) code
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)
    [ "$code" = 200 ] && return 0
    if [ $SECONDS -ge $deadline ]; then
      log_tail "$log"
      die "$name did not answer 200 at $url within ${WAIT_SECONDS}s (last status: ${code:-none})"
    fi
    sleep 0.2
  done
}

# --- demo app ----------------------------------------------------------------
say "starting demo app on 127.0.0.1:$DEMO_PORT"
started=1
nohup python3 "$REPO/demo/app.py" --port "$DEMO_PORT" --data "$DEMO_DATA" \
  >>"$RUN/demo.log" 2>&1 </dev/null &
echo $! >"$RUN/demo.pid"
wait_http "demo app" "http://127.0.0.1:$DEMO_PORT/healthz" "$RUN/demo.log"

# --- rampartd (control plane) -------------------------------------------------
[ -f "$BUILD/console/index.html" ] ||
  say "warning: $BUILD/console is not built (make build runs scripts/console-build.sh); the API works, the console page will not"
# The gateway's file sink is rampartd's input: rampartd tails it and commits
# its position with every batch, so events written while rampartd is down
# or restarting are stored when it comes back, exactly once.
# The demo auditor's password (docs/DEMO.md, "Masking"), made once per
# BUILD/run: rampartd seeds the directory user with it, demo-session.sh logs in.
DEMO_PASSWORD=$RUN/demo-auditor-password
if [ ! -s "$DEMO_PASSWORD" ]; then
  (umask 077; python3 -c 'import secrets; print("Demo-%s-7a" % secrets.token_urlsafe(18))' >"$DEMO_PASSWORD")
fi
cat >"$RUN/rampartd.conf" <<EOF
# Generated by scripts/up.sh on every \`make up\` — edit the script, not this file.
listen 127.0.0.1:$RAMPARTD_PORT
data_dir $RUN/rampartd-data
run_dir $RAMPARTD_RUN
log stderr
events_file $EVENTS
console_dir $BUILD/console
gateway_token_file $RAMPARTD_RUN/gateway.token
seed_app demo * / http://127.0.0.1:$DEMO_PORT waf=$MODE masking=block
seed_directory_user demo-auditor auditor $DEMO_PASSWORD
EOF
"$RAMPARTD" -t -c "$RUN/rampartd.conf" >/dev/null || die "the rampartd configuration $RUN/rampartd.conf does not load"
say "starting rampartd on 127.0.0.1:$RAMPARTD_PORT"
nohup "$RAMPARTD" -c "$RUN/rampartd.conf" >>"$RUN/rampartd.log" 2>&1 </dev/null &
echo $! >"$RUN/rampartd.pid"
wait_http "rampartd" "http://127.0.0.1:$RAMPARTD_PORT/readyz" "$RUN/rampartd.log"
wait_http "OpenID Connect discovery" \
  "http://127.0.0.1:$RAMPARTD_PORT/.well-known/openid-configuration" "$RUN/rampartd.log"

# --- sync: the distribution bundle for the gateway ------------------------------
# The gateway serves what the bundle says (servers.conf: one location per
# registered application, its policy and switches), so the first bundle is
# installed before nginx starts. Switch changes reach the workers through
# the switches file; policy and application changes reload nginx gracefully.
if [ "$PLAIN" != 1 ]; then
  [ -x "$RAMPART_CLI" ] || die "$RAMPART_CLI is missing — build it first: make build"
  cat >"$GW/server-common.conf" <<EOF
# Generated by scripts/up.sh: included in every server the bundle generates.
location = /rampart/status {
    rampart off;
    rampart_status;
    allow 127.0.0.1;
    deny all;
}
EOF
  # nginx started as root reads the key files (0600) as its workers' user
  key_owner=()
  [ "$(id -u)" -eq 0 ] && key_owner=(--key-owner nobody)
  say "starting rampart sync (bundle and identity files in $BUNDLE)"
  nohup "$RAMPART_CLI" sync --url "http://127.0.0.1:$RAMPARTD_PORT" \
    --token-file "$RAMPARTD_RUN/gateway.token" --dir "$BUNDLE" \
    --gateway-id local --name local-gateway --listen "127.0.0.1:$GATEWAY_PORT" \
    --server-include "$GW/server-common.conf" --nginx-pid "$RUN/gateway.pid" \
    "${key_owner[@]}" >>"$RUN/sync.log" 2>&1 </dev/null &
  echo $! >"$RUN/sync.pid"
  deadline=$((SECONDS + WAIT_SECONDS))
  until [ -s "$BUNDLE/current/nginx/servers.conf" ] && [ -s "$BUNDLE/identity-keys" ] &&
        [ -s "$BUNDLE/revocations" ]; do
    if [ $SECONDS -ge $deadline ] || ! kill -0 "$(cat "$RUN/sync.pid")" 2>/dev/null; then
      log_tail "$RUN/sync.log"
      die "rampart sync installed no bundle and identity files within ${WAIT_SECONDS}s"
    fi
    sleep 0.1
  done
fi

# --- gateway: nginx + ngx_http_rampart_module ---------------------------------
user_line=""
if [ "$(id -u)" -eq 0 ]; then
  # nginx started as root runs its workers as nobody (Debian has no group
  # "nobody", nginx's default). The master opens the event log itself.
  user_line="user nobody nogroup;"
fi
if [ "$PLAIN" = 1 ]; then
  module_line="# RP_UP_PLAIN=1: plain proxy, Rampart module not loaded"
  rampart_http="    # RP_UP_PLAIN=1: no rampart directives"
  status_body="return 200 '{\"plain\":true}\\n';"
  plain_server="    server {
        listen 127.0.0.1:$GATEWAY_PORT;
        server_name localhost;
        location = /rampart/status { $status_body }
        location / {
            proxy_pass http://127.0.0.1:$DEMO_PORT;
            proxy_set_header Host \$host;
        }
    }"
else
  plain_server=""
  module_line="load_module $MODULE;"
  # Applications without a policy of their own use $POLICY; each one's WAF
  # mode is its switch (rampart_switches), set in rampartd.
  # Sessions (docs/IDENTITY.md): the session keys and the revocation list
  # rampart sync keeps from rampartd, so a portal login (scripts/demo-session.sh
  # logs in the demo auditor) is a session here, and its logout or revocation
  # reaches the gateway within a second.
  rampart_http="    rampart_policy $POLICY;
    rampart_identity_keys $BUNDLE/identity-keys;
    rampart_identity_revocations $BUNDLE/revocations;
    rampart_event_sink file:$EVENTS;
    rampart_switches $BUNDLE/current/switches;
    include $BUNDLE/current/nginx/*.conf;"
fi

cat >"$GW/nginx.conf" <<EOF
# Generated by scripts/up.sh on every \`make up\` — edit the script, not this file.
$module_line
$user_line
worker_processes 2;
pid $RUN/gateway.pid;
error_log $GW/logs/error.log notice;

events { worker_connections 1024; }

http {
    default_type application/octet-stream;
    access_log $GW/logs/access.log;
    client_body_temp_path $GW/tmp/client_body;
    proxy_temp_path $GW/tmp/proxy;
    fastcgi_temp_path $GW/tmp/fastcgi;
    uwsgi_temp_path $GW/tmp/uwsgi;
    scgi_temp_path $GW/tmp/scgi;
    client_max_body_size 20m;
    server_tokens off;

$rampart_http

$plain_server
}
EOF

ngx=("$NGINX" -p "$GW" -c "$GW/nginx.conf" -e "$GW/logs/error.log")
if ! out=$("${ngx[@]}" -t 2>&1); then
  echo "$out" >&2
  die "the gateway configuration $GW/nginx.conf does not load (see above)"
fi
what="nginx + rampart, mode $MODE"
[ "$PLAIN" = 1 ] && what="plain nginx proxy, no Rampart module"
say "starting gateway ($what) on 127.0.0.1:$GATEWAY_PORT"
if ! out=$("${ngx[@]}" 2>&1); then
  echo "$out" >&2
  log_tail "$GW/logs/error.log"
  die "nginx failed to start"
fi
for _ in $(seq 50); do [ -s "$RUN/gateway.pid" ] && break; sleep 0.1; done
[ -s "$RUN/gateway.pid" ] || { log_tail "$GW/logs/error.log"; die "nginx wrote no pid file"; }
wait_http "gateway" "http://127.0.0.1:$GATEWAY_PORT/healthz" "$GW/logs/error.log"
wait_http "gateway status" "http://127.0.0.1:$GATEWAY_PORT/rampart/status" "$GW/logs/error.log"

trap - EXIT
if [ -s "$RAMPARTD_RUN/initial-admin-password" ]; then
  admin_line="account admin, one-time password $(cat "$RAMPARTD_RUN/initial-admin-password") (change it at first login)"
else
  admin_line="account admin (its first password was already changed)"
fi
cat <<EOF

Rampart demo stack is up:
  gateway (Rampart)      http://127.0.0.1:$GATEWAY_PORT/
  demo app (direct)      http://127.0.0.1:$DEMO_PORT/      — unprotected, for comparison
  status (JSON counters) http://127.0.0.1:$GATEWAY_PORT/rampart/status
  console                http://127.0.0.1:$RAMPARTD_PORT/   (rampartd: web console and API)
                         $admin_line
  OpenID Connect         http://127.0.0.1:$RAMPARTD_PORT/.well-known/openid-configuration
                         (discovery is served; the admin registers relying parties at /api/v1/oidc/clients)
  event log              $EVENTS  (stored by rampartd)
  bundle (from rampartd) $BUNDLE/current  (application "demo" → the demo app)
  demo auditor           directory user demo-auditor (password in $DEMO_PASSWORD);
                         scripts/demo-session.sh $BUILD logs in and prints its session token
  logs                   $GW/logs/  $RUN/demo.log  $RUN/rampartd.log  $RUN/sync.log
  rampartd API guide     docs/RAMPARTD.md
Try:  curl -s "http://127.0.0.1:$GATEWAY_PORT/search?q=1%27%20OR%20%271%27%3D%271" -o /dev/null -w '%{http_code}\n'
Stop: make down
EOF
