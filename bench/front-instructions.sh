#!/usr/bin/env bash
# front-instructions.sh BUILD [N] — user-space instructions per request of
# the front nginx worker, plain and with Rampart, counted by callgrind.
#
# make bench's throughput ratios move by several points on a busy 2-vCPU
# machine; instruction counts do not (callgrind counts, whatever else runs).
# This runs the bench's get and post requests (bench/get.lua, bench/post.lua,
# same bytes) through three fronts, each a single nginx process under
# callgrind (master_process off) proxying to a plain upstream:
#   nginx        no module — the limit
#   rampart      the module with policies/detectors.policy (make bench's `rampart`)
#   rampart-off  the module with every detector off: what the hand-over costs
#   rampart-session  `rampart` with every route behind a session (make bench's
#                `rampart-session`): the requests carry a valid session cookie,
#                the front verifies it and sends signed identity headers upstream
# and prints instructions per request and the difference to plain nginx.
# Kernel time (TCP on loopback, the larger part of a request) is not counted:
# the module makes no system call of its own on these requests, so the
# difference is all user space. N requests per workload (default 2000), one
# keep-alive connection, after 200 warm-up requests that are not counted.
# Needs valgrind; the module must carry DWARF 4 debug information for
# valgrind to read it: build with RAMPART_MODULE_CC_OPT=-gdwarf-4.
set -euo pipefail

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [N]" >&2; exit 2; }
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$1" && pwd)
N=${2:-2000}
WORK=$BUILD/front-instructions
MODULE=$BUILD/nginx/ngx_http_rampart_module.so
NGINX=${NGINX:-/usr/sbin/nginx}
UP_PORT=${FI_UPSTREAM_PORT:-18300}
FRONT_PORT=${FI_FRONT_PORT:-18301}

die() { echo "front-instructions: error: $*" >&2; exit 1; }
command -v valgrind >/dev/null || die "valgrind not found"
[ -f "$MODULE" ] || die "$MODULE is missing — build first"

rm -rf "$WORK"
mkdir -p "$WORK"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

common() { # $1 prefix
  cat <<EOF
error_log $1/error.log warn;
events { worker_connections 1024; }
EOF
}
http_common() { # $1 prefix
  cat <<EOF
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $1/client_body;
    proxy_temp_path $1/proxy;
    fastcgi_temp_path $1/fastcgi;
    uwsgi_temp_path $1/uwsgi;
    scgi_temp_path $1/scgi;
EOF
}

# --- upstream: a plain nginx answering 200 ---------------------------------
U=$WORK/upstream
mkdir -p "$U"
{
  echo "pid $U/nginx.pid;"
  common "$U"
  echo "http {"
  http_common "$U"
  cat <<EOF
    server {
        listen 127.0.0.1:$UP_PORT;
        location / { default_type text/html; return 200 "<!doctype html><p>ok</p>\n"; }
    }
}
EOF
} >"$U/nginx.conf"
"$NGINX" -p "$U" -c "$U/nginx.conf" -e "$U/error.log"
pids+=("$(cat "$U/nginx.pid")")

off_policy=$WORK/off.policy
{ grep -v '^detect ' "$REPO/policies/detectors.policy"
  for d in sqli xss cmdi ssti deser nosql traversal ssrf ldap crlf; do echo "detect $d off"; done
} >"$off_policy"

# rampart-session: a key, a session minted with it, the detectors policy
# with every route behind a session, an upstream key (docs/IDENTITY.md)
S=$WORK/session
mkdir -p "$S"
python3 - "$S" <<'EOF'
import base64, os, sys
d = sys.argv[1]
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
open(d + "/identity-keys", "w").write("bench hmac-sha256 %s 0\n" % b64(os.urandom(32)))
open(d + "/revocations", "w").write("# rampart revocations seq=1\n")
open(d + "/upstream.key", "w").write(b64(os.urandom(32)) + "\n")
EOF
# A session minted now (its last activity a minute ahead, so the front
# does not re-sign it during the run).
session_cookie() {
  python3 - "$S/identity-keys" <<'EOF'
import base64, hashlib, hmac, os, sys, time
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
key = base64.urlsafe_b64decode(open(sys.argv[1]).read().split()[2] + "=")
now = int(time.time())
claims = ("sid=%s&uid=1001&sub=bench&ro=staff%%2Ceditor&gr=%%2Forg%%2Fbench&amr=pwd%%2Cotp%%2Cmfa"
          "&iat=%d&act=%d&exp=%d&idl=86400" % (b64(os.urandom(16)), now + 55, now + 55, now + 86400))
signed = "rpt1.bench." + b64(claims.encode())
print(signed + "." + b64(hmac.new(key, signed.encode(), hashlib.sha256).digest()))
EOF
}
{ cat "$REPO/policies/detectors.policy"; echo "access / authenticated"; } >"$S/session.policy"

