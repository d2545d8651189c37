"""test_rampartd_api.py — rampartd's HTTP API, black-box, driven with curl.

One real rampartd on a free loopback port with a private directory
(rampartd_harness.py). Covers the first-run admin, login and password
change, CSRF, sessions, throttling, the authorisation matrix (every endpoint
x anonymous/auditor/secops/admin/gateway token), ingestion over HTTP with a
gateway token, queries with every filter, pagination, CSV export,
aggregations, bad input, metrics, reload and graceful shutdown.

The store is $RP_TEST_STORE: SQLite by default, PostgreSQL (a private server,
pg_harness.py) in CTest's integration.test_rampartd_api_postgres.
"""

import csv
import io
import json
import os
import signal
import sqlite3
import stat
import time
import unittest

import harness  # noqa: F401  (cleanups)
from agent_harness import sign
from rampartd_harness import (Rampartd, Session, bearer, curl, first_login, make_token,
                              make_user, store_backend)

RD = None
ADMIN = SECOPS = AUDITOR = None
GATEWAY_TOKEN = AUDITOR_TOKEN = None
APP_TOKEN = SEALED = None  # an app token granted the key matrix/k, a ciphertext of it
ID_NUMBER = "11010519491231002X"  # a valid resident ID number (GB 11643 check)
PASSWORD = "a long enough passphrase"


def event(i, **kw):
    e = {"time": "2026-11-26T10:%02d:%02d.000Z" % (i // 60 % 60, i % 60),
         "request_id": "itest-%06d" % i, "client": "10.0.0.%d" % (i % 5 + 1),
         "host": "portal.example", "method": "GET",
         "uri": "/search?q=%d%%27%%20or%%201=1" % i, "app": "portal" if i % 2 else "tax",
         "action": "block" if i % 3 else "detect", "status": 403, "category": "sqli",
         "score": 5, "matches": [{"detector": "sqli", "category": "sqli"},
                                 {"detector": "seclang", "rule_id": "942100"}],
         "policy_version": "itest", "mode": "block"}
    e.update(kw)
    return e


def setUpModule():
    global RD, ADMIN, SECOPS, AUDITOR, GATEWAY_TOKEN, AUDITOR_TOKEN, APP_TOKEN, SEALED
    RD = Rampartd().start()
    ADMIN = first_login(RD)
    SECOPS = make_user(ADMIN, "sam", "secops")
    AUDITOR = make_user(ADMIN, "audrey", "auditor")
    GATEWAY_TOKEN = make_token(ADMIN, "gateway-1", "gateway")
    AUDITOR_TOKEN = make_token(ADMIN, "prometheus", "auditor")
    # a few events so event endpoints have something to find
    r = RD.request("POST", "/api/v1/events", [event(i) for i in range(10)],
                   bearer(GATEWAY_TOKEN))
    assert r.status == 200, r
    # the encryption service: a key, an app token granted every operation on it
    APP_TOKEN = make_token(ADMIN, "matrix-app", "app")
    assert ADMIN.request("POST", "/api/v1/crypto/keys", {"name": "matrix/k"}).status == 201
    r = ADMIN.request("POST", "/api/v1/crypto/grants",
                      {"subject": "token:matrix-app", "app": "matrix", "keys": ["k"],
                       "ops": ["encrypt", "decrypt", "rewrap", "blind_index", "tokenize",
                               "detokenize"]})
    assert r.status == 201, r
    r = RD.request("POST", "/api/v1/crypto/encrypt", {"key": "matrix/k", "plaintext": "x"},
                   bearer(APP_TOKEN))
    assert r.status == 200, r
    SEALED = r.json()["ciphertext"]


class FirstRun(unittest.TestCase):
    def test_first_run_admin_and_password_change(self):
        rd = Rampartd(name="firstrun").start()
        path = os.path.join(rd.run_dir, "initial-admin-password")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        first = rd.first_password()
        self.assertEqual(len(first), 20)
        self.assertNotIn(first, rd.log_text(), "the password reached the log")
        # wrong password
        r = rd.request("POST", "/api/v1/auth/login", {"username": "admin", "password": "x" * 20})
        self.assertEqual(r.status, 401)
        s = Session(rd, "admin", first)
        self.assertTrue(s.info["must_change_password"])
        # nothing but the password endpoints until it changes
        self.assertEqual(s.request("GET", "/api/v1/events").status, 403)
        self.assertEqual(s.request("GET", "/api/v1/events").json()["error"],
                         "password_change_required")
        self.assertEqual(s.request("GET", "/api/v1/auth/session").status, 200)
        # weak, then reused, then fine
        r = s.request("POST", "/api/v1/auth/password",
                      {"current_password": first, "new_password": "short"})
        self.assertEqual((r.status, r.json()["error"]), (400, "weak_password"))
        r = s.request("POST", "/api/v1/auth/password",
                      {"current_password": first, "new_password": first})
        self.assertEqual(r.status, 400)
        r = s.request("POST", "/api/v1/auth/password",
                      {"current_password": "wrong" * 4, "new_password": PASSWORD})
        self.assertEqual(r.status, 403)
        r = s.request("POST", "/api/v1/auth/password",
                      {"current_password": first, "new_password": PASSWORD})
        self.assertEqual(r.status, 200, r)
        self.assertFalse(os.path.exists(path), "the one-time password file stayed")
        self.assertEqual(s.request("GET", "/api/v1/events").status, 200)
        # the old password no longer works, the new one does
        r = rd.request("POST", "/api/v1/auth/login", {"username": "admin", "password": first})
        self.assertEqual(r.status, 401)
        Session(rd, "admin", PASSWORD)
        # a restart keeps the account and creates no second password file
        self.assertEqual(rd.stop(), 0)
        rd.start()
        self.assertFalse(os.path.exists(path))
        Session(rd, "admin", PASSWORD)


class Health(unittest.TestCase):
    def test_probes_are_public(self):
        self.assertEqual(RD.request("GET", "/healthz").json(), {"status": "ok"})
        self.assertEqual(RD.request("GET", "/readyz").json(), {"status": "ready"})

    def test_security_headers(self):
        r = RD.request("GET", "/healthz")
        self.assertEqual(r.header("cache-control"), "no-store")
        self.assertEqual(r.header("x-content-type-options"), "nosniff")
        self.assertEqual(r.header("x-frame-options"), "DENY")
        self.assertIn("default-src 'none'", r.header("content-security-policy"))

    def test_metrics(self):
        self.assertEqual(RD.request("GET", "/metrics").status, 401)
        r = RD.request("GET", "/metrics", headers=bearer(AUDITOR_TOKEN))
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("content-type").startswith("text/plain; version=0.0.4"))
        text = r.body.decode()
        for series in ("rampartd_events_received_total{source=\"http\"}",
                       "rampartd_events_stored_total", "rampartd_events_dropped_total",
                       "rampartd_events_rejected_total{source=\"http\",reason=\"bad_time\"}",
                       "rampartd_ingest_queue_depth",
                       "rampartd_http_request_duration_seconds_bucket{route=\"GET /healthz\","
                       "le=\"+Inf\"}"):
            self.assertIn(series, text)
        stored = [l for l in text.splitlines() if l.startswith("rampartd_events_stored_total ")]
        self.assertGreaterEqual(int(stored[0].split()[1]), 10)


