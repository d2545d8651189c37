#!/usr/bin/env python3
"""A brute-force run against the login portal (issue 5): 10,000 attempts
at the API level, 8 in parallel on keep-alive connections, against a user
with TOTP whose password the attacker is assumed to know half the time —
wrong passwords, right passwords, and guessed TOTP codes on every step
token won. The run must be throttled (429 answers with Retry-After, no
argon2 work once throttled), logged (identity events in the event store and
identity audit records), and must never yield a session: no answer is
"ok", no answer sets the portal cookie. Afterwards the real user, from
another address, still gets in with both factors.

rampartd runs with its default throttle (20 failures per address per 15
minutes, 5 per account); the victim logs in afterwards from 127.0.0.2."""

import base64
import hashlib
import hmac
import http.client
import json
import struct
import threading
import time
import unittest

import harness  # noqa: F401  (cleanups)
from rampartd_harness import Rampartd, first_login, make_user, wait_until

ATTEMPTS = 10000
THREADS = 8
PW = "Corr3ct-Horse-Battery"


def totp(secret_b32):
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(time.time() // 30)), hashlib.sha1).digest()
    off = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7fffffff) % 1000000)


class BruteForce(unittest.TestCase):
    def test_10000_attempts_throttled_logged_never_a_session(self):
        rd = Rampartd(name="brute").start()
        admin = first_login(rd)
        auditor = make_user(admin, "audrey", "auditor")
        r = admin.request("POST", "/api/v1/directory/users", {"name": "target", "password": PW,
                                                                "temporary": False})
        self.assertEqual(r.status, 201, r)
        # the victim enrols TOTP
        jar = rd.path("victim")
        r = rd.request("POST", "/api/v1/id/login", {"username": "target", "password": PW},
                       jar=jar)
        csrf = {"X-CSRF-Token": r.json()["csrf_token"]}
        secret = rd.request("POST", "/api/v1/id/totp/enrol", None, csrf, jar=jar).json()["secret"]
        r = rd.request("POST", "/api/v1/id/totp/confirm", {"code": totp(secret)}, csrf, jar=jar)
        self.assertEqual(r.status, 200, r)
        enrolled_step = int(time.time() // 30)

        counts, lock = {}, threading.Lock()
        sessions = []

        def worker(k):
            conn = http.client.HTTPConnection("127.0.0.1", rd.port, timeout=30)
            step_token = None
            for i in range(k, ATTEMPTS, THREADS):
                if step_token and i % 3 == 0:
                    path = "/api/v1/id/mfa"
                    body = {"step_token": step_token, "code": "%06d" % (i * 7919 % 1000000)}
                else:
                    path = "/api/v1/id/login"
                    body = {"username": "target",
                            "password": PW if i % 2 else "guess-%d-Aa1!" % i}
                conn.request("POST", path, json.dumps(body),
                             {"Content-Type": "application/json"})
                resp = conn.getresponse()
                payload = resp.read()
                status = resp.status
                answer = json.loads(payload) if payload else {}
                if status == 200 and answer.get("step_token"):
                    step_token = answer["step_token"]
                key = (path.rsplit("/", 1)[1], status, answer.get("status") or answer.get("error"))
                with lock:
                    counts[key] = counts.get(key, 0) + 1
                    if answer.get("status") == "ok" or "rampart_portal" in \
                            (resp.getheader("Set-Cookie") or ""):
                        sessions.append((path, body, answer))
                    if status == 429 and not resp.getheader("Retry-After"):
                        sessions.append(("429 without Retry-After", path, answer))
            conn.close()

        t0 = time.time()
        threads = [threading.Thread(target=worker, args=(k,)) for k in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.time() - t0
        total = sum(counts.values())
        throttled = sum(n for (_, s, _), n in counts.items() if s == 429)
        print("%d attempts in %.1f s (%.0f/s): %s" % (total, took, total / took,
                                                    sorted(counts.items())))
        self.assertEqual(total, ATTEMPTS)
        self.assertEqual(sessions, [], "a session (or a 429 without Retry-After)")
        self.assertGreater(throttled, ATTEMPTS * 0.95, counts)
        # logged: events and audit records of the run
        n_events = rd.query("SELECT count(*) FROM events WHERE category = 'identity'")[0][0]
        n_audit = rd.query("SELECT count(*) FROM audit_log WHERE action LIKE 'identity.%'")
        print("identity events: %s, audit records: %s" % (n_events, n_audit[0][0]))
        wait_until(lambda: int(rd.query(
            "SELECT count(*) FROM events WHERE category = 'identity'")[0][0]) >= ATTEMPTS,
            timeout=30, what="an event per attempt")
        self.assertGreaterEqual(int(n_audit[0][0]), ATTEMPTS)
        r = auditor.request("GET", "/api/v1/audit?action=identity.login.throttled&limit=1")
        self.assertEqual(r.json()["records"][0]["outcome"], "throttled")
        # the victim, from another address, still gets in with both factors once an
        # operator lifted the account's lockout
        admin.request("POST", "/api/v1/directory/users/target/unlock", {})
        while int(time.time() // 30) <= enrolled_step:
            time.sleep(0.5)  # the enrolment used this step's code
        victim = http.client.HTTPConnection("127.0.0.1", rd.port, timeout=30,
                                            source_address=("127.0.0.2", 0))

        def post(path, body):
            victim.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
            resp = victim.getresponse()
            return resp.status, json.loads(resp.read())
        status, answer = post("/api/v1/id/login", {"username": "target", "password": PW})
        self.assertEqual((status, answer.get("status")), (200, "mfa_required"), answer)
        status, answer = post("/api/v1/id/mfa", {"step_token": answer["step_token"],
                                                 "code": totp(secret)})
        self.assertEqual((status, answer.get("amr")), (200, "pwd,otp,mfa"), answer)
        victim.close()
        rd.stop()


if __name__ == "__main__":
    unittest.main()
