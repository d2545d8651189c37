"""test_masking.py — response masking in real nginx (docs/DATA-CLASSES.md, "Masking responses").

An upstream of our own serves a citizens document (valid resident ID numbers, mobiles as JSON
numbers and strings, names, look-alike IDs with wrong check digits) whole, chunked with values
split across chunks (separate writes, proxy_buffering off), and gzip-encoded. Through the gateway:
anonymous callers get every ID and mobile masked and the JSON still parses; a caller whose session
(minted here with a test key, as test_identity does) holds the role auditor gets the bytes as they
are, and that is a data-access event in the event log; gzip comes back gzip, masked; the body's
length is right (no stale Content-Length); the application's masking switch `detect` leaves the
body untouched and reports what it held; upstream is asked for gzip or identity only.

Run by CTest as `python3 test_masking.py` with RP_BUILD_DIR and RP_SOURCE_DIR; everything on
127.0.0.1 (see harness.py).
"""

import gzip
import json
import socket
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from harness import Nginx, read_jsonl
from test_identity import SESSION_KEY, b64, claims, mint

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def resident_id(d17):
    return d17 + "10X98765432"[sum(int(c) * w for c, w in zip(d17, W)) % 11]


def citizens(n=40):
    items = []
    for i in range(n):
        rid = resident_id("1101051990%02d%02d%03d" % (1 + i % 12, 1 + i % 28, i))
        wrong = rid[:17] + ("0" if rid[17] != "0" else "1")
        items.append({"id": i + 1, "name": "张三%d" % i, "idNumber": rid, "ref": wrong,
                      "mobile": "139%08d" % i, "address": "北京市朝阳区建国路%d号" % i})
    text = json.dumps({"total": n, "items": items}, ensure_ascii=False)
    # mobiles also as bare JSON numbers: masked, they must become strings
    return text.replace('"mobile": "', '"mobile": ').replace('", "address"', ', "address"') \
        .encode()


DOC = citizens()
IDS = [it["idNumber"] for it in json.loads(DOC)["items"]]
SEEN = {}


class Upstream(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_GET(self):
        SEEN[self.path] = self.headers.get("Accept-Encoding")
        body = DOC
        if self.path.startswith("/api/chunked"):
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            # cut inside the first ID number and inside a mobile number
            first = body.index(IDS[0].encode()) + 9
            second = body.index(b"13900000003") + 5
            for part in (body[:first], body[first:second], body[second:]):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.flush()
                time.sleep(0.05)
            self.wfile.write(b"0\r\n\r\n")
            return
        encoding = None
        if self.path.startswith("/api/gzip") and "gzip" in (self.headers.get("Accept-Encoding")
                                                             or ""):
            body = gzip.compress(body)
            encoding = "gzip"
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.end_headers()
        self.wfile.write(body)


POLICY = """\
version mask-itest
mode block
events matched
mask /api/ roles-clear=auditor keys=id names=name
"""

HTTP = """
    rampart_event_sink file:{prefix}/events.jsonl;
    rampart_identity_keys {prefix}/identity-keys;
    rampart_switches {prefix}/switches;

    server {
        listen 127.0.0.1:{port} reuseport;
        rampart on;

        location / {
            rampart_app citizens;
            rampart_policy {prefix}/mask.policy;
            proxy_buffering off;
            proxy_pass http://{upstream};
        }

        location /detect/ {
            rampart_app audit-only;
            rampart_policy {prefix}/detect.policy;
            proxy_pass http://{upstream}/api/;
        }
    }
"""


def raw_get(port, path, headers=None):
    """GET over a raw socket: status, headers (lower-case names), body as framed on the wire
    (chunked decoded), so Content-Length and framing are checked as a client sees them."""
    h = {"Host": "citizens.example.test", "Connection": "close"}
    h.update(headers or {})
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(("GET %s HTTP/1.1\r\n" % path + "".join("%s: %s\r\n" % kv for kv in h.items())
               + "\r\n").encode())
    data = b""
    while True:
        got = s.recv(65536)
        if not got:
            break
        data += got
    s.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    if hdrs.get("transfer-encoding") == "chunked":
        body = b""
        while True:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line, 16)
            if size == 0:
                break
            body += rest[:size]
            rest = rest[size + 2:]
    else:
        if "content-length" in hdrs:
            assert len(rest) == int(hdrs["content-length"]), (len(rest), hdrs)
        body = rest
    return status, hdrs, body


