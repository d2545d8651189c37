"""test_gateway.py — nginx + ngx_http_rampart_module as a gateway, black-box.

Run by CTest as `python3 test_gateway.py` with RP_BUILD_DIR and RP_SOURCE_DIR.
Every server listens on 127.0.0.1 with ephemeral ports; each nginx has its
own prefix (see harness.py). RP_KEEP_PREFIX=1 keeps the prefixes for a look.
"""

import json
import os
import socket
import subprocess
import threading
import time
import unittest
import urllib.parse

import harness
from harness import Nginx, EventSink, Upstream, pattern, sha256, raw, raw_status

POLICY = """\
# integration-test policy
version itest-{tag}
mode block
detect sqli on
detect xss on
events {events}
"""

SQLI = "1' or '1'='1"
SQLI2 = "1 union select password from users--"
XSS = "<script>alert(1)</script>"
CHINESE = "我们的“服务”，很好！"

GATEWAY_HTTP = """
    rampart_event_sink unix:{prefix}/events.sock;
    log_format rid '$request_id $status';

    upstream backend {
        server {upstream};
    }

    server {
        listen 127.0.0.1:{port};

        rampart on;
        rampart_policy {prefix}/itest.policy;
        rampart_app gateway-test;

        location / {
            proxy_pass http://backend;
        }

        location /detect/ {
            rampart_mode detect;
            proxy_pass http://backend;
        }

        location /ret {
            return 200 "ok";
        }

        location /rw/ {
            rewrite ^/rw/(.*)$ /ret last;
        }

        location /tf/ {
            try_files /nonexistent @backend;
        }

        location @backend {
            proxy_pass http://backend;
        }

        location /stream/ {
            rampart_request_body streaming;
            proxy_request_buffering off;
            proxy_pass http://backend;
        }

        location /rid/ {
            access_log {prefix}/rid.log rid;
            proxy_pass http://backend;
        }

        location /off/ {
            rampart off;
            proxy_pass http://backend;
        }

        location = /rampart_status {
            rampart off;
            rampart_status;
        }
    }
"""

UP = None
GW = None
SINK = None


def write_policy(path, tag="1", events="matched"):
    with open(path, "w") as f:
        f.write(POLICY.format(tag=tag, events=events))


def setUpModule():
    global UP, GW, SINK
    harness.module_path()  # fail early and clearly when not built
    UP = Upstream()
    GW = Nginx(GATEWAY_HTTP, UP.port, name="gateway")
    write_policy(GW.path("itest.policy"))
    SINK = EventSink(GW.path("events.sock"))
    GW.start()


def tearDownModule():
    bad = []
    if GW:
        bad = GW.crash_lines() + [l for l in GW.log_text().splitlines()
                                  if "[alert]" in l or "[crit]" in l or "[emerg]" in l]
    harness._run_cleanups()
    if bad:
        raise AssertionError("crash/alert lines in the gateway's error log:\n" + "\n".join(bad))


def q(s):
    return urllib.parse.quote(s, safe="")


def multipart(fields, boundary="rpBoundary7MA4YWxk"):
    out = []
    for name, value in fields:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                    % (boundary, name, value)).encode())
    out.append(("--%s--\r\n" % boundary).encode())
    return b"".join(out), "multipart/form-data; boundary=" + boundary


