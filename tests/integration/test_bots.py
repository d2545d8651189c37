"""test_bots.py — bot protection in nginx: the challenge page, headless
Chromium solving it, curl not getting through, and clearance cookies that
are forged, copied to another browser or pointed off-site refused; an
enumeration of /records/citizens/{id} and a run of user names on a login
route caught across both workers, while re-reading records is not.

The gateway's policy challenges everything under /portal/ (difficulty 14
bits, so Chromium's proof of work takes a fraction of a second) and
refuses clients without a clearance on /api/. The upstream serves a
small HTML page. Everything on 127.0.0.1 (harness.py).
"""

import json
import os
import subprocess
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import harness
from console_harness import ensure_console
from harness import Nginx, read_jsonl

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

POLICY = """\
version bots-itest
mode block
events matched
bot_key bot.key
bot /portal/ challenge difficulty=14 ttl=900
bot /api/ block
bot /strict/ challenge difficulty=8 automation=deny
enumerate citizens /records/citizens/{id} 15/m action=throttle
login signin /signin user=username password=password users=4/h action=block
"""

HTTP = """
    rampart_event_sink file:{prefix}/events.jsonl;
    rampart_collections zone=rampart_bots:1m;

    server {
        listen 127.0.0.1:{port} reuseport;

        rampart on;
        rampart_policy {prefix}/bots.policy;

        location / {
            proxy_pass http://{upstream};
        }
    }
"""

PAGE = b"<!doctype html><html><body><h1 id=portal-home>portal home</h1></body></html>"


class _Page(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.do_GET()

    def do_GET(self):
        self.server.seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)


