"""test_console_dataview.py — the data exposure and alerts pages in headless Chromium.

Starts the masking gateway of test_masking (nginx + module, an upstream serving 40 citizens) and
rampartd tailing its events and serving the built console; sends four clear views of
/api/citizens by one auditor session (160 ID numbers: over the shipped alert rule) and an
anonymous, masked one; then runs tests/console/dataview.mjs as a security operator: the
overview's open alert, the exposure table and chart, the alert acknowledged, English.
Screenshots go to $RP_BUILD_DIR/console-screenshots (dataview-*.png).
"""

import os
import subprocess
import unittest

import harness
from console_harness import ensure_console
from rampartd_harness import Rampartd, first_login, make_user, wait_until
from test_identity import claims, mint
from test_masking import masking_gateway, raw_get

CHROMIUM = os.environ.get("RP_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "a long enough passphrase"


class ConsoleDataView(unittest.TestCase):
    def test_exposure_and_alerts_pages(self):
        self.assertTrue(os.access(CHROMIUM, os.X_OK), "%s missing: scripts/deps.sh" % CHROMIUM)
        console = ensure_console()
        up, gw = masking_gateway("console-data")
        self.addCleanup(up.shutdown)
        rd = Rampartd(name="console-data", extra_conf="events_file %s\ningest_flush_ms 5\n"
                      "console_dir %s\n" % (gw.path("events.jsonl"), console)).start()
        admin = first_login(rd)
        make_user(admin, "sec", "secops", PASSWORD)
        cookie = {"Cookie": "rampart_id=" + mint(claims(sub="mallory", ro="auditor"))}
        for i in range(4):
            self.assertEqual(raw_get(gw.port, "/api/citizens?n=%d" % i, cookie)[0], 200)
        raw_get(gw.port, "/api/citizens?anonymous")

        def ready():
            alerts = admin.request("GET", "/api/v1/alerts?state=open").json()["alerts"]
            views = {x["view"] for x in admin.request("GET", "/api/v1/exposure").json()["items"]}
            return alerts and {"clear", "masked"} <= views
        wait_until(ready, timeout=20, what="the alert and both views")

        shots = os.path.join(harness.BUILD_DIR, "console-screenshots")
        os.makedirs(shots, exist_ok=True)
        env = dict(os.environ, RD_URL="http://127.0.0.1:%d" % rd.port, USER_NAME="sec",
                   PASSWORD=PASSWORD, ALERT_SUBJECT="mallory", SHOT_DIR=shots,
                   CHROMIUM=CHROMIUM, CONSOLE_SRC=os.path.join(harness.SOURCE_DIR, "console"))
        p = subprocess.run(["node", os.path.join(harness.SOURCE_DIR, "tests", "console",
                                                 "dataview.mjs")],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
        out = p.stdout.decode("utf-8", "replace")
        print(out)
        self.assertEqual(p.returncode, 0, out + "\n--- rampartd log ---\n" + rd.log_tail())
        self.assertIn("dataview ok", out)
        state = admin.request("GET", "/api/v1/alerts?state=acked").json()["alerts"]
        self.assertEqual([(a["subject"], a["acked_by"]) for a in state], [("mallory", "sec")])


if __name__ == "__main__":
    unittest.main(verbosity=2)
