#!/usr/bin/env bash
# demo-session.sh BUILD — a real session of the `make up` demo: logs in
# through rampartd's portal API (POST /api/v1/id/login, docs/IDENTITY.md) as
# the directory user demo-auditor that `make up` seeds (role auditor, its
# password in BUILD/run/demo-auditor-password) and prints the session token
# (rpt1). The gateway verifies it with the session keys `rampart sync`
# delivers, so use it as the rampart_id cookie:
#   curl -b "rampart_id=$(scripts/demo-session.sh build)" http://127.0.0.1:8080/api/citizens
# The token is the portal session's own (its cookie rampart_portal): the demo
# application is registered on every host ("*"), for which rampartd makes no
# hand-off (no open redirect), and a hand-off would carry the same session —
# same sid, claims and key. Logging out, or an operator ending the session,
# revokes it on the gateway within a second.
# Environment: RP_RAMPARTD_PORT (default 9000), as for `make up`.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
PASSWORD_FILE=$1/run/demo-auditor-password
[ -r "$PASSWORD_FILE" ] ||
  { echo "demo-session: $PASSWORD_FILE missing or unreadable (run make up first)" >&2; exit 1; }
python3 - "$PASSWORD_FILE" "${RP_RAMPARTD_PORT:-9000}" <<'PY'
import http.client, json, sys
password = open(sys.argv[1]).readline().strip()
conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[2]), timeout=30)
conn.request("POST", "/api/v1/id/login",
             json.dumps({"username": "demo-auditor", "password": password}),
             {"Content-Type": "application/json"})
r = conn.getresponse()
body = r.read()
if r.status != 200:
    sys.exit("demo-session: login refused (%d): %s" % (r.status, body[:300].decode(errors="replace")))
for name, value in r.getheaders():
    if name.lower() == "set-cookie" and value.startswith("rampart_portal="):
        print(value.split(";")[0].split("=", 1)[1])
        break
else:
    sys.exit("demo-session: rampartd set no session cookie: %s" % body[:300].decode(errors="replace"))
PY