class Passthrough(unittest.TestCase):
    """Allowed traffic reaches the upstream and comes back byte-exact."""

    def post_echo(self, path, body, ctype="application/octet-stream", chunked=False):
        if chunked:
            chunks = [body[i:i + 7777] for i in range(0, len(body), 7777)]
            r = GW.request("POST", path, chunks, {"Content-Type": ctype}, chunked=True)
        else:
            r = GW.request("POST", path, body, {"Content-Type": ctype})
        self.assertEqual(r.status, 200, "POST %s (%d bytes) answered %d: %r"
                         % (path, len(body), r.status, r.body[:200]))
        self.assertEqual(r.header("X-Echo-Body-Sha256"), sha256(body),
                         "upstream saw a different request body for %s" % path)
        self.assertEqual(len(r.body), len(body), "echoed body length differs for %s" % path)
        self.assertEqual(sha256(r.body), sha256(body), "echoed body differs for %s" % path)

    def test_small_body(self):
        self.post_echo("/echo/small", b"hello=world&n=1", "application/x-www-form-urlencoded")

    def test_1mb_body(self):
        self.post_echo("/echo/1m", pattern(1 << 20))

    def test_20mb_body(self):
        self.post_echo("/echo/20m", pattern(20 << 20))

    def test_1mb_form_body_inspected(self):
        # a body the engine does read (urlencoded), spooled to disk by nginx
        body = ("a=" + "x" * (1 << 20) + "&b=2").encode()
        self.post_echo("/echo/form1m", body, "application/x-www-form-urlencoded")

    def test_chunked_request_body(self):
        self.post_echo("/echo/chunked", pattern(300000), chunked=True)

    def test_chunked_response(self):
        r = GW.request("GET", "/chunked/3000000")
        self.assertEqual(r.status, 200)
        self.assertEqual(sha256(r.body), sha256(pattern(3000000)), "chunked response differs")

    def test_64k_response(self):
        r = GW.request("GET", "/big/65536")
        self.assertEqual(r.status, 200)
        self.assertEqual(sha256(r.body), sha256(pattern(65536)), "64 KB response differs")

    def test_10mb_response(self):
        r = GW.request("GET", "/big/10485760")
        self.assertEqual(r.status, 200)
        self.assertEqual(len(r.body), 10485760, "10 MB response truncated")
        self.assertEqual(sha256(r.body), sha256(pattern(10485760)), "10 MB response differs")

    def test_benign_chinese(self):
        r = GW.request("GET", "/echo/zh?q=" + q(CHINESE))
        self.assertEqual(r.status, 200, "Chinese query blocked: %r" % r.body[:200])
        body = ("comment=" + q(CHINESE)).encode()
        self.post_echo("/echo/zh-form", body, "application/x-www-form-urlencoded")
        body = json.dumps({"comment": CHINESE}, ensure_ascii=False).encode()
        self.post_echo("/echo/zh-json", body, "application/json")

    def test_request_id_replaced(self):
        r = GW.request("GET", "/echo/rid", headers={"X-Request-Id": "client-made-up"})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("X-Echo-Request-Id-Count"), "1")
        rid = r.header("X-Echo-Request-Id")
        self.assertTrue(rid and rid != "client-made-up",
                        "client X-Request-Id reached the upstream: %r" % rid)
        self.assertRegex(rid, r"^[0-9a-f]{32}$")

    def test_access_log_request_id_is_rampart_id(self):
        r = GW.request("GET", "/rid/x?q=1", headers={"X-Request-Id": "client-made-up"})
        self.assertEqual(r.status, 200)
        rid = r.header("X-Echo-Request-Id")
        self.assertRegex(rid or "", r"^[0-9a-f]{32}$")
        deadline = time.time() + 5
        logged = ""
        while time.time() < deadline and rid not in logged:
            time.sleep(0.05)
            with open(GW.path("rid.log")) as f:
                logged = f.read()
        self.assertIn("%s 200" % rid, logged, "access log's $request_id differs from the "
                      "id sent upstream: %r" % logged)

    def test_duplicate_request_ids_replaced(self):
        data = (b"GET /echo/rid2 HTTP/1.1\r\nHost: x\r\nX-Request-Id: one\r\n"
                b"X-Request-Id: two\r\nConnection: close\r\n\r\n")
        resp = raw(GW.port, data)
        self.assertEqual(raw_status(resp), 200, resp[:300])
        self.assertIn(b"X-Echo-Request-Id-Count: 1", resp)
        self.assertNotIn(b"X-Echo-Request-Id: one", resp)

    def test_rampart_off_location(self):
        r = GW.request("GET", "/off/x?q=" + q(SQLI))
        self.assertEqual(r.status, 200, "rampart off location still inspected")


