"""test_data_access.py — data-access audit records (docs/DATA-CLASSES.md, "Data-access audit").

A real gateway (nginx + module, the masking policy of test_masking) in front of an upstream that
serves 40 citizens; rampartd tails the gateway's event file. An auditor session's GET of
/api/citizens passes in clear, and rampartd turns its data-access event into one audit record
(actor, roles, client, path, classes, record keys), which an auditor account reads through
/api/v1/audit; an anonymous (masked) GET writes none; `rampart audit verify` passes on the store
afterwards.

Run by CTest as `python3 test_data_access.py` with RP_BUILD_DIR and RP_SOURCE_DIR; everything on
127.0.0.1 (see harness.py).
"""

import os
import subprocess
import unittest

import harness
from rampartd_harness import Rampartd, first_login, make_user, wait_until
from test_identity import claims, mint
from test_masking import IDS, masking_gateway, raw_get


def audit_records(session, **params):
    query = "&".join("%s=%s" % kv for kv in params.items())
    return session.request("GET", "/api/v1/audit?limit=500&" + query).json()["records"]


class DataAccessAudit(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.up, cls.gw = masking_gateway("dataaudit")
        cls.rd = Rampartd(name="dataaudit", extra_conf="events_file %s\ningest_flush_ms 5\n"
                          % cls.gw.path("events.jsonl")).start()
        cls.admin = first_login(cls.rd)
        cls.auditor = make_user(cls.admin, "aud", "auditor")

    @classmethod
    def tearDownClass(cls):
        cls.rd.cleanup()
        cls.gw.cleanup()
        cls.up.shutdown()

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

    def test_z_verify_passes(self):
        self.get("/api/citizens?who=fay", user="fay", roles="auditor")
        self.wait_records(lambda r: r["actor"] == "fay")
        state = self.auditor.request("GET", "/api/v1/audit/verify").json()
        self.assertTrue(state["ok"], state)
        if harness_store_is_sqlite():
            self.assertEqual(self.rd.stop(), 0)
            p = subprocess.run([os.path.join(harness.BUILD_DIR, "rampart"), "audit", "verify",
                                "--public-key", os.path.join(self.rd.data_dir, "audit-sm2.pub"),
                                os.path.join(self.rd.data_dir, "rampart.db")],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn("audit log ok", p.stdout)


def harness_store_is_sqlite():
    from rampartd_harness import store_backend
    return store_backend() != "postgres"


if __name__ == "__main__":
    unittest.main()
