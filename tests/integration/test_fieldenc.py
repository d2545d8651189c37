"""test_fieldenc.py — transparent field encryption through a real gateway (docs/CRYPTO.md,
"Field encryption at the gateway").

rampartd holds the data key gov/citizens; `rampart sync --once` writes the gateway's data keys
file; nginx with the module sits in front of a real application: a small HTTP server that stores
what it receives in SQLite and returns the records. Through the gateway:

- JSON records (whole and chunked) and a form record are POSTed: the application's database
  holds only rpe1. envelopes in the configured columns (the test reads the SQLite file), the
  other columns as sent;
- read back anonymously they are masked; with an auditor's session they are clear, and that is a
  data-access event;
- the key is rotated in rampartd and synced again: new records are sealed with version 2, and
  records of both versions read back clear;
- an envelope tampered with in the database comes back redacted, and an event says why;
- a body that does not parse is refused (never stored in clear); each key delivery is an audit
  record; the keys file is 0600 and no key appears in a log.

Run by CTest as `python3 test_fieldenc.py` with RP_BUILD_DIR and RP_SOURCE_DIR; everything on
127.0.0.1 (ports picked free at run time).
"""

import base64
import json
import os
import socket
import sqlite3
import stat
import subprocess
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import harness
from harness import Nginx, read_jsonl
from rampartd_harness import Rampartd, first_login, make_user
from test_identity import SESSION_KEY, b64, claims, mint

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def resident_id(d17):
    return d17 + "10X98765432"[sum(int(c) * w for c, w in zip(d17, W)) % 11]


DB = None
DB_LOCK = threading.Lock()


class App(BaseHTTPRequestHandler):
    """The application: stores records in SQLite as they arrive, returns them as stored."""
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, doc):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or -1)
        if n < 0:
            return self.reply(411, {"error": "no length"})  # the gateway must give one
        raw = self.rfile.read(n)
        ctype = self.headers.get("Content-Type", "")
        if ctype.startswith("application/x-www-form-urlencoded"):
            from urllib.parse import parse_qs
            f = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
            rec = (f.get("applicant[idNumber]"), f.get("name"), f.get("phone"))
        else:
            doc = json.loads(raw)
            rec = (doc["applicant"]["idNumber"], doc["applicant"]["name"], doc["phone"])
        with DB_LOCK:
            db = sqlite3.connect(DB)
            cur = db.execute("INSERT INTO people (id_number, name, phone, raw) VALUES (?,?,?,?)",
                             rec + (raw.decode(),))
            db.commit()
            rid = cur.lastrowid
            db.close()
        self.reply(201, {"id": rid})

    def do_GET(self):
        with DB_LOCK:
            db = sqlite3.connect(DB)
            rows = db.execute("SELECT id, id_number, name, phone FROM people ORDER BY id").fetchall()
            db.close()
        self.reply(200, {"items": [{"id": r[0], "applicant": {"idNumber": r[1], "name": r[2]},
                                    "phone": r[3]} for r in rows]})


POLICY = """\
version fieldenc-itest
mode block
events matched
encrypt /api/citizens key=gov/citizens fields=applicant.idNumber:id,phone:mobile roles-clear=auditor
"""

HTTP = """
    rampart_event_sink file:{prefix}/events.jsonl;
    rampart_identity_keys {prefix}/identity-keys;
    rampart_switches {prefix}/switches;
    rampart_data_keys {prefix}/gw/data-keys;

    server {
        listen 127.0.0.1:{port} reuseport;
        rampart on;

        location / {
            rampart_app gov;
            rampart_policy {prefix}/fieldenc.policy;
            proxy_pass http://{upstream};
        }
    }
"""

RD = ADMIN = AUDITOR = GW = None
TOKEN_FILE = None


def sync():
    out = subprocess.run(
        [os.path.join(harness.BUILD_DIR, "rampart"), "sync", "--once", "--url",
         "http://127.0.0.1:%d" % RD.port, "--token-file", TOKEN_FILE, "--dir", GW.path("gw"),
         "--gateway-id", "gw-fieldenc"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        timeout=60)
    with open(GW.path("sync.log"), "ab") as f:
        f.write(out.stdout)
    return out.stdout.decode("utf-8", "replace")


def raw(port, method, path, body=b"", headers=None, chunks=None):
    """One request over a raw socket (chunked when chunks is given): status, body."""
    h = {"Host": "gov.example.test", "Connection": "close"}
    h.update(headers or {})
    if chunks is not None:
        h["Transfer-Encoding"] = "chunked"
        body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
    elif method == "POST":
        h["Content-Length"] = str(len(body))
    s = socket.create_connection(("127.0.0.1", port), timeout=15)
    s.sendall(("%s %s HTTP/1.1\r\n" % (method, path) +
               "".join("%s: %s\r\n" % kv for kv in h.items()) + "\r\n").encode() + body)
    data = b""
    while True:
        got = s.recv(65536)
        if not got:
            break
        data += got
    s.close()
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hdrs = {l.partition(":")[0].strip().lower(): l.partition(":")[2].strip() for l in lines[1:]}
    if hdrs.get("transfer-encoding") == "chunked":
        out = b""
        while True:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line, 16)
            if size == 0:
                break
            out += rest[:size]
            rest = rest[size + 2:]
        rest = out
    elif "content-length" in hdrs:
        assert len(rest) == int(hdrs["content-length"]), hdrs
    return int(lines[0].split()[1]), rest