front_conf() { # $1 prefix, $2 target
  local load="" rp=""
  case $2 in
    rampart-session) load="load_module $MODULE;"
      rp="rampart on; rampart_policy $S/session.policy; rampart_identity_keys $S/identity-keys;
    rampart_identity_revocations $S/revocations; rampart_identity_upstream_key $S/upstream.key;" ;;
    rampart) load="load_module $MODULE;"; rp="rampart on; rampart_policy $REPO/policies/detectors.policy;" ;;
    rampart-off) load="load_module $MODULE;"; rp="rampart on; rampart_policy $off_policy;" ;;
  esac
  cat <<EOF
$load
master_process off;
daemon off;
pid $1/nginx.pid;
EOF
  common "$1"
  echo "http {"
  http_common "$1"
  cat <<EOF
    $rp
    upstream backend { server 127.0.0.1:$UP_PORT; keepalive 8; }
    server {
        listen 127.0.0.1:$FRONT_PORT;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
EOF
}

# The bench's requests, byte for byte (bench/get.lua, bench/post.lua).
client() { # $1 workload, $2 count, [$3 rampart_id cookie]
  python3 - "$FRONT_PORT" "$1" "$2" "$REPO/bench/post.json" "${3:-}" <<'EOF'
import socket, sys
port, wl, n, post_json = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
session = ("; rampart_id=" + sys.argv[5]) if sys.argv[5] else ""
ua = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
      "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36")
if wl == "get":
    req = ("GET /search?q=%E7%A4%BE%E4%BF%9D%E6%9F%A5%E8%AF%A2&page=2&sort=date&lang=zh-CN HTTP/1.1\r\n"
           "Host: zwfw.example.gov.cn\r\nUser-Agent: " + ua + "\r\n"
           "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n"
           "Accept-Language: zh-CN,zh;q=0.9,en;q=0.8\r\nAccept-Encoding: gzip, deflate, br\r\n"
           "Cookie: JSESSIONID=6F1C2B9A0D3E4F5A8B7C6D5E4F3A2B1C; lang=zh-CN; _ga=GA1.3.1849203751.1714521600" + session + "\r\n"
           "Referer: https://zwfw.example.gov.cn/index.html\r\nUpgrade-Insecure-Requests: 1\r\n\r\n").encode()
else:
    body = open(post_json, "rb").read()
    req = ("POST /api/applications HTTP/1.1\r\nContent-Type: application/json; charset=utf-8\r\n"
           "Accept: application/json, text/plain, */*\r\nAccept-Language: zh-CN,zh;q=0.9,en;q=0.8\r\n"
           "Host: zwfw.example.gov.cn\r\nUser-Agent: " + ua + "\r\n"
           "Cookie: JSESSIONID=6F1C2B9A0D3E4F5A8B7C6D5E4F3A2B1C; lang=zh-CN" + session + "\r\n"
           "Referer: https://zwfw.example.gov.cn/apply\r\nOrigin: https://zwfw.example.gov.cn\r\n"
           "Content-Length: %d\r\n\r\n" % len(body)).encode() + body
s = socket.create_connection(("127.0.0.1", port))
f = s.makefile("rb")
for _ in range(n):
    s.sendall(req)
    status = f.readline()
    if b" 200 " not in status:
        sys.exit("front answered %r" % status)
    length = 0
    while True:
        h = f.readline()
        if h in (b"\r\n", b""):
            break
        if h.lower().startswith(b"content-length:"):
            length = int(h.split(b":")[1])
    f.read(length)
EOF
}

wait_port() {  # patient: under valgrind on a busy machine a policy loads slowly
  for _ in $(seq 600); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$FRONT_PORT)).close()" 2>/dev/null && return 0
    sleep 0.2
  done
  die "front did not start on $FRONT_PORT"
}

read -r -a TARGETS <<<"${FI_TARGETS:-nginx rampart-off rampart rampart-session}"
declare -A RESULT
for target in "${TARGETS[@]}"; do
  for wl in get post; do
    F=$WORK/$target-$wl
    mkdir -p "$F"
    front_conf "$F" "$target" >"$F/nginx.conf"
    valgrind --tool=callgrind --callgrind-out-file="$F/callgrind.out" --instr-atstart=no \
      "$NGINX" -p "$F" -c "$F/nginx.conf" -e "$F/error.log" >"$F/valgrind.log" 2>&1 &
    vg=$!
    pids+=("$vg")
    wait_port
    cookie=""
    [ "$target" = rampart-session ] && cookie=$(session_cookie)
    client "$wl" 200 "$cookie"
    callgrind_control -i on "$vg" >/dev/null 2>&1
    client "$wl" "$N" "$cookie"
    callgrind_control -i off "$vg" >/dev/null 2>&1
    kill -QUIT "$vg"
    wait "$vg" || true
    total=$(callgrind_annotate "$F/callgrind.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
    [ -n "$total" ] || die "no callgrind totals for $target/$wl (see $F/valgrind.log)"
    RESULT[$target/$wl]=$((total / N))
  done
done

printf '%-12s %12s %12s %12s %12s\n' target get/req "+ vs nginx" post/req "+ vs nginx"
for target in "${TARGETS[@]}"; do
  g=${RESULT[$target/get]}; p=${RESULT[$target/post]}
  printf '%-12s %12d %12d %12d %12d\n' "$target" "$g" $((g - ${RESULT[nginx/get]})) "$p" $((p - ${RESULT[nginx/post]}))
done
