"""test_console_apisec.py — the API security page in headless Chromium, end to
end through a real gateway.

The stack, all on loopback: an echo upstream; rampartd (SQLite) with a
gateway token, tailing the gateway's event file and serving the built
console; `rampart sync` installing each bundle; nginx + the module including
the bundle's servers and reading its switches file. The application "shop"
has a policy with an OpenAPI spec (GET /citizens/{id}, id an integer >= 1,
block), `baseline detect`, a rate limit and a bot rule (on /portal/, which
the test does not visit).

What is proved:
  - a request that breaks the spec is refused by the gateway (403), and a
    fitting one passes and is judged by the baseline;
  - tests/console/apisec.mjs, as a security operator, sees on the API
    security page the application's baseline findings with remediation and
    score, the violation with the parameter that failed (path:id), the
    policy's openapi, baseline, rate limit and bot directives with their
    options and a link to the editor, and
    switches OpenAPI validation off with the radio group;
  - the switch travels rampartd -> bundle -> gateway: the request that broke
    the spec now passes (200) without an nginx reload; switched to detect it
    passes too and is still recorded; back to block, refused again;
  - a policy version naming a broken spec is refused through the policy
    path (validate and new version) with the line and the spec's JSON
    pointer and reason; the current version stays.
Screenshots go to $RP_BUILD_DIR/console-screenshots (apisec-*.png).
"""

import json
import os
import signal
import subprocess
import tempfile
import time
import unittest

import harness
import rampartd_harness as rh
from console_harness import ensure_console

CHROMIUM = os.environ.get("RP_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "a long enough passphrase"
BAD = "/citizens/abc"
GOOD = "/citizens/7"

SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "citizens", "version": "1"},
    "paths": {
        "/citizens/{id}": {
            "get": {
                "parameters": [{"name": "id", "in": "path", "required": True,
                                "schema": {"type": "integer", "minimum": 1}}],
                "responses": {"200": {"description": "a citizen"}},
            }
        }
    },
}


