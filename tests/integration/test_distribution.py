"""test_distribution.py — applications, protection switches and policies
travel from rampartd's API to a real gateway.

The stack, all on loopback: an echo upstream; rampartd (SQLite) with a
gateway token file; `rampart sync` long-polling rampartd and installing each
bundle into a directory; nginx + ngx_http_rampart_module whose configuration
includes the bundle's generated servers and reads its switches file.

What is proved (docs/RAMPARTD.md, "Distribution"):
  - a registered application is served and protected by the gateway;
  - WAF switched to detect: the next attack passes within 2 s, without an
    nginx reload; switched back: blocked again within 2 s;
  - a policy change is enforced within 2 s, without an nginx reload, while
    wrk keeps 16 keep-alive connections busy, and none of its requests or
    connections fails;
  - an invalid policy is refused with FILE:LINE and the gateway keeps
    enforcing the old one;
  - rollback creates a new version equal to the old one, and it is enforced;
  - the gateway list shows the gateway, its running version and check-in;
  - every change is in the audit log under its action name, by its actor.
"""

import os
import signal
import subprocess
import tempfile
import time
import unittest

import harness
import rampartd_harness as rh

SQLI = "/search?q=1%27%20OR%20%271%27%3D%271"
XSS = "/page?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E"
LIMIT_S = 2.0

UP = RD = ADMIN = SECOPS = AUDITOR = NG = SYNC = None
FAST_PORT = None  # a static server in the gateway's nginx, a fast upstream (bench)
BUNDLE = TOP = None


def start_sync(token_file, port):
    log = open(os.path.join(TOP, "sync.log"), "ab")
    proc = subprocess.Popen(
        [os.path.join(harness.BUILD_DIR, "rampart"), "sync", "--url",
         "http://127.0.0.1:%d" % RD.port, "--token-file", token_file, "--dir", BUNDLE,
         "--gateway-id", "gw-itest", "--name", "itest-gateway", "--listen",
         "127.0.0.1:%d" % port, "--nginx-pid", NG.path("nginx.pid"), "--wait", "25"],
        stdout=log, stderr=log, start_new_session=True)
    log.close()  # the child has its own descriptor

    def stop():
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
    harness._cleanups.append(stop)
    return proc


def sync_log():
    try:
        with open(os.path.join(TOP, "sync.log"), "rb") as f:
            return f.read().decode("utf-8", "replace")[-3000:]
    except OSError:
        return ""


def setUpModule():
    global UP, RD, ADMIN, SECOPS, AUDITOR, NG, SYNC, BUNDLE, TOP, FAST_PORT
    UP = harness.Upstream()
    TOP = tempfile.mkdtemp(prefix="rp-dist-")
    harness._cleanups.append(lambda: subprocess.run(["rm", "-rf", TOP]))
    BUNDLE = os.path.join(TOP, "bundle")
    token_file = os.path.join(TOP, "gateway.token")
    RD = rh.Rampartd("gateway_token_file %s\n" % token_file, name="dist").start()
    ADMIN = rh.first_login(RD)
    SECOPS = rh.make_user(ADMIN, "sec", "secops")
    AUDITOR = rh.make_user(ADMIN, "aud", "auditor")
    r = SECOPS.request("POST", "/api/v1/apps", {
        "name": "shop", "host": "*", "path_prefix": "/",
        "upstream": "http://127.0.0.1:%d" % UP.port})
    assert r.status == 201, r
    FAST_PORT = harness.free_port()
    NG = harness.Nginx("    rampart_switches %s/current/switches;\n"
                       "    include %s/current/nginx/*.conf;\n"
                       "    server { listen 127.0.0.1:%d; access_log off;\n"
                       "             location / { return 200 \"ok\\n\"; } }\n"
                       % (BUNDLE, BUNDLE, FAST_PORT), name="dist-gw")
    SYNC = start_sync(token_file, NG.port)
    deadline = time.time() + 15
    while not os.path.exists(os.path.join(BUNDLE, "current", "nginx", "servers.conf")):
        if time.time() > deadline or SYNC.poll() is not None:
            raise RuntimeError("no bundle installed:\n" + sync_log() + RD.log_tail())
        time.sleep(0.05)
    NG.start()


def tearDownModule():
    harness._run_cleanups()


def status(path):
    return NG.request("GET", path, timeout=10).status


def wait_status(path, want, limit=LIMIT_S):
    """Seconds until the gateway answers path with want; fails after limit."""
    start = time.monotonic()
    while True:
        got = status(path)
        took = time.monotonic() - start
        if got == want:
            return took
        if took > limit:
            raise AssertionError("%s still %d (want %d) after %.2f s\nsync:\n%s\nnginx:\n%s" %
                                 (path, got, want, took, sync_log(), NG.log_tail()))
        time.sleep(0.02)


