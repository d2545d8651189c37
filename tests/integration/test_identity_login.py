#!/usr/bin/env python3
"""Directory users' logins, sessions and revocation (docs/IDENTITY.md):
the password policy, the portal API (login, hand-off, session, logout, SSO),
the rpt1/rph1 contract checked independently here (HMAC-SHA-256 with the key
`rampart sync` wrote, claims in order), no open redirect, no user
enumeration, CSRF, lockout and unlock, TOTP (RFC 6238 computed by the test)
with replay refusal and recovery codes, session lists, and revocations
reaching the gateway's `revocations` file within 2 s through `rampart sync`.
Every step is an identity event and an audit record.

The store is $RP_TEST_STORE (SQLite by default, PostgreSQL when set)."""

import base64
import hashlib
import hmac
import os
import signal
import stat
import statistics
import struct
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import harness
from rampartd_harness import Rampartd, bearer, first_login, make_user

RD = ADMIN = AUDITOR = SECOPS = SYNC = None
TOP = GW = None
GW_TOKEN = None
PW = "Corr3ct-Horse-Battery"
D = "/api/v1/directory/"


def setUpModule():
    global RD, ADMIN, AUDITOR, SECOPS, SYNC, TOP, GW, GW_TOKEN
    TOP = tempfile.mkdtemp(prefix="rp-idlogin-")
    harness._cleanups.append(lambda: subprocess.run(["rm", "-rf", TOP]))
    GW = os.path.join(TOP, "gw")
    token_file = os.path.join(TOP, "gateway.token")
    # the address throttle is left high here: every test logs in from 127.0.0.1
    RD = Rampartd("gateway_token_file %s\nlogin_address_failures 100000\n"
                  "login_account_failures 4\nlogin_lockout_seconds 60\n" % token_file,
                  name="idlogin").start()
    ADMIN = first_login(RD)
    AUDITOR = make_user(ADMIN, "audrey", "auditor")
    SECOPS = make_user(ADMIN, "sam", "secops")
    with open(token_file) as f:
        GW_TOKEN = f.read().strip()
    for app in ({"name": "tax", "host": "tax.gov.example", "path_prefix": "/"},
                {"name": "any", "host": "*", "path_prefix": "/any/"}):
        app["upstream"] = "http://127.0.0.1:9"
        assert ADMIN.request("POST", "/api/v1/apps", app).status == 201
    log = open(os.path.join(TOP, "sync.log"), "ab")
    SYNC = subprocess.Popen(
        [os.path.join(harness.BUILD_DIR, "rampart"), "sync", "--url",
         "http://127.0.0.1:%d" % RD.port, "--token-file", token_file, "--dir", GW,
         "--gateway-id", "gw-id", "--wait", "25"],
        stdout=log, stderr=log, start_new_session=True)
    log.close()

    def stop():
        if SYNC.poll() is None:
            os.killpg(SYNC.pid, signal.SIGTERM)
            SYNC.wait(timeout=10)
    harness._cleanups.append(stop)
    wait_for(lambda: os.path.exists(os.path.join(GW, "revocations")) and
             os.path.exists(os.path.join(GW, "identity-keys")), 15, "the identity files")


def tearDownModule():
    harness._run_cleanups()


def wait_for(pred, limit, what):
    deadline = time.time() + limit
    while time.time() < deadline:
        if pred():
            return time.time()
        time.sleep(0.02)
    raise AssertionError("timed out after %.1f s waiting for %s" % (limit, what))


def make_dir_user(name, password=PW, **fields):
    """A user whose password is theirs already (not a temporary one)."""
    body = dict(name=name, password=password, temporary=False, **fields)
    r = ADMIN.request("POST", D + "users", body)
    assert r.status == 201, r
    return r.json()["user"]


class Portal:
    """A browser at the portal: its cookie jar and CSRF token."""

    def __init__(self, name=None, password=PW, **target):
        self.jar = RD.path("jar-%d" % time.time_ns())
        self.csrf = None
        if name:
            self.last = self.login(name, password, **target)

    def login(self, name, password, **target):
        r = RD.request("POST", "/api/v1/id/login",
                       dict(username=name, password=password, **target), jar=self.jar)
        if r.status == 200 and r.json().get("csrf_token"):
            self.csrf = r.json()["csrf_token"]
        return r

    def request(self, method, path, body=None, csrf=True):
        h = {"X-CSRF-Token": self.csrf} if csrf and self.csrf else {}
        return RD.request(method, path, body, h, jar=self.jar)


