#!/usr/bin/env python3
"""WebAuthn in the login portal (docs/IDENTITY.md, "WebAuthn endpoints"),
driven with the tests' software authenticator (tests/support/soft_authenticator):
registration from the portal session (listed, renamed), a security key as the
second factor after the password, a passkey login alone (user verification
required), and refusals: another origin, a changed challenge, a challenge
answered twice, a signature counter that went back (refused, with a
`mfa.clone_warning` event), a key deleted. Every step is an identity event.

The store is $RP_TEST_STORE (SQLite by default, PostgreSQL when set)."""

import json
import os
import subprocess
import tempfile
import time
import unittest

import harness
from rampartd_harness import Rampartd, first_login, make_user

RD = ADMIN = AUDITOR = None
TOP = None
PW = "Corr3ct-Horse-Battery"
TOOL = os.path.join(harness.BUILD_DIR or "", "soft_authenticator")


def setUpModule():
    global RD, ADMIN, AUDITOR, TOP
    TOP = tempfile.mkdtemp(prefix="rp-webauthn-")
    harness._cleanups.append(lambda: subprocess.run(["rm", "-rf", TOP]))
    RD = Rampartd("login_address_failures 100000\n", name="webauthn").start()
    ADMIN = first_login(RD)
    AUDITOR = make_user(ADMIN, "audrey", "auditor")
    for name in ("key.user", "other.user"):
        r = ADMIN.request("POST", "/api/v1/directory/users",
                          {"name": name, "password": PW, "temporary": False})
        assert r.status == 201, r


def tearDownModule():
    harness._run_cleanups()


def origin():
    return "http://localhost:%d" % RD.port  # rampartd's default RP: ID localhost


