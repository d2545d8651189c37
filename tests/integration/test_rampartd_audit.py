"""test_rampartd_audit.py — rampartd's tamper-evident audit log, black-box.

A real rampartd on loopback (rampartd_harness.py) whose audit log goes to a
syslog receiver (RFC 5424 over TCP, octet counting) and a webhook (HMAC
checked here), both Python servers on free loopback ports. Checks that
administrative actions and refused ones are recorded with the right actor,
that only the auditor reads the log and nobody can change or delete it,
that `rampart audit verify` passes on the intact store (and on an API
export) and names the first bad record after the SQLite file is tampered
with directly (triggers dropped, as an attacker with file access would),
that syslog delivery survives a receiver outage and a rampartd restart with
nothing lost or repeated, and TLS syslog (RFC 5425) with a verified
certificate.
"""

import hashlib
import hmac
import http.server
import json
import os
import re
import shutil
import signal
import socket
import socketserver
import sqlite3
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

import harness
from rampartd_harness import (Rampartd, Session, bearer, first_login, make_token, make_user,
                              store_backend)

PASSWORD = "a long enough passphrase"
WEBHOOK_KEY = b"webhook-test-key-0123456789abcdef"
RD = ADMIN = SECOPS = AUDITOR = None
SYSLOG = WEBHOOK = None


# RP_TEST_STORE=postgres (ctest's integration.test_rampartd_audit_postgres):
# the same log on PostgreSQL; `rampart audit verify` reads SQLite files and
# store_max_size is SQLite's, so those tests are SQLite's alone.
ON_POSTGRES = store_backend() == "postgres"
SQLITE_FILE_ONLY = unittest.skipIf(ON_POSTGRES, "reads or caps a SQLite file")


def rampart_cli():
    return os.path.join(harness.BUILD_DIR, "rampart")