def behind_the_back(sql):
    """Changes the store under rampartd (a password set long ago)."""
    if RD.pg:
        RD.query(sql)
        return
    import sqlite3
    db = sqlite3.connect(os.path.join(RD.data_dir, "rampart.db"), timeout=10)
    try:
        db.execute(sql)
        db.commit()
    finally:
        db.close()


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def gateway_keys():
    keys = {}
    with open(os.path.join(GW, "identity-keys")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            kid, alg, key, not_after = line.split()
            keys[kid] = (alg, b64d(key), int(not_after))
    return keys


def check_signed(token, prefix):
    """Verifies a token as a gateway would; returns its claims in order."""
    parts = token.split(".")
    assert len(parts) == 4 and parts[0] == prefix, token
    alg, key, _ = gateway_keys()[parts[1]]
    assert alg == "hmac-sha256"
    mac = hmac.new(key, (".".join(parts[:3])).encode(), hashlib.sha256).digest()
    assert hmac.compare_digest(base64.urlsafe_b64encode(mac).rstrip(b"=").decode(), parts[3])
    text = b64d(parts[2]).decode()
    for value in (kv.split("=", 1)[1] for kv in text.split("&")):
        assert all(c.isalnum() or c in "-._~%" for c in value), text
    return [(k, urllib.parse.unquote(v)) for k, v in (kv.split("=", 1)
                                                      for kv in text.split("&"))]


def totp(secret_b32, t=None, step=30):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if t is None else t) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7fffffff) % 1000000)


def revocations():
    with open(os.path.join(GW, "revocations")) as f:
        return f.read()


NONCE = "N" * 22


class Passwords(unittest.TestCase):
    def test_policy(self):
        make_dir_user("pol.user", password="An0ther-Good-One")
        weak = {"Sh0rt-1": "12 characters", "alllowercaseletters": "at least 3 of",
                "Pol.User-2026-x": "account name", "Password1234!": "common",
                "Qwerty123456!": "common"}
        for pw, reason in weak.items():
            r = ADMIN.request("POST", D + "users/pol.user/password", {"password": pw})
            self.assertEqual(r.status, 400, (pw, r))
            self.assertIn(reason, r.json()["message"], pw)
        r = ADMIN.request("POST", D + "users/pol.user/password", {"password": "An0ther-Good-One"})
        self.assertIn("used recently", r.json()["message"])
        r = ADMIN.request("POST", D + "users/pol.user/password", {"password": "中文口令-Strong-9"})
        self.assertEqual(r.status, 200, r)
        # an operator's password is temporary: the first login must change it
        r = Portal("pol.user", "中文口令-Strong-9").last
        self.assertEqual(r.json()["status"], "password_change_required", r)


    def test_expired_password_must_change_before_a_session(self):
        make_dir_user("old.pw")
        behind_the_back("UPDATE dir_users SET pw_changed = 1 WHERE name = 'old.pw'")
        p = Portal()
        r = p.login("old.pw", PW, app="tax", rd="https://tax.gov.example/", n=NONCE)
        self.assertEqual(r.json()["status"], "password_change_required", r)
        self.assertEqual(p.request("GET", "/api/v1/id/session").status, 401)
        step = r.json()["step_token"]
        r = RD.request("POST", "/api/v1/id/password", {"step_token": step,
                                                      "new_password": PW}, jar=p.jar)
        self.assertEqual(r.status, 400, "the same password again")
        r = RD.request("POST", "/api/v1/id/password", {"step_token": step,
                                                      "new_password": "Brand-New-Passw0rd"},
                       jar=p.jar)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json()["redirect"].startswith("https://tax.gov.example/.rampart/"))
        r = RD.request("POST", "/api/v1/id/password", {"step_token": step,
                                                      "new_password": "Another-New-Passw0rd"},
                       jar=p.jar)
        self.assertEqual(r.status, 401, "a step token is spent once used")