class Blocking(unittest.TestCase):
    """Attacks in each place are answered 403 and never reach the upstream."""

    def assertBlocked(self, r, what, path):
        self.assertEqual(r.status, 403, "%s not blocked (%d): %r" % (what, r.status, r.body[:200]))
        self.assertTrue(r.header("X-Request-Id"), "blocked answer lacks X-Request-Id")
        self.assertEqual(UP.find(path), [], "%s reached the upstream" % what)

    def test_query(self):
        for i, v in enumerate([SQLI, SQLI2, XSS]):
            path = "/blk/query%d?q=%s" % (i, q(v))
            self.assertBlocked(GW.request("GET", path), "query %r" % v, path)

    def test_form(self):
        for i, v in enumerate([SQLI, SQLI2, XSS]):
            path = "/blk/form%d" % i
            r = GW.request("POST", path, ("name=a&q=" + q(v)).encode(),
                           {"Content-Type": "application/x-www-form-urlencoded"})
            self.assertBlocked(r, "form %r" % v, path)

    def test_json(self):
        for i, v in enumerate([SQLI, SQLI2, XSS]):
            path = "/blk/json%d" % i
            r = GW.request("POST", path, json.dumps({"user": {"name": v}}).encode(),
                           {"Content-Type": "application/json"})
            self.assertBlocked(r, "json %r" % v, path)

    def test_multipart(self):
        for i, v in enumerate([SQLI, SQLI2, XSS]):
            path = "/blk/mp%d" % i
            body, ctype = multipart([("title", "hello"), ("q", v)])
            r = GW.request("POST", path, body, {"Content-Type": ctype})
            self.assertBlocked(r, "multipart %r" % v, path)

    def test_large_body_attack_at_end(self):
        # the attack sits after 2 MB: the body streams through the engine
        path = "/blk/bigform"
        body = ("pad=" + "a" * (2 << 20) + "&q=" + q(SQLI2)).encode()
        r = GW.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertBlocked(r, "attack after 2 MB of form body", path)

    def test_cookie(self):
        path = "/blk/cookie"
        r = GW.request("GET", path, headers={"Cookie": "session=abc; pref=" + q(SQLI)})
        self.assertBlocked(r, "cookie", path)

    def test_user_agent(self):
        path = "/blk/ua"
        self.assertBlocked(GW.request("GET", path, headers={"User-Agent": XSS}), "User-Agent", path)

    def test_x_forwarded_for(self):
        path = "/blk/xff"
        r = GW.request("GET", path, headers={"X-Forwarded-For": SQLI2})
        self.assertBlocked(r, "X-Forwarded-For", path)

    def test_chunked_body_attack(self):
        path = "/blk/chunked"
        body = ("a=1&q=" + q(SQLI)).encode()
        r = GW.request("POST", path, [body[:5], body[5:]],
                       {"Content-Type": "application/x-www-form-urlencoded"}, chunked=True)
        self.assertBlocked(r, "chunked form body", path)


class Phases(unittest.TestCase):
    """The handler runs before location-level return/rewrite, once per request."""

    def test_return_cannot_bypass(self):
        r = GW.request("GET", "/ret?q=" + q(SQLI))
        self.assertEqual(r.status, 403, "`return 200` bypassed inspection: %d %r"
                         % (r.status, r.body))
        r = GW.request("GET", "/ret?q=hello")
        self.assertEqual((r.status, r.body), (200, b"ok"))

    def test_rewrite_cannot_bypass(self):
        r = GW.request("GET", "/rw/x?q=" + q(XSS))
        self.assertEqual(r.status, 403, "`rewrite ... last` bypassed inspection")
        r = GW.request("GET", "/rw/x?q=hello")
        self.assertEqual((r.status, r.body), (200, b"ok"))

    def test_internal_redirect_inspected_once(self):
        path = "/tf/once?q=" + q(SQLI)
        self.assertEqual(GW.request("GET", path).status, 403, "try_files path not inspected")
        before = GW.status()["inspected"]
        r = GW.request("GET", "/tf/once?q=fine")
        self.assertEqual(r.status, 200)
        after = GW.status()["inspected"]
        self.assertEqual(after - before, 1,
                         "a request through try_files -> @named was inspected %d times"
                         % (after - before))


