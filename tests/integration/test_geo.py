"""test_geo.py — country and region rules through a real nginx: a MaxMind
DB built by tests/support/mmdb_writer.py maps loopback sources to
countries (127.0.0.2 CN-BJ, 127.0.0.3 CN-SH, 127.0.0.4 US-CA, 127.0.0.5
DE; 127.0.0.1 unknown); clients bind those sources. Under the policy
CN is denied except Shanghai, and /admin/ only admits DE. A second
server trusts 127.0.0.1 as a proxy (nginx realip): the country is the
forwarded client's. A reload onto a database where 127.0.0.5 is CN
changes the answer without a restart.
"""

import http.client
import os
import subprocess
import sys
import unittest

from harness import Nginx, Upstream, read_jsonl

HERE = os.path.dirname(os.path.abspath(__file__))
WRITER = os.path.join(HERE, "..", "support")
sys.path.insert(0, WRITER)
import mmdb_writer  # noqa: E402

POLICY = """\
version geo-itest
events matched
geo {db}
geo allow region=CN-SH
geo deny country=CN
geo allow country=DE /admin/
geo deny country=* /admin/
"""

HTTP = """
    rampart_event_sink file:{prefix}/events.jsonl;

    server {
        listen 127.0.0.1:{port} reuseport;
        rampart on;
        rampart_policy {prefix}/geo.policy;
        location / { proxy_pass http://{upstream}; }
    }
    server {
        listen 127.0.0.1:{proxied_port} reuseport;
        rampart on;
        rampart_policy {prefix}/geo.policy;
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Forwarded-For;
        location / { proxy_pass http://{upstream}; }
    }
"""


def get(port, path, source="127.0.0.1", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                      source_address=(source, 0))
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


class Geo(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.up = Upstream()
        from harness import free_port
        cls.proxied_port = free_port()
        cls.gw = Nginx(HTTP.replace("{proxied_port}", str(cls.proxied_port)),
                       upstream_port=cls.up.port, name="geo")
        cls.db = cls.gw.path("geo.mmdb")
        subprocess.run([sys.executable, os.path.join(WRITER, "mmdb_writer.py"), cls.db],
                       check=True)
        with open(cls.gw.path("geo.policy"), "w") as f:
            f.write(POLICY.format(db=cls.db))
        cls.gw.start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.cleanup()
        cls.up.stop()

    def test_countries(self):
        p = self.gw.port
        self.assertEqual(get(p, "/", "127.0.0.2"), 403)  # CN-BJ
        self.assertEqual(get(p, "/", "127.0.0.3"), 200)  # CN-SH: the exception
        self.assertEqual(get(p, "/", "127.0.0.4"), 200)  # US
        self.assertEqual(get(p, "/", "127.0.0.1"), 200)  # unknown
        self.assertEqual(get(p, "/admin/", "127.0.0.5"), 200)  # DE
        self.assertEqual(get(p, "/admin/", "127.0.0.4"), 403)
        self.assertEqual(get(p, "/admin/", "127.0.0.1"), 403)
        events = [e for e in read_jsonl(self.gw.path("events.jsonl"))
                  if any(m.get("detector") == "geo" for m in e.get("matches", []))]
        details = sorted(m["detail"] for e in events for m in e["matches"])
        self.assertIn("country CN region CN-BJ", details)
        self.assertIn("country US region US-CA", details)
        self.assertIn("country unknown", details)

    def test_trusted_proxy(self):
        p = self.proxied_port
        # 127.0.0.1 is a trusted proxy: the forwarded client decides
        self.assertEqual(get(p, "/", "127.0.0.1", {"X-Forwarded-For": "127.0.0.2"}), 403)
        self.assertEqual(get(p, "/", "127.0.0.1", {"X-Forwarded-For": "203.0.113.7"}), 200)
        # 127.0.0.4 is not: its own address counts, the header is ignored
        self.assertEqual(get(p, "/", "127.0.0.4", {"X-Forwarded-For": "127.0.0.2"}), 200)

    def test_reload_swaps_database(self):
        w = mmdb_writer.Writer()
        w.insert("127.0.0.5/32", mmdb_writer.geo("CN", "GD"))
        new_db = self.gw.path("geo2.mmdb")
        with open(new_db, "wb") as f:
            f.write(w.build())
        with open(self.gw.path("geo.policy"), "w") as f:
            f.write(POLICY.format(db=new_db))
        try:
            self.gw.reload()
            self.assertEqual(get(self.gw.port, "/", "127.0.0.5"), 403)
            self.assertEqual(get(self.gw.port, "/", "127.0.0.2"), 200)  # not in the new DB
        finally:
            with open(self.gw.path("geo.policy"), "w") as f:
                f.write(POLICY.format(db=self.db))
            self.gw.reload()


if __name__ == "__main__":
    unittest.main()