class Bots(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.up = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
        cls.up.seen = []
        threading.Thread(target=cls.up.serve_forever, daemon=True).start()
        cls.gw = Nginx(HTTP, upstream_port=cls.up.server_address[1], name="bots")
        with open(cls.gw.path("bots.policy"), "w") as f:
            f.write(POLICY)
        with open(cls.gw.path("bot.key"), "wb") as f:
            f.write(os.urandom(48))
        os.chmod(cls.gw.path("bot.key"), 0o600)
        cls.gw.start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.cleanup()
        cls.up.shutdown()
        cls.up.server_close()

    def get(self, path, headers=None):
        return self.gw.request("GET", path, headers=headers or {})

    def test_1_curl_gets_the_challenge_not_the_page(self):
        r = self.get("/portal/home", {"User-Agent": "curl/7.88.1"})
        self.assertEqual(r.status, 403)
        self.assertEqual(r.header("Cache-Control"), "no-store")
        self.assertTrue(r.header("Content-Type").startswith("text/html"))
        self.assertIn(b"Checking your browser", r.body)
        self.assertIn(b'aria-live="polite"', r.body)
        self.assertIn(b"<noscript>", r.body)
        self.assertNotIn("/portal/home", self.up.seen)
        # an API without clearance: refused, no page
        r = self.get("/api/v1/x", {"User-Agent": "curl/7.88.1"})
        self.assertEqual(r.status, 403)
        self.assertNotIn(b"Checking your browser", r.body)
        # a forged clearance
        r = self.get("/portal/home", {"Cookie": "rampart_clearance=k1.99999999999.0." + "ab" * 32})
        self.assertEqual(r.status, 403)
        self.assertNotIn("/portal/home", self.up.seen)
        # an answer without work, and one that points off-site
        r = self.get("/.rampart/challenge?t=c1.1.1.x&n=1&w=0&r=%2F%2Fevil.example%2F")
        self.assertEqual(r.status, 403)
        self.assertIsNone(r.header("Location"))
        self.assertIsNone(r.header("Set-Cookie"))
        self.assertEqual(self.gw.crash_lines(), [])

    def test_2_headless_chromium_passes(self):
        self.assertTrue(os.access(CHROMIUM, os.X_OK), "%s missing: scripts/deps.sh" % CHROMIUM)
        ensure_console()  # installs playwright-core into console/node_modules
        env = dict(os.environ, GW_URL="http://127.0.0.1:%d" % self.gw.port, CHROMIUM=CHROMIUM,
                   CONSOLE_SRC=os.path.join(harness.SOURCE_DIR, "console"))
        script = os.path.join(harness.SOURCE_DIR, "tests", "console", "bot_challenge.mjs")
        p = subprocess.run(["node", script], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=180)
        out = p.stdout.decode("utf-8", "replace")
        self.assertEqual(p.returncode, 0, out + "\n" + self.gw.log_tail())
        res = json.loads(out.strip().splitlines()[-1])
        print("chromium:", res)
        self.assertEqual(res["heading"], "portal home")
        self.assertTrue(res["url"].endswith("/portal/home?tab=1&q=%E5%8C%BB%E4%BF%9D"), res["url"])
        self.assertIn("/portal/home?tab=1&q=%E5%8C%BB%E4%BF%9D", self.up.seen)
        self.assertTrue(res["clearance"] and res["clearance"].startswith("k1."))
        self.assertTrue(res["httpOnly"])

        cookie = {"Cookie": "rampart_clearance=" + res["clearance"]}
        same_browser = dict(cookie, **{"User-Agent": res["userAgent"],
                                       "Accept-Language": "zh-CN"})
        # the clearance works for the browser it was issued to, API included
        self.assertEqual(self.get("/portal/other", same_browser).status, 200)
        self.assertEqual(self.get("/api/v1/x", same_browser).status, 200)
        # copied into another client (another User-Agent): refused
        self.assertEqual(self.get("/portal/other", dict(cookie, **{"User-Agent": "curl/8"})).status,
                         403)
        # tampered with: refused
        forged = dict(same_browser, Cookie="rampart_clearance=" + res["clearance"][:-1] +
                      ("0" if res["clearance"][-1] != "0" else "1"))
        self.assertEqual(self.get("/portal/other", forged).status, 403)
        # Playwright's Chromium reports navigator.webdriver: the strict part
        # refuses the clearance it carries
        if res["webdriver"]:
            self.assertEqual(self.get("/strict/x", same_browser).status, 403)

        events = read_jsonl(self.gw.path("events.jsonl"))
        details = [m.get("detail", "") for e in events for m in e.get("matches", [])
                   if m.get("detector") == "bot"]
        self.assertTrue(any(d.startswith("clearance issued") for d in details), details)
        self.assertTrue(any("no clearance" in d for d in details), details)
        self.assertTrue(any("bad signature" in d for d in details), details)
        self.assertEqual(self.gw.crash_lines(), [])

    def test_3_enumeration_and_stuffing_caught(self):
        statuses = [self.get("/records/citizens/%d" % (7000 + i)).status for i in range(15)]
        self.assertEqual(statuses, [200] * 15)
        # normal browsing: records already read, again and again
        for _ in range(3):
            for i in (0, 3, 14):
                self.assertEqual(self.get("/records/citizens/%d" % (7000 + i)).status, 200)
        r = self.get("/records/citizens/7015")
        self.assertEqual(r.status, 429)
        self.assertTrue(0 < int(r.header("Retry-After")) <= 60, r.header("Retry-After"))
        self.assertNotIn("/records/citizens/7015", self.up.seen)

        form = {"Content-Type": "application/x-www-form-urlencoded"}
        results = [self.gw.request("POST", "/signin", ("username=u%d&password=p%d" % (i, i)).encode(),
                                   form).status for i in range(6)]
        self.assertEqual(results, [200] * 4 + [403] * 2)
        events = read_jsonl(self.gw.path("events.jsonl"))
        targets = {m.get("target") for e in events for m in e.get("matches", [])
                   if m.get("detector") == "abuse"}
        self.assertEqual(targets, {"enumerate:citizens", "login:signin"})
        self.assertEqual(self.gw.crash_lines(), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