class Events(unittest.TestCase):

    def test_detect_mode_passes_and_logs(self):
        path = "/detect/x?q=" + q(SQLI)
        before = GW.status()["detected"]
        r = GW.request("GET", path)
        self.assertEqual(r.status, 200, "detect mode blocked")
        rid = r.header("X-Echo-Request-Id")
        ev = SINK.wait_for(lambda e: e.get("request_id") == rid)
        self.assertIsNotNone(ev, "no event with request_id %s (the upstream's X-Request-Id); "
                             "got %r" % (rid, SINK.snapshot()[-3:]))
        self.assertEqual(ev.get("action"), "detect", ev)
        self.assertEqual(ev.get("app"), "gateway-test", ev)
        self.assertGreater(GW.status()["detected"], before, "detected counter did not move")

    def test_block_event_matches_response_id(self):
        r = GW.request("GET", "/blk/ev?q=" + q(XSS))
        self.assertEqual(r.status, 403)
        rid = r.header("X-Request-Id")
        ev = SINK.wait_for(lambda e: e.get("request_id") == rid)
        self.assertIsNotNone(ev, "no event for blocked request %s" % rid)
        self.assertEqual(ev.get("action"), "block", ev)
        for e in SINK.snapshot():
            self.assertNotIn("_invalid_json", e, "event is not JSON: %r" % e)

    def test_file_sink(self):
        ng = Nginx(GATEWAY_HTTP.replace("unix:{prefix}/events.sock",
                                        "file:{prefix}/events.jsonl"), UP.port, name="filesink")
        write_policy(ng.path("itest.policy"))
        ng.start()
        rids = []
        for i in range(5):
            r = ng.request("GET", "/detect/f%d?q=%s" % (i, q(SQLI2)))
            self.assertEqual(r.status, 200)
            rids.append(r.header("X-Echo-Request-Id"))
        deadline = time.time() + 5
        events = []
        while time.time() < deadline:
            events = harness.read_jsonl(ng.path("events.jsonl"))  # raises if not JSON
            if len(events) >= 5:
                break
            time.sleep(0.05)
        got = [e.get("request_id") for e in events]
        for rid in rids:
            self.assertIn(rid, got, "file sink lacks request %s; has %r" % (rid, got))
        st = ng.status()
        self.assertEqual(st["events_sent"], 5, st)
        self.assertEqual(st["events_dropped"], 0, st)
        # log rotation: rename, reopen (USR1), the next event lands in a new file
        os.rename(ng.path("events.jsonl"), ng.path("events.jsonl.1"))
        subprocess.run(ng._cmd("-s", "reopen"), check=True, capture_output=True)
        time.sleep(0.3)
        r = ng.request("GET", "/detect/rotated?q=%s" % q(SQLI2))
        rid = r.header("X-Echo-Request-Id")
        deadline = time.time() + 5
        got = []
        while time.time() < deadline and rid not in got:
            time.sleep(0.05)
            if os.path.exists(ng.path("events.jsonl")):
                got = [e.get("request_id") for e in harness.read_jsonl(ng.path("events.jsonl"))]
        self.assertEqual(got, [rid], "after reopen the event must go to the new file")
        old = [e.get("request_id") for e in harness.read_jsonl(ng.path("events.jsonl.1"))]
        self.assertEqual(len(old), 5)
        ng.cleanup()

    def test_drops_counted_not_blocking(self):
        ng = Nginx(GATEWAY_HTTP, UP.port, name="dropsink")
        write_policy(ng.path("itest.policy"))
        EventSink(ng.path("events.sock"), read=False)  # bound, never read
        ng.start()
        n = 60
        t0 = time.time()
        for i in range(n):
            r = ng.request("GET", "/blk/d%d?q=%s" % (i, q(SQLI)), timeout=5)
            self.assertEqual(r.status, 403)
        elapsed = time.time() - t0
        self.assertLess(elapsed, 10, "a full event socket slowed requests down (%.1fs)" % elapsed)
        # the last request's event is counted in its log phase, which may
        # run just after its response reached us: give it a moment
        deadline = time.time() + 3
        st = ng.status()
        while st["events_sent"] + st["events_dropped"] < n and time.time() < deadline:
            time.sleep(0.05)
            st = ng.status()
        self.assertGreater(st["events_dropped"], 0, "no drop counted: %r" % st)
        self.assertEqual(st["events_sent"] + st["events_dropped"], n, st)
        self.assertEqual(st["blocked"], n, st)
        ng.cleanup()

    def test_status_counters(self):
        st = GW.status()
        for k in ("inspected", "blocked", "detected", "events_sent", "events_dropped",
                  "body_streamed"):
            self.assertIn(k, st)
            self.assertIsInstance(st[k], int)
        GW.request("GET", "/blk/st?q=" + q(SQLI))
        st2 = GW.status()
        self.assertEqual(st2["blocked"], st["blocked"] + 1, (st, st2))
        self.assertGreater(st2["inspected"], st["inspected"])


