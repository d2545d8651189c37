"""test_baseline.py — the configuration baseline against a deliberately
misconfigured upstream: HTML without security headers, a session cookie
without flags, X-Powered-By with a version, a readable /.git/config and a
backup file. Under `baseline detect` (location /) every finding is an
event with its remediation, once per application, with the score; under
`baseline fix` (location /fixed/) the gateway adds the missing headers and
cookie flags and drops the banner. Everything on 127.0.0.1 (harness.py).
"""

import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import Nginx, read_jsonl

POLICY = """\
version baseline-itest
events matched
detect traversal off
baseline {mode}
"""

HTTP = """
    rampart_event_sink file:{prefix}/events.jsonl;
    rampart_collections zone=rampart_baseline:1m;

    server {
        listen 127.0.0.1:{port} reuseport;
        rampart on;

        location / {
            rampart_app legacy-portal;
            rampart_policy {prefix}/detect.policy;
            proxy_pass http://{upstream};
        }
        location /fixed/ {
            rampart_app fixed-portal;
            rampart_policy {prefix}/fix.policy;
            proxy_pass http://{upstream};
        }
    }
"""


class _Misconfigured(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        body = b"<html><body>portal</body></html>"
        ctype = "text/html; charset=utf-8"
        if self.path.endswith("/.git/config"):
            body, ctype = b"[core]\n\trepositoryformatversion = 0\n", "text/plain"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Powered-By", "PHP/7.4.3")
        self.send_header("Set-Cookie", "PHPSESSID=abc123; path=/")
        self.end_headers()
        self.wfile.write(body)


class Baseline(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.up = ThreadingHTTPServer(("127.0.0.1", 0), _Misconfigured)
        threading.Thread(target=cls.up.serve_forever, daemon=True).start()
        cls.gw = Nginx(HTTP, upstream_port=cls.up.server_address[1], name="baseline")
        for mode in ("detect", "fix"):
            with open(cls.gw.path(mode + ".policy"), "w") as f:
                f.write(POLICY.format(mode=mode))
        cls.gw.start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.cleanup()
        cls.up.shutdown()
        cls.up.server_close()

    def findings(self, app):
        events = read_jsonl(self.gw.path("events.jsonl"))
        return [(m.get("excerpt"), m.get("detail")) for e in events if e.get("app") == app
                for m in e.get("matches", []) if m.get("detector") == "baseline"]

    def test_findings_reported_once(self):
        for path in ("/", "/news", "/.git/config", "/", "/.git/config"):
            self.assertEqual(self.gw.request("GET", path).status, 200)
        found = self.findings("legacy-portal")
        ids = [i for i, _ in found if i]
        for want in ("csp-missing", "framing-allowed", "hsts-missing", "nosniff-missing",
                     "referrer-policy-missing", "cookie-not-secure", "cookie-not-httponly",
                     "cookie-no-samesite", "powered-by", "sensitive-path"):
            self.assertEqual(ids.count(want), 1, (want, found))
        details = dict(found)
        self.assertIn("frame-ancestors", details["framing-allowed"])
        self.assertTrue(any(d.startswith("baseline score 10/100") for _, d in found), found)
        self.assertEqual(self.gw.crash_lines(), [])

    def test_gateway_fixes(self):
        r = self.gw.request("GET", "/fixed/home")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
        self.assertEqual(r.header("X-Frame-Options"), "SAMEORIGIN")
        self.assertEqual(r.header("Referrer-Policy"), "strict-origin-when-cross-origin")
        self.assertIsNone(r.header("X-Powered-By"))
        self.assertEqual(r.header("Set-Cookie"),
                         "PHPSESSID=abc123; path=/; Secure; HttpOnly; SameSite=Lax")
        self.assertEqual(self.gw.crash_lines(), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