class Sessions(unittest.TestCase):
    def test_cookie_attributes(self):
        r = RD.request("POST", "/api/v1/auth/login", {"username": "sam", "password": PASSWORD})
        self.assertEqual(r.status, 200)
        cookie = r.header("set-cookie")
        self.assertTrue(cookie.startswith("rampart_session="), cookie)
        for attr in ("HttpOnly", "SameSite=Strict", "Path=/"):
            self.assertIn(attr, cookie)
        self.assertNotIn("Secure", cookie)  # loopback listener, cookie_secure auto
        token = cookie.split(";")[0].split("=", 1)[1]
        self.assertGreaterEqual(len(token), 43)
        self.assertNotIn(token, RD.log_text())

    def test_csrf_required_for_cookie_sessions(self):
        s = make_user(ADMIN, "csrf-user", "admin")
        body = {"name": "csrf-victim", "role": "auditor"}
        r = s.request("POST", "/api/v1/users", body, csrf=False)
        self.assertEqual((r.status, r.json()["error"]), (403, "csrf"))
        r = s.request("POST", "/api/v1/users", body, csrf=False,
                      headers={"X-CSRF-Token": "A" * 43})
        self.assertEqual(r.status, 403)
        # another session's token does not fit this one
        r = s.request("POST", "/api/v1/users", body, csrf=False,
                      headers={"X-CSRF-Token": ADMIN.csrf})
        self.assertEqual(r.status, 403)
        self.assertEqual(ADMIN.request("GET", "/api/v1/users").status, 200)
        self.assertNotIn("csrf-victim", ADMIN.request("GET", "/api/v1/users").body.decode())
        # GET needs none; the right token works
        self.assertEqual(s.request("GET", "/api/v1/users", csrf=False).status, 200)
        self.assertEqual(s.request("POST", "/api/v1/users", body).status, 201)
        # the token is the session's, also from GET /api/v1/auth/session
        self.assertEqual(s.request("GET", "/api/v1/auth/session").json()["csrf_token"], s.csrf)
        # bearer tokens are not ambient credentials: no CSRF token needed
        admin_token = make_token(ADMIN, "automation", "admin")
        r = RD.request("POST", "/api/v1/users", {"name": "by-token", "role": "auditor"},
                       bearer(admin_token))
        self.assertEqual(r.status, 201, r)

    def test_json_only_bodies(self):
        r = ADMIN.request("POST", "/api/v1/users", "name=x&role=admin",
                          content_type="application/x-www-form-urlencoded")
        self.assertEqual(r.status, 415)
        r = RD.request("POST", "/api/v1/auth/login", "username=admin&password=x",
                       content_type="text/plain")
        self.assertEqual(r.status, 415)

    def test_logout_ends_the_session(self):
        s = make_user(ADMIN, "leaver", "secops")
        self.assertEqual(s.request("POST", "/api/v1/auth/logout").status, 200)
        self.assertEqual(s.request("GET", "/api/v1/events").status, 401)

    def test_disabling_an_account_ends_its_sessions(self):
        s = make_user(ADMIN, "disabled-soon", "secops")
        self.assertEqual(s.request("GET", "/api/v1/events").status, 200)
        r = ADMIN.request("PATCH", "/api/v1/users/disabled-soon", {"disabled": True})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(s.request("GET", "/api/v1/events").status, 401)
        r = RD.request("POST", "/api/v1/auth/login",
                       {"username": "disabled-soon", "password": PASSWORD})
        self.assertEqual(r.status, 401)

    def test_role_change_applies_at_once(self):
        s = make_user(ADMIN, "promoted", "secops")
        self.assertEqual(s.request("GET", "/api/v1/users").status, 403)
        self.assertEqual(ADMIN.request("PATCH", "/api/v1/users/promoted",
                                       {"role": "auditor"}).status, 200)
        # role changes end sessions; the new login carries the new role
        self.assertEqual(s.request("GET", "/api/v1/users").status, 401)
        s = Session(RD, "promoted", PASSWORD)
        self.assertEqual(s.request("GET", "/api/v1/users").status, 200)

    def test_admin_guards(self):
        r = ADMIN.request("DELETE", "/api/v1/users/admin")
        self.assertEqual(r.status, 409)
        r = ADMIN.request("PATCH", "/api/v1/users/admin", {"role": "auditor"})
        self.assertEqual(r.status, 409)
        self.assertEqual(ADMIN.request("PATCH", "/api/v1/users/nobody",
                                       {"disabled": True}).status, 404)
        r = ADMIN.request("POST", "/api/v1/users", {"name": "bad name!", "role": "admin"})
        self.assertEqual(r.status, 400)
        r = ADMIN.request("POST", "/api/v1/users", {"name": "x", "role": "gateway"})
        self.assertEqual(r.status, 400)
        r = ADMIN.request("POST", "/api/v1/users", {"name": "SAM", "role": "auditor"})
        self.assertEqual(r.status, 409)

    def test_password_reset_gives_a_one_time_password(self):
        make_user(ADMIN, "forgetful", "auditor")
        r = ADMIN.request("PATCH", "/api/v1/users/forgetful", {"reset_password": True})
        self.assertEqual(r.status, 200)
        otp = r.json()["one_time_password"]
        self.assertTrue(r.json()["user"]["must_change_password"])
        s = Session(RD, "forgetful", otp)
        self.assertEqual(s.request("GET", "/api/v1/events").status, 403)

    def test_login_throttling(self):
        make_user(ADMIN, "target", "auditor")
        for _ in range(5):
            r = RD.request("POST", "/api/v1/auth/login",
                           {"username": "target", "password": "wrong password!"})
            self.assertEqual(r.status, 401)
        r = RD.request("POST", "/api/v1/auth/login", {"username": "target", "password": PASSWORD})
        self.assertEqual(r.status, 429, "locked even with the right password")
        self.assertGreater(int(r.header("retry-after")), 1)  # the lockout, not a generic 1 s
        self.assertEqual(r.json()["error"], "throttled")
        # an unknown account answers like a known one
        r = RD.request("POST", "/api/v1/auth/login", {"username": "ghost", "password": "x" * 12})
        self.assertEqual((r.status, r.json()["error"]), (401, "invalid_credentials"))

    def test_tokens(self):
        r = ADMIN.request("POST", "/api/v1/tokens", {"name": "temp", "role": "secops",
                                                     "expires_days": 1})
        self.assertEqual(r.status, 201)
        secret, tid = r.json()["secret"], r.json()["token"]["id"]
        self.assertTrue(secret.startswith("rpt_"))
        self.assertEqual(RD.request("GET", "/api/v1/events", headers=bearer(secret)).status, 200)
        listed = ADMIN.request("GET", "/api/v1/tokens").body.decode()
        self.assertNotIn(secret, listed)
        self.assertIn(secret[:12], listed)
        self.assertEqual(ADMIN.request("DELETE", "/api/v1/tokens/%d" % tid).status, 204)
        r = RD.request("GET", "/api/v1/events", headers=bearer(secret))
        self.assertEqual((r.status, r.json()["error"]), (401, "invalid_token"))
        self.assertEqual(ADMIN.request("DELETE", "/api/v1/tokens/%d" % tid).status, 404)
        # a bad bearer token is refused even with a good cookie
        r = ADMIN.request("GET", "/api/v1/events", headers=bearer("rpt_nope"))
        self.assertEqual(r.status, 401)
        r = RD.request("GET", "/api/v1/events", headers={"Authorization": "Basic YTpi"})
        self.assertEqual(r.status, 401)