class Streaming(unittest.TestCase):
    """rampart_request_body streaming with proxy_request_buffering off."""

    def send_chunked(self, path, parts, pause=0.3):
        s = socket.create_connection(("127.0.0.1", GW.port), timeout=10)
        try:
            s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                       "Content-Type: application/x-www-form-urlencoded\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n" % path).encode())
            for p in parts:
                try:
                    s.sendall(b"%x\r\n%s\r\n" % (len(p), p))
                except (BrokenPipeError, ConnectionResetError):
                    break
                time.sleep(pause)
            try:
                s.sendall(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass
            out = []
            while True:
                try:
                    b = s.recv(65536)
                except ConnectionResetError:
                    break
                if not b:
                    break
                out.append(b)
            return b"".join(out)
        finally:
            s.close()

    def test_streaming_passes_byte_exact(self):
        before = GW.status()["body_streamed"]
        body = ("a=" + "b" * 500000 + "&c=" + q(CHINESE)).encode()
        r = GW.request("POST", "/stream/ok", body,
                       {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 200)
        self.assertEqual(sha256(r.body), sha256(body), "streamed body changed")
        self.assertGreater(GW.status()["body_streamed"], before, "body_streamed did not move")

    def test_streaming_blocks_attack_mid_body(self):
        path = "/stream/attack"
        resp = self.send_chunked(path, [b"a=" + b"x" * 20000, b"&b=" + b"y" * 20000,
                                        ("&q=" + q(SQLI2)).encode(), b"&z=1"])
        self.assertEqual(raw_status(resp), 403, "streamed attack not blocked: %r" % resp[:300])
        seen = UP.find(path)
        # the upstream got the first parts, but never a complete request
        self.assertTrue(all(not r["complete"] for r in seen),
                        "the upstream received the whole attack body: %r" % seen)


class Reload(unittest.TestCase):

    HTTP = """
    rampart_event_sink unix:{prefix}/events.sock;
    server {
        listen 127.0.0.1:{port};
        rampart on;
        rampart_policy {prefix}/current.policy;
        location / { proxy_pass http://{upstream}; }
        location = /rampart_status { rampart off; rampart_status; }
    }
"""

    def test_reload_under_load_loses_nothing(self):
        ng = Nginx(self.HTTP, UP.port, name="reload")
        write_policy(ng.path("current.policy"), tag="A", events="all")
        sink = EventSink(ng.path("events.sock"))
        ng.start()

        stop = threading.Event()
        results = []
        lock = threading.Lock()

        def client(k):
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    st = ng.request("GET", "/load/%d/%d" % (k, i), timeout=10).status
                except Exception as e:  # a lost request is a failure too
                    st = repr(e)
                with lock:
                    results.append(st)

        threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
        for t in threads:
            t.start()
        try:
            version = "A"
            for n in range(5):
                time.sleep(0.9)
                version = "B" if version == "A" else "A"
                write_policy(ng.path("current.policy"), tag=version, events="all")
                ng.reload()
                # a request after the reload is logged with the new version
                r = ng.request("GET", "/after-reload/%d" % n)
                want = "itest-" + version
                ev = sink.wait_for(lambda e: e.get("request_id") == r.header("X-Echo-Request-Id"))
                self.assertIsNotNone(ev, "no event after reload %d" % n)
                self.assertEqual(ev.get("policy_version"), want,
                                 "after reload %d the event shows %r" % (n, ev.get("policy_version")))
            time.sleep(0.9)
        finally:
            stop.set()
            for t in threads:
                t.join(30)
        bad = [s for s in results if s != 200]
        self.assertGreater(len(results), 100, "too few requests during the reloads")
        self.assertEqual(bad, [], "%d of %d requests failed during reloads: %r"
                         % (len(bad), len(results), bad[:10]))
        self.assertEqual(ng.crash_lines(), [])
        ng.cleanup()


class PolicyErrors(unittest.TestCase):

    HTTP = """
    server {
        listen 127.0.0.1:{port};
        rampart on;
        rampart_policy {prefix}/p.policy;
        location / { proxy_pass http://{upstream}; }
    }
"""

    def test_broken_policy_fails_nginx_t(self):
        ng = Nginx(self.HTTP, UP.port, name="broken")
        with open(ng.path("p.policy"), "w") as f:
            f.write("version x\nmode block\nno_such_directive 1\n")
        rc, out = ng.test_config()
        self.assertNotEqual(rc, 0, "nginx -t accepted a broken policy:\n" + out)
        self.assertIn("p.policy:3", out, "nginx -t does not say file:line:\n" + out)
        ng.cleanup()

    def test_shipped_default_policy_loads(self):
        ng = Nginx(self.HTTP.replace("{prefix}/p.policy",
                                     os.path.join(harness.SOURCE_DIR, "policies",
                                                  "default.policy")),
                   UP.port, name="default")
        rc, out = ng.test_config()
        self.assertEqual(rc, 0, "policies/default.policy rejected:\n" + out)
        ng.cleanup()

    def test_reload_with_broken_policy_keeps_old(self):
        ng = Nginx(self.HTTP, UP.port, name="badreload")
        write_policy(ng.path("p.policy"))
        ng.start()
        workers = set(ng.worker_pids())
        self.assertEqual(ng.request("GET", "/ok").status, 200)
        with open(ng.path("p.policy"), "w") as f:
            f.write("version x\nno_such_directive on\n")
        ng.reload(wait=False)
        deadline = time.time() + 5
        while time.time() < deadline and "p.policy:2" not in ng.log_text():
            time.sleep(0.05)
        self.assertIn("p.policy:2", ng.log_text(), "reload error not logged with file:line")
        self.assertTrue(ng.alive(), "master died on a broken reload")
        self.assertEqual(set(ng.worker_pids()), workers, "workers replaced by a broken reload")
        self.assertEqual(ng.request("GET", "/ok").status, 200, "stopped serving")
        self.assertEqual(ng.request("GET", "/x?q=" + q(SQLI)).status, 403,
                         "old policy no longer enforced")
        ng.cleanup()


class PolicySwap(unittest.TestCase):
    """A changed rampart_policy file is swapped in by every worker without
    a reload (docs/NGINX.md, "Policy changes"); a broken one is kept out."""

    HTTP = PolicyErrors.HTTP

    def replace(self, ng, text):
        tmp = ng.path("p.policy.new")
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, ng.path("p.policy"))  # atomically, as rampart sync does

    def wait_all(self, ng, path, want, limit=2.0):
        """Seconds until 8 requests in a row (any worker) answer want."""
        start = time.monotonic()
        row = 0
        while row < 8:
            row = row + 1 if ng.request("GET", path).status == want else 0
            if time.monotonic() - start > limit:
                self.fail("%s not answered %d within %.1f s:\n%s"
                          % (path, want, limit, ng.log_tail()))
        return time.monotonic() - start

    def test_changed_file_swapped_broken_one_kept_out(self):
        ng = Nginx(self.HTTP, UP.port, name="swap")
        write_policy(ng.path("p.policy"))
        ng.start()
        workers = set(ng.worker_pids())
        attack = "/x?q=" + q(SQLI)
        self.assertEqual(ng.request("GET", attack).status, 403)
        self.replace(ng, "version swapped\nmode block\ndetect sqli off\n")
        took = self.wait_all(ng, attack, 200)
        print("policy file change enforced in %.3f s" % took)
        # every worker checks on the requests it serves: wait until each
        # one has the new policy, or a worker that never saw it would keep
        # the first one when the broken file comes (rightly)
        deadline = time.time() + 5
        while (time.time() < deadline
               and ng.log_text().count("loaded, version swapped") < len(workers)):
            ng.request("GET", "/ok")
            time.sleep(0.01)
        self.assertEqual(ng.log_text().count("loaded, version swapped"), len(workers),
                         "not every worker swapped in the new policy")
        self.replace(ng, "version broken\nmode block\nno_such_directive 1\n")
        deadline = time.time() + 2
        while time.time() < deadline and "p.policy:3" not in ng.log_text():
            ng.request("GET", "/ok")
            time.sleep(0.02)
        self.assertIn("p.policy:3", ng.log_text(), "a broken policy not logged with file:line")
        self.assertIn("the running policy stays in use", ng.log_text())
        for _ in range(8):
            self.assertEqual(ng.request("GET", attack).status, 200, "the running policy was lost")
        self.replace(ng, POLICY.format(tag="back", events="matched"))
        self.wait_all(ng, attack, 403)
        self.assertEqual(set(ng.worker_pids()), workers, "the policy change reloaded nginx")
        self.assertEqual(ng.crash_lines(), [])
        ng.cleanup()


class Malformed(unittest.TestCase):
    """Malformed requests get a 4xx; no worker ever crashes."""

    def check(self, data, what):
        resp = raw(GW.port, data)
        st = raw_status(resp)
        self.assertIsNotNone(st, "%s: no HTTP answer: %r" % (what, resp[:200]))
        self.assertTrue(400 <= st < 500, "%s answered %s" % (what, st))

    def test_malformed(self):
        workers = set(GW.worker_pids())
        self.check(b"GARBAGE\r\n\r\n", "bad request line")
        self.check(b"GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n",
                   "huge header")
        self.check(b"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                   b"zz\r\nhello\r\n0\r\n\r\n", "invalid chunked encoding")
        self.check(b"GET /x HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", "NUL in header")
        self.check(b"GET /x?q=%00%c0%af HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
                   "negative content-length")
        self.check(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                   b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "CL and TE together")

        # client aborts: mid-body (buffered and streaming), mid-chunk
        for path in (b"/abort", b"/stream/abort"):
            s = socket.create_connection(("127.0.0.1", GW.port))
            s.sendall(b"POST " + path + b" HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: application/x-www-form-urlencoded\r\n"
                      b"Content-Length: 1000000\r\n\r\na=" + b"x" * 100000)
            time.sleep(0.1)
            s.close()
        s = socket.create_connection(("127.0.0.1", GW.port))
        s.sendall(b"POST /abort2 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"100000\r\nabc")
        s.close()
        time.sleep(0.3)

        self.assertEqual(GW.request("GET", "/still-ok").status, 200)
        self.assertEqual(set(GW.worker_pids()), workers, "a worker was replaced (crash?)")
        # requests nginx refused before inspection still leave an event saying why
        refused = [e for e in SINK.snapshot()
                   if any("refused by nginx" in (m.get("detail") or "")
                          for m in e.get("matches", []))]
        reasons = {m["detail"] for e in refused for m in e["matches"]}
        self.assertIn("malformed request refused by nginx", reasons, reasons)
        # bad request line, huge header, NUL in a header, negative Content-Length, CL+TE
        self.assertGreaterEqual(len(refused), 5, refused)
        for e in refused:
            self.assertEqual(e.get("action"), "block", e)
            self.assertEqual(e.get("app"), "gateway-test", e)
        self.assertEqual(GW.crash_lines(), [], "crash lines in the error log")


if __name__ == "__main__":
    unittest.main(verbosity=2)
