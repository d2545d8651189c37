"""test_tls_baseline.py — the gateway's own TLS settings in the
configuration baseline, through a real nginx on two loopback TLS ports
with certificates made by the openssl CLI: a weak server (TLS 1.0-1.2,
every cipher at security level 0, a self-signed RSA 1024 certificate
that expires in 10 days) and a good one (TLS 1.2-1.3, ECDHE with AES-GCM
or ChaCha20, an ECDSA P-256 certificate from a test CA, a year left).
The upstream's own headers are clean, so the only findings are TLS ones:
every weak setting appears with its remediation and the score, and the
good server's application shows none.
"""

import json
import os
import ssl
import subprocess
import threading
import unittest
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import Nginx, free_port, read_jsonl

POLICY = """\
version tls-baseline-itest
events matched
baseline detect
"""

HTTP = """
    rampart_event_sink file:{prefix}/events.jsonl;
    rampart_collections zone=rampart_tlsbase:1m;

    server {
        listen 127.0.0.1:{weak_port} ssl;
        ssl_certificate {prefix}/weak.crt;
        ssl_certificate_key {prefix}/weak.key;
        ssl_protocols TLSv1 TLSv1.1 TLSv1.2;
        ssl_ciphers ALL:@SECLEVEL=0;
        rampart on;
        rampart_app weak-portal;
        rampart_policy {prefix}/base.policy;
        location / { proxy_pass http://{upstream}; }
    }
    server {
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {prefix}/good.crt;
        ssl_certificate_key {prefix}/good.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305;
        rampart on;
        rampart_app good-portal;
        rampart_policy {prefix}/base.policy;
        location / { proxy_pass http://{upstream}; }
    }
"""


class _Clean(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Strict-Transport-Security", "max-age=31536000")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_certificates(d):
    # weak: RSA 1024, self-signed, 10 days
    openssl("req", "-x509", "-newkey", "rsa:1024", "-nodes", "-keyout", "weak.key",
            "-out", "weak.crt", "-days", "10", "-subj", "/CN=weak.test", cwd=d)
    # good: a test CA, then an ECDSA P-256 server certificate it signs, a year
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "ca.key", "-out", "ca.crt", "-days", "3650", "-subj", "/CN=Rampart Test CA",
            cwd=d)
    openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "good.key", "-out", "good.csr", "-subj", "/CN=localhost", cwd=d)
    with open(os.path.join(d, "good.ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "good.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "good.crt", "-days", "365", "-extfile", "good.ext", cwd=d)


class TlsBaseline(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.up = ThreadingHTTPServer(("127.0.0.1", 0), _Clean)
        threading.Thread(target=cls.up.serve_forever, daemon=True).start()
        cls.weak_port = free_port()
        cls.gw = Nginx(HTTP.replace("{weak_port}", str(cls.weak_port)),
                       upstream_port=cls.up.server_address[1], name="tlsbase")
        make_certificates(cls.gw.prefix)
        with open(cls.gw.path("base.policy"), "w") as f:
            f.write(POLICY)
        cls.gw.start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.cleanup()
        cls.up.shutdown()
        cls.up.server_close()

    def fetch(self, port, context):
        url = "https://127.0.0.1:%d/api/status" % port
        with urllib.request.urlopen(url, context=context, timeout=10) as resp:
            self.assertEqual(resp.status, 200)
            self.assertEqual(json.loads(resp.read()), {"ok": True})

    def baseline_matches(self, app):
        out = []
        for e in read_jsonl(self.gw.path("events.jsonl")):
            if e.get("app") != app:
                continue
            out += [m for m in e.get("matches", []) if m.get("detector") == "baseline"]
        return out

    def test_weak_and_good(self):
        weak = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        weak.check_hostname = False
        weak.verify_mode = ssl.CERT_NONE
        weak.set_ciphers("ALL:@SECLEVEL=0")
        self.fetch(self.weak_port, weak)
        good = ssl.create_default_context(cafile=self.gw.path("ca.crt"))
        self.fetch(self.gw.port, good)
        self.fetch(self.gw.port, good)

        found = {m["excerpt"]: m for m in self.baseline_matches("weak-portal")}
        for fid in ("tls-old-protocol", "tls-weak-cipher", "tls-no-forward-secrecy",
                    "tls-weak-key", "tls-cert-expiring", "tls-self-signed"):
            self.assertIn(fid, found)
        self.assertNotIn("tls-cert-expired", found)
        self.assertIn("ssl_protocols TLSv1.2 TLSv1.3", found["tls-old-protocol"]["detail"])
        self.assertEqual(found["tls-weak-key"]["target"], "tls:certificate")
        scores = [m["detail"] for m in self.baseline_matches("weak-portal")
                  if m["detail"].startswith("baseline score")]
        # 100 - 20 - 20 - 5 - 20 - 10 - 15
        self.assertEqual(len(scores), 1, scores)
        self.assertTrue(scores[0].startswith("baseline score 10/100: tls-old-protocol"), scores)

        self.assertEqual(self.baseline_matches("good-portal"), [])


if __name__ == "__main__":
    unittest.main()
