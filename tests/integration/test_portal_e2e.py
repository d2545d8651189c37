"""test_portal_e2e.py — the login portal in headless Chromium against a real
gateway (docs/IDENTITY.md): nginx with the Rampart module enforcing identity
on application `hr`, its session keys, upstream key and revocations written
by a real `rampart sync` from the real rampartd, which serves the portal.

tests/console/portal_e2e.mjs then walks it as a user: protected page →
portal (zh-CN) → password → the forced change of the operator's temporary
password → hand-off → the page, the upstream seeing X-Rampart-User; TOTP
enrolment on the account page (QR code and key; the code computed by the
test, RFC 6238); a security key registered with Chromium's virtual
authenticator (CDP WebAuthn domain); sign-out through the gateway (the old cookie refused by the
gateway within 2 s: revoked); the same answer for an unknown user and a
wrong password (English); password then the TOTP code → the page again with
`mfa` in X-Rampart-Auth; signed out again, a passkey login alone → the page
with `hwk`. Screenshots go to $RP_BUILD_DIR/portal-screenshots.
"""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import harness
from console_harness import ensure_console
from harness import Nginx
from rampartd_harness import Rampartd, first_login, make_user

CHROMIUM = os.environ.get("RP_CHROMIUM", "/usr/bin/chromium")
APP_HOST = "hr.portal.test"  # Chromium maps it to 127.0.0.1 (--host-resolver-rules)

POLICY = """\
version portal-e2e
mode block
access / authenticated
"""

GATEWAY = """
    rampart_identity_keys {prefix}/gw/identity-keys;
    rampart_identity_revocations {prefix}/gw/revocations;

    server {
        listen 127.0.0.1:{port};
        rampart on;
        rampart_app hr;
        rampart_policy {prefix}/hr.policy;
        rampart_identity_portal %s;
        rampart_identity_upstream_key {prefix}/gw/upstream-keys/hr;
        location / { proxy_pass http://{upstream}; }
    }
"""


class HtmlUpstream:
    """The application: an HTML page naming the user the gateway vouched for;
    keeps every request's identity headers."""

    def __init__(self):
        self.seen = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                h = {k: v for k, v in self.headers.items() if k.lower().startswith("x-rampart-")}
                owner.seen.append((self.path, h))
                body = ("<!doctype html><title>hr</title><h1>HR</h1><p id=user>%s</p><p id=auth>%s</p>"
                        % (h.get("X-Rampart-User", ""), h.get("X-Rampart-Auth", ""))).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        harness._cleanups.append(self.stop)

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def start_sync(rd, gw_dir, token_file, log_path):
    log = open(log_path, "ab")
    proc = subprocess.Popen(
        [os.path.join(harness.BUILD_DIR, "rampart"), "sync", "--url",
         "http://127.0.0.1:%d" % rd.port, "--token-file", token_file, "--dir", gw_dir,
         "--gateway-id", "portal-gw", "--wait", "25"],
        stdout=log, stderr=log, start_new_session=True)
    log.close()

    def stop():
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
    harness._cleanups.append(stop)
    deadline = time.time() + 20
    want = [os.path.join(gw_dir, f) for f in ("identity-keys", "revocations", "upstream-keys/hr")]
    while not all(os.path.exists(p) for p in want):
        if time.time() > deadline or proc.poll() is not None:
            with open(log_path, "rb") as f:
                raise RuntimeError("no identity files:\n" + f.read().decode(errors="replace"))
        time.sleep(0.05)


class PortalEndToEnd(unittest.TestCase):
    def tearDown(self):
        harness._run_cleanups()

    def test_portal_in_chromium(self):
        self.assertTrue(os.access(CHROMIUM, os.X_OK), "%s missing: scripts/deps.sh" % CHROMIUM)
        console = ensure_console()
        up = HtmlUpstream()
        top = tempfile.mkdtemp(prefix="rp-portal-e2e-")
        harness._cleanups.append(lambda: shutil.rmtree(top, ignore_errors=True))
        token_file = os.path.join(top, "gateway.token")
        rd = Rampartd(name="portal-e2e", extra_conf=(
            "console_dir %s\ngateway_token_file %s\n" % (console, token_file))).start()
        # "localhost": the WebAuthn RP ID rampartd uses by default (an IP address
        # is no RP ID, and Chromium refuses a ceremony at http://127.0.0.1)
        portal = "http://localhost:%d/id" % rd.port
        gw = Nginx(GATEWAY % portal, up.port, name="portal-gw")
        with open(gw.path("hr.policy"), "w") as f:
            f.write(POLICY)
        admin = first_login(rd)
        r = admin.request("POST", "/api/v1/apps", {"name": "hr", "host": APP_HOST, "path_prefix": "/",
                                                   "upstream": "http://127.0.0.1:%d" % up.port})
        self.assertEqual(r.status, 201, r)
        # an operator creates the user with a temporary password
        r = admin.request("POST", "/api/v1/directory/users",
                          {"name": "li.na", "display_name": "李娜", "password": "Temp-Pass-4-LiNa"})
        self.assertEqual(r.status, 201, r)
        start_sync(rd, gw.path("gw"), token_file, gw.path("sync.log"))
        gw.start()

        shots = os.path.join(harness.BUILD_DIR, "portal-screenshots")
        shutil.rmtree(shots, ignore_errors=True)
        os.makedirs(shots)
        env = dict(os.environ, RD_URL="http://localhost:%d" % rd.port,
                   APP_URL="http://%s:%d" % (APP_HOST, gw.port), GW_PORT=str(gw.port),
                   APP_HOST=APP_HOST, TEMP_PASSWORD="Temp-Pass-4-LiNa", SHOT_DIR=shots,
                   CHROMIUM=CHROMIUM, CONSOLE_SRC=os.path.join(harness.SOURCE_DIR, "console"))
        script = os.path.join(harness.SOURCE_DIR, "tests", "console", "portal_e2e.mjs")
        p = subprocess.run(["node", script], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=240)
        out = p.stdout.decode("utf-8", "replace")
        print(out)
        self.assertEqual(p.returncode, 0, out + "\n--- rampartd log ---\n" + rd.log_tail() +
                         "\n--- nginx error.log ---\n" + open(gw.error_log).read()[-3000:])
        self.assertIn("portal e2e ok", out)

        # what the application saw: the identity the gateway vouched for, never
        # before a login, with the second factor at the end
        pages = [h for path, h in up.seen if path == "/hr/payslips"]
        self.assertGreaterEqual(len(pages), 2, up.seen)
        self.assertEqual(pages[0]["X-Rampart-User"], "li.na")
        self.assertNotIn("mfa", pages[0]["X-Rampart-Auth"])
        self.assertEqual(pages[-1]["X-Rampart-User"], "li.na")
        self.assertIn("mfa", urllib.parse.unquote(pages[-1]["X-Rampart-Auth"]).split(","))
        self.assertTrue(all("X-Rampart-User" in h for _, h in up.seen), up.seen)

        # every step left an identity event and audit record
        auditor = make_user(admin, "audrey", "auditor")
        for k in ("login.password_expired", "password.change", "mfa.enrol", "login.mfa_required",
                  "login.success", "login.failure", "logout"):
            r = auditor.request("GET", "/api/v1/audit?action=identity.%s&limit=5" % k)
            self.assertEqual(r.status, 200, r)
            self.assertTrue(r.json()["records"], k)

if __name__ == "__main__":
    unittest.main(verbosity=2)
