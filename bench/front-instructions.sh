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

front_conf() { # $1 prefix, $2 target
  local load="" rp=""
  case $2 in
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
client() { # $1 workload, $2 count
  python3 - "$FRONT_PORT" "$1" "$2" "$REPO/bench/post.json" <<'EOF'
import socket, sys
port, wl, n, post_json = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
ua = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
      "(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36")
if wl == "get":
    req = ("GET /search?q=%E7%A4%BE%E4%BF%9D%E6%9F%A5%E8%AF%A2&page=2&sort=date&lang=zh-CN HTTP/1.1\r\n"
           "Host: zwfw.example.gov.cn\r\nUser-Agent: " + ua + "\r\n"
           "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\r\n"
           "Accept-Language: zh-CN,zh;q=0.9,en;q=0.8\r\nAccept-Encoding: gzip, deflate, br\r\n"
           "Cookie: JSESSIONID=6F1C2B9A0D3E4F5A8B7C6D5E4F3A2B1C; lang=zh-CN; _ga=GA1.3.1849203751.1714521600\r\n"
           "Referer: https://zwfw.example.gov.cn/index.html\r\nUpgrade-Insecure-Requests: 1\r\n\r\n").encode()
else:
    body = open(post_json, "rb").read()
    req = ("POST /api/applications HTTP/1.1\r\nContent-Type: application/json; charset=utf-8\r\n"
           "Accept: application/json, text/plain, */*\r\nAccept-Language: zh-CN,zh;q=0.9,en;q=0.8\r\n"
           "Host: zwfw.example.gov.cn\r\nUser-Agent: " + ua + "\r\n"
           "Cookie: JSESSIONID=6F1C2B9A0D3E4F5A8B7C6D5E4F3A2B1C; lang=zh-CN\r\n"
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

wait_port() {
  for _ in $(seq 100); do
    python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$FRONT_PORT)).close()" 2>/dev/null && return 0
    sleep 0.2
  done
  die "front did not start on $FRONT_PORT"
}

declare -A RESULT
for target in nginx rampart-off rampart; do
  for wl in get post; do
    F=$WORK/$target-$wl
    mkdir -p "$F"
    front_conf "$F" "$target" >"$F/nginx.conf"
    valgrind --tool=callgrind --callgrind-out-file="$F/callgrind.out" --instr-atstart=no \
      "$NGINX" -p "$F" -c "$F/nginx.conf" -e "$F/error.log" >"$F/valgrind.log" 2>&1 &
    vg=$!
    pids+=("$vg")
    wait_port
    client "$wl" 200
    callgrind_control -i on "$vg" >/dev/null 2>&1
    client "$wl" "$N"
    callgrind_control -i off "$vg" >/dev/null 2>&1
    kill -QUIT "$vg"
    wait "$vg" || true
    total=$(callgrind_annotate "$F/callgrind.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
    [ -n "$total" ] || die "no callgrind totals for $target/$wl (see $F/valgrind.log)"
    RESULT[$target/$wl]=$((total / N))
  done
done

printf '%-12s %12s %12s %12s %12s\n' target get/req "+ vs nginx" post/req "+ vs nginx"
for target in nginx rampart-off rampart; do
  g=${RESULT[$target/get]}; p=${RESULT[$target/post]}
  printf '%-12s %12d %12d %12d %12d\n' "$target" "$g" $((g - ${RESULT[nginx/get]})) "$p" $((p - ${RESULT[nginx/post]}))
done
