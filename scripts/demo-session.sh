#!/usr/bin/env bash
# demo-session.sh BUILD [ROLES] [USER] — a session token (rpt1, docs/IDENTITY.md)
# for the `make up` gateway, signed with its demo key (BUILD/run/gateway/
# demo-identity-keys), valid for an hour. Roles comma-separated (default
# auditor). Use it as the rampart_id cookie:
#   curl -b "rampart_id=$(scripts/demo-session.sh build auditor)" http://127.0.0.1:8080/api/citizens
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [ROLES] [USER]" >&2; exit 2; }
KEYS=$1/run/gateway/demo-identity-keys
[ -r "$KEYS" ] || { echo "demo-session: $KEYS missing or unreadable (run make up first)" >&2; exit 1; }
python3 - "$KEYS" "${2:-auditor}" "${3:-demo-auditor}" <<'PY'
import base64, hashlib, hmac, os, sys, time, urllib.parse
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
kid, alg, key = [l.split() for l in open(sys.argv[1]) if l.strip() and not l.startswith("#")][-1][:3]
key = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
q = lambda s: urllib.parse.quote(s, safe="")
now = int(time.time())
claims = "sid=%s&uid=9001&sub=%s&ro=%s&gr=&amr=pwd&iat=%d&act=%d&exp=%d&idl=3600" % (
    b64(os.urandom(16)), q(sys.argv[3]), q(sys.argv[2]), now, now, now + 3600)
signed = "rpt1.%s.%s" % (kid, b64(claims.encode()))
print(signed + "." + b64(hmac.new(key, signed.encode(), hashlib.sha256).digest()))
PY