class Authorisation(unittest.TestCase):
    """Every endpoint x every kind of caller."""

    HUMANS = {"admin", "secops", "auditor"}
    ALL = HUMANS | {"gateway"}

    def callers(self):
        return {
            "anonymous": lambda m, p, b: RD.request(m, p, b),
            "auditor": lambda m, p, b: AUDITOR.request(m, p, b),
            "secops": lambda m, p, b: SECOPS.request(m, p, b),
            "admin": lambda m, p, b: ADMIN.request(m, p, b),
            "gateway": lambda m, p, b: RD.request(m, p, b, bearer(GATEWAY_TOKEN)),
            "app": lambda m, p, b: RD.request(m, p, b, bearer(APP_TOKEN)),
        }

    def throwaway_user(self):
        self.n = getattr(self, "n", 0) + 1
        name = "victim-%d-%d" % (os.getpid(), self.n)
        assert ADMIN.request("POST", "/api/v1/users", {"name": name, "role": "auditor"}).status \
            == 201
        return name

    def throwaway_token(self):
        self.n = getattr(self, "n", 0) + 1
        r = ADMIN.request("POST", "/api/v1/tokens", {"name": "t-%d" % self.n, "role": "auditor"})
        return r.json()["token"]["id"]

    def throwaway_app(self):
        self.n = getattr(self, "n", 0) + 1
        name = "app-%d-%d" % (os.getpid(), self.n)
        r = ADMIN.request("POST", "/api/v1/apps", {"name": name, "host": "*",
                                                   "path_prefix": "/m%d/" % self.n,
                                                   "upstream": "http://127.0.0.1:9"})
        assert r.status == 201, r
        return name

    def throwaway_policy(self):
        self.n = getattr(self, "n", 0) + 1
        name = "policy-%d-%d" % (os.getpid(), self.n)
        r = ADMIN.request("POST", "/api/v1/policies", {"name": name, "text": "mode detect\n"})
        assert r.status == 201, r
        return name

    def throwaway_agent(self):
        r = ADMIN.request("POST", "/api/v1/agents/enrolments", {})
        r = RD.request("POST", "/api/v1/agent/enrol",
                       {"token": r.json()["token"], "hostname": "h-%d" % time.time_ns()})
        return str(r.json()["agent"]["id"])

    def throwaway_agent_group(self):
        r = ADMIN.request("POST", "/api/v1/agent-groups", {"name": "t-%d" % time.time_ns()})
        return str(r.json()["group"]["id"])

    def agent_with_baseline(self):
        """A fresh host that reported (signed) an empty baseline report."""
        r = ADMIN.request("POST", "/api/v1/agents/enrolments", {})
        r = RD.request("POST", "/api/v1/agent/enrol",
                       {"token": r.json()["token"], "hostname": "b-%d" % time.time_ns()})
        agent_id, secret = r.json()["agent"]["id"], bytes.fromhex(r.json()["secret"])
        path = "/api/v1/agent/baseline"
        body = json.dumps({"score": None, "passed": 0, "failed": 0, "not_applicable": 0,
                           "policies": []}).encode()
        r = curl(RD.port, "POST", path, body, sign(agent_id, secret, "POST", path, body),
                 content_type="application/json")
        assert r.status == 200, r
        return str(agent_id)

    def endpoints(self):
        unique = lambda: "u-%d" % time.time_ns()  # noqa: E731
        manage = {"admin", "secops"}
        app = lambda: "/api/v1/apps/" + self.throwaway_app()  # noqa: E731
        policy = lambda: "/api/v1/policies/" + self.throwaway_policy()  # noqa: E731
        new_app = lambda: {"name": unique(), "host": "*", "path_prefix": "/%s/" % unique(),  # noqa
                           "upstream": "http://127.0.0.1:9"}
        text = lambda: {"text": "mode block\n"}  # noqa: E731
        apps_and_policies = [
            ("GET", lambda: "/api/v1/apps", None, self.HUMANS),
            ("POST", lambda: "/api/v1/apps", new_app, manage),
            ("GET", app, None, self.HUMANS),
            ("PATCH", app, lambda: {"upstream": "http://127.0.0.1:10"}, manage),
            ("PATCH", lambda: app() + "/switches", lambda: {"waf": "detect"}, manage),
            ("GET", lambda: app() + "/api-inventory", None, self.HUMANS),
            ("GET", lambda: app() + "/api-inventory/openapi", None, self.HUMANS),
            ("DELETE", app, None, manage),
            ("GET", lambda: "/api/v1/policies", None, self.HUMANS),
            ("POST", lambda: "/api/v1/policies", lambda: dict(text(), name=unique()), manage),
            ("POST", lambda: "/api/v1/policies/validate", text, self.HUMANS),
            ("GET", policy, None, self.HUMANS),
            ("DELETE", policy, None, manage),
            ("GET", lambda: policy() + "/versions", None, self.HUMANS),
            ("POST", lambda: policy() + "/versions", text, manage),
            ("GET", lambda: policy() + "/versions/1", None, self.HUMANS),
            ("GET", lambda: policy() + "/diff?from=1&to=1", None, self.HUMANS),
            ("POST", lambda: policy() + "/rollback", lambda: {"version": 1}, manage),
            ("GET", lambda: "/api/v1/bundle", None, self.ALL),
            ("GET", lambda: "/api/v1/gateways", None, self.HUMANS),
        ]
        return (self.core_endpoints(unique) + apps_and_policies + self.directory_endpoints(unique)
                + self.crypto_endpoints(unique) + self.scim_endpoints(unique)
                + self.oidc_endpoints(unique) + self.data_endpoints(unique))

    def throwaway_alert(self, unique):
        """An open alert: one synthetic data-access event over the shipped rule's threshold."""
        ev = event(0, request_id=unique(), category="data-access", action="allow", status=200,
                   time=time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                   data={"view": "clear", "user": unique(), "roles": "auditor",
                         "classes": {"resident_id": 101}, "keys": []})
        r = RD.request("POST", "/api/v1/events", [ev], bearer(GATEWAY_TOKEN))
        assert r.status == 200, r
        alerts = ADMIN.request("GET", "/api/v1/alerts?state=open&limit=1").json()["alerts"]
        return str(alerts[0]["id"])

    def data_endpoints(self, unique):
        """Data exposure and alerts (docs/RAMPARTD.md): people read, secops acknowledge."""
        return [
            ("GET", lambda: "/api/v1/exposure", None, self.HUMANS),
            ("GET", lambda: "/api/v1/exposure?app=tax", None, self.HUMANS),
            ("GET", lambda: "/api/v1/alerts?state=open", None, self.HUMANS),
            ("POST", lambda: "/api/v1/alerts/%s/ack" % self.throwaway_alert(unique), None,
             {"secops"}),
        ]

    def throwaway_scim(self, kind):
        """A SCIM user or group (its id) made by the admin for one call."""
        self.n = getattr(self, "n", 0) + 1
        name = "s%d-%d" % (self.n, time.time_ns())
        body = {"userName": name} if kind == "Users" else {"displayName": name}
        r = ADMIN.request("POST", "/scim/v2/" + kind, body)
        assert r.status == 201, r
        self.last_scim = name  # a PUT's body names it again (the path is built first)
        return r.json()["id"]

    def scim_endpoints(self, unique):
        """SCIM provisioning (docs/IDENTITY.md): directory:manage, so admin only."""
        s = "/scim/v2/"
        admin = {"admin"}
        patch = lambda: {"Operations": [{"op": "replace", "value": {"active": False}}]}  # noqa
        return [
            ("GET", lambda: s + "ServiceProviderConfig", None, admin),
            ("GET", lambda: s + "ResourceTypes", None, admin),
            ("GET", lambda: s + "ResourceTypes/User", None, admin),
            ("GET", lambda: s + "Schemas", None, admin),
            ("GET", lambda: s + "Schemas/urn:ietf:params:scim:schemas:core:2.0:Group", None,
             admin),
            ("GET", lambda: s + "Users?count=2", None, admin),
            ("POST", lambda: s + "Users", lambda: {"userName": unique()}, admin),
            ("GET", lambda: s + "Users/" + self.throwaway_scim("Users"), None, admin),
            ("PUT", lambda: s + "Users/" + self.throwaway_scim("Users"),
             lambda: {"userName": self.last_scim}, admin),
            ("PATCH", lambda: s + "Users/" + self.throwaway_scim("Users"), patch, admin),
            ("DELETE", lambda: s + "Users/" + self.throwaway_scim("Users"), None, admin),
            ("GET", lambda: s + "Groups?count=2", None, admin),
            ("POST", lambda: s + "Groups", lambda: {"displayName": unique()}, admin),
            ("GET", lambda: s + "Groups/" + self.throwaway_scim("Groups"), None, admin),
            ("PUT", lambda: s + "Groups/" + self.throwaway_scim("Groups"),
             lambda: {"displayName": self.last_scim}, admin),
            ("PATCH", lambda: s + "Groups/" + self.throwaway_scim("Groups"),
             lambda: {"Operations": [{"op": "add", "path": "members", "value": []}]}, admin),
            ("DELETE", lambda: s + "Groups/" + self.throwaway_scim("Groups"), None, admin),
        ]

    def throwaway_client(self):
        """An OpenID Connect client made by the admin for one call."""
        name = "c-%d" % time.time_ns()
        r = ADMIN.request("POST", "/api/v1/oidc/clients",
                          {"client_id": name, "app": self.throwaway_app(),
                           "redirect_uris": ["https://rp.example/cb"]})
        assert r.status == 201, r
        return name

    def oidc_endpoints(self, unique):
        """OpenID Connect relying parties: admin registers, secops and the auditor read
        (the protocol endpoints are public: tests/integration/test_oidc.py)."""
        c = "/api/v1/oidc/clients"
        client = lambda: c + "/" + self.throwaway_client()  # noqa: E731
        new = lambda: {"client_id": unique(), "app": self.throwaway_app(),  # noqa: E731
                       "redirect_uris": ["https://rp.example/cb"]}
        return [
            ("GET", lambda: c, None, self.HUMANS),
            ("POST", lambda: c, new, {"admin"}),
            ("GET", client, None, self.HUMANS),
            ("PATCH", client, lambda: {"name": "x"}, {"admin"}),
            ("DELETE", client, None, {"admin"}),
        ]

    def throwaway_dir(self, kind):
        """A directory user, group (its id) or role made by the admin for one call."""
        self.n = getattr(self, "n", 0) + 1
        name = "d%d-%d" % (self.n, time.time_ns())
        body = {"users": {"name": name}, "groups": {"path": "/t/" + name},
                "roles": {"name": name}}[kind]
        r = ADMIN.request("POST", "/api/v1/directory/" + kind, body)
        assert r.status == 201, r
        return str(r.json()["group"]["id"]) if kind == "groups" else name

    def directory_endpoints(self, unique):
        """The identity directory: admin manages, secops and the auditor read."""
        d = "/api/v1/directory/"
        admin = {"admin"}
        return [
            ("GET", lambda: d + "users?q=d&limit=5", None, self.HUMANS),
            ("POST", lambda: d + "users", lambda: {"name": unique()}, admin),
            ("GET", lambda: d + "users/" + self.throwaway_dir("users"), None, self.HUMANS),
            ("PATCH", lambda: d + "users/" + self.throwaway_dir("users"),
             lambda: {"state": "disabled"}, admin),
            ("DELETE", lambda: d + "users/" + self.throwaway_dir("users"), None, admin),
            ("GET", lambda: d + "groups", None, self.HUMANS),
            ("POST", lambda: d + "groups", lambda: {"path": "/m/" + unique()}, admin),
            ("GET", lambda: d + "groups/" + self.throwaway_dir("groups"), None, self.HUMANS),
            ("PATCH", lambda: d + "groups/" + self.throwaway_dir("groups"),
             lambda: {"description": "x"}, admin),
            ("DELETE", lambda: d + "groups/" + self.throwaway_dir("groups"), None, admin),
            ("GET", lambda: d + "roles", None, self.HUMANS),
            ("POST", lambda: d + "roles", lambda: {"name": unique()}, admin),
            ("GET", lambda: d + "roles/" + self.throwaway_dir("roles"), None, self.HUMANS),
            ("PATCH", lambda: d + "roles/" + self.throwaway_dir("roles"),
             lambda: {"description": "x"}, admin),
            ("DELETE", lambda: d + "roles/" + self.throwaway_dir("roles"), None, admin),
            ("GET", lambda: d + "export", None, self.HUMANS),
            ("GET", lambda: d + "export?format=csv", None, self.HUMANS),
            ("POST", lambda: d + "import", lambda: {"users": [{"name": unique()}]}, admin),
            ("POST", lambda: d + "users/" + self.throwaway_dir("users") + "/password",
             lambda: {"password": "Str0ng-Enough-Pass"}, admin),
            ("POST", lambda: d + "users/" + self.throwaway_dir("users") + "/unlock",
             lambda: {}, admin),
            ("DELETE", lambda: d + "users/" + self.throwaway_dir("users") + "/mfa", None, admin),
            ("DELETE", lambda: d + "users/" + self.throwaway_dir("users") + "/sessions", None,
             {"admin", "secops"}),
            ("GET", lambda: d + "sessions", None, self.HUMANS),
            # the session keys let their holder mint sessions: gateways only
            ("GET", lambda: "/api/v1/gateway/identity-keys", None, {"gateway"}),
            ("GET", lambda: "/api/v1/gateway/revocations?since=0", None, {"gateway"}),
        ]

    def throwaway_grant(self):
        r = ADMIN.request("POST", "/api/v1/crypto/grants",
                          {"subject": "nobody", "app": "matrix", "keys": ["k"],
                           "ops": ["encrypt"]})
        return r.json()["id"]

    def crypto_endpoints(self, unique):
        keys_read = {"admin", "auditor"}
        grant = lambda: {"subject": "nobody", "app": "matrix", "keys": ["k"],  # noqa: E731
                         "ops": ["decrypt"]}
        use = lambda body: lambda: dict(body, key="matrix/k")  # noqa: E731
        # using a key needs a grant: only the app token holds one here (the
        # admin manages keys but may not use them)
        return [
            ("GET", lambda: "/api/v1/crypto/keys", None, keys_read),
            ("POST", lambda: "/api/v1/crypto/keys", lambda: {"name": "matrix/" + unique()},
             {"admin"}),
            ("POST", lambda: "/api/v1/crypto/keys/rotate", lambda: {"name": "matrix/k"},
             {"admin"}),
            ("GET", lambda: "/api/v1/crypto/master", None, keys_read),
            ("POST", lambda: "/api/v1/crypto/master/rotate", lambda: {}, {"admin"}),
            ("GET", lambda: "/api/v1/crypto/jobs", None, keys_read),
            ("GET", lambda: "/api/v1/crypto/grants", None, keys_read),
            ("POST", lambda: "/api/v1/crypto/grants", grant, {"admin"}),
            ("DELETE", lambda: "/api/v1/crypto/grants/%d" % self.throwaway_grant(), None,
             {"admin"}),
            ("POST", lambda: "/api/v1/crypto/encrypt", use({"plaintext": "x"}), {"app"}),
            ("POST", lambda: "/api/v1/crypto/decrypt", use({"ciphertext": SEALED}), {"app"}),
            ("POST", lambda: "/api/v1/crypto/rewrap", use({"batch": [SEALED]}), {"app"}),
            ("POST", lambda: "/api/v1/crypto/blind-index", use({"value": "x"}), {"app"}),
            ("POST", lambda: "/api/v1/crypto/tokenize", use({"value": ID_NUMBER}), {"app"}),
            ("POST", lambda: "/api/v1/crypto/detokenize", use({"token": ID_NUMBER}), {"app"}),
            # the data keys themselves, for field encryption: gateways only
            ("POST", lambda: "/api/v1/gateway/data-keys", lambda: {}, {"gateway"}),
        ]

    def core_endpoints(self, unique):
        managers = {"admin", "secops"}
        return [
            ("GET", lambda: "/metrics", None, self.HUMANS),
            ("GET", lambda: "/api/v1/auth/session", None, self.ALL | {"app"}),
            ("GET", lambda: "/api/v1/events", None, self.HUMANS),
            ("GET", lambda: "/api/v1/events?format=csv", None, self.HUMANS),
            ("GET", lambda: "/api/v1/events/stats", None, self.HUMANS),
            ("GET", lambda: "/api/v1/events/1", None, self.HUMANS),
            ("POST", lambda: "/api/v1/events", lambda: [event(99)], {"gateway"}),
            ("GET", lambda: "/api/v1/ingest", None, self.HUMANS),
            ("GET", lambda: "/api/v1/users", None, {"admin", "auditor"}),
            ("POST", lambda: "/api/v1/users", lambda: {"name": unique(), "role": "auditor"},
             {"admin"}),
            ("PATCH", lambda: "/api/v1/users/" + self.throwaway_user(),
             lambda: {"disabled": True}, {"admin"}),
            ("DELETE", lambda: "/api/v1/users/" + self.throwaway_user(), None, {"admin"}),
            ("GET", lambda: "/api/v1/tokens", None, {"admin"}),
            ("POST", lambda: "/api/v1/tokens", lambda: {"name": unique(), "role": "gateway"},
             {"admin"}),
            ("DELETE", lambda: "/api/v1/tokens/%d" % self.throwaway_token(), None, {"admin"}),
            # MLPS three-role separation: only the auditor reads the audit log
            ("GET", lambda: "/api/v1/audit", None, {"auditor"}),
            ("GET", lambda: "/api/v1/audit?format=csv", None, {"auditor"}),
            ("GET", lambda: "/api/v1/audit/verify", None, {"auditor"}),
            ("GET", lambda: "/api/v1/audit/seals", None, {"auditor"}),
            ("GET", lambda: "/api/v1/audit/public-key", None, {"auditor"}),
            # host agents (their own signed routes: tests/integration/test_agent.py)
            ("GET", lambda: "/api/v1/agents", None, self.HUMANS),
            ("POST", lambda: "/api/v1/agents/enrolments", lambda: {}, managers),
            ("PATCH", lambda: "/api/v1/agents/" + self.throwaway_agent(),
             lambda: {"capabilities": {"fim": False}}, managers),
            ("DELETE", lambda: "/api/v1/agents/" + self.throwaway_agent(), None, managers),
            ("GET", lambda: "/api/v1/agents/%s/baseline" % self.agent_with_baseline(), None,
             self.HUMANS),
            ("GET", lambda: "/api/v1/agent-groups", None, self.HUMANS),
            ("POST", lambda: "/api/v1/agent-groups", lambda: {"name": "g-" + unique()},
             managers),
            ("PATCH", lambda: "/api/v1/agent-groups/" + self.throwaway_agent_group(),
             lambda: {"capabilities": {"fim": False}}, managers),
            ("DELETE", lambda: "/api/v1/agent-groups/" + self.throwaway_agent_group(), None,
             managers),
        ]

    def test_matrix(self):
        failures = []
        for method, path_fn, body_fn, allowed in self.endpoints():
            for who, call in self.callers().items():
                path = path_fn()
                r = call(method, path, body_fn() if body_fn else None)
                if who == "anonymous":
                    want = "401"
                elif who in allowed:
                    want = "2xx"
                else:
                    want = "403"
                got = "2xx" if 200 <= r.status < 300 else str(r.status)
                if got != want:
                    failures.append("%s %s as %s: %d (want %s) %r" %
                                    (method, path, who, r.status, want, r.body[:120]))
        self.assertEqual(failures, [], "\n".join(failures))

    def test_public_routes(self):
        for path in ("/healthz", "/readyz"):
            self.assertEqual(RD.request("GET", path).status, 200)
        r = RD.request("POST", "/api/v1/auth/login", {"username": "x", "password": "y"})
        self.assertEqual(r.status, 401)

    def test_password_and_logout_need_a_session(self):
        r = RD.request("POST", "/api/v1/auth/logout", headers=bearer(AUDITOR_TOKEN))
        self.assertEqual(r.status, 400)
        r = RD.request("POST", "/api/v1/auth/password", {"current_password": "a",
                                                         "new_password": "b"},
                       bearer(AUDITOR_TOKEN))
        self.assertEqual(r.status, 400)
        self.assertEqual(RD.request("POST", "/api/v1/auth/logout").status, 401)