def masking_gateway(name):
    """The upstream (started) and the gateway in front of it (started): the citizens app with
    masking on, the audit-only app with masking detect, session keys of test_identity."""
    up = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=up.serve_forever, daemon=True).start()
    gw = Nginx(HTTP, upstream_port=up.server_address[1], name=name)
    with open(gw.path("identity-keys"), "w") as f:
        f.write("# rampart session keys\nk1 hmac-sha256 %s 0\n" % b64(SESSION_KEY))
    with open(gw.path("switches"), "w") as f:
        f.write("citizens waf=block masking=block\naudit-only waf=block masking=detect\n")
    with open(gw.path("mask.policy"), "w") as f:
        f.write(POLICY)
    with open(gw.path("detect.policy"), "w") as f:
        f.write(POLICY.replace("mask-itest", "mask-detect").replace("/api/", "/detect/"))
    open(gw.path("events.jsonl"), "a").close()
    gw.start()
    return up, gw


class GatewayMasking(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.up, cls.gw = masking_gateway("masking")

    @classmethod
    def tearDownClass(cls):
        cls.gw.cleanup()
        cls.up.shutdown()

    def get(self, path, role=None, headers=None):
        h = dict(headers or {})
        if role:
            h["Cookie"] = "rampart_id=" + mint(claims(sub="carol", ro=role))
        return raw_get(self.gw.port, path, h)

    def events(self, pred, n=1, timeout=5):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [e for e in read_jsonl(self.gw.path("events.jsonl")) if pred(e)]
            if len(found) >= n:
                return found
            time.sleep(0.05)
        self.fail("no such event")

    def assert_masked(self, body):
        doc = json.loads(body)  # still valid JSON
        self.assertEqual(len(doc["items"]), len(IDS))
        for item, rid in zip(doc["items"], IDS):
            self.assertEqual(item["idNumber"], rid[:6] + "*" * 8 + rid[-4:])
            self.assertIsInstance(item["mobile"], str)
            self.assertRegex(item["mobile"], r"^139\*{4}\d{4}$")
            self.assertEqual(item["ref"][:17], rid[:17])  # wrong check digit: left alone
            self.assertTrue(item["name"].startswith("张") and "*" in item["name"])
        for rid in IDS:
            self.assertNotIn(rid.encode(), body)

    def test_anonymous_masked(self):
        status, hdrs, body = self.get("/api/citizens")
        self.assertEqual(status, 200)
        self.assert_masked(body)
        # discovery: which route exposes which classes
        ev = self.events(lambda e: e.get("category") == "data-discovery")[0]
        self.assertEqual(ev["data"]["route"], "/api/")
        self.assertEqual(ev["data"]["classes"]["resident_id"], len(IDS))

    def test_auditor_sees_clear_and_it_is_an_event(self):
        status, hdrs, body = self.get("/api/citizens?who=auditor", role="staff,auditor")
        self.assertEqual(status, 200)
        self.assertEqual(body, DOC)
        ev = self.events(lambda e: e.get("category") == "data-access"
                         and "who=auditor" in e.get("uri", ""))[0]
        self.assertEqual(ev["app"], "citizens")
        self.assertEqual(ev["data"]["user"], "carol")
        self.assertEqual(ev["data"]["view"], "clear")
        self.assertEqual(ev["data"]["classes"]["resident_id"], len(IDS))
        self.assertEqual(ev["data"]["classes"]["mobile"], len(IDS))
        self.assertEqual(ev["data"]["keys"][:3], ["1", "2", "3"])
        # a session without the role: masked, no data-access event
        status, hdrs, body = self.get("/api/citizens?who=staff", role="staff")
        self.assert_masked(body)
        # a forged session counts as none
        status, hdrs, body = self.get("/api/citizens", headers={
            "Cookie": "rampart_id=" + mint(claims(ro="auditor"), key=b"z" * 32)})
        self.assert_masked(body)

    def test_chunked_and_split_values(self):
        status, hdrs, body = self.get("/api/chunked")
        self.assertEqual(status, 200)
        self.assert_masked(body)

    def test_gzip_recoded_and_upstream_asked_for_gzip_only(self):
        status, hdrs, body = self.get("/api/gzip", headers={"Accept-Encoding": "gzip, br, zstd"})
        self.assertEqual(status, 200)
        self.assertEqual(hdrs.get("content-encoding"), "gzip")
        self.assertNotIn("content-length", hdrs)
        self.assert_masked(gzip.decompress(body))
        self.assertEqual(SEEN["/api/gzip"], "gzip")
        # a client without gzip: upstream is asked for identity
        status, hdrs, body = self.get("/api/gzip?plain=1", headers={"Accept-Encoding": "br"})
        self.assertEqual(SEEN["/api/gzip?plain=1"], "identity")
        self.assert_masked(body)

    def test_detect_switch_leaves_body_and_reports(self):
        status, hdrs, body = self.get("/detect/citizens")
        self.assertEqual(status, 200)
        self.assertEqual(body, DOC)
        ev = self.events(lambda e: e.get("category") == "data-discovery"
                         and e.get("app") == "audit-only")[0]
        self.assertEqual(ev["data"]["view"], "detect")
        self.assertEqual(ev["data"]["classes"]["mobile"], len(IDS))

    def test_z_no_crash(self):
        self.assertEqual(self.gw.crash_lines(), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
