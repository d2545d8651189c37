"""test_apisec.py — OpenAPI positive security and rate limits in nginx.

One gateway with two worker processes and a `rampart_collections` zone;
its policy attaches the government portal's spec
(tests/unit/data/openapi/portal.yaml) and two rate limits. Requests arrive
on fresh connections, which `listen ... reuseport` spreads over both
workers: the limit must hold exactly across them, the refusal must be a
429 with Retry-After, and requests that do not fit the spec must be
refused (block routes) or only recorded (detect routes).

Run by CTest as `python3 test_apisec.py` with RP_BUILD_DIR and
RP_SOURCE_DIR; everything on 127.0.0.1 (see harness.py).
"""

import json
import os
import shutil
import unittest

import harness
from harness import Nginx, Upstream, read_jsonl

LIMIT = 12

POLICY = """\
version apisec-itest
mode block
events matched
openapi portal.yaml block
ratelimit me {limit}/d key=addr path=/api/v1/citizens/me
ratelimit records 1000/d key=addr,route algorithm=sliding-window path=/api/v1/citizens/
"""

HTTP = """
    rampart_event_sink file:{prefix}/events.jsonl;
    rampart_collections zone=rampart_ip:1m;

    server {
        listen 127.0.0.1:{port} reuseport;

        rampart on;
        rampart_policy {prefix}/itest.policy;

        location / {
            add_header X-Worker $pid always;
            proxy_pass http://{upstream};
        }
    }
"""

REQ_ID = {"X-Channel": "app"}

GOOD = {
    "applicant": {"name": "王小明", "idNumber": "11010519491231002X"},
    "benefit": "pension",
    "startDate": "2027-01-01",
}


class ApiSecurity(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.up = Upstream()
        cls.gw = Nginx(HTTP, upstream_port=cls.up.port, name="apisec")
        with open(cls.gw.path("itest.policy"), "w") as f:
            f.write(POLICY.format(limit=LIMIT))
        src = os.environ.get("RP_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
        shutil.copy(os.path.join(src, "tests/unit/data/openapi/portal.yaml"),
                    cls.gw.path("portal.yaml"))
        cls.gw.start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.cleanup()
        cls.up.stop()

    def post(self, body, ctype="application/json"):
        data = json.dumps(body, ensure_ascii=False).encode() if not isinstance(body, bytes) else body
        return self.gw.request("POST", "/api/v1/applications", data, {"Content-Type": ctype})

    def openapi_matches(self):
        events = read_jsonl(self.gw.path("events.jsonl"))
        return [(m.get("target"), m.get("detail")) for e in events for m in e.get("matches", [])
                if m.get("detector") == "openapi"]

    def test_1_spec_is_enforced(self):
        self.assertEqual(self.gw.request("GET", "/api/v1/citizens/42", headers=REQ_ID).status, 200)
        self.assertEqual(self.gw.request("GET", "/api/v1/citizens/4x2", headers=REQ_ID).status,
                         403)
        self.assertEqual(self.gw.request("GET", "/api/v1/citizens/42").status, 403)  # no X-Channel
        self.assertEqual(self.gw.request("GET", "/api/v1/citizens/42",
                                         headers={"X-Channel": "fax"}).status, 403)
        self.assertEqual(self.gw.request("DELETE", "/api/v1/citizens/42", headers=REQ_ID).status,
                         403)
        self.assertEqual(self.gw.request("GET", "/api/v1/internal/dump").status, 403)
        self.assertEqual(self.post(GOOD).status, 200)
        self.assertIsNotNone(self.up.find("/api/v1/applications"))
        bad = dict(GOOD, applicant={"name": "x", "idNumber": "11010519491231002X1"})
        self.assertEqual(self.post(bad).status, 403)
        self.assertEqual(self.post(dict(GOOD, isAdmin=True)).status, 403)
        self.assertEqual(self.post(b"benefit=pension", "application/x-www-form-urlencoded").status,
                         403)
        # a detect route: recorded, let through
        r = self.gw.request("GET", "/api/v1/applications/nope/documents/a.pdf")
        self.assertEqual(r.status, 200)
        matches = self.openapi_matches()
        self.assertIn(("json:/applicant/idNumber", "string longer than maxLength 18"), matches)
        self.assertIn(("json:/isAdmin", "property not allowed (additionalProperties is false)"),
                      matches)
        self.assertEqual(self.gw.crash_lines(), [])

    def test_2_rate_limit_shared_by_workers(self):
        results = []
        for _ in range(LIMIT + 4):
            r = self.gw.request("GET", "/api/v1/citizens/me")  # a new connection each time
            results.append((r.status, r.header("X-Worker"), r.header("Retry-After")))
        statuses = [s for s, _, _ in results]
        self.assertEqual(statuses, [200] * LIMIT + [429] * 4, results)
        workers = {w for _, w, _ in results if w}
        self.assertGreaterEqual(len(workers), 2, "every request went to one worker: %r" % results)
        for status, _, retry in results[LIMIT:]:
            self.assertIsNotNone(retry, results)
            # 12 per day: one token every 7200 s
            self.assertTrue(0 < int(retry) <= 7200, retry)
        for status, _, retry in results[:LIMIT]:
            self.assertIsNone(retry)
        self.assertEqual(self.gw.crash_lines(), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