class Ingest(unittest.TestCase):
    def post(self, body, content_type=None, token=None):
        return RD.request("POST", "/api/v1/events", body, bearer(token or GATEWAY_TOKEN),
                          content_type=content_type)

    def test_array_with_bad_events(self):
        r = self.post([event(1000), {"time": "nope", "action": "block"}, 7,
                       event(1001, client=5), event(1002, action="drop")])
        self.assertEqual(r.status, 200)
        body = r.json()
        self.assertEqual(body["accepted"], 1)
        self.assertEqual(body["rejected"], 4)
        reasons = {e["index"]: e["reason"] for e in body["errors"]}
        self.assertEqual(reasons, {1: "bad_time", 2: "not_object", 3: "bad_field",
                                   4: "bad_action"})
        # acknowledged means stored
        r = ADMIN.request("GET", "/api/v1/events?q=itest-001000")
        self.assertEqual(r.json()["count"], 1)
        self.assertEqual(r.json()["events"][0]["source"], "http:gateway-1")

    def test_ndjson_and_single_object(self):
        body = "\n".join(json.dumps(event(i)) for i in range(2000, 2005)) + "\n\n"
        r = self.post(body, "application/x-ndjson")
        self.assertEqual((r.status, r.json()["accepted"]), (200, 5))
        r = self.post(event(2010))
        self.assertEqual((r.status, r.json()["accepted"]), (200, 1))

    def test_refusals(self):
        r = self.post([{"time": "x"}])
        self.assertEqual((r.status, r.json()["error"]), (400, "no_valid_events"))
        r = self.post("[{", "application/json")
        self.assertEqual(r.status, 400)
        r = self.post("x", "text/plain")
        self.assertEqual(r.status, 415)
        big = b"[" + b",".join([json.dumps(event(1)).encode()] * 23000) + b"]"
        self.assertGreater(len(big), 8 * 1024 * 1024)
        r = self.post(big, "application/json")
        self.assertEqual(r.status, 413)
        r = self.post([event(3000)], token=AUDITOR_TOKEN)
        self.assertEqual(r.status, 403)

    def test_a_request_is_one_transaction(self):
        # more events than one batch (ingest_batch 10000): still one
        # transaction, so a refused request stores nothing and an accepted
        # one all (a batch split across two commits could store half)
        before = AUDITOR.request("GET", "/api/v1/ingest").json()["batches"]
        body = "\n".join(json.dumps(event(i, app="one-tx", request_id="one-tx-%06d" % i))
                          for i in range(10050))
        r = self.post(body, "application/x-ndjson")
        self.assertEqual((r.status, r.json()["accepted"]), (200, 10050))
        after = AUDITOR.request("GET", "/api/v1/ingest").json()["batches"]
        self.assertEqual(after - before, 1)
        r = ADMIN.request("GET", "/api/v1/events/stats?app=one-tx"
                          "&from=2026-11-26T00:00:00Z&to=2026-11-27T00:00:00Z")
        self.assertEqual(r.json()["total"], 10050)

    def test_ingest_status(self):
        r = AUDITOR.request("GET", "/api/v1/ingest")
        self.assertEqual(r.status, 200)
        s = r.json()
        self.assertGreaterEqual(s["received"]["http"], 10)
        self.assertGreaterEqual(s["stored"], 10)
        self.assertGreaterEqual(s["rejected"]["http"]["bad_time"], 1)
        self.assertEqual(s["queue"]["capacity"], 65536)
        self.assertTrue(s["store_healthy"])