class ConsoleApiSecurity(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        top = tempfile.mkdtemp(prefix="rp-apisec-")
        harness._cleanups.append(lambda: subprocess.run(["rm", "-rf", top]))
        cls.top = top
        spec = os.path.join(top, "citizens.json")
        with open(spec, "w") as f:
            json.dump(SPEC, f)
        bot_key = os.path.join(top, "bot.key")
        with open(os.open(bot_key, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
            f.write(os.urandom(32))
        cls.up = harness.Upstream()
        bundle = os.path.join(top, "bundle")
        token_file = os.path.join(top, "gateway.token")
        cls.ng = harness.Nginx("    rampart_event_sink file:{prefix}/events.jsonl;\n"
                               "    rampart_switches %s/current/switches;\n"
                               "    include %s/current/nginx/*.conf;\n" % (bundle, bundle),
                               name="apisec-gw")
        console = ensure_console()
        cls.rd = rh.Rampartd("gateway_token_file %s\nevents_file %s\ningest_flush_ms 5\n"
                             "console_dir %s\n" % (token_file, cls.ng.path("events.jsonl"), console),
                             name="apisec").start()
        admin = rh.first_login(cls.rd)
        cls.sec = rh.make_user(admin, "sec", "secops", PASSWORD)
        r = cls.sec.request("POST", "/api/v1/policies", {
            "name": "citizens",
            "text": "version apisec-itest\nevents matched\nopenapi %s block\nbaseline detect\n"
                    "ratelimit per_addr 1000/s key=addr\nbot_key %s\n"
                    "bot /portal/ challenge difficulty=12 ttl=600\n" % (spec, bot_key)})
        assert r.status == 201, r
        r = cls.sec.request("POST", "/api/v1/apps", {
            "name": "shop", "host": "*", "path_prefix": "/", "policy": "citizens",
            "upstream": "http://127.0.0.1:%d" % cls.up.port})
        assert r.status == 201, r
        log = open(os.path.join(top, "sync.log"), "ab")
        cls.sync = subprocess.Popen(
            [os.path.join(harness.BUILD_DIR, "rampart"), "sync", "--url",
             "http://127.0.0.1:%d" % cls.rd.port, "--token-file", token_file, "--dir", bundle,
             "--gateway-id", "gw-apisec", "--name", "apisec-gateway", "--listen",
             "127.0.0.1:%d" % cls.ng.port, "--nginx-pid", cls.ng.path("nginx.pid"), "--wait", "25"],
            stdout=log, stderr=log, start_new_session=True)
        log.close()

        def stop():
            if cls.sync.poll() is None:
                os.killpg(cls.sync.pid, signal.SIGTERM)
                cls.sync.wait(timeout=10)
        harness._cleanups.append(stop)
        rh.wait_until(lambda: os.path.exists(os.path.join(bundle, "current", "nginx",
                                                          "servers.conf")),
                      timeout=15, what="the first bundle")
        cls.ng.start()

    @classmethod
    def tearDownClass(cls):
        harness._run_cleanups()

    def status(self, path):
        return self.ng.request("GET", path, timeout=10).status

    def wait_status(self, path, want, limit=5.0):
        deadline = time.monotonic() + limit
        while True:
            got = self.status(path)
            if got == want:
                return
            if time.monotonic() > deadline:
                self.fail("%s still %d (want %d)\n%s" % (path, got, want, self.ng.log_tail()))
            time.sleep(0.05)

    def events(self, rule):
        r = self.sec.request("GET", "/api/v1/events?app=shop&rule=%s&limit=100" % rule)
        return r.json()["events"]

    def test_page_shows_findings_and_violations_and_its_switch_reaches_the_gateway(self):
        self.assertTrue(os.access(CHROMIUM, os.X_OK), "%s missing: scripts/deps.sh" % CHROMIUM)
        self.assertEqual(self.status(BAD), 403, self.ng.log_tail())
        self.assertEqual(self.status(GOOD), 200)
        rh.wait_until(lambda: self.events("openapi") and self.events("baseline"), timeout=20,
                      what="the violation and the baseline findings in rampartd")
        workers = set(self.ng.worker_pids())

        shots = os.path.join(harness.BUILD_DIR, "console-screenshots")
        os.makedirs(shots, exist_ok=True)
        env = dict(os.environ, RD_URL="http://127.0.0.1:%d" % self.rd.port, USER_NAME="sec",
                   PASSWORD=PASSWORD, APP="shop", SHOT_DIR=shots, CHROMIUM=CHROMIUM,
                   CONSOLE_SRC=os.path.join(harness.SOURCE_DIR, "console"))
        p = subprocess.run(["node", os.path.join(harness.SOURCE_DIR, "tests", "console",
                                                 "apisec.mjs")],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
        out = p.stdout.decode("utf-8", "replace")
        print(out)
        self.assertEqual(p.returncode, 0, out + "\n--- rampartd log ---\n" + self.rd.log_tail())
        self.assertIn("apisec ok", out)

        # the page switched OpenAPI validation off: the gateway lets the request through
        app = self.sec.request("GET", "/api/v1/apps/shop").json()["app"]
        self.assertEqual(app["switches"]["openapi"], "off")
        self.wait_status(BAD, 200)
        before = len(self.events("openapi"))
        # detect: passes and is recorded
        r = self.sec.request("PATCH", "/api/v1/apps/shop/switches", {"openapi": "detect"})
        self.assertEqual(r.status, 200, r)
        self.wait_status(BAD, 200)
        time.sleep(0.3)  # the switch may have been read before the file changed
        self.assertEqual(self.status(BAD), 200)
        rh.wait_until(lambda: len(self.events("openapi")) > before, timeout=20,
                      what="the violation recorded under detect")
        # block again: refused
        r = self.sec.request("PATCH", "/api/v1/apps/shop/switches", {"openapi": "block"})
        self.assertEqual(r.status, 200, r)
        self.wait_status(BAD, 403)
        self.assertEqual(set(self.ng.worker_pids()), workers, "a switch change reloaded nginx")

    def test_a_broken_spec_is_refused_through_the_policy_path_with_its_pointer(self):
        bad = os.path.join(self.top, "broken.json")
        broken = json.loads(json.dumps(SPEC))
        broken["paths"]["/citizens/{id}"]["get"]["parameters"][0]["schema"] = {
            "type": "string", "pattern": "(["}
        with open(bad, "w") as f:
            json.dump(broken, f)
        text = "version apisec-broken\nopenapi %s block\n" % bad
        r = self.sec.request("POST", "/api/v1/policies/validate", {"name": "citizens", "text": text})
        self.assertEqual(r.status, 200, r)
        err = r.json()["errors"][0]
        self.assertFalse(r.json()["valid"])
        self.assertEqual(err["line"], 2, err)
        self.assertIn("/paths/~1citizens~1{id}/get/parameters/0/schema/pattern", err["reason"])
        self.assertIn("pattern does not compile", err["reason"])
        # a new version naming it is refused the same way; the current one stays
        r = self.sec.request("POST", "/api/v1/policies/citizens/versions", {"text": text})
        self.assertEqual(r.status, 400, r)
        self.assertIn("schema/pattern", r.json()["message"])
        cur = self.sec.request("GET", "/api/v1/policies/citizens").json()
        self.assertEqual(cur["policy"]["current_version"], 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
