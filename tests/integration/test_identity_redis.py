#!/usr/bin/env python3
"""test_identity_redis.py — revocations across gateways through Redis
(docs/IDENTITY.md "Revocations through Redis").

One rampartd with `identity_redis`, one redis-server started here on a free
loopback port, two nginx gateways for the same application, each with its own
`rampart sync --redis`. Gateway B reaches rampartd through a TCP relay the
test can cut, so it can be left with Redis alone.

- a session cookie from a real hand-off works on both gateways; an operator
  revokes it in rampartd; both refuse it within 2 s (latency printed);
- B cut off from rampartd: a revocation still reaches it within 2 s (Redis);
- Redis killed: the long-poll path still revokes on both within 2 s, and
  rampartd counts the failures (/metrics) and logs them;
- Redis back (empty: restarted without persistence): rampartd writes the
  stream again from its store, and B — cut off from rampartd, and having
  missed a revocation while Redis was down — catches up from it.

rampartd here also has `session_key_algorithm hmac-sm3`: the key file
`rampart sync` writes names hmac-sm3, the test recomputes a login's MAC with
HMAC-SM3 (Python's hmac over OpenSSL's SM3) and both gateways accept the
token (and refuse it with one MAC character changed).
"""

import base64
import hmac
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.parse

import harness
from harness import Nginx, Upstream
from rampartd_harness import Rampartd, first_login

REDIS_SERVER = "/usr/bin/redis-server"
REDIS_CLI = "/usr/bin/redis-cli"
HOST = "hr.redis.test"
PW = "Corr3ct-Horse-Battery"
POLICY = "version idredis\nmode block\naccess / authenticated\n"
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