class Query(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        evs = [event(5000 + i, app="query-app", client="192.0.2.%d" % (i % 3),
                     action="block" if i % 2 else "detect",
                     category="xss" if i % 4 == 0 else "sqli",
                     time="2027-01-01T00:%02d:%02d.000Z" % (i // 10, i % 10),
                     uri="/q/%d?x=%s" % (i, "=cmd|' /C calc'!A0" if i == 7 else "v"),
                     matches=[{"detector": "xss" if i % 4 == 0 else "sqli"}] +
                     ([{"detector": "seclang", "rule_id": "941100"}] if i % 5 == 0 else []))
               for i in range(50)]
        r = RD.request("POST", "/api/v1/events", evs, bearer(GATEWAY_TOKEN))
        assert r.status == 200 and r.json()["accepted"] == 50, r

    def get(self, qs):
        r = SECOPS.request("GET", "/api/v1/events?app=query-app&" + qs)
        self.assertEqual(r.status, 200, r)
        return r.json()

    def test_filters(self):
        self.assertEqual(self.get("limit=1000")["count"], 50)
        self.assertEqual(self.get("client=192.0.2.1")["count"], 17)
        self.assertEqual(self.get("action=block")["count"], 25)
        self.assertEqual(self.get("category=xss")["count"], 13)
        self.assertEqual(self.get("rule=941100")["count"], 10)
        self.assertEqual(self.get("rule=xss")["count"], 13)
        self.assertEqual(self.get("q=calc")["count"], 1)
        self.assertEqual(self.get("from=2027-01-01T00:01:00Z&to=2027-01-01T00:02:00Z")["count"],
                         10)
        both = self.get("client=192.0.2.0&category=xss&action=detect")
        for e in both["events"]:
            self.assertEqual((e["client"], e["category"], e["action"]),
                             ("192.0.2.0", "xss", "detect"))
        one = self.get("q=itest-005007")["events"][0]
        self.assertEqual(one["rules"], ["sqli"])
        self.assertEqual(one["matches"][0]["detector"], "sqli")
        detail = SECOPS.request("GET", "/api/v1/events/%d" % one["id"]).json()
        self.assertEqual(detail["event"]["policy_version"], "itest")

    def test_pagination(self):
        seen, cursor = [], None
        while True:
            page = self.get("limit=7" + ("&cursor=" + cursor if cursor else ""))
            seen += [e["id"] for e in page["events"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
        self.assertEqual(len(seen), 50)
        self.assertEqual(len(set(seen)), 50)
        times = [e["time"] for e in self.get("limit=1000")["events"]]
        self.assertEqual(times, sorted(times, reverse=True))

    def test_csv_export(self):
        r = AUDITOR.request("GET", "/api/v1/events?app=query-app&format=csv&limit=20")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("content-type").startswith("text/csv"))
        self.assertIn("attachment", r.header("content-disposition"))
        self.assertTrue(r.header("x-next-cursor"))
        rows = list(csv.reader(io.StringIO(r.body.decode())))
        self.assertEqual(rows[0][:8], ["id", "time", "app", "host", "client", "method", "uri",
                                       "action"])
        self.assertEqual(len(rows), 21)
        full = AUDITOR.request("GET", "/api/v1/events?app=query-app&format=csv&limit=1000")
        text = full.body.decode()
        self.assertIn("\r\n", text)
        # the formula in the URI is exported as text, not a formula
        rows = list(csv.reader(io.StringIO(text)))
        calc = [row for row in rows if "calc" in ",".join(row)]
        self.assertEqual(len(calc), 1)
        self.assertTrue(calc[0][6].startswith("/q/7"))
        r = AUDITOR.request("GET", "/api/v1/events?app=query-app&format=xml")
        self.assertEqual(r.status, 400)

    def test_stats(self):
        r = AUDITOR.request("GET", "/api/v1/events/stats?app=query-app&from=2027-01-01T00:00:00Z"
                                   "&to=2027-01-01T01:00:00Z&top=2")
        self.assertEqual(r.status, 200)
        s = r.json()
        self.assertEqual(s["total"], 50)
        self.assertEqual([m["count"] for m in s["per_minute"]], [10, 10, 10, 10, 10])
        self.assertEqual(sum(m["blocked"] for m in s["per_minute"]), 25)
        self.assertEqual(len(s["top_clients"]), 2)
        self.assertEqual(s["top_clients"][0]["count"], 17)
        self.assertEqual(s["top_rules"][0], {"key": "sqli", "count": 37})
        self.assertEqual({a["key"]: a["count"] for a in s["by_action"]},
                         {"block": 25, "detect": 25})
        self.assertEqual(len(s["top_paths"]), 2)

    def test_bad_input_is_400(self):
        for qs in ("from=yesterday", "to=2027-13-01T00:00:00Z", "from=10&to=5", "limit=0",
                   "limit=1001", "limit=abc", "cursor=zzz", "cursor=1.-5", "action=drop",
                   "client=" + "x" * 300, "app="):
            r = SECOPS.request("GET", "/api/v1/events?" + qs)
            self.assertEqual(r.status, 400, qs)
            self.assertEqual(r.json()["error"], "bad_request")
        self.assertEqual(SECOPS.request("GET", "/api/v1/events/stats?top=0").status, 400)
        self.assertEqual(SECOPS.request("GET", "/api/v1/events/abc").status, 400)
        self.assertEqual(SECOPS.request("GET", "/api/v1/events/999999999").status, 404)
        self.assertEqual(SECOPS.request("GET", "/api/v1/nothing").status, 404)
        r = SECOPS.request("PUT", "/api/v1/events")
        self.assertEqual(r.status, 405)
        # SQL in a filter is a value, nothing else
        r = SECOPS.request("GET", "/api/v1/events?app=x%27%20OR%20%271%27%3D%271")
        self.assertEqual((r.status, r.json()["count"]), (200, 0))


class PostgresStore(unittest.TestCase):
    @unittest.skipUnless(store_backend() == "postgres", "the PostgreSQL store")
    def test_postgres_store(self):
        text = RD.log_text()
        self.assertIn("store=postgres", text)
        self.assertIn("PostgreSQL store open", text)
        self.assertNotIn(RD.pg.password, text, "the database password reached the log")
        # events went to today's partition of the day-partitioned table
        rows = RD.query("SELECT count(*) FROM event_partitions")
        self.assertGreaterEqual(int(rows[0][0]), 5)  # yesterday, today, three days ahead
        stored = int(RD.query("SELECT count(*) FROM events")[0][0])
        self.assertGreaterEqual(stored, 10)
        self.assertEqual(RD.query("SELECT count(*) FROM ONLY events")[0][0], "0")

    @unittest.skipUnless(store_backend() == "postgres", "the PostgreSQL store")
    def test_unreachable_server_is_a_clear_start_error(self):
        rd = Rampartd(name="pgdown", store="sqlite")
        rd.write_conf('store postgres\npostgres "host=127.0.0.1 port=%d user=rampart '
                      'password=%s dbname=x"\n' % (harness.free_port(), RD.pg.password))
        rd.start(wait=False)
        self.assertEqual(rd.proc.wait(timeout=15), 1)
        text = rd.log_text()
        self.assertIn("cannot connect to PostgreSQL", text)
        self.assertNotIn(RD.pg.password, text)


@unittest.skipUnless(store_backend() == "sqlite", "store_max_size caps the SQLite store")
class StoreFull(unittest.TestCase):
    """A full store (here: store_max_size reached, which fails writes with
    SQLITE_FULL exactly as a full disk does) stops ingestion loudly and
    corrupts nothing."""

    def test_full_store_stops_ingestion_loudly(self):
        # ingest_batch is half the POST's 200 events: each POST is still one
        # transaction, so the refused one stores nothing (all or nothing)
        rd = Rampartd(name="full", extra_conf="store_max_size 1m\ningest_batch 100\n").start()
        admin = first_login(rd)
        gw = make_token(admin, "gw", "gateway")
        auditor = make_token(admin, "auditor", "auditor")
        acknowledged, refused, n = 0, None, 0
        for _ in range(60):
            batch = [event(n + i, uri="/" + "x" * 400) for i in range(200)]
            n += 200
            r = rd.request("POST", "/api/v1/events", batch, bearer(gw))
            if r.status == 200:
                acknowledged += r.json()["accepted"]
                continue
            refused = r
            break
        self.assertIsNotNone(refused, "a 1 MB store took %d events" % acknowledged)
        self.assertEqual((refused.status, refused.json()["error"]), (503, "store_unavailable"))
        self.assertEqual(refused.header("retry-after"), "1")
        ready = rd.request("GET", "/readyz")
        self.assertEqual(ready.status, 503)
        self.assertIn("refuses writes", ready.json()["reason"])
        metrics = rd.request("GET", "/metrics", headers=bearer(auditor)).body.decode()
        self.assertIn("rampartd_store_healthy 0", metrics)
        errors = [l for l in metrics.splitlines() if l.startswith("rampartd_store_errors_total ")]
        self.assertGreater(int(errors[0].split()[1]), 0)
        self.assertIn("cannot commit events", rd.log_text())
        self.assertIn("store full", rd.log_text())
        # reading still works, and everything acknowledged is there
        r = rd.request("GET", "/api/v1/events/stats?from=0&to=9999999999999",
                       headers=bearer(auditor))
        self.assertEqual(r.status, 200)
        # exactly what was acknowledged: nothing of the refused request
        total = r.json()["total"]
        self.assertEqual(total, acknowledged)
        self.assertEqual(rd.stop(), 0)
        db = sqlite3.connect(os.path.join(rd.data_dir, "rampart.db"))
        self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
        self.assertEqual(db.execute("SELECT count(*) FROM events").fetchone()[0], total)
        db.close()


class Lifecycle(unittest.TestCase):
    def test_reload_and_graceful_stop(self):
        rd = Rampartd(name="lifecycle", extra_conf="retention_days 30\n").start()
        with open(rd.conf, "a") as f:
            f.write("bogus_directive 1\n")
        rd.signal(signal.SIGHUP)
        time.sleep(0.3)
        self.assertIn("reload refused", rd.log_text())
        self.assertEqual(rd.request("GET", "/readyz").status, 200)
        rd.write_conf("retention_days 60\nlog_level debug\n")
        rd.signal(signal.SIGHUP)
        time.sleep(0.3)
        self.assertIn("configuration reloaded", rd.log_text())
        # listen changes need a restart: reported, not applied
        with open(rd.conf, "a") as f:
            f.write("http_threads 2\n")
        rd.signal(signal.SIGHUP)
        time.sleep(0.3)
        self.assertIn("apply only after a restart", rd.log_text())
        self.assertEqual(rd.stop(), 0)
        self.assertIn("rampartd stopped", rd.log_text())

    def test_bad_configuration_refused_at_start(self):
        rd = Rampartd(name="badconf", extra_conf="listen nowhere\n")
        rd.start(wait=False)
        self.assertEqual(rd.proc.wait(timeout=10), 1)
        self.assertIn("rampartd.conf:", rd.log_text())
        self.assertIn("listen", rd.log_text())

    def test_port_in_use(self):
        rd = Rampartd(name="port")
        rd.port = RD.port
        rd.write_conf("")
        rd.start(wait=False)
        self.assertEqual(rd.proc.wait(timeout=10), 1)
        self.assertIn("cannot listen on 127.0.0.1:%d" % RD.port, rd.log_text())


if __name__ == "__main__":
    unittest.main(verbosity=2)