def authenticator(command, options, state, *args, at=None):
    p = subprocess.run([TOOL, command, "--state", state, "--origin", at or origin(), *args],
                       input=json.dumps(options).encode(), capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr.decode()
    return json.loads(p.stdout)


class Browser:
    """A browser at the portal: cookie jar and CSRF token."""

    def __init__(self):
        self.jar = RD.path("jar-%d" % time.time_ns())
        self.csrf = None

    def post(self, path, body):
        h = {"X-CSRF-Token": self.csrf} if self.csrf else {}
        r = RD.request("POST", "/api/v1/id" + path, body, h, jar=self.jar)
        if r.status == 200 and isinstance(r.json(), dict) and r.json().get("csrf_token"):
            self.csrf = r.json()["csrf_token"]
        return r

    def call(self, method, path, body=None):
        return RD.request(method, "/api/v1/id" + path, body, {"X-CSRF-Token": self.csrf},
                          jar=self.jar)

    def login(self, name):
        return self.post("/login", {"username": name, "password": PW})


def audited(event):
    """The audit records of an identity event (each is an event as well)."""
    r = AUDITOR.request("GET", "/api/v1/audit?action=identity.%s&limit=50" % event)
    assert r.status == 200, r
    return r.json()["records"]


class WebAuthn(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.state = os.path.join(TOP, "key.json")

    def register(self, browser, state, *args, at=None, name="my key"):
        r = browser.post("/webauthn/register/begin", {"name": name})
        self.assertEqual(r.status, 200, r)
        begin = r.json()
        self.assertEqual(begin["publicKey"]["rp"]["id"], "localhost")
        cred = authenticator("create", begin["publicKey"], state, *args, at=at)
        return browser.post("/webauthn/register/finish",
                            {"ceremony": begin["ceremony"], "credential": cred})

    def second_factor(self, browser, *faults, state=None):
        r = browser.login("key.user")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["status"], "mfa_required", r.json())
        self.assertIn("webauthn", r.json()["methods"])
        r = browser.post("/webauthn/login/begin", {"step_token": r.json()["step_token"]})
        self.assertEqual(r.status, 200, r)
        begin = r.json()
        self.assertEqual(len(begin["publicKey"]["allowCredentials"]), 1)
        args = [a for f in faults for a in ("--fault", f)]
        cred = authenticator("get", begin["publicKey"], state or self.state, *args)
        body = {"ceremony": begin["ceremony"], "credential": cred}
        return browser.post("/webauthn/login/finish", body), body

    def test_1_register(self):
        b = Browser()
        self.assertEqual(b.login("key.user").json()["status"], "ok")
        # another origin: refused, and that ceremony is spent
        r = self.register(b, os.path.join(TOP, "evil.json"), at="http://evil.example")
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["error"], "webauthn_refused")
        r = self.register(b, self.state, "--alg", "es256", "--fmt", "packed")
        self.assertEqual(r.status, 201, r)
        cred = r.json()["credential"]
        self.assertEqual((cred["name"], cred["alg"]), ("my key", "ES256"))
        # the list, a rename; another user cannot rename it
        r = b.call("GET", "/webauthn/credentials")
        self.assertEqual([c["id"] for c in r.json()["credentials"]], [cred["id"]])
        r = b.call("PATCH", "/webauthn/credentials/%d" % cred["id"], {"name": "办公室钥匙"})
        self.assertEqual(r.status, 200, r)
        other = Browser()
        other.login("other.user")
        r = other.call("PATCH", "/webauthn/credentials/%d" % cred["id"], {"name": "mine"})
        self.assertEqual(r.status, 404, r)
        r = b.call("GET", "/webauthn/credentials")
        self.assertEqual(r.json()["credentials"][0]["name"], "办公室钥匙")
        r = other.call("DELETE", "/webauthn/credentials/%d" % cred["id"])
        self.assertEqual(r.status, 404, r)
        # without a portal session: nothing (the operator's console session is no portal session)
        for method, path in (("GET", "/webauthn/credentials"), ("POST", "/webauthn/register/begin"),
                             ("PATCH", "/webauthn/credentials/%d" % cred["id"]),
                             ("DELETE", "/webauthn/credentials/%d" % cred["id"])):
            r = RD.request(method, "/api/v1/id" + path, {} if method != "GET" else None)
            self.assertEqual(r.status, 401, (method, path, r))
            r = ADMIN.request(method, "/api/v1/id" + path, {} if method != "GET" else None)
            self.assertEqual(r.status, 401, (method, path, r))
        # no CSRF token, no change
        r = RD.request("POST", "/api/v1/id/webauthn/register/begin", {}, jar=b.jar)
        self.assertEqual(r.status, 403, r)

    def test_2_second_factor(self):
        b = Browser()
        r, body = self.second_factor(b)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["status"], "ok")
        self.assertEqual(r.json()["amr"], "pwd,hwk,mfa")
        # the same answer again: the challenge was spent
        r = b.post("/webauthn/login/finish", body)
        self.assertEqual(r.status, 401, r)
        self.assertEqual(r.json()["error"], "invalid_step")
        # a changed challenge, a foreign origin: refused
        for fault in ("wrong-challenge", "wrong-origin"):
            r, _ = self.second_factor(Browser(), fault)
            self.assertEqual(r.status, 401, (fault, r))
            self.assertEqual(r.json()["error"], "invalid_credential")
        r = b.call("GET", "/webauthn/credentials")
        self.assertGreater(r.json()["credentials"][0]["sign_count"], 0)
        self.assertIsNotNone(r.json()["credentials"][0]["last_used"])

    def test_3_passwordless(self):
        b = Browser()
        r = b.post("/webauthn/login/begin", {})
        self.assertEqual(r.status, 200, r)
        begin = r.json()
        self.assertEqual(begin["publicKey"]["allowCredentials"], [])
        self.assertEqual(begin["publicKey"]["userVerification"], "required")
        # without user verification a passkey alone is not enough
        cred = authenticator("get", begin["publicKey"], self.state)
        r = b.post("/webauthn/login/finish", {"ceremony": begin["ceremony"], "credential": cred})
        self.assertEqual(r.status, 401, r)
        begin = b.post("/webauthn/login/begin", {}).json()
        cred = authenticator("get", begin["publicKey"], self.state, "--uv")
        r = b.post("/webauthn/login/finish", {"ceremony": begin["ceremony"], "credential": cred})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json()["user"]["name"], r.json()["amr"]), ("key.user", "hwk,mfa"))
        r = b.call("GET", "/session")
        self.assertEqual(r.json()["user"]["name"], "key.user")

    def test_4_counter_regression(self):
        r, _ = self.second_factor(Browser(), "counter-regression")
        self.assertEqual(r.status, 401, r)
        clones = audited("mfa.clone_warning")
        self.assertEqual(len(clones), 1, clones)
        self.assertEqual(clones[0]["detail"].get("user"), "key.user")

    def test_5_delete(self):
        b = Browser()
        r, _ = self.second_factor(b)
        self.assertEqual(r.status, 200, r)
        cred = b.call("GET", "/webauthn/credentials").json()["credentials"][0]
        r = b.call("DELETE", "/webauthn/credentials/%d" % cred["id"])
        self.assertEqual(r.status, 204, r)
        self.assertEqual(Browser().login("key.user").json()["status"], "ok")
        for k in ("mfa.enrol", "mfa.enrol.start", "mfa.failure", "mfa.disable", "mfa.rename"):
            self.assertTrue(audited(k), k)


if __name__ == "__main__":
    unittest.main(verbosity=2)