def wait_for(pred, timeout=20.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


class SyslogReceiver:
    """RFC 6587 octet-counting frames over TCP or TLS; keeps seq -> count."""

    def __init__(self, port=None, tls_context=None):
        self.port = port or harness.free_port()
        self.tls = tls_context
        self.lock = threading.Lock()
        self.seqs = {}
        self.messages = []
        self.conns = []
        self.server = None

    def start(self):
        receiver = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self):
                sock = self.request
                if receiver.tls:
                    sock = receiver.tls.wrap_socket(sock, server_side=True)
                with receiver.lock:
                    receiver.conns.append(sock)
                buf = b""
                while True:
                    try:
                        data = sock.recv(65536)
                    except OSError:
                        return
                    if not data:
                        return
                    buf += data
                    while True:
                        m = re.match(rb"(\d+) ", buf)
                        if not m or len(buf) < m.end() + int(m.group(1)):
                            break
                        msg = buf[m.end():m.end() + int(m.group(1))]
                        buf = buf[m.end() + int(m.group(1)):]
                        receiver.take(msg)

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.server = Server(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        harness._cleanups.append(self.stop)
        return self

    def take(self, msg):
        seq = int(re.search(rb'\[rampart@32473 seq="(\d+)"', msg).group(1))
        with self.lock:
            self.seqs[seq] = self.seqs.get(seq, 0) + 1
            self.messages.append(msg)

    def stop(self):
        if not self.server:
            return
        self.server.shutdown()
        self.server.server_close()
        with self.lock:
            for c in self.conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                c.close()
            self.conns = []
        self.server = None

    def got(self):
        with self.lock:
            return dict(self.seqs)


class WebhookReceiver:
    """HTTP POST receiver checking X-Rampart-Signature."""

    def __init__(self):
        self.port = harness.free_port()
        self.lock = threading.Lock()
        self.seqs = {}
        self.bad_signatures = 0

    def start(self):
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                sig = self.headers.get("X-Rampart-Signature", "")
                m = re.fullmatch(r"t=(\d+),sha256=([0-9a-f]{64})", sig)
                ok = m and hmac.compare_digest(
                    m.group(2), hmac.new(WEBHOOK_KEY, m.group(1).encode() + b"." + body,
                                         hashlib.sha256).hexdigest())
                if not ok:
                    with receiver.lock:
                        receiver.bad_signatures += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                with receiver.lock:
                    for rec in json.loads(body)["records"]:
                        receiver.seqs[rec["seq"]] = receiver.seqs.get(rec["seq"], 0) + 1
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        harness._cleanups.append(self.stop)
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def got(self):
        with self.lock:
            return dict(self.seqs)


def audit_records(session, **params):
    """Every record (oldest first), following the keyset cursor."""
    out, cursor = [], None
    while True:
        q = dict(params, order="asc", limit="1000")
        if cursor:
            q["cursor"] = cursor
        qs = "&".join("%s=%s" % kv for kv in q.items())
        r = session.request("GET", "/api/v1/audit?" + qs)
        assert r.status == 200, r
        page = r.json()
        out += page["records"]
        cursor = page["next_cursor"]
        if not cursor:
            return out


def last_seq():
    return audit_records(AUDITOR)[-1]["seq"]


def setUpModule():
    global RD, ADMIN, SECOPS, AUDITOR, SYSLOG, WEBHOOK
    SYSLOG = SyslogReceiver().start()
    WEBHOOK = WebhookReceiver().start()
    RD = Rampartd(name="audit")
    key_file = RD.path("webhook.key")
    with open(key_file, "wb") as f:
        f.write(WEBHOOK_KEY + b"\n")
    os.chmod(key_file, 0o600)
    RD.write_conf("audit_seal_records 7\naudit_seal_seconds 2\n"
                  "audit_syslog tcp://127.0.0.1:%d\n"
                  "audit_webhook http://127.0.0.1:%d/rampart/audit\n"
                  "audit_webhook_secret_file %s\n" % (SYSLOG.port, WEBHOOK.port, key_file))
    RD.start()
    ADMIN = first_login(RD)
    SECOPS = make_user(ADMIN, "sam", "secops")
    AUDITOR = make_user(ADMIN, "audrey", "auditor")


class Records(unittest.TestCase):
    def test_actions_are_recorded_with_their_actor(self):
        r = ADMIN.request("POST", "/api/v1/users", {"name": "rec-user", "role": "secops"})
        self.assertEqual(r.status, 201)
        self.assertEqual(ADMIN.request("PATCH", "/api/v1/users/rec-user",
                                       {"disabled": True}).status, 200)
        token_id = ADMIN.request("POST", "/api/v1/tokens",
                                 {"name": "rec-token", "role": "gateway"}).json()["token"]["id"]
        self.assertEqual(ADMIN.request("DELETE", "/api/v1/tokens/%d" % token_id).status, 204)
        self.assertEqual(ADMIN.request("DELETE", "/api/v1/users/rec-user").status, 204)
        self.assertEqual(RD.request("POST", "/api/v1/auth/login",
                                    {"username": "sam", "password": "wrong" * 4}).status, 401)
        recs = audit_records(AUDITOR)

        def find(action, target, outcome="success"):
            hits = [x for x in recs if x["action"] == action and x["target"] == target and
                    x["outcome"] == outcome]
            self.assertTrue(hits, "%s %s %s not in the audit log" % (action, target, outcome))
            return hits[-1]

        rec = find("user.create", "rec-user")
        self.assertEqual((rec["actor"], rec["role"], rec["status"], rec["client"]),
                         ("admin", "admin", 201, "127.0.0.1"))
        self.assertEqual(rec["detail"], {"role": "secops"})
        # the intent record precedes the result, with the same actor and path
        intent = [x for x in recs if x["seq"] < rec["seq"] and x["outcome"] == "intent"][-1]
        self.assertEqual((intent["actor"], intent["path"]), ("admin", "/api/v1/users"))
        self.assertEqual(find("user.update", "rec-user")["detail"], {"disabled": True})
        self.assertEqual(find("token.create", "rec-token")["detail"]["role"], "gateway")
        find("token.revoke", str(token_id))
        find("user.delete", "rec-user")
        failed = find("auth.login", "sam", "failure")
        self.assertEqual(failed["detail"]["reason"], "wrong password")
        self.assertEqual(failed["status"], 401)
        find("auth.login", "audrey")
        find("auth.password_change", "audrey")
        self.assertEqual(recs[0]["action"], "system.start")
        self.assertEqual(recs[0]["seq"], 1)
        # filters and CSV
        only = audit_records(AUDITOR, actor="admin", action="user.delete")
        self.assertTrue(only and all(x["actor"] == "admin" and x["action"] == "user.delete"
                                     for x in only))
        r = AUDITOR.request("GET", "/api/v1/audit?format=csv&limit=2")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.body.startswith(b"seq,time,actor,role,client,action,"))
        self.assertTrue(r.header("x-next-cursor"))
        self.assertEqual(AUDITOR.request("GET", "/api/v1/audit?limit=0").status, 400)
        self.assertEqual(AUDITOR.request("GET", "/api/v1/audit?from=yesterday").status, 400)

    def test_system_records(self):
        rd = Rampartd(name="audit-system").start()
        admin = first_login(rd)
        auditor = make_user(admin, "aud", "auditor")
        rd.signal(signal.SIGHUP)
        wait_for(lambda: audit_records(auditor, action="system.reload"), what="reload record")
        with open(rd.conf, "a") as f:
            f.write("audit_retention_days 90\n")
        rd.signal(signal.SIGHUP)
        failed = wait_for(lambda: audit_records(auditor, action="system.reload",
                                                outcome="failure"), what="failed reload")
        self.assertIn("rampartd.conf:", failed[0]["detail"]["error"])
        self.assertIn("audit_retention_days", failed[0]["detail"]["error"])
        self.assertEqual(rd.stop(), 0)
        rd.write_conf("")
        rd.start()
        auditor = Session(rd, "aud", PASSWORD)
        actions = [(x["actor"], x["action"], x["target"]) for x in audit_records(auditor)]
        self.assertEqual(actions[:2], [("rampartd", "system.start", ""),
                                       ("rampartd", "user.create", "admin")])
        self.assertIn(("rampartd", "system.stop", ""), actions)
        self.assertEqual(actions.count(("rampartd", "system.start", "")), 2)
        rd.stop()

    def test_lockout_and_throttling_are_recorded(self):
        rd = Rampartd(name="audit-lock", extra_conf="login_account_failures 2\n").start()
        admin = first_login(rd)
        auditor = make_user(admin, "aud", "auditor")
        make_user(admin, "victim", "secops")
        for _ in range(3):
            rd.request("POST", "/api/v1/auth/login", {"username": "victim",
                                                      "password": "nope" * 5})
        outcomes = [x["outcome"] for x in audit_records(auditor, action="auth.login",
                                                         target="victim")]
        self.assertIn("locked", outcomes)
        self.assertIn("throttled", outcomes)
        rd.stop()


