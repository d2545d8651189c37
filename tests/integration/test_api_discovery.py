"""test_api_discovery.py — API discovery end to end.

Traffic replayed through a real nginx with the Rampart module (policy
`discover on`, an OpenAPI spec in detect mode, a mask rule that reads the
responses) against a test upstream that answers citizens' records with
resident ID numbers; rampartd tails the gateway's events and builds the
inventory. Expected: the template /api/citizens/{id} (from 40 distinct
ids), its query parameter and type, the unauthenticated citizen look-up
flagged risky, an endpoint the spec lacks flagged shadow, one the spec has but
nobody called listed unused, an
authenticated one not risky, the draft OpenAPI document, and the
console's API inventory page in headless Chromium
(tests/console/api_inventory.mjs: filters, export; screenshots in
$RP_BUILD_DIR/console-screenshots), and the inventory kept across a
restart of rampartd (migration 16).
"""

import json
import os
import shutil
import subprocess
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import harness
from console_harness import ensure_console
from harness import Nginx
from rampartd_harness import Rampartd, first_login, wait_until

POLICY = """\
version discovery-test
mode detect
discover on interval=1
openapi spec.json detect
mask /api/ styles=id:partial,phone:partial
"""

SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "demo", "version": "1"},
    "paths": {
        "/api/citizens/{id}": {"get": {
            "parameters": [{"name": "id", "in": "path", "required": True,
                            "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "a citizen"}}}},
        "/api/me": {"get": {"responses": {"200": {"description": "me"}}}},
        "/api/citizens/{id}/history": {"get": {
            "parameters": [{"name": "id", "in": "path", "required": True,
                            "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "never called"}}}},
    },
}

GATEWAY = """
    rampart_event_sink file:{prefix}/events.jsonl;
    server {
        listen 127.0.0.1:{port};
        rampart on;
        rampart_policy {prefix}/discover.policy;
        rampart_app demo;
        location / { proxy_pass http://{upstream}; }
    }
"""


class Citizens(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        path = self.path.split("?")[0]
        if path.startswith("/api/citizens/"):
            body = {"id": path.rsplit("/", 1)[1], "name": "test",
                    "idNumber": "110101199003077571", "mobile": "13800138000"}
        elif path == "/api/me":
            body = {"name": "me", "idNumber": "110101199003077571"}
        else:
            body = {"rows": 3}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class ApiDiscovery(unittest.TestCase):
    def test_inventory_from_traffic(self):
        up = ThreadingHTTPServer(("127.0.0.1", 0), Citizens)
        threading.Thread(target=up.serve_forever, daemon=True).start()
        harness._cleanups.append(up.shutdown)
        gw = Nginx(GATEWAY, up.server_address[1], name="discover-gw")
        with open(gw.path("discover.policy"), "w") as f:
            f.write(POLICY)
        with open(gw.path("spec.json"), "w") as f:
            json.dump(SPEC, f)
        gw.start()
        console = ensure_console()
        rd = Rampartd(name="discover", extra_conf="events_file %s\ningest_flush_ms 5\n"
                      "console_dir %s\n" % (gw.path("events.jsonl"), console)).start()
        admin = first_login(rd)
        r = admin.request("POST", "/api/v1/apps", {"name": "demo", "host": "*", "path_prefix": "/",
                                                   "upstream": "http://127.0.0.1:%d" %
                                                   up.server_address[1]})
        self.assertEqual(r.status, 201, r)

        def get(path, headers=None):
            return harness_get(gw.port, path, headers)

        # one second apart so each worker's slot samples again
        for round_ in range(3):
            for i in range(1 + round_ * 40, 41 + round_ * 40):
                self.assertEqual(get("/api/citizens/%d?fields=name" % i), 200)
            get("/api/internal/export?since=2026-11-01")
            get("/api/me", {"Cookie": "rampart_id=abc"})
            time.sleep(1.1)

        def inventory():
            r = admin.request("GET", "/api/v1/apps/demo/api-inventory")
            self.assertEqual(r.status, 200, r)
            return {(e["method"], e["path"]): e for e in r.json()["endpoints"]}

        wait_until(lambda: len(inventory()) >= 3, timeout=20, what="three endpoints")
        eps = inventory()
        self.assertEqual(set(eps), {("GET", "/api/citizens/{id}"),
                                    ("GET", "/api/internal/export"), ("GET", "/api/me")}, eps)
        c = eps[("GET", "/api/citizens/{id}")]
        self.assertTrue(c["risky"], c)
        self.assertFalse(c["shadow"], c)
        self.assertIn("resident_id", c["classes"])
        self.assertGreater(c["auth"]["none"], 0)
        self.assertGreaterEqual(c["count"], 3)
        self.assertIn({"in": "query", "name": "fields", "type": "string"}, c["params"])
        x = eps[("GET", "/api/internal/export")]
        self.assertTrue(x["shadow"], x)
        self.assertIn({"in": "query", "name": "since", "type": "string", "format": "date"},
                      x["params"])
        me = eps[("GET", "/api/me")]
        self.assertFalse(me["shadow"], me)
        self.assertFalse(me["risky"], me)  # carries ID numbers, but with a session
        self.assertIn("session", me["auth"])

        # in the spec, never called
        r = admin.request("GET", "/api/v1/apps/demo/api-inventory")
        self.assertEqual(r.json()["unused"], [{"method": "GET", "path": "/api/citizens/{id}/history"}])
        r = admin.request("GET", "/api/v1/apps/demo/api-inventory?filter=risky")
        self.assertEqual([e["path"] for e in r.json()["endpoints"]], ["/api/citizens/{id}"])
        r = admin.request("GET", "/api/v1/apps/demo/api-inventory?filter=shadow")
        self.assertEqual([e["path"] for e in r.json()["endpoints"]], ["/api/internal/export"])
        r = admin.request("GET", "/api/v1/apps/demo/api-inventory?filter=bogus")
        self.assertEqual(r.status, 400)
        # observations feed the inventory, not the events
        r = admin.request("GET", "/api/v1/events?category=api-discovery&from=0")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["events"], [])
        spec = admin.request("GET", "/api/v1/apps/demo/api-inventory/openapi").json()
        self.assertEqual(spec["openapi"], "3.1.0")
        self.assertIn("get", spec["paths"]["/api/citizens/{id}"])

        # the console's page, in headless Chromium
        shots = os.path.join(harness.BUILD_DIR, "console-screenshots")
        os.makedirs(shots, exist_ok=True)
        env = dict(os.environ, RD_URL="http://127.0.0.1:%d" % rd.port,
                   PASSWORD="correct horse battery staple", SHOT_DIR=shots,
                   CONSOLE_SRC=os.path.join(harness.SOURCE_DIR, "console"))
        self.assertTrue(shutil.which("node"), "node missing: scripts/deps.sh")
        p = subprocess.run(["node", os.path.join(harness.SOURCE_DIR, "tests", "console",
                                                 "api_inventory.mjs")],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=180)
        out = p.stdout.decode(errors="replace")
        self.assertEqual(p.returncode, 0, out)

        # the inventory survives a restart (migration 16's table)
        time.sleep(1.2)
        rd.stop()
        rd.start()
        admin = first_login_again(rd)
        r = admin.request("GET", "/api/v1/apps/demo/api-inventory")
        self.assertIn("/api/citizens/{id}", [e["path"] for e in r.json()["endpoints"]])


def harness_get(port, path, headers=None):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers=headers or {})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp.status


def first_login_again(rd):
    from rampartd_harness import Session
    return Session(rd, "admin", "correct horse battery staple")


if __name__ == "__main__":
    unittest.main()
