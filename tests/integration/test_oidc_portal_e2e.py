"""test_oidc_portal_e2e.py — the browser half of rampartd's OpenID Connect
provider in headless Chromium (docs/IDENTITY.md "OpenID Connect provider",
"Consent").

A relying party written here (standard library, on a free loopback port)
starts the authorization code flow with PKCE, state and nonce at
/start and takes the answer at /cb: it exchanges the code with its client
secret (client_secret_basic), checks the ID token's signature against the
JWKS with the `openssl` command (jws_openssl.py), its issuer, audience and
nonce, and shows the outcome as a page. tests/console/oidc_consent_e2e.mjs
walks it as the user: password + TOTP (computed by the test) at the portal →
the consent screen (screenshot) → Allow → back at the RP signed in; the
same scopes again: straight through, no question; a new scope: asked again
→ Deny (keyboard) → the RP gets error=access_denied with its state; the
consent revoked on /id/account → asked again. Screenshots go to
$RP_BUILD_DIR/oidc-portal-screenshots.
"""

import base64
import hashlib
import html
import json
import os
import secrets
import shutil
import subprocess
import threading
import time
import unittest
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import harness
from console_harness import ensure_console
from jws_openssl import b64d, openssl_verifies
from rampartd_harness import Rampartd, first_login, make_user
from test_identity_login import totp

CHROMIUM = os.environ.get("RP_CHROMIUM", "/usr/bin/chromium")
PW = "Corr3ct-Horse-Battery"
CLIENT = "notes"


