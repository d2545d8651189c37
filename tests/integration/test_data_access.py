"""test_data_access.py — data-access audit records, the exposure view and volume alerts
(docs/DATA-CLASSES.md, "Data-access audit"; docs/RAMPARTD.md, "Data exposure and alerts").

A real gateway (nginx + module, the masking policy of test_masking) in front of an upstream that
serves 40 citizens; rampartd tails the gateway's event file. An auditor session's GET of
/api/citizens passes in clear, and rampartd turns its data-access event into one audit record
(actor, roles, client, path, classes, record keys), which an auditor account reads through
/api/v1/audit; an anonymous (masked) GET writes none; `rampart audit verify` passes on the store
afterwards. The exposure view shows /api/citizens exposing resident IDs in clear to the auditor
role and masked to others. One user unmasking more than 100 ID numbers within the hour (three
GETs of 40) raises exactly one alert for the window — in /api/v1/alerts, as an "alert" event,
and delivered as an alert.raised audit record to a webhook receiver this test runs — which
secops acknowledge (once; the auditor may not).

Run by CTest as `python3 test_data_access.py` with RP_BUILD_DIR and RP_SOURCE_DIR; everything on
127.0.0.1 (see harness.py).
"""

import hashlib
import hmac
import http.server
import json
import os
import subprocess
import threading
import unittest

import harness
from rampartd_harness import Rampartd, first_login, make_user, store_backend, wait_until
from test_identity import claims, mint
from test_masking import IDS, masking_gateway, raw_get


WEBHOOK_KEY = b"data-audit-webhook-key-0123456789"


class WebhookReceiver:
    """The audit export's webhook on loopback: records of correctly signed batches."""

    def __init__(self):
        self.records, self.lock = [], threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                t, _, mac = self.headers.get("X-Rampart-Signature", "").partition(",sha256=")
                want = hmac.new(WEBHOOK_KEY, t[2:].encode() + b"." + body,
                                hashlib.sha256).hexdigest()
                ok = hmac.compare_digest(mac, want)
                if ok:
                    with receiver.lock:
                        receiver.records += json.loads(body)["records"]
                self.send_response(204 if ok else 401)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def got(self, action):
        with self.lock:
            return [r for r in self.records if r["action"] == action]


def audit_records(session, **params):
    query = "&".join("%s=%s" % kv for kv in params.items())
    return session.request("GET", "/api/v1/audit?limit=500&" + query).json()["records"]