class Separation(unittest.TestCase):
    """The auditor reads the audit log and changes nothing; nobody deletes it."""

    def test_only_the_auditor_reads(self):
        token = make_token(ADMIN, "audit-reader", "auditor")
        for path in ("/api/v1/audit", "/api/v1/audit/verify", "/api/v1/audit/public-key",
                     "/api/v1/audit/seals"):
            self.assertEqual(AUDITOR.request("GET", path).status, 200, path)
            self.assertEqual(RD.request("GET", path, headers=bearer(token)).status, 200, path)
            self.assertEqual(ADMIN.request("GET", path).status, 403, path)
            self.assertEqual(SECOPS.request("GET", path).status, 403, path)
            self.assertEqual(RD.request("GET", path).status, 401, path)

    def test_auditor_cannot_change_anything(self):
        before = last_seq()
        r = AUDITOR.request("POST", "/api/v1/users", {"name": "by-auditor", "role": "admin"})
        self.assertEqual(r.status, 403)
        self.assertEqual(AUDITOR.request("POST", "/api/v1/tokens",
                                         {"name": "x", "role": "admin"}).status, 403)
        self.assertEqual(AUDITOR.request("DELETE", "/api/v1/users/sam").status, 403)
        denied = [x for x in audit_records(AUDITOR) if x["seq"] > before]
        self.assertTrue(any(x["actor"] == "audrey" and x["outcome"] == "denied" and
                            x["path"] == "/api/v1/users" and x["status"] == 403 for x in denied))

    def test_nobody_deletes_or_changes_audit_records(self):
        before = audit_records(AUDITOR)
        for who in (ADMIN, SECOPS, AUDITOR):
            for method, path in (("DELETE", "/api/v1/audit"), ("DELETE", "/api/v1/audit/1"),
                                 ("PATCH", "/api/v1/audit/1"), ("POST", "/api/v1/audit"),
                                 ("PUT", "/api/v1/audit/verify")):
                r = who.request(method, path, {})
                self.assertIn(r.status, (404, 405), "%s %s" % (method, path))
        after = audit_records(AUDITOR)
        self.assertEqual(after[:len(before)], before)
        # the store itself refuses, for anyone holding the file (or the
        # database role) but not dropping the triggers
        refused = ["DELETE FROM audit_log WHERE seq = 2", "UPDATE audit_log SET actor = 'x'",
                   "DELETE FROM audit_seals"]
        if ON_POSTGRES:
            refused += ["TRUNCATE audit_log", "TRUNCATE audit_seals"]
            for sql in refused:
                # the trigger's refusal, not some other error
                with self.assertRaisesRegex(RuntimeError, "audit (records|seals) ", msg=sql):
                    RD.query(sql)
        else:
            db = sqlite3.connect(os.path.join(RD.data_dir, "rampart.db"), timeout=10)
            for sql in refused:
                with self.assertRaises(sqlite3.DatabaseError, msg=sql):
                    db.execute(sql)
            db.close()
        self.assertEqual(audit_records(AUDITOR)[:len(before)], before)


