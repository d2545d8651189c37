"""test_console_e2e.py — the web console end to end in headless Chromium.

Starts an upstream, nginx with the Rampart module (events to a file) and
rampartd tailing that file and serving the built console, then runs
tests/console/e2e.mjs (playwright-core driving Debian's chromium): log in
with the first-run password change, an attack sent with curl through the
gateway seen on the overview and in the events explorer within 2 s each,
the detail drawer, the exports, English and back; policies (an invalid
version refused at FILE:LINE, diff, rollback), applications and their
switches (the API state checked, and the gateway, fed by a real `rampart
sync`, passing an attack once WAF is on detect and blocking it again), the
gateway's check-in, the audit log verified by an auditor (and a record
edited in the store found) and refused to a security operator; and the
banner when a full store (store_max_size) stops ingestion. Screenshots go
to $RP_BUILD_DIR/console-screenshots.
"""

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import time
import unittest

import harness
from console_harness import ensure_console
from harness import Nginx, Upstream
from rampartd_harness import Rampartd

CHROMIUM = os.environ.get("RP_CHROMIUM", "/usr/bin/chromium")

POLICY = """\
version console-e2e
mode block
detect sqli on
detect xss on
"""

# The gateway reads its protection switches from the bundle that a real
# `rampart sync` installs (the console flips WAF to detect and the next attack
# passes); its server is written here, not taken from the bundle, so the
# events flow from the first request on.
GATEWAY = """
    rampart_event_sink file:{prefix}/events.jsonl;
    rampart_switches {prefix}/bundle/current/switches;

    server {
        listen 127.0.0.1:{port};
        rampart on;
        rampart_policy {prefix}/e2e.policy;
        rampart_app shop;
        location / { proxy_pass http://{upstream}; }
    }
"""


def diagnose(out, gw, rd):
    """Where a marker the browser did not find is: the gateway's file, the store."""
    m = re.search(r"the API for q=(\S+):", out)
    if not m:
        return ""
    marker = m.group(1)
    with open(gw.path("events.jsonl"), encoding="utf-8", errors="replace") as f:
        lines = [l for l in f if marker in l]
    db = sqlite3.connect(os.path.join(rd.data_dir, "rampart.db"))
    try:
        rows = db.execute("SELECT id, ts, uri FROM events WHERE raw LIKE ?",
                          ("%" + marker + "%",)).fetchall()
        newest = db.execute("SELECT id, ts, uri FROM events ORDER BY id DESC LIMIT 3").fetchall()
    finally:
        db.close()
    return ("diagnosis: %s in the gateway's file: %d line(s) %r\nin the store: %r\n"
            "newest stored: %r" % (marker, len(lines), lines[:1], rows, newest))


def start_sync(rd, gw):
    """`rampart sync` for the gateway, as `make up` runs it; waits for its first bundle."""
    log = open(gw.path("sync.log"), "ab")
    proc = subprocess.Popen(
        [os.path.join(harness.BUILD_DIR, "rampart"), "sync", "--url",
         "http://127.0.0.1:%d" % rd.port, "--token-file", gw.path("gateway.token"),
         "--dir", gw.path("bundle"), "--gateway-id", "e2e-gw", "--name", "e2e-gateway",
         "--listen", "127.0.0.1:%d" % harness.free_port(), "--nginx-pid", gw.path("nginx.pid"),
         "--wait", "25"], stdout=log, stderr=log, start_new_session=True)
    log.close()

    def stop():
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
    harness._cleanups.append(stop)
    switches = gw.path(os.path.join("bundle", "current", "switches"))
    deadline = time.time() + 15
    while not os.path.exists(switches):
        if time.time() > deadline or proc.poll() is not None:
            with open(gw.path("sync.log"), "rb") as f:
                raise RuntimeError("no bundle installed:\n" + f.read().decode(errors="replace"))
        time.sleep(0.05)


class ConsoleEndToEnd(unittest.TestCase):
    def test_console_in_chromium(self):
        self.assertTrue(os.access(CHROMIUM, os.X_OK), "%s missing: scripts/deps.sh" % CHROMIUM)
        console = ensure_console()
        up = Upstream()
        gw = Nginx(GATEWAY, up.port, name="console-gw")
        with open(gw.path("e2e.policy"), "w") as f:
            f.write(POLICY)
        gw.start()
        rd = Rampartd(name="console-e2e", extra_conf=(
            "events_file %s\ningest_flush_ms 5\nconsole_dir %s\nstore_max_size 2m\n"
            "audit_seal_records 5\ngateway_token_file %s\n" %
            (gw.path("events.jsonl"), console, gw.path("gateway.token")))).start()
        start_sync(rd, gw)
        shots = os.path.join(harness.BUILD_DIR, "console-screenshots")
        shutil.rmtree(shots, ignore_errors=True)
        os.makedirs(shots)
        env = dict(os.environ, RD_URL="http://127.0.0.1:%d" % rd.port,
                   GW_URL="http://127.0.0.1:%d" % gw.port, ADMIN_PASSWORD=rd.first_password(),
                   RD_DB=os.path.join(rd.data_dir, "rampart.db"),
                   SHOT_DIR=shots, CHROMIUM=CHROMIUM,
                   CONSOLE_SRC=os.path.join(harness.SOURCE_DIR, "console"))
        script = os.path.join(harness.SOURCE_DIR, "tests", "console", "e2e.mjs")
        p = subprocess.run(["node", script], env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=300)
        out = p.stdout.decode("utf-8", "replace")
        print(out)
        if p.returncode != 0:
            print(diagnose(out, gw, rd))
        self.assertEqual(p.returncode, 0, out + "\n--- rampartd log ---\n" + rd.log_tail())
        self.assertIn("e2e ok", out)
        self.assertIn("measure", out)
        self.assertTrue(os.path.exists(os.path.join(shots, "03-overview.png")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
