"""test_identity.py — the gateway side of identity (docs/IDENTITY.md) in real nginx.

The test plays rampartd: it mints session tokens (rpt1) and portal hand-offs
(rph1) itself with Python's hmac/hashlib and a test key, writes the
identity-keys and revocations files as `rampart sync` would (write + rename),
and checks what the gateway does with them: redirects to the portal with a
state nonce, the hand-off endpoint turning a hand-off into a cookie (and
refusing replays, wrong nonces and open redirects), 401 for API clients, 403
on an access-rule mismatch, signed identity headers upstream that verify
(and never a client-forged X-Rampart-User), the sliding idle timeout, and a
revocation reaching both workers within 2 s.

Run by CTest as `python3 test_identity.py` with RP_BUILD_DIR and
RP_SOURCE_DIR; everything on 127.0.0.1 (see harness.py).
"""

import base64
import hashlib
import hmac
import os
import secrets
import time
import unittest
import urllib.parse

from harness import Nginx, Upstream, read_jsonl

SESSION_KEY = bytes(range(32))
SM3_KEY = bytes(range(32, 64))
UPSTREAM_KEY = bytes(range(64, 96))


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def b64dec(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def q(s):
    return urllib.parse.quote(s, safe="")


def claims(sub="alice", uid=42, ro="staff", gr="/org/hr", amr="pwd,otp,mfa", iat=None,
           act=None, exp=None, idl=1800, sid=None):
    now = int(time.time())
    iat = now if iat is None else iat
    return "&".join([
        "sid=" + (sid or b64(secrets.token_bytes(16))),
        "uid=%d" % uid, "sub=" + q(sub), "ro=" + q(ro), "gr=" + q(gr), "amr=" + q(amr),
        "iat=%d" % iat, "act=%d" % (iat if act is None else act),
        "exp=%d" % (now + 3600 if exp is None else exp), "idl=%d" % idl])


def mint(text, prefix="rpt1", kid="k1", key=SESSION_KEY):
    signed = "%s.%s.%s" % (prefix, kid, b64(text.encode()))
    return signed + "." + b64(hmac.new(key, signed.encode(), hashlib.sha256).digest())


def parse_token(tok):
    _, _, payload, _ = tok.split(".")
    return dict(kv.split("=", 1) for kv in b64dec(payload).decode().split("&"))


POLICY = """\
version identity-itest
mode block
detect sqli on
events matched
access / authenticated
access /public/ public
access /admin authenticated roles=admin
access /strong authenticated mfa
"""

HTTP = """
    rampart_event_sink file:{prefix}/events.jsonl;
    rampart_identity_keys {prefix}/identity-keys;
    rampart_identity_revocations {prefix}/revocations;
    rampart_switches {prefix}/switches;

    server {
        listen 127.0.0.1:{port} reuseport;

        rampart on;
        rampart_app hr;
        rampart_policy {prefix}/id.policy;
        rampart_identity_portal http://127.0.0.1:9/portal/;
        rampart_identity_upstream_key {prefix}/upstream.key;

        location / {
            add_header X-Worker $pid always;
            proxy_pass http://{upstream};
        }

        location = /rampart_status {
            rampart off;
            rampart_status;
        }
    }
"""


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


class GatewayIdentity(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.up = Upstream()
        cls.gw = Nginx(HTTP, upstream_port=cls.up.port, name="identity")
        write_atomic(cls.gw.path("identity-keys"),
                     "# rampart session keys\n"
                     "g1 hmac-sm3 %s 0\n"
                     "k1 hmac-sha256 %s 0\n" % (b64(SM3_KEY), b64(SESSION_KEY)))
        write_atomic(cls.gw.path("revocations"), "# rampart revocations seq=1\n")
        write_atomic(cls.gw.path("upstream.key"), "# hr\n%s\n" % b64(UPSTREAM_KEY))
        write_atomic(cls.gw.path("switches"), "hr waf=block identity=block\n")
        write_atomic(cls.gw.path("id.policy"), POLICY)
        cls.gw.start()
        # a name, as in production: rd=http://127.0.0.1/... would (rightly)
        # be an SSRF to the WAF
        cls.host = "hr.example.test"

    @classmethod
    def tearDownClass(cls):
        cls.gw.cleanup()
        cls.up.stop()

    # -- helpers --

    def get(self, path, cookies=None, headers=None, browser=False):
        h = {"Host": self.host}
        h.update(headers or {})
        if cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in cookies.items())
        h.setdefault("Accept", "text/html,application/xhtml+xml" if browser
                     else "application/json")
        return self.gw.request("GET", path, headers=h)

    def set_cookies(self, resp):
        return [v for k, v in resp.headers if k.lower() == "set-cookie"]

    def cookie_value(self, resp, name):
        for c in self.set_cookies(resp):
            n, _, rest = c.partition("=")
            if n == name:
                return rest.split(";")[0], c
        return None, None

    def identity_events(self, reason, n=1, timeout=5):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [m for e in read_jsonl(self.gw.path("events.jsonl"))
                     for m in e.get("matches", [])
                     if m.get("detector") == "identity" and m.get("detail") == reason]
            if len(found) >= n:
                return found
            time.sleep(0.05)
        self.fail("no identity event %r" % reason)

    def upstream_saw(self, path):
        seen = self.up.find(path)
        self.assertTrue(seen, "upstream never saw %s" % path)
        return seen[-1]["headers"]

    def verify_identity_header(self, h, method, uri):
        t, sid, sig = [kv.split("=", 1)[1] for kv in h["X-Rampart-Identity"].split(",")]
        msg = "\n".join(["rampart-identity-v1", t, method, self.host, uri,
                         h["X-Rampart-User"], h["X-Rampart-User-Id"], h["X-Rampart-Roles"],
                         h["X-Rampart-Groups"], h["X-Rampart-Auth"]])
        want = b64(hmac.new(UPSTREAM_KEY, msg.encode(), hashlib.sha256).digest())
        self.assertTrue(hmac.compare_digest(want, sig), (msg, sig))
        self.assertLessEqual(abs(int(t) - time.time()), 60)
        return sid

    # -- tests --

    def test_browser_is_sent_to_portal_with_state(self):
        r = self.get("/app/page?x=1", browser=True)
        self.assertEqual(r.status, 302)
        loc = r.header("Location")
        self.assertTrue(loc.startswith("http://127.0.0.1:9/portal/login?app=hr&rd="), loc)
        qs = urllib.parse.parse_qs(urllib.parse.urlsplit(loc).query)
        self.assertEqual(qs["rd"], ["http://%s/app/page?x=1" % self.host])
        nonce, header = self.cookie_value(r, "rampart_state")
        self.assertEqual(qs["n"], [nonce])
        self.assertEqual(len(nonce), 22)
        self.assertIn("HttpOnly", header)
        self.assertIn("SameSite=Lax", header)
        self.assertFalse(self.up.find("/app/page?x=1"))
        self.identity_events("no-session")

    def test_api_client_gets_401(self):
        r = self.get("/api/items")
        self.assertEqual(r.status, 401)
        self.assertEqual(r.header("WWW-Authenticate"), 'Rampart realm="hr"')
        # a POST from a browser is an API call too
        r = self.gw.request("POST", "/app/form", body=b"a=1",
                            headers={"Accept": "text/html", "Host": self.host})
        self.assertEqual(r.status, 401)

    def test_public_route_needs_nothing_and_strips_forgeries(self):
        r = self.get("/public/logo", headers={"X-Rampart-User": "root",
                                              "x-rampart-roles": "admin"})
        self.assertEqual(r.status, 200)
        h = self.upstream_saw("/public/logo")
        self.assertIsNone(h.get("X-Rampart-User"))
        self.assertIsNone(h.get("X-Rampart-Roles"))

    def test_handoff_sets_cookie_and_upstream_gets_signed_identity(self):
        r = self.get("/app/home", browser=True)
        nonce, _ = self.cookie_value(r, "rampart_state")
        rd = "http://%s/app/home" % self.host
        h = mint(claims(ro="staff,editor") + "&n=%s&hx=%d" % (nonce, time.time() + 60), "rph1")
        path = "/.rampart/session?h=%s&rd=%s" % (h, q(rd))
        r = self.get(path, cookies={"rampart_state": nonce}, browser=True)
        self.assertEqual(r.status, 303, r.body[:200])
        self.assertEqual(r.header("Location"), rd)
        tok, header = self.cookie_value(r, "rampart_id")
        self.assertTrue(tok.startswith("rpt1."), tok)
        self.assertIn("HttpOnly", header)
        state, _ = self.cookie_value(r, "rampart_state")
        self.assertEqual(state, "")  # deleted

        # the same hand-off again, even with the right state cookie: replay
        r = self.get(path, cookies={"rampart_state": nonce}, browser=True)
        self.assertEqual(r.status, 403)
        self.identity_events("replayed")

        # the cookie opens the app; forged identity headers are replaced
        r = self.get("/app/home?q=1", cookies={"rampart_id": tok},
                     headers={"X-Rampart-User": "root", "X-Rampart-Identity": "t=1,sid=x,sig=y"})
        self.assertEqual(r.status, 200)
        h = self.upstream_saw("/app/home?q=1")
        self.assertEqual(h.get_all("X-Rampart-User"), ["alice"])
        self.assertEqual(h.get_all("X-Rampart-Identity")[:1], h.get_all("X-Rampart-Identity"))
        self.assertEqual(h["X-Rampart-User-Id"], "42")
        self.assertEqual(h["X-Rampart-Roles"], "staff%2Ceditor")
        self.assertEqual(h["X-Rampart-Groups"], "%2Forg%2Fhr")
        self.assertEqual(h["X-Rampart-Auth"], "pwd%2Cotp%2Cmfa")
        sid = self.verify_identity_header(h, "GET", "/app/home?q=1")
        self.assertEqual(sid, parse_token(tok)["sid"])
        # the application never receives the session token; other cookies pass
        self.assertNotIn("rampart_id", h.get("Cookie") or "")
        for cookies, want in [({"lang": "zh", "rampart_id": tok, "theme": "x"}, "lang=zh; theme=x"),
                              ({"lang": "zh", "rampart_id": tok}, "lang=zh"),
                              ({"rampart_id": tok, "lang": "zh"}, "lang=zh")]:
            self.assertEqual(self.get("/app/cookies", cookies=cookies).status, 200)
            self.assertEqual(self.upstream_saw("/app/cookies").get("Cookie"), want)

    def test_handoff_refusals(self):
        nonce = b64(secrets.token_bytes(16))
        rd = q("http://%s/app" % self.host)
        good = mint(claims() + "&n=%s&hx=%d" % (nonce, time.time() + 60), "rph1")
        cases = [
            # wrong nonce in the browser, no state cookie at all
            (good, {"rampart_state": b64(secrets.token_bytes(16))}, 403, "wrong-nonce"),
            (good, {}, 403, "wrong-nonce"),
            # expired, forged, truncated, a session token instead of a hand-off
            (mint(claims() + "&n=%s&hx=%d" % (nonce, time.time() - 5), "rph1"),
             {"rampart_state": nonce}, 403, "expired"),
            (mint(claims() + "&n=%s&hx=%d" % (nonce, time.time() + 60), "rph1", key=b"x" * 32),
             {"rampart_state": nonce}, 403, "forged"),
            (good[:-10], {"rampart_state": nonce}, 400, "malformed"),
            (mint(claims()), {"rampart_state": nonce}, 400, "malformed"),
        ]
        for h, cookies, status, reason in cases:
            r = self.get("/.rampart/session?h=%s&rd=%s" % (h, rd), cookies=cookies, browser=True)
            self.assertEqual(r.status, status, reason)
            self.assertIsNone(self.cookie_value(r, "rampart_id")[0], reason)
            self.identity_events(reason)

    def test_open_redirects_refused(self):
        nonce = b64(secrets.token_bytes(16))
        h = mint(claims() + "&n=%s&hx=%d" % (nonce, time.time() + 60), "rph1")
        for rd in ["http://evil.example/", "//evil.example/", "/\\evil.example",
                   "https://%s.evil.example/" % self.host, "http://%s@evil.example/" % self.host,
                   "javascript:alert(1)", "http://evil.example\r\nX: y", ""]:
            r = self.get("/.rampart/session?h=%s&rd=%s" % (h, q(rd)),
                         cookies={"rampart_state": nonce}, browser=True)
            # 403 when the WAF saw it first (javascript: is XSS to it)
            self.assertIn(r.status, (400, 403), rd)
            self.assertIsNone(r.header("Location"), rd)
            self.assertIsNone(self.cookie_value(r, "rampart_id")[0], rd)
        self.identity_events("open-redirect", n=6)
        # the refusals did not spend the hand-off: a same-host path works
        r = self.get("/.rampart/session?h=%s&rd=%s" % (h, q("/app/x")),
                     cookies={"rampart_state": nonce}, browser=True)
        self.assertEqual(r.status, 303)
        # nginx makes a relative Location absolute on the same host
        self.assertTrue(urllib.parse.urlsplit(r.header("Location")).hostname == self.host and
                        r.header("Location").endswith("/app/x"), r.header("Location"))

    def test_role_mismatch_is_403_and_sm3_sessions_work(self):
        staff = mint(claims(ro="staff"))
        r = self.get("/admin/users", cookies={"rampart_id": staff})
        self.assertEqual(r.status, 403)
        self.identity_events("role")
        r = self.get("/strong", cookies={"rampart_id": mint(claims(amr="pwd"))})
        self.assertEqual(r.status, 403)
        self.identity_events("mfa")
        r = self.get("/admin/users", cookies={"rampart_id": mint(claims(ro="ops,admin"))})
        self.assertEqual(r.status, 200)

    def test_bad_tokens_are_401_with_reason(self):
        now = int(time.time())
        cases = {
            "forged": mint(claims(), key=b"y" * 32),
            "expired": mint(claims(iat=now - 100, exp=now - 1)),
            "unknown-key": mint(claims(), kid="zz"),
            "malformed": mint(claims())[:-3],
        }
        for reason, tok in cases.items():
            r = self.get("/api/x", cookies={"rampart_id": tok})
            self.assertEqual(r.status, 401, reason)
            # the bad cookie is cleared
            self.assertEqual(self.cookie_value(r, "rampart_id")[0], "", reason)
            self.identity_events(reason)
        # duplicate and unknown claims, validly signed
        r = self.get("/api/x", cookies={"rampart_id": mint(claims() + "&adm=1")})
        self.assertEqual(r.status, 401)

    def test_idle_timeout_and_sliding_refresh(self):
        now = int(time.time())
        # idl=8: refreshed once more than 2 s (idl/4) passed since act
        tok = mint(claims(act=now - 3, iat=now - 3, idl=8))
        r = self.get("/app/slide", cookies={"rampart_id": tok})
        self.assertEqual(r.status, 200)
        fresh, _ = self.cookie_value(r, "rampart_id")
        self.assertIsNotNone(fresh, "no refreshed cookie")
        c = parse_token(fresh)
        self.assertGreaterEqual(int(c["act"]), now)
        self.assertEqual(c["iat"], str(now - 3))
        self.assertEqual(c["sid"], parse_token(tok)["sid"])
        # idl=2: after 3 quiet seconds the session is idle
        short = mint(claims(idl=2))
        self.assertEqual(self.get("/app/idle", cookies={"rampart_id": short}).status, 200)
        time.sleep(3.2)
        r = self.get("/app/idle", cookies={"rampart_id": short})
        self.assertEqual(r.status, 401)
        self.identity_events("idle")

    def test_revocation_reaches_every_worker_within_2s(self):
        sid = b64(secrets.token_bytes(16))
        tok = mint(claims(sid=sid, uid=77))
        other = mint(claims(uid=78))
        for _ in range(6):  # warm both workers' caches
            self.assertEqual(self.get("/app/r", cookies={"rampart_id": tok}).status, 200)
        write_atomic(self.gw.path("revocations"),
                     "# rampart revocations seq=2\nsid  %s  %d\n" % (sid, time.time() + 3600))
        t0 = time.time()
        ok_in_a_row = 0
        while time.time() - t0 < 5 and ok_in_a_row < 8:
            st = self.get("/app/r", cookies={"rampart_id": tok}).status
            ok_in_a_row = ok_in_a_row + 1 if st == 401 else 0
            time.sleep(0.02)
        self.assertEqual(ok_in_a_row, 8, "revocation not effective")
        # the eight in a row came after the effect: it took at most this long
        self.assertLess(time.time() - t0 - 8 * 0.03, 2.0)
        self.identity_events("revoked")
        self.assertEqual(self.get("/app/r", cookies={"rampart_id": other}).status, 200)
        # logout everywhere: every session of user 78 issued before now
        write_atomic(self.gw.path("revocations"),
                     "# rampart revocations seq=3\nuser 78 %d\n" % (time.time() + 1))
        time.sleep(0.5)
        self.assertEqual(self.get("/app/r", cookies={"rampart_id": other}).status, 401)

    def test_switch_off_and_logout(self):
        write_atomic(self.gw.path("switches"), "hr waf=block identity=off\n")
        try:
            deadline = time.time() + 3
            while time.time() < deadline and self.get("/app/sw").status != 200:
                time.sleep(0.05)
            time.sleep(0.3)  # every worker re-reads the switches within 100 ms
            self.assertEqual(self.get("/app/sw").status, 200)
            # off still strips forged identity headers
            self.get("/app/sw2", headers={"X-Rampart-User": "root"})
            self.assertIsNone(self.upstream_saw("/app/sw2").get("X-Rampart-User"))
        finally:
            write_atomic(self.gw.path("switches"), "hr waf=block identity=block\n")
        deadline = time.time() + 3
        while time.time() < deadline and self.get("/app/sw").status != 401:
            time.sleep(0.05)
        time.sleep(0.3)
        self.assertEqual(self.get("/app/sw").status, 401)

        r = self.get("/.rampart/logout", cookies={"rampart_id": mint(claims())}, browser=True)
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("Location"), "http://127.0.0.1:9/portal/logout?rd=" +
                         q("http://%s/" % self.host))
        value, header = self.cookie_value(r, "rampart_id")
        self.assertEqual(value, "")
        self.assertIn("Max-Age=0", header)

    def test_z_no_crash(self):
        self.assertEqual(self.gw.crash_lines(), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