class Export(unittest.TestCase):
    def test_syslog_and_webhook_get_every_record(self):
        ADMIN.request("POST", "/api/v1/users", {"name": "export-1", "role": "auditor"})
        n = last_seq()
        wait_for(lambda: all(s in SYSLOG.got() for s in range(1, n + 1)), what="syslog")
        wait_for(lambda: all(s in WEBHOOK.got() for s in range(1, n + 1)), what="webhook")
        self.assertEqual(WEBHOOK.bad_signatures, 0)
        msg = SYSLOG.messages[0]
        self.assertTrue(re.match(rb"<8[45]>1 \d{4}-\d\d-\d\dT[\d:.]+Z \S+ rampartd \d+ \S+ "
                                 rb"\[rampart@32473 seq=\"\d+\" hash=\"[0-9a-f]{64}\"", msg), msg)
        body = json.loads(msg.split(b"\xef\xbb\xbf", 1)[1])
        self.assertEqual(set(body), {"seq", "time", "time_ms", "actor", "role", "client",
                                     "action", "method", "path", "target", "outcome", "status",
                                     "detail", "prev_hash", "hash"})

    def test_syslog_receiver_outage(self):
        global SYSLOG
        n = last_seq()
        wait_for(lambda: all(s in SYSLOG.got() for s in range(1, n + 1)), what="syslog")
        port = SYSLOG.port
        SYSLOG.stop()
        for i in range(4):
            ADMIN.request("POST", "/api/v1/users", {"name": "during-outage-%d" % i,
                                                    "role": "auditor"})
        during = last_seq()
        metrics = lambda: RD.request("GET", "/metrics", headers=bearer(  # noqa: E731
            make_token(ADMIN, "m-%d" % time.time_ns(), "auditor"))).body.decode()
        wait_for(lambda: re.search(r'rampartd_audit_export_failures_total\{destination="syslog"\}'
                                   r' [1-9]', metrics()), what="failures counted")
        self.assertRegex(metrics(), r'rampartd_audit_export_lag\{destination="syslog"\} [1-9]')
        old = SYSLOG
        SYSLOG = SyslogReceiver(port=port).start()
        wait_for(lambda: all(s in SYSLOG.got() for s in range(n + 1, during + 1)), timeout=30,
                 what="delivery after the outage")
        merged = old.got()
        for s, c in SYSLOG.got().items():
            merged[s] = merged.get(s, 0) + c
        self.assertEqual([s for s in range(1, during + 1) if s not in merged], [])
        self.assertEqual({s: c for s, c in merged.items() if c > 1}, {}, "duplicates")
        self.assertEqual(WEBHOOK.bad_signatures, 0)