class DataAccessAudit(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.up, cls.gw = masking_gateway("dataaudit")
        cls.webhook = WebhookReceiver()
        cls.rd = Rampartd(name="dataaudit")
        key_file = cls.rd.path("webhook.key")
        with open(key_file, "wb") as f:
            f.write(WEBHOOK_KEY + b"\n")
        os.chmod(key_file, 0o600)
        cls.rd.write_conf("events_file %s\ningest_flush_ms 5\n"
                          "audit_webhook http://127.0.0.1:%d/alerts\n"
                          "audit_webhook_secret_file %s\n"
                          % (cls.gw.path("events.jsonl"), cls.webhook.port, key_file))
        cls.rd.start()
        cls.admin = first_login(cls.rd)
        cls.auditor = make_user(cls.admin, "aud", "auditor")
        cls.secops = make_user(cls.admin, "sec", "secops")

    @classmethod
    def tearDownClass(cls):
        cls.rd.cleanup()
        cls.gw.cleanup()
        cls.up.shutdown()
        cls.webhook.server.shutdown()

    def get(self, path, user=None, roles=None):
        h = {}
        if user:
            h["Cookie"] = "rampart_id=" + mint(claims(sub=user, ro=roles))
        return raw_get(self.gw.port, path, h)

    def wait_records(self, pred, n=1):
        found = []

        def enough():
            found[:] = [r for r in audit_records(self.auditor, action="data.access") if pred(r)]
            return len(found) >= n
        wait_until(enough, timeout=20, what="data.access audit records")
        return found

    def test_unmasked_view_is_an_audit_record(self):
        status, _, body = self.get("/api/citizens?who=dave", user="dave", roles="staff,auditor")
        self.assertEqual(status, 200)
        self.assertIn(IDS[0].encode(), body)  # in clear
        rec = self.wait_records(lambda r: r["actor"] == "dave")[0]
        self.assertEqual(rec["role"], "staff,auditor")
        self.assertEqual(rec["client"], "127.0.0.1")
        self.assertEqual(rec["method"], "GET")
        self.assertEqual(rec["path"], "/api/citizens")
        self.assertEqual(rec["target"], "citizens")
        self.assertEqual(rec["outcome"], "success")
        self.assertEqual(rec["status"], 200)
        d = rec["detail"]
        self.assertEqual(d["app"], "citizens")
        self.assertEqual(d["view"], "clear")
        self.assertEqual(d["route"], "/api/")
        self.assertEqual(d["classes"]["resident_id"], len(IDS))
        self.assertEqual(d["classes"]["mobile"], len(IDS))
        self.assertEqual(d["keys"], [str(i + 1) for i in range(32)])  # the first 32 record keys
        self.assertEqual(d["keys_dropped"], len(IDS) - 32)
        self.assertRegex(d["time"], r"^\d{4}-\d\d-\d\dT")

    def test_masked_view_is_no_audit_record(self):
        status, _, body = self.get("/api/citizens?who=erin", user="erin", roles="staff")
        self.assertEqual(status, 200)
        self.assertNotIn(IDS[0].encode(), body)
        # a clear view after it: once that one is recorded, the masked one had its chance
        self.get("/api/citizens?who=erin2", user="erin2", roles="auditor")
        self.wait_records(lambda r: r["actor"] == "erin2")
        self.assertEqual([r for r in audit_records(self.auditor, action="data.access")
                          if r["actor"] == "erin"], [])

    def test_exposure_per_endpoint(self):
        self.get("/api/citizens?who=gus", user="gus", roles="auditor")
        self.get("/api/citizens?who=anon")
        rows = []

        def seen():
            r = self.auditor.request("GET", "/api/v1/exposure?app=citizens")
            self.assertEqual(r.status, 200)
            rows[:] = r.json()["items"]
            views = {(x["path"], x["class"], x["roles"], x["view"]) for x in rows}
            return ("/api/citizens", "resident_id", "auditor", "clear") in views and \
                any(x["view"] == "masked" and x["path"] == "/api/citizens" for x in rows)
        wait_until(seen, timeout=20, what="exposure rows")
        clear = [x for x in rows if x["roles"] == "auditor" and x["view"] == "clear"
                 and x["class"] == "resident_id"][0]
        self.assertGreaterEqual(clear["responses"], 1)
        self.assertEqual(clear["values"], clear["responses"] * len(IDS))
        self.assertRegex(clear["last_seen"], r"^\d{4}-")
        self.assertEqual(self.auditor.request("GET", "/api/v1/exposure?app=nope")
                         .json()["items"], [])

    def test_alert_once_per_user_and_window(self):
        def alerts():
            return [a for a in self.auditor.request("GET", "/api/v1/alerts").json()["alerts"]
                    if a["subject"] == "mallory"]
        for i in range(2):  # 80 ID numbers: under the threshold
            self.get("/api/citizens?n=%d" % i, user="mallory", roles="auditor")
        self.wait_records(lambda r: r["actor"] == "mallory", n=2)
        self.assertEqual(alerts(), [])
        for i in range(2, 4):  # 160
            self.get("/api/citizens?n=%d" % i, user="mallory", roles="auditor")
        self.wait_records(lambda r: r["actor"] == "mallory", n=4)
        wait_until(lambda: alerts() and alerts()[0]["hits"] == 4 * len(IDS), timeout=20,
                   what="the alert's hits")
        got = alerts()
        self.assertEqual(len(got), 1, got)
        a = got[0]
        self.assertEqual((a["rule"], a["state"], a["threshold"], a["window_seconds"]),
                         ("unmasked-id-numbers", "open", 100, 3600))
        self.assertEqual(a["detail"]["app"], "citizens")
        # delivered once through the audit export's webhook
        wait_until(lambda: self.webhook.got("alert.raised"), timeout=20, what="webhook delivery")
        raised = [r for r in self.webhook.got("alert.raised") if r["detail"]["subject"] == "mallory"]
        self.assertEqual(len(raised), 1)
        self.assertEqual(raised[0]["detail"]["alert_id"], a["id"])
        self.assertEqual(raised[0]["detail"]["hits"], 3 * len(IDS))  # when it crossed
        # and an event of category alert
        r = self.auditor.request("GET", "/api/v1/events?category=alert")
        self.assertIn("alert-%d" % a["id"], [e["request_id"] for e in r.json()["events"]])
        self.assertEqual(self.auditor.request("GET", "/api/v1/alerts?state=open").json()["open"],
                         len([x for x in self.auditor.request("GET", "/api/v1/alerts?state=open")
                              .json()["alerts"]]))
        # secops acknowledge, once; the auditor may not
        path = "/api/v1/alerts/%d/ack" % a["id"]
        self.assertEqual(self.auditor.request("POST", path).status, 403)
        r = self.secops.request("POST", path)
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json()["state"], r.json()["acked_by"]), ("acked", "sec"))
        self.assertEqual(self.secops.request("POST", path).status, 409)
        self.assertEqual(self.secops.request("POST", "/api/v1/alerts/999999/ack").status, 404)

    def test_z_verify_passes(self):
        self.get("/api/citizens?who=fay", user="fay", roles="auditor")
        self.wait_records(lambda r: r["actor"] == "fay")
        state = self.auditor.request("GET", "/api/v1/audit/verify").json()
        self.assertTrue(state["ok"], state)
        if store_backend() != "postgres":  # `rampart audit verify` reads SQLite files
            self.assertEqual(self.rd.stop(), 0)
            p = subprocess.run([os.path.join(harness.BUILD_DIR, "rampart"), "audit", "verify",
                                "--public-key", os.path.join(self.rd.data_dir, "audit-sm2.pub"),
                                os.path.join(self.rd.data_dir, "rampart.db")],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn("audit log ok", p.stdout)


if __name__ == "__main__":
    unittest.main()