class RelyingParty:
    """The application that delegates its login to rampartd."""

    def __init__(self, issuer):
        self.issuer = issuer
        self.secret = None
        self.pending = {}   # state -> {verifier, nonce}
        self.outcomes = []  # what each callback ended in
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                q = dict(urllib.parse.parse_qsl(url.query))
                if url.path == "/start":
                    self.send_response(302)
                    self.send_header("Location", owner.start(q.get("scope", "openid"),
                                                             q.get("prompt")))
                    self.end_headers()
                    return
                if url.path != "/cb":
                    self.send_error(404)
                    return
                try:
                    text = owner.callback(q)
                except Exception as e:  # shown to the browser and kept for the test
                    text = "failed: %s" % e
                owner.outcomes.append(text)
                body = ("<!doctype html><title>notes</title><p id=result>%s</p>"
                        % html.escape(text)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        self.redirect = self.url + "/cb"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        harness._cleanups.append(self.stop)

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def start(self, scope, prompt):
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(
            hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
        state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        self.pending[state] = {"verifier": verifier, "nonce": nonce}
        params = {"response_type": "code", "client_id": CLIENT, "redirect_uri": self.redirect,
                  "scope": scope, "state": state, "nonce": nonce,
                  "code_challenge": challenge, "code_challenge_method": "S256"}
        if prompt:
            params["prompt"] = prompt
        return self.issuer + "/oidc/authorize?" + urllib.parse.urlencode(params)

    def post_token(self, form):
        cred = base64.b64encode(("%s:%s" % (CLIENT, self.secret)).encode()).decode()
        req = urllib.request.Request(self.issuer + "/oidc/token",
                                     urllib.parse.urlencode(form).encode(),
                                     {"Authorization": "Basic " + cred,
                                      "Content-Type": "application/x-www-form-urlencoded"})
        with urllib.request.urlopen(req, timeout=10) as res:
            return json.loads(res.read())

    def callback(self, q):
        flow = self.pending.pop(q.get("state", ""), None)
        if flow is None:
            return "unknown state"
        if q.get("iss") != self.issuer:
            return "wrong iss"
        if "error" in q:
            return "error %s" % q["error"]
        tokens = self.post_token({"grant_type": "authorization_code", "code": q["code"],
                                  "redirect_uri": self.redirect,
                                  "code_verifier": flow["verifier"]})
        jws = tokens["id_token"]
        header = json.loads(b64d(jws.split(".")[0]))
        with urllib.request.urlopen(self.issuer + "/oidc/jwks", timeout=10) as res:
            keys = {k["kid"]: k for k in json.loads(res.read())["keys"]}
        if not openssl_verifies(keys[header["kid"]], jws):
            return "bad signature"
        claims = json.loads(b64d(jws.split(".")[1]))
        if (claims["iss"], claims["aud"], claims.get("nonce")) != (self.issuer, CLIENT,
                                                                   flow["nonce"]):
            return "bad claims %r" % claims
        if claims["exp"] < time.time():
            return "expired"
        return "ok %s %s %s" % (claims["sub"], ",".join(claims["amr"]), tokens["scope"])


class OidcPortalEndToEnd(unittest.TestCase):
    def tearDown(self):
        harness._run_cleanups()

    def test_code_flow_with_consent_in_chromium(self):
        self.assertTrue(os.access(CHROMIUM, os.X_OK), "%s missing: scripts/deps.sh" % CHROMIUM)
        console = ensure_console()
        rd = Rampartd(name="oidc-portal-e2e", extra_conf="console_dir %s\n" % console).start()
        issuer = "http://127.0.0.1:%d" % rd.port
        rp = RelyingParty(issuer)
        admin = first_login(rd)
        r = admin.request("POST", "/api/v1/apps", {"name": "notes", "host": "notes.example",
                                                   "path_prefix": "/",
                                                   "upstream": "http://127.0.0.1:9"})
        self.assertEqual(r.status, 201, r)
        r = admin.request("POST", "/api/v1/oidc/clients",
                          {"client_id": CLIENT, "app": "notes", "name": "公文系统 Notes",
                           "redirect_uris": [rp.redirect], "scopes": ["profile", "email"]})
        self.assertEqual(r.status, 201, r)
        rp.secret = r.json()["client_secret"]
        r = admin.request("POST", "/api/v1/directory/users",
                          {"name": "zhang.min", "display_name": "张敏", "password": PW,
                           "temporary": False, "email": "zhang.min@example.gov"})
        self.assertEqual(r.status, 201, r)
        # TOTP enrolled through the portal API (the test computes the codes)
        jar = rd.path("jar-enrol")
        r = rd.request("POST", "/api/v1/id/login", {"username": "zhang.min", "password": PW},
                       jar=jar)
        self.assertEqual(r.status, 200, r)
        csrf = {"X-CSRF-Token": r.json()["csrf_token"]}
        secret = rd.request("POST", "/api/v1/id/totp/enrol", None, csrf, jar=jar).json()["secret"]
        step = int(time.time() // 30)
        r = rd.request("POST", "/api/v1/id/totp/confirm", {"code": totp(secret, step * 30)}, csrf,
                       jar=jar)
        self.assertEqual(r.status, 200, r)

        shots = os.path.join(harness.BUILD_DIR, "oidc-portal-screenshots")
        shutil.rmtree(shots, ignore_errors=True)
        os.makedirs(shots)
        env = dict(os.environ, RD_URL=issuer, RP_URL=rp.url, USER_NAME="zhang.min",
                   PASSWORD=PW, TOTP_SECRET=secret, TOTP_STEP=str(step), SHOT_DIR=shots,
                   CHROMIUM=CHROMIUM, CONSOLE_SRC=os.path.join(harness.SOURCE_DIR, "console"))
        script = os.path.join(harness.SOURCE_DIR, "tests", "console", "oidc_consent_e2e.mjs")
        p = subprocess.run(["node", script], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=240)
        out = p.stdout.decode("utf-8", "replace")
        print(out)
        self.assertEqual(p.returncode, 0, out + "\n--- RP ---\n%r\n--- rampartd log ---\n%s"
                         % (rp.outcomes, rd.log_tail()))
        self.assertIn("oidc consent e2e ok", out)

        # what the relying party saw: verified ID tokens with the second factor,
        # then the refusal with its own state, then a token again
        self.assertEqual(rp.outcomes, ["ok zhang.min pwd,otp,mfa openid profile",
                                       "ok zhang.min pwd,otp,mfa openid profile",
                                       "error access_denied",
                                       "ok zhang.min pwd,otp,mfa openid profile"], rp.outcomes)
        self.assertFalse(rp.pending, "every authorization came back")
        auditor = make_user(admin, "audrey", "auditor")
        for action, n in (("oidc.consent", 2), ("oidc.consent.denied", 1),
                          ("oidc.consent.revoke", 1), ("oidc.code", 3)):
            r = auditor.request("GET", "/api/v1/audit?action=identity.%s&limit=10" % action)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(len(r.json()["records"]), n, (action, r.json()))


if __name__ == "__main__":
    unittest.main(verbosity=2)