class Restarts(unittest.TestCase):
    def test_cursor_survives_restarts(self):
        """Records pending while the receiver was down go out after a restart
        of rampartd, from the stored cursor; nothing delivered goes twice."""
        receiver = SyslogReceiver().start()
        rd = Rampartd(name="audit-restart", extra_conf="audit_syslog tcp://127.0.0.1:%d\n" %
                      receiver.port).start()
        admin = first_login(rd)
        auditor = make_user(admin, "aud", "auditor")
        n = audit_records(auditor)[-1]["seq"]
        wait_for(lambda: set(range(1, n + 1)) <= set(receiver.got()), what="first records")
        port = receiver.port
        receiver.stop()
        admin.request("POST", "/api/v1/users", {"name": "while-down", "role": "auditor"})
        self.assertEqual(rd.stop(), 0)  # with records pending
        first = receiver.got()
        rd.start()
        receiver = SyslogReceiver(port=port).start()
        auditor = Session(rd, "aud", PASSWORD)
        last = audit_records(auditor)[-1]["seq"]
        wait_for(lambda: set(range(n + 1, last + 1)) <= set(receiver.got()),
                 what="pending records after the restart")
        self.assertEqual(set(first) & set(receiver.got()), set(), "delivered twice")
        self.assertEqual(set(range(1, last + 1)) - set(first) - set(receiver.got()), set())
        self.assertEqual(rd.stop(), 0)
        cursor = rd.query("SELECT seq FROM audit_export_cursors WHERE name = 'syslog'")
        self.assertEqual(int(cursor[0][0]), int(rd.query("SELECT max(seq) FROM audit_log")[0][0]))
        receiver.stop()