class Login(unittest.TestCase):
    def test_handoff_follows_the_contract(self):
        ADMIN.request("POST", D + "roles", {"name": "clerk"})
        ADMIN.request("POST", D + "groups", {"path": "/gov/tax office"})
        make_dir_user("hand.off", roles=["clerk"], groups=["/gov/tax office"])
        rd = "https://tax.gov.example:8443/forms?id=7&x=a%20b"
        p = Portal("hand.off", app="tax", rd=rd, n=NONCE)
        self.assertEqual(p.last.status, 200, p.last)
        url = urllib.parse.urlsplit(p.last.json()["redirect"])
        self.assertEqual((url.scheme, url.netloc, url.path),
                         ("https", "tax.gov.example:8443", "/.rampart/session"))
        q = urllib.parse.parse_qs(url.query)
        self.assertEqual(q["rd"], [rd])
        claims = check_signed(q["h"][0], "rph1")
        self.assertEqual([k for k, _ in claims], ["sid", "uid", "sub", "ro", "gr", "amr", "iat",
                                                  "act", "exp", "idl", "n", "hx"])
        c = dict(claims)
        self.assertEqual((c["sub"], c["ro"], c["gr"], c["amr"], c["n"]),
                         ("hand.off", "clerk", "/gov/tax office", "pwd", NONCE))
        self.assertEqual(len(c["sid"]), 22)
        now = time.time()
        self.assertTrue(int(c["iat"]) <= now + 2 and int(c["hx"]) <= now + 61)
        self.assertEqual(int(c["exp"]) - int(c["iat"]), 43200)
        # the portal's own session is the same sid, in an rpt1 cookie
        r = p.request("GET", "/api/v1/id/session")
        self.assertEqual(r.json()["sid"], c["sid"])
        with open(p.jar) as f:
            cookie = [ln.split("\t") for ln in f if "rampart_portal" in ln][0]
        self.assertEqual(cookie[2], "/api/v1/id")
        self.assertEqual(dict(check_signed(cookie[6].strip(), "rpt1"))["sid"], c["sid"])
        # single sign-on: another hand-off from the portal session
        r = p.request("POST", "/api/v1/id/handoff", {"app": "tax", "rd": "http://tax.gov.example/",
                                                     "n": "M" * 22})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(dict(check_signed(urllib.parse.parse_qs(urllib.parse.urlsplit(
            r.json()["redirect"]).query)["h"][0], "rph1"))["sid"], c["sid"])

    def test_no_open_redirect(self):
        make_dir_user("redir.user")
        for rd in ("https://evil.example/", "https://tax.gov.example.evil.example/",
                   "https://tax.gov.example@evil.example/", "//evil.example/",
                   "javascript:alert(1)", "https://tax.gov.example\\@evil.example/",
                   "https://tax.gov.example:99x/"):
            r = Portal("redir.user", app="tax", rd=rd, n=NONCE).last
            self.assertEqual(r.status, 400, (rd, r))
        r = Portal("redir.user", app="any", rd="https://x.example/any/", n=NONCE).last
        self.assertEqual(r.status, 400, "an application on every host gets no hand-off")
        r = Portal("redir.user", app="tax", rd="https://tax.gov.example/", n="short").last
        self.assertEqual(r.status, 400)

    def test_no_enumeration(self):
        make_dir_user("enum.user")
        p = Portal()
        times = {"unknown": [], "wrong": []}
        answers = set()
        for i in range(6):
            for kind, name in (("unknown", "nobody-%d" % i), ("wrong", "enum.user")):
                t0 = time.perf_counter()
                r = p.login(name, "Wrong-Password-%d" % i)
                times[kind].append(time.perf_counter() - t0)
                answers.add((r.status, r.body))
            ADMIN.request("POST", D + "users/enum.user/unlock", {})
        self.assertEqual(len(answers), 1, answers)
        a, b = (statistics.median(times[k]) for k in times)
        self.assertLess(abs(a - b), 0.05, times)

    def test_csrf(self):
        make_dir_user("csrf.user")
        r = RD.request("POST", "/api/v1/id/login", {"username": "csrf.user", "password": PW},
                       {"Origin": "https://evil.example"})
        self.assertEqual(r.status, 403, "login CSRF")
        r = RD.request("POST", "/api/v1/id/login", {"username": "csrf.user", "password": PW},
                       {"Sec-Fetch-Site": "cross-site"})
        self.assertEqual(r.status, 403)
        r = RD.request("POST", "/api/v1/id/login", "username=csrf.user&password=x",
                       content_type="application/x-www-form-urlencoded")
        self.assertNotEqual(r.status, 200)
        p = Portal("csrf.user")
        self.assertEqual(p.request("POST", "/api/v1/id/logout", csrf=False).status, 403)
        self.assertEqual(p.request("GET", "/api/v1/id/session").status, 200)

    def test_lockout_and_unlock(self):
        make_dir_user("lock.user")
        p = Portal()
        statuses = [p.login("lock.user", "Wrong-Password-1").status for _ in range(6)]
        # three failures, then the growing delay (and at 4 the account throttle) answer 429
        self.assertEqual(statuses, [401, 401, 401, 429, 429, 429])
        r = p.login("lock.user", PW)
        self.assertEqual(r.status, 429, "even the right password")
        self.assertTrue(r.header("Retry-After"))
        r = ADMIN.request("POST", D + "users/lock.user/unlock", {})
        self.assertEqual(r.status, 200)
        self.assertEqual(p.login("lock.user", PW).status, 200)
        # disabled and locked states: the same 401 as a wrong password
        ADMIN.request("PATCH", D + "users/lock.user", {"state": "disabled"})
        self.assertEqual(p.login("lock.user", PW).status, 401)
        r = AUDITOR.request("GET", "/api/v1/audit?action=identity.login.throttled&limit=5")
        self.assertTrue(r.json()["records"], r)
        r = AUDITOR.request("GET", "/api/v1/events?category=identity&limit=200")
        kinds = {e.get("identity", {}).get("event") for e in
                 (x.get("event", x) for x in r.json()["events"])}
        self.assertTrue({"login.failure", "login.throttled", "login.success"} <= kinds
                        or r.json()["events"], kinds)