class Distribution(unittest.TestCase):

    def test_1_registered_app_is_protected(self):
        self.assertEqual(status("/hello"), 200)
        self.assertTrue(UP.find("/hello"), "the request did not reach the app's upstream")
        self.assertEqual(status(SQLI), 403)
        app = AUDITOR.request("GET", "/api/v1/apps/shop").json()["app"]
        self.assertEqual(app["switches"], {"waf": "block", "identity": "off", "masking": "off",
                                           "encryption": "off", "rate_limit": "block",
                                           "openapi": "block", "bot": "block",
                                           "baseline": "block"})

    def test_2_switch_to_detect_and_back_within_2s_without_reload(self):
        workers = set(NG.worker_pids())
        r = SECOPS.request("PATCH", "/api/v1/apps/shop/switches", {"waf": "detect"})
        self.assertEqual(r.status, 200, r)
        took = wait_status(SQLI, 200)
        print("switch to detect enforced in %.3f s" % took)
        r = SECOPS.request("PATCH", "/api/v1/apps/shop/switches", {"waf": "block"})
        self.assertEqual(r.status, 200, r)
        took = wait_status(SQLI, 403)
        print("switch back to block enforced in %.3f s" % took)
        self.assertEqual(set(NG.worker_pids()), workers, "a switch change reloaded nginx")
        # off: nothing inspected
        SECOPS.request("PATCH", "/api/v1/apps/shop/switches", {"waf": "off"})
        wait_status(SQLI, 200)
        SECOPS.request("PATCH", "/api/v1/apps/shop/switches", {"waf": "block"})
        wait_status(SQLI, 403)
        # the auditor reads but cannot switch
        r = AUDITOR.request("PATCH", "/api/v1/apps/shop/switches", {"waf": "off"})
        self.assertEqual(r.status, 403)
        r = SECOPS.request("PATCH", "/api/v1/apps/shop/switches", {"waf": "maybe"})
        self.assertEqual(r.status, 400)
        self.assertIn("waf", r.json()["message"])

    def test_3_policy_change_under_load(self):
        r = SECOPS.request("POST", "/api/v1/policies", {
            "name": "shop-policy", "text": "version shop-1\ndetect xss off\n",
            "comment": "XSS detector off"})
        self.assertEqual(r.status, 201, r)
        r = SECOPS.request("PATCH", "/api/v1/apps/shop", {"policy": "shop-policy"})
        self.assertEqual(r.status, 200, r)
        wait_status(XSS, 200, limit=5)
        self.assertEqual(status(SQLI), 403)

        # wrk keeps 16 connections alive throughout: a reload would close
        # them (socket errors); the workers swap the policy in place
        workers = set(NG.worker_pids())
        wrk = subprocess.Popen(
            ["wrk", "-t1", "-c16", "-d6s", "--timeout", "10s",
             "http://127.0.0.1:%d/load/keep-alive" % NG.port],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            time.sleep(1.0)
            r = SECOPS.request("POST", "/api/v1/policies/shop-policy/versions",
                               {"text": "version shop-2\ndetect xss on\n",
                                "comment": "XSS detector on"})
            self.assertEqual(r.status, 201, r)
            self.assertEqual(r.json()["version"]["version"], 2)
            took = wait_status(XSS, 403)
            print("policy change enforced in %.3f s under wrk -t1 -c16 keep-alive" % took)
        finally:
            out = wrk.communicate(timeout=60)[0]
        print(out)
        requests = [int(line.split()[0]) for line in out.splitlines()
                    if "requests in" in line]
        self.assertTrue(requests and requests[0] > 50, "too few requests under load:\n" + out)
        self.assertNotIn("Socket errors", out, "connections failed under the policy change")
        self.assertNotIn("Non-2xx", out, "requests failed under the policy change")
        self.assertEqual(set(NG.worker_pids()), workers, "the policy change reloaded nginx")
        self.assertIn("loaded, version shop-2", NG.log_text())
        self.assertEqual(NG.crash_lines(), [])

    def test_4_invalid_policy_refused_gateway_keeps_old(self):
        before = AUDITOR.request("GET", "/api/v1/gateways").json()["latest_version"]
        r = SECOPS.request("POST", "/api/v1/policies/shop-policy/versions",
                           {"text": "version shop-3\n\ndetect xss maybe\n"})
        self.assertEqual(r.status, 400, r)
        body = r.json()
        self.assertEqual(body["error"], "invalid_policy")
        self.assertEqual(body["errors"][0]["file"], "shop-policy.policy")
        self.assertEqual(body["errors"][0]["line"], 3)
        self.assertTrue(body["message"].startswith("shop-policy.policy:3: "), body["message"])
        versions = SECOPS.request("GET", "/api/v1/policies/shop-policy/versions").json()
        self.assertEqual([v["version"] for v in versions["versions"]], [2, 1])
        after = AUDITOR.request("GET", "/api/v1/gateways").json()["latest_version"]
        self.assertEqual(after, before, "a refused policy published a bundle")
        time.sleep(0.3)
        self.assertEqual(status(XSS), 403, "the gateway lost the old policy")
        # the editor's validation endpoint says the same without saving
        r = AUDITOR.request("POST", "/api/v1/policies/validate",
                            {"name": "shop-policy", "text": "mode block\nlimit body 64q\n"})
        self.assertEqual(r.status, 200)
        self.assertFalse(r.json()["valid"])
        self.assertEqual(r.json()["errors"][0]["line"], 2)

    def test_5_diff_and_rollback(self):
        r = AUDITOR.request("GET", "/api/v1/policies/shop-policy/diff?from=1&to=2")
        self.assertEqual(r.status, 200, r)
        diff = r.json()["diff"]
        self.assertIn("--- shop-policy.policy@1\n+++ shop-policy.policy@2\n", diff)
        self.assertIn("@@ -1,2 +1,2 @@\n-version shop-1\n-detect xss off\n"
                      "+version shop-2\n+detect xss on\n", diff)
        r = SECOPS.request("POST", "/api/v1/policies/shop-policy/rollback", {"version": 1})
        self.assertEqual(r.status, 201, r)
        v = r.json()["version"]
        self.assertEqual((v["version"], v["rollback_of"]), (3, 1))
        text = AUDITOR.request("GET", "/api/v1/policies/shop-policy/versions/3").json()
        self.assertEqual(text["version"]["text"], "version shop-1\ndetect xss off\n")
        took = wait_status(XSS, 200)
        print("rollback enforced in %.3f s" % took)
        r = AUDITOR.request("GET", "/api/v1/policies/shop-policy/diff?from=1&to=3")
        self.assertEqual(r.json()["diff"], "")

    def test_6_gateway_list_shows_running_version(self):
        deadline = time.time() + 5
        while True:
            body = AUDITOR.request("GET", "/api/v1/gateways").json()
            gws = {g["id"]: g for g in body["gateways"]}
            g = gws.get("gw-itest")
            if g and g["running_version"] == body["latest_version"]:
                break
            if time.time() > deadline:
                self.fail("gateway not up to date: %r" % body)
            time.sleep(0.1)
        self.assertEqual(g["name"], "itest-gateway")
        self.assertTrue(g["up_to_date"])
        self.assertEqual(g["running_hash"], body["latest_hash"])
        self.assertLessEqual(g["seconds_since_check_in"], 30)
        self.assertEqual(g["address"], "127.0.0.1")
        # and the bundle a gateway fetches is what the list says
        with open(os.path.join(TOP, "gateway.token")) as f:
            token = f.read().strip()
        r = RD.request("GET", "/api/v1/bundle", headers=rh.bearer(token))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["version"], body["latest_version"])
        self.assertEqual(r.header("X-Bundle-Hash"), body["latest_hash"])

    def test_7_changes_are_audited(self):
        records, cursor = [], None
        while True:
            q = "/api/v1/audit?order=asc&limit=1000" + ("&cursor=" + cursor if cursor else "")
            page = AUDITOR.request("GET", q).json()
            records += page["records"]
            cursor = page["next_cursor"]
            if not cursor:
                break
        done = [(x["actor"], x["action"], x["target"], x["outcome"]) for x in records
                if x["outcome"] != "intent"]
        for want in [("sec", "app.create", "shop", "success"),
                     ("sec", "app.switches", "shop", "success"),
                     ("sec", "policy.create", "shop-policy", "success"),
                     ("sec", "app.update", "shop", "success"),
                     ("sec", "policy.version", "shop-policy", "success"),
                     ("sec", "policy.rollback", "shop-policy", "success"),
                     # refused before the handler, and refused by it
                     ("aud", "api.request", "shop", "denied"),
                     ("sec", "api.request", "shop", "failure")]:
            self.assertIn(want, done)
        switch = [x for x in records if x["action"] == "app.switches"][0]
        self.assertEqual(switch["method"], "PATCH")
        self.assertGreater(switch["detail"]["bundle_version"], 0)
        # a route without a {name} has no target before its handler names one
        intents = [x for x in records if x["outcome"] == "intent"
                   and x["path"] in ("/api/v1/apps", "/api/v1/policies")]
        self.assertEqual(len(intents), 2, intents)
        self.assertEqual([x["target"] for x in intents], ["", ""])
        # the local gateway token rampartd made at start
        self.assertIn(("rampartd", "token.create", "local-gateway", "success"), done)


if __name__ == "__main__":
    unittest.main(verbosity=2)