class Flood(unittest.TestCase):
    def test_anonymous_flood_is_counted_not_committed(self):
        """Refusals nobody authenticated pass a token bucket (200, then 20/s)."""
        rd = Rampartd(name="audit-flood").start()
        admin = first_login(rd)
        auditor = make_user(admin, "aud", "auditor")
        import http.client
        conn = http.client.HTTPConnection("127.0.0.1", rd.port, timeout=10)
        started = time.time()
        for _ in range(400):
            conn.request("POST", "/api/v1/users", body=b"{}",
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            r.read()
            self.assertEqual(r.status, 401)
        elapsed = time.time() - started
        conn.close()
        denied = audit_records(auditor, actor="anonymous", outcome="denied")
        self.assertGreaterEqual(len(denied), 200)
        self.assertLessEqual(len(denied), 200 + 20 * elapsed + 2)
        time.sleep(0.2)
        rd.request("POST", "/api/v1/users", {})  # admitted: the count goes first
        summaries = audit_records(auditor, action="audit.suppressed")
        self.assertTrue(summaries)
        self.assertEqual(sum(x["detail"]["records"] for x in summaries) + len(denied), 400)
        token = make_token(admin, "metrics", "auditor")
        metrics = rd.request("GET", "/metrics", headers=bearer(token)).body.decode()
        self.assertIn("rampartd_audit_suppressed_total %d" % (400 - len(denied)), metrics)
        rd.stop()


@SQLITE_FILE_ONLY
class Verify(unittest.TestCase):
    """Tampering with a stopped rampartd's store, each on its own copy."""

    @classmethod
    def setUpClass(cls):
        cls.rd = Rampartd(name="audit-verify", extra_conf="audit_seal_records 4\n").start()
        admin = first_login(cls.rd)
        cls.auditor = make_user(admin, "aud", "auditor")
        for i in range(10):
            admin.request("POST", "/api/v1/users", {"name": "v-%d" % i, "role": "secops"})
        # an export through the API, while running
        cls.export_dir = tempfile.mkdtemp(prefix="rp-audit-export-")
        harness._cleanups.append(lambda: shutil.rmtree(cls.export_dir, ignore_errors=True))
        with open(os.path.join(cls.export_dir, "records.json"), "w") as f:
            json.dump({"records": audit_records(cls.auditor)}, f)
        with open(os.path.join(cls.export_dir, "seals.json"), "wb") as f:
            f.write(cls.auditor.request("GET", "/api/v1/audit/seals").body)
        with open(os.path.join(cls.export_dir, "key.pem"), "wb") as f:
            f.write(cls.auditor.request("GET", "/api/v1/audit/public-key?format=pem").body)
        state = cls.auditor.request("GET", "/api/v1/audit/verify").json()
        assert state["ok"] and state["first_bad"] is None, state
        assert cls.rd.stop() == 0
        cls.db = os.path.join(cls.rd.data_dir, "rampart.db")
        with sqlite3.connect(cls.db) as db:
            cls.sealed = [r[0] for r in db.execute("SELECT seq FROM audit_seals ORDER BY seq")]
            cls.last = db.execute("SELECT max(seq) FROM audit_log").fetchone()[0]

    def verify(self, db):
        return subprocess.run([rampart_cli(), "audit", "verify", "--public-key",
                               os.path.join(self.rd.data_dir, "audit-sm2.pub"), db],
                              capture_output=True, text=True, timeout=60)

    def tampered(self, *sql):
        path = os.path.join(self.export_dir, "copy-%d.db" % time.time_ns())
        shutil.copy(self.db, path)
        db = sqlite3.connect(path)
        for t in ("audit_log_append_only", "audit_log_no_update", "audit_log_no_delete",
                  "audit_seals_no_update", "audit_seals_no_delete"):
            db.execute("DROP TRIGGER " + t)
        for s in sql:
            db.execute(s)
        db.commit()
        db.close()
        return self.verify(path)

    def assertBad(self, p, seq, reason):
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("first bad record: seq %d:" % seq, p.stdout)
        self.assertIn(reason, p.stdout)

    def test_intact(self):
        p = self.verify(self.db)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("audit log ok: %d records" % self.last, p.stdout)
        self.assertIn("last sealed seq %d" % self.sealed[-1], p.stdout)
        self.assertEqual(self.sealed[-1], self.last, "the stop seals the last record")

    def test_export_verifies(self):
        d = self.export_dir
        p = subprocess.run([rampart_cli(), "audit", "verify", "--public-key",
                            os.path.join(d, "key.pem"), "--seals", os.path.join(d, "seals.json"),
                            os.path.join(d, "records.json")], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        # the export is checked too: change one field of one record
        with open(os.path.join(d, "records.json")) as f:
            doc = json.load(f)
        doc["records"][5]["actor"] = "mallory"
        with open(os.path.join(d, "bad.json"), "w") as f:
            json.dump(doc, f)
        p = subprocess.run([rampart_cli(), "audit", "verify", "--public-key",
                            os.path.join(d, "key.pem"), "--seals", os.path.join(d, "seals.json"),
                            os.path.join(d, "bad.json")], capture_output=True, text=True)
        self.assertBad(p, doc["records"][5]["seq"], "modified")

    def test_modified_field(self):
        self.assertBad(self.tampered("UPDATE audit_log SET actor = 'mallory' WHERE seq = 6"), 6,
                       "modified")
        # the canonical column rewritten too: the hash still tells
        p = self.tampered("UPDATE audit_log SET actor = 'mallory', canonical = "
                          "replace(canonical, 'actor 5 admin', 'actor 7 mallory') WHERE seq = 6")
        self.assertBad(p, 6, "modified")

    def test_deleted_record(self):
        self.assertBad(self.tampered("DELETE FROM audit_log WHERE seq = 7"), 8, "missing")

    def test_inserted_record(self):
        p = self.tampered("UPDATE audit_log SET seq = seq + 1000 WHERE seq >= 5",
                          "UPDATE audit_log SET seq = seq - 999 WHERE seq >= 1000",
                          "INSERT INTO audit_log SELECT 5, ts, 'mallory', role, client, action, "
                          "method, path, target, outcome, status, detail, canonical, prev_hash, "
                          "hash FROM audit_log WHERE seq = 4")
        self.assertBad(p, 5, "does not follow record 4")

    def test_reordered_records(self):
        p = self.tampered("UPDATE audit_log SET seq = -1 WHERE seq = 5",
                          "UPDATE audit_log SET seq = 5 WHERE seq = 6",
                          "UPDATE audit_log SET seq = 6 WHERE seq = -1")
        self.assertBad(p, 5, "")

    def test_truncated_after_a_seal(self):
        cut = self.sealed[-2] - 1
        p = self.tampered("DELETE FROM audit_log WHERE seq > %d" % cut)
        self.assertBad(p, cut + 1, "truncated")

    def test_forged_seal(self):
        p = self.tampered("UPDATE audit_seals SET signature = "
                          "substr(signature, 1, 20) || x'00' || substr(signature, 22) "
                          "WHERE seq = %d" % self.sealed[0])
        self.assertBad(p, self.sealed[0], "signature")


class LiveTampering(unittest.TestCase):
    def test_live_tampering_shows_in_the_console_state(self):
        rd = Rampartd(name="audit-live").start()
        admin = first_login(rd)
        auditor = make_user(admin, "aud", "auditor")
        if ON_POSTGRES:
            rd.query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;"
                     " UPDATE audit_log SET outcome = 'failure' WHERE seq = 3")
        else:
            db = sqlite3.connect(os.path.join(rd.data_dir, "rampart.db"), timeout=10)
            db.execute("DROP TRIGGER audit_log_no_update")
            db.execute("UPDATE audit_log SET outcome = 'failure' WHERE seq = 3")
            db.commit()
            db.close()
        state = auditor.request("GET", "/api/v1/audit/verify").json()
        self.assertFalse(state["ok"])
        self.assertEqual(state["first_bad"]["seq"], 3)
        rd.stop()


class FailClosed(unittest.TestCase):
    @SQLITE_FILE_ONLY
    def test_no_action_without_its_record(self):
        """A store that cannot take the audit record refuses the action."""
        rd = Rampartd(name="audit-full", extra_conf="store_max_size 1m\ningest_batch 100\n")
        rd.start()
        admin = first_login(rd)
        gw = make_token(admin, "gw", "gateway")
        admin_token = make_token(admin, "automation", "admin")
        event = {"time": "2026-11-26T10:00:00.000Z", "action": "block", "client": "10.0.0.1",
                 "uri": "/" + "x" * 400}
        for size in (200, 20, 1, 1, 1):
            while rd.request("POST", "/api/v1/events", [event] * size,
                             bearer(gw)).status == 200:
                pass
        # small rows may still fit in the last pages: act until the intent
        # record no longer does
        refused = None
        for i in range(500):
            name = "after-full-%d" % i
            r = rd.request("POST", "/api/v1/tokens", {"name": name, "role": "auditor"},
                           bearer(admin_token))
            if r.status == 503 and r.json()["error"] == "audit_unavailable":
                refused = name
                break
        self.assertIsNotNone(refused, "the store never refused an audit record")
        tokens = rd.request("GET", "/api/v1/tokens", headers=bearer(admin_token)).json()
        self.assertNotIn(refused, [t["name"] for t in tokens["tokens"]])
        # logins fail closed too: no session without its audit record
        r = rd.request("POST", "/api/v1/auth/login", {"username": "admin",
                                                      "password": "correct horse battery staple"})
        self.assertEqual((r.status, r.json()["error"]), (503, "audit_unavailable"))
        self.assertIn("audit record not written", rd.log_text())
        rd.stop()
        p = subprocess.run([rampart_cli(), "audit", "verify",
                            os.path.join(rd.data_dir, "rampart.db")], capture_output=True,
                           text=True)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)