class Redis:
    """redis-server on a free loopback port, no persistence: a restart is an
    empty Redis."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="rp-idredis-")
        self.port = harness.free_port()
        self.proc = None
        harness._cleanups.append(self.cleanup)

    def start(self):
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
             "--save", "", "--appendonly", "no", "--logfile", os.path.join(self.dir, "log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        harness.wait_port(self.port)
        return self

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def cli(self, *args):
        return subprocess.run([REDIS_CLI, "-p", str(self.port)] + list(args),
                              stdout=subprocess.PIPE, timeout=10).stdout.decode()

    def cleanup(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class Relay:
    """A TCP relay to rampartd that can be cut: new connections are closed
    at once and open ones are shut down."""

    def __init__(self, target_port):
        self.target = target_port
        self.cut = False
        self.conns = []
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()
        harness._cleanups.append(self.sock.close)

    def _accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            if self.cut:
                c.close()
                continue
            try:
                u = socket.create_connection(("127.0.0.1", self.target), timeout=5)
            except OSError:
                c.close()
                continue
            u.settimeout(None)
            with self.lock:
                self.conns += [c, u]
            threading.Thread(target=self._pump, args=(c, u), daemon=True).start()
            threading.Thread(target=self._pump, args=(u, c), daemon=True).start()

    def _pump(self, a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        a.close()

    def set_cut(self, cut):
        self.cut = cut
        if cut:
            with self.lock:
                for s in self.conns:
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                self.conns = []


def start_sync(url, gw_dir, token_file, redis_port, log_path, gw_id):
    log = open(log_path, "ab")
    proc = subprocess.Popen(
        [os.path.join(harness.BUILD_DIR, "rampart"), "sync", "--url", url, "--token-file",
         token_file, "--dir", gw_dir, "--gateway-id", gw_id, "--wait", "25",
         "--redis", "redis://127.0.0.1:%d" % redis_port],
        stdout=log, stderr=log, start_new_session=True)
    log.close()

    def stop():
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
    harness._cleanups.append(stop)
    want = [os.path.join(gw_dir, f) for f in ("identity-keys", "revocations", "upstream-keys/hr")]
    deadline = time.time() + 20
    while not all(os.path.exists(p) for p in want):
        if time.time() > deadline or proc.poll() is not None:
            with open(log_path, "rb") as f:
                raise RuntimeError("no identity files:\n" + f.read().decode(errors="replace"))
        time.sleep(0.05)
    return proc


RD = ADMIN = REDIS = RELAY = GW_A = GW_B = None
N = 0


def setUpModule():
    global RD, ADMIN, REDIS, RELAY, GW_A, GW_B
    top = tempfile.mkdtemp(prefix="rp-idredis-top-")
    harness._cleanups.append(lambda: shutil.rmtree(top, ignore_errors=True))
    REDIS = Redis().start()
    token_file = os.path.join(top, "gateway.token")
    RD = Rampartd("gateway_token_file %s\nlogin_address_failures 100000\n"
                  "identity_redis redis://127.0.0.1:%d\nsession_key_algorithm hmac-sm3\n"
                  % (token_file, REDIS.port),
                  name="idredis").start()
    ADMIN = first_login(RD)
    up = Upstream()
    r = ADMIN.request("POST", "/api/v1/apps", {"name": "hr", "host": HOST, "path_prefix": "/",
                                               "upstream": "http://127.0.0.1:%d" % up.port})
    assert r.status == 201, r
    RELAY = Relay(RD.port)
    portal = "http://127.0.0.1:%d/id" % RD.port
    GW_A = Nginx(GATEWAY % portal, up.port, name="idredis-a")
    GW_B = Nginx(GATEWAY % portal, up.port, name="idredis-b")
    for gw, url, gid in ((GW_A, "http://127.0.0.1:%d" % RD.port, "gw-a"),
                         (GW_B, "http://127.0.0.1:%d" % RELAY.port, "gw-b")):
        with open(gw.path("hr.policy"), "w") as f:
            f.write(POLICY)
        start_sync(url, gw.path("gw"), token_file, REDIS.port, gw.path("sync.log"), gid)
        gw.start()


def tearDownModule():
    harness._run_cleanups()


def login():
    """A directory user's session through a real hand-off on gateway A: its
    rampart_id cookie value and sid."""
    global N
    N += 1
    name = "red.user%d" % N
    r = ADMIN.request("POST", "/api/v1/directory/users",
                      {"name": name, "password": PW, "temporary": False})
    assert r.status == 201, r
    r = harness.request(GW_A.port, "GET", "/", headers={"Host": HOST, "Accept": "text/html"})
    assert r.status == 302, (r.status, r.headers)
    nonce = [c.split(";")[0].split("=", 1)[1] for k, c in r.headers
             if k.lower() == "set-cookie" and c.startswith("rampart_state=")][0]
    r = RD.request("POST", "/api/v1/id/login", {"username": name, "password": PW, "app": "hr",
                                                "rd": "http://%s/" % HOST, "n": nonce},
                   jar=RD.path("jar-%d" % N))
    assert r.status == 200, r
    url = urllib.parse.urlsplit(r.json()["redirect"])
    r = harness.request(GW_A.port, "GET", url.path + "?" + url.query,
                        headers={"Host": HOST, "Cookie": "rampart_state=" + nonce})
    assert r.status == 303, (r.status, r.headers, r.body)
    token = [c.split(";")[0].split("=", 1)[1] for k, c in r.headers
             if k.lower() == "set-cookie" and c.startswith("rampart_id=")][0]
    payload = token.split(".")[2]
    claims = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    return token, dict(kv.split("=", 1) for kv in claims.split("&"))["sid"]


def accepted(gw, token):
    r = harness.request(gw.port, "GET", "/", headers={"Host": HOST, "Cookie": "rampart_id=" + token,
                                                      "Accept": "application/json"})
    assert r.status in (200, 401), (r.status, r.body)
    return r.status == 200


def revoke(sid):
    t0 = time.time()
    r = ADMIN.request("DELETE", "/api/v1/directory/sessions/" + sid)
    assert r.status == 204, r
    return t0


def refused_within(gws, token, t0, limit):
    """Seconds from t0 until every gateway refuses token; fails after limit."""
    took = {}
    while time.time() - t0 < limit + 0.5:
        for gw in gws:
            if gw.port not in took and not accepted(gw, token):
                took[gw.port] = time.time() - t0
        if len(took) == len(gws):
            return max(took.values())
        time.sleep(0.02)
    raise AssertionError("not refused on every gateway within %.1f s (%s)" % (limit, took))


class RevocationThroughRedis(unittest.TestCase):
    def test_0_sm3_session_keys(self):
        for gw in (GW_A, GW_B):
            with open(gw.path("gw/identity-keys")) as f:
                lines = [ln.split() for ln in f if not ln.startswith("#")]
            self.assertTrue(lines)
            self.assertEqual(lines[-1][1], "hmac-sm3", lines)
        kid, key = lines[-1][0], lines[-1][2]
        token, _ = login()
        prefix, tkid, payload, mac = token.split(".")
        self.assertEqual(tkid, kid)
        raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4))
        want = hmac.new(raw, ("%s.%s.%s" % (prefix, tkid, payload)).encode(), "sm3").digest()
        self.assertEqual(mac, base64.urlsafe_b64encode(want).rstrip(b"=").decode())
        self.assertTrue(accepted(GW_A, token) and accepted(GW_B, token))
        forged = token[:-1] + ("A" if token[-1] != "A" else "B")
        self.assertFalse(accepted(GW_A, forged) or accepted(GW_B, forged))

    def test_1_both_gateways_refuse_within_2s(self):
        token, sid = login()
        self.assertTrue(accepted(GW_A, token) and accepted(GW_B, token))
        took = refused_within((GW_A, GW_B), token, revoke(sid), 2.0)
        print("revoked on both gateways in %.0f ms" % (took * 1000))
        self.assertLessEqual(took, 2.0)
        self.assertIn("sid %s " % sid, REDIS.cli("XRANGE", "rampart:revocations", "-", "+"))

    def test_2_redis_alone_reaches_a_gateway_cut_from_rampartd(self):
        token, sid = login()
        self.assertTrue(accepted(GW_B, token))
        RELAY.set_cut(True)
        try:
            time.sleep(0.3)
            took = refused_within((GW_B,), token, revoke(sid), 2.0)
            print("revoked through Redis alone in %.0f ms" % (took * 1000))
            self.assertLessEqual(took, 2.0)
        finally:
            RELAY.set_cut(False)

    def test_3_redis_down_then_back(self):
        REDIS.kill()
        try:
            token, sid = login()
            self.assertTrue(accepted(GW_A, token) and accepted(GW_B, token))
            took = refused_within((GW_A, GW_B), token, revoke(sid), 2.0)
            print("Redis down: revoked on both gateways by the long-poll in %.0f ms"
                  % (took * 1000))
            self.assertLessEqual(took, 2.0)
            # a revocation B cannot get: Redis down and rampartd cut off
            token2, sid2 = login()
            self.assertTrue(accepted(GW_B, token2))
            RELAY.set_cut(True)
            time.sleep(0.3)
            revoke(sid2)
            time.sleep(1.5)
            self.assertTrue(accepted(GW_B, token2), "no path should have carried it")
            r = ADMIN.request("GET", "/metrics")
            self.assertEqual(r.status, 200, r)
            text = r.body if isinstance(r.body, str) else r.body.decode()
            failures = [ln for ln in text.splitlines()
                        if ln.startswith("rampartd_identity_redis_failures_total ")]
            self.assertTrue(failures and int(failures[0].split()[1]) > 0, text[-2000:])
            self.assertIn("rampartd_identity_redis_up 0", text)
            self.assertIn("Redis does not answer", RD.log_text())
        finally:
            if REDIS.proc.poll() is not None:
                REDIS.start()
        # Redis back, empty: rampartd writes the stream again; B catches up
        t0 = time.time()
        took = refused_within((GW_B,), token2, t0, 8.0)
        print("Redis back: the gateway cut from rampartd caught up in %.0f ms" % (took * 1000))
        RELAY.set_cut(False)
        stream = REDIS.cli("XRANGE", "rampart:revocations", "-", "+")
        self.assertIn("sid %s " % sid, stream)
        self.assertIn("sid %s " % sid2, stream)


if __name__ == "__main__":
    unittest.main(verbosity=2)