class Revocation(unittest.TestCase):
    def test_logout_reaches_the_gateway_file_within_2s(self):
        make_dir_user("rev.user")
        p = Portal("rev.user")
        sid = p.request("GET", "/api/v1/id/session").json()["sid"]
        self.assertNotIn(sid, revocations())
        t0 = time.time()
        self.assertEqual(p.request("POST", "/api/v1/id/logout").status, 204)
        took = wait_for(lambda: ("sid %s " % sid) in revocations(), 2.0, "the sid line") - t0
        print("revocation reached the file in %.0f ms" % (took * 1000))
        self.assertEqual(p.request("GET", "/api/v1/id/session").status, 401)
        # logging out from an application's /.rampart/logout: back to it, never elsewhere
        q = Portal("rev.user")
        r = q.request("POST", "/api/v1/id/logout", {"rd": "https://evil.example/"})
        self.assertEqual(r.status, 204, r)
        q = Portal("rev.user")
        r = q.request("POST", "/api/v1/id/logout", {"rd": "https://tax.gov.example/bye"})
        self.assertEqual(r.json()["redirect"], "https://tax.gov.example/bye")
        head = revocations().splitlines()[0]
        self.assertRegex(head, r"^# rampart revocations seq=\d+$")
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(GW, "identity-keys")).st_mode),
                         0o600)
        self.assertTrue(os.path.exists(os.path.join(GW, "upstream-keys", "tax")))

    def test_operator_and_rights_changes_revoke_the_user(self):
        u = make_dir_user("rev.two")
        p = Portal("rev.two")
        q = Portal("rev.two")
        r = ADMIN.request("GET", D + "sessions?user=rev.two")
        self.assertEqual(len(r.json()["sessions"]), 2, r)
        self.assertEqual(AUDITOR.request("DELETE", D + "users/rev.two/sessions").status, 403)
        t0 = time.time()
        self.assertEqual(SECOPS.request("DELETE", D + "users/rev.two/sessions").status, 204)
        wait_for(lambda: ("user %d " % u["id"]) in revocations(), 2.0, "the user line")
        self.assertLess(time.time() - t0, 2.0)
        for b in (p, q):
            self.assertEqual(b.request("GET", "/api/v1/id/session").status, 401)
        # a new login after the revocation is not revoked by it
        p = Portal("rev.two")
        with open(p.jar) as f:
            cookie = [ln.split("\t") for ln in f if "rampart_portal" in ln][0][6].strip()
        ro = dict(check_signed(cookie, "rpt1"))
        before = max(int(ln.split()[2]) for ln in revocations().splitlines()
                     if ln.startswith("user %d " % u["id"]))
        self.assertGreaterEqual(int(ro["iat"]), before)
        # a role change revokes again; the user's own session list
        n = revocations().count("user %d " % u["id"])
        ADMIN.request("POST", D + "roles", {"name": "approver"})
        ADMIN.request("PATCH", D + "users/rev.two", {"roles": ["approver"]})
        wait_for(lambda: revocations().count("user %d " % u["id"]) > n, 2.0, "a second line")
        r = AUDITOR.request("GET", "/api/v1/audit?action=identity.privilege.change&limit=5")
        self.assertTrue(any(x["detail"].get("user") == "rev.two" for x in r.json()["records"]),
                        r)
        p = Portal("rev.two")
        r = p.request("GET", "/api/v1/id/sessions")
        self.assertEqual([s["current"] for s in r.json()["sessions"]], [True])

    def test_operator_ends_one_session(self):
        make_dir_user("rev.three")
        p, q = Portal("rev.three"), Portal("rev.three")
        sid = p.request("GET", "/api/v1/id/session").json()["sid"]
        self.assertEqual(AUDITOR.request("DELETE", D + "sessions/" + sid).status, 403)
        self.assertEqual(SECOPS.request("DELETE", D + "sessions/" + sid).status, 204)
        self.assertEqual(SECOPS.request("DELETE", D + "sessions/" + sid).status, 404)
        wait_for(lambda: ("sid %s " % sid) in revocations(), 2.0, "the sid line")
        self.assertEqual(p.request("GET", "/api/v1/id/session").status, 401)
        self.assertEqual(q.request("GET", "/api/v1/id/session").status, 200, "the other stays")
        r = AUDITOR.request("GET", "/api/v1/audit?action=identity.session.revoke&limit=5")
        self.assertTrue(r.json()["records"], r)

    def test_feed_is_for_gateways_only(self):
        for who in (ADMIN, AUDITOR):
            self.assertEqual(who.request("GET", "/api/v1/gateway/identity-keys").status, 403)
        r = RD.request("GET", "/api/v1/gateway/revocations?since=0&wait=1", headers=bearer(GW_TOKEN))
        self.assertEqual(r.status, 200)
        seq = r.json()["seq"]
        t0 = time.time()
        r = RD.request("GET", "/api/v1/gateway/revocations?since=%d&wait=1" % seq,
                       headers=bearer(GW_TOKEN))
        self.assertGreaterEqual(time.time() - t0, 0.9, "nothing newer: the long-poll waits")
        self.assertEqual(r.json()["entries"], [])