class Tls(unittest.TestCase):
    def test_tls_syslog(self):
        d = tempfile.mkdtemp(prefix="rp-audit-tls-")
        harness._cleanups.append(lambda: shutil.rmtree(d, ignore_errors=True))
        ca, cert, key = (os.path.join(d, n) for n in ("ca.pem", "cert.pem", "key.pem"))
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj",
                        "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", key, "-out", cert], check=True, capture_output=True)
        shutil.copy(cert, ca)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        receiver = SyslogReceiver(tls_context=ctx).start()
        rd = Rampartd(name="audit-tls", extra_conf="audit_syslog tls://127.0.0.1:%d\n"
                      "audit_syslog_ca %s\n" % (receiver.port, ca)).start()
        first_login(rd)
        wait_for(lambda: {1, 2, 3} <= set(receiver.got()), what="records over TLS")
        rd.stop()
        # the stop record goes out before rampartd exits (the receiver may
        # parse it a moment later)
        wait_for(lambda: b"system.stop" in b"".join(receiver.messages), timeout=5,
                 what="the stop record")
        receiver.stop()
        # a receiver whose certificate another CA signed gets nothing
        other = os.path.join(d, "other.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=other",
                        "-keyout", os.path.join(d, "other.key"), "-out", other], check=True,
                       capture_output=True)
        receiver = SyslogReceiver(tls_context=ctx).start()
        rd = Rampartd(name="audit-tls-bad", extra_conf="audit_syslog tls://127.0.0.1:%d\n"
                      "audit_syslog_ca %s\n" % (receiver.port, other)).start()
        wait_for(lambda: "certificate verify failed" in rd.log_text() or
                 "TLS handshake" in rd.log_text(), what="the refused handshake in the log")
        self.assertEqual(receiver.got(), {})
        rd.stop()
        receiver.stop()


if __name__ == "__main__":
    unittest.main()