def envelope_version(text):
    b = base64.urlsafe_b64decode(text[5:] + "=" * (-len(text[5:]) % 4))
    assert b[:3] == b"RPE", text
    k = b[5]
    return int.from_bytes(b[6:10], "big"), b[10:10 + k].decode()


def records(n, first=0):
    return [{"applicant": {"idNumber": resident_id("1101051990%02d%02d%03d" % (1 + i % 12,
                                                                                1 + i % 28, i)),
                           "name": "张三%d" % i},
             "phone": 13900000000 + i, "note": "kept"} for i in range(first, first + n)]


class FieldEncryption(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        global RD, ADMIN, AUDITOR, GW, DB, TOKEN_FILE
        top = tempfile.mkdtemp(prefix="rp-fieldenc-")
        harness._cleanups.append(lambda: subprocess.run(["rm", "-rf", top]))
        TOKEN_FILE = os.path.join(top, "gateway.token")
        RD = Rampartd("gateway_token_file %s\n" % TOKEN_FILE, name="fieldenc").start()
        ADMIN = first_login(RD)
        AUDITOR = make_user(ADMIN, "audrey", "auditor")
        assert ADMIN.request("POST", "/api/v1/apps", {
            "name": "gov", "host": "*", "path_prefix": "/api/",
            "upstream": "http://127.0.0.1:9"}).status == 201
        r = ADMIN.request("POST", "/api/v1/crypto/keys", {"name": "gov/citizens"})
        assert r.status == 201, r
        # the application
        DB = os.path.join(top, "app.db")
        db = sqlite3.connect(DB)
        db.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, id_number TEXT, name TEXT, "
                   "phone TEXT, raw TEXT)")
        db.commit()
        db.close()
        cls.app = ThreadingHTTPServer(("127.0.0.1", 0), App)
        threading.Thread(target=cls.app.serve_forever, daemon=True).start()
        harness._cleanups.append(cls.app.shutdown)
        GW = Nginx(HTTP, upstream_port=cls.app.server_address[1], name="fieldenc")
        os.makedirs(GW.path("gw"), exist_ok=True)
        with open(GW.path("identity-keys"), "w") as f:
            f.write("# rampart session keys\nk1 hmac-sha256 %s 0\n" % b64(SESSION_KEY))
        with open(GW.path("switches"), "w") as f:
            f.write("gov waf=block encryption=block\n")
        with open(GW.path("fieldenc.policy"), "w") as f:
            f.write(POLICY)
        log = sync()
        assert os.path.exists(GW.path("gw/data-keys")), log
        GW.start()

    @classmethod
    def tearDownClass(cls):
        harness._run_cleanups()

    def post(self, rec, chunked=False):
        body = json.dumps(rec, ensure_ascii=False).encode()
        if chunked:
            return raw(GW.port, "POST", "/api/citizens", headers={
                "Content-Type": "application/json"}, chunks=[body[:17], body[17:40], body[40:]])
        return raw(GW.port, "POST", "/api/citizens", body, {"Content-Type": "application/json"})

    def get(self, role=None):
        h = {}
        if role:
            h["Cookie"] = "rampart_id=" + mint(claims(sub="carol", ro=role))
        status, body = raw(GW.port, "GET", "/api/citizens", headers=h)
        self.assertEqual(status, 200, body)
        return json.loads(body)["items"]

    def stored(self):
        db = sqlite3.connect(DB)
        rows = db.execute("SELECT id, id_number, name, phone, raw FROM people ORDER BY id").fetchall()
        db.close()
        return rows

    def events(self, pred, timeout=5):
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [e for e in read_jsonl(GW.path("events.jsonl")) if pred(e)]
            if found:
                return found
            time.sleep(0.05)
        self.fail("no such event")

    def test_1_stored_sealed(self):
        self.assertEqual(stat.S_IMODE(os.stat(GW.path("gw/data-keys")).st_mode), 0o600)
        recs = records(4)
        for i, rec in enumerate(recs):
            status, body = self.post(rec, chunked=i % 2 == 1)
            self.assertEqual(status, 201, body)
        form = ("applicant%5BidNumber%5D=" + recs[0]["applicant"]["idNumber"] +
                "&name=form&phone=13811112222").encode()
        status, body = raw(GW.port, "POST", "/api/citizens/form", form,
                           {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 201, body)
        rows = self.stored()
        self.assertEqual(len(rows), 5)
        for row in rows:
            self.assertTrue(row[1].startswith("rpe1.UlBFA"), row)
            self.assertTrue(row[3].startswith("rpe1.UlBFA"), row)
            self.assertEqual(envelope_version(row[1]), (1, "gov:citizens"))
        self.assertEqual([r[2] for r in rows], ["张三0", "张三1", "张三2", "张三3", "form"])
        with open(DB, "rb") as f:
            everything = f.read()
        for rec in recs:
            self.assertNotIn(rec["applicant"]["idNumber"].encode(), everything)
            self.assertNotIn(str(rec["phone"]).encode(), everything)
        self.assertNotIn(b"13811112222", everything)
        self.assertIn(b'"note": "kept"', everything)  # the rest as it was sent

    def test_2_read_masked_and_clear(self):
        recs = records(4)
        anon = self.get()
        for item, rec in zip(anon, recs):
            rid = rec["applicant"]["idNumber"]
            self.assertEqual(item["applicant"]["idNumber"], rid[:6] + "*" * 8 + rid[-4:])
            self.assertEqual(item["phone"], str(rec["phone"])[:3] + "****" + str(rec["phone"])[-4:])
        clear = self.get("staff,auditor")
        for item, rec in zip(clear, recs):
            self.assertEqual(item["applicant"]["idNumber"], rec["applicant"]["idNumber"])
            self.assertEqual(item["phone"], str(rec["phone"]))  # numbers come back as strings
        self.assertEqual(clear[4]["phone"], "13811112222")
        ev = self.events(lambda e: any(m.get("category") == "data-access" and
                                       m.get("detector") == "fieldenc"
                                       for m in e.get("matches", [])))
        self.assertIn("for carol", json.dumps(ev[-1]))

    def test_3_rotation_mixed_versions(self):
        r = ADMIN.request("POST", "/api/v1/crypto/keys/rotate", {"name": "gov/citizens"})
        self.assertEqual(r.status, 200, r)
        before = os.stat(GW.path("gw/data-keys")).st_mtime_ns
        sync()
        self.assertNotEqual(os.stat(GW.path("gw/data-keys")).st_mtime_ns, before)
        time.sleep(0.3)  # the workers look at the file at most every 200 ms
        for rec in records(2, first=10):
            status, body = self.post(rec)
            self.assertEqual(status, 201, body)
        rows = self.stored()
        self.assertEqual(envelope_version(rows[-1][1])[0], 2)
        self.assertEqual(envelope_version(rows[0][1])[0], 1)
        clear = self.get("auditor")
        want = records(4) + [None] + records(2, first=10)
        for item, rec in zip(clear, want):
            if rec:
                self.assertEqual(item["applicant"]["idNumber"], rec["applicant"]["idNumber"])
        ev = self.events(lambda e: "versions 1 2" in json.dumps(e) or
                         "versions 2 1" in json.dumps(e))
        self.assertTrue(ev)

    def test_4_tampered_envelope(self):
        db = sqlite3.connect(DB)
        (env,) = db.execute("SELECT phone FROM people WHERE id = 2").fetchone()
        mid = len(env) // 2
        bad = env[:mid] + ("A" if env[mid] != "A" else "B") + env[mid + 1:]
        db.execute("UPDATE people SET phone = ? WHERE id = 2", (bad,))
        db.commit()
        db.close()
        clear = self.get("auditor")
        self.assertEqual(clear[1]["phone"], "[mobile]")
        self.assertEqual(clear[1]["applicant"]["idNumber"],
                         records(4)[1]["applicant"]["idNumber"])
        self.assertEqual(self.get()[1]["phone"], "[mobile]")
        self.events(lambda e: any(m.get("category") == "data-integrity" and
                                  "authentication_failed=1" in m.get("detail", "")
                                  for m in e.get("matches", [])))

    def test_5_refusals_audit_and_logs(self):
        n = len(self.stored())
        status, _ = raw(GW.port, "POST", "/api/citizens", b'{"phone": "13812345678"',
                        {"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        status, _ = raw(GW.port, "POST", "/api/citizens", b"phone=13812345678",
                        {"Content-Type": "text/plain"})
        self.assertEqual(status, 415)
        status, _ = raw(GW.port, "POST", "/api/citizens", b'{"phone": {"n": "13812345678"}}',
                        {"Content-Type": "application/json"})
        self.assertEqual(status, 400)
        self.assertEqual(len(self.stored()), n)  # nothing reached the application
        with open(DB, "rb") as f:
            self.assertNotIn(b"13812345678", f.read())
        r = AUDITOR.request("GET", "/api/v1/audit?action=key.gateway_delivery")
        self.assertEqual(r.status, 200, r)
        recs = [a for a in r.json()["records"] if a.get("action") == "key.gateway_delivery"]
        self.assertTrue(recs, r.json())
        self.assertIn("gov/citizens", json.dumps(recs))
        # no key material in any log
        with open(GW.path("gw/data-keys")) as f:
            material = [l.split()[4] for l in f if l.startswith("rpgk1")]
        self.assertEqual(len(material), 2)
        logs = ""
        for p in (GW.path("error.log"), GW.path("sync.log"), GW.path("events.jsonl")):
            if os.path.exists(p):
                with open(p, errors="replace") as f:
                    logs += f.read()
        logs += RD.log_text()
        for m in material:
            self.assertNotIn(m, logs)


if __name__ == "__main__":
    unittest.main(verbosity=2)