class Totp(unittest.TestCase):
    def test_enrol_login_replay_recovery(self):
        make_dir_user("mfa.user")
        p = Portal("mfa.user")
        r = p.request("POST", "/api/v1/id/totp/enrol")
        self.assertEqual(r.status, 200, r)
        e = r.json()
        self.assertTrue(e["otpauth_uri"].startswith("otpauth://totp/Rampart:mfa.user?secret="))
        self.assertTrue(e["qr_svg"].startswith("<svg"))
        self.assertEqual(p.request("POST", "/api/v1/id/totp/confirm", {"code": "000000"}).status,
                         401)
        r = p.request("POST", "/api/v1/id/totp/confirm", {"code": totp(e["secret"])})
        self.assertEqual(r.status, 200, r)
        codes = r.json()["recovery_codes"]
        self.assertEqual(len(set(codes)), 10)
        self.assertNotIn(e["secret"], RD.log_text())
        # a login now stops at the second factor
        b = Portal()
        r = b.login("mfa.user", PW)
        self.assertEqual(r.json()["status"], "mfa_required")
        self.assertNotIn("csrf_token", r.json())
        self.assertEqual(b.request("GET", "/api/v1/id/session").status, 401)
        step = r.json()["step_token"]
        r = RD.request("POST", "/api/v1/id/mfa", {"step_token": step, "code": "123456"},
                       jar=b.jar)
        self.assertEqual(r.status, 401)
        # the confirm used this step already: wait for the next one
        time.sleep(30 - time.time() % 30 + 0.2)
        code = totp(e["secret"])
        r = RD.request("POST", "/api/v1/id/mfa", {"step_token": step, "code": code}, jar=b.jar)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["amr"], "pwd,otp,mfa")
        # the same code again: refused (replay), and the step token is spent
        c = Portal()
        step2 = c.login("mfa.user", PW).json()["step_token"]
        r = RD.request("POST", "/api/v1/id/mfa", {"step_token": step2, "code": code}, jar=c.jar)
        self.assertEqual(r.status, 401, "a used time step")
        r = RD.request("POST", "/api/v1/id/mfa", {"step_token": step, "code": code}, jar=c.jar)
        self.assertEqual(r.status, 401, "a used step token")
        r = RD.request("POST", "/api/v1/id/mfa", {"step_token": step2, "recovery_code": codes[0]},
                       jar=c.jar)
        self.assertEqual(r.status, 200, r)
        step3 = c.login("mfa.user", PW).json()["step_token"]
        r = RD.request("POST", "/api/v1/id/mfa", {"step_token": step3, "recovery_code": codes[0]},
                       jar=c.jar)
        self.assertEqual(r.status, 401, "a recovery code works once")
        r = AUDITOR.request("GET", "/api/v1/audit?action=identity.mfa.enrol&limit=5")
        self.assertTrue(r.json()["records"])
        # an operator resets the factor (a lost phone)
        self.assertEqual(ADMIN.request("DELETE", D + "users/mfa.user/mfa").status, 200)
        self.assertEqual(Portal("mfa.user").last.json()["status"], "ok")


if __name__ == "__main__":
    unittest.main()
