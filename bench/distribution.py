#!/usr/bin/env python3
"""distribution.py BUILD — how fast a change in rampartd is enforced by a
local gateway, under a wrk load (`make bench-distribution`, docs/BENCHMARKS.md).

Starts, on loopback: an echo upstream, rampartd (SQLite, fresh store),
`rampart sync` and nginx + ngx_http_rampart_module serving one registered
application from the bundle. Then, while `wrk -t2 -c16` loads the gateway
with benign GETs, it alternates ROUNDS times (default 5 each):
  - the WAF switch detect <-> block (no reload: the switches file), and
  - a new policy version turning the XSS detector on <-> off (nginx reload),
and measures for each change the time from the API call's start until the
gateway's answer to an attack changes. Prints the figures, wrk's totals
(non-2xx answers and socket errors; docs/BENCHMARKS.md explains the read
errors keep-alive connections meet at each nginx reload) and merges into
BUILD/bench.json:
  distribution/switch_ms_max, distribution/switch_ms_median   (distribution_close/...
  with DIST_CONNECTION_CLOSE=1)
  distribution/policy_ms_max, distribution/policy_ms_median
  distribution/wrk_requests, distribution/wrk_errors
"""

import json
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

if len(sys.argv) != 2:
    sys.exit("usage: distribution.py BUILD_DIR")
os.environ["RP_BUILD_DIR"] = os.path.abspath(sys.argv[1])
os.environ.setdefault("RP_SOURCE_DIR", os.path.join(HERE, ".."))

import harness  # noqa: E402
import test_distribution as td  # noqa: E402

ROUNDS = int(os.environ.get("DIST_ROUNDS", "5"))
# DIST_CONNECTION_CLOSE=1: one connection per request (as browsers retry a
# keep-alive request that meets a connection closed by a reload, wrk does not)
CLOSE = os.environ.get("DIST_CONNECTION_CLOSE") == "1"
WRK_EXTRA = ["-H", "Connection: close"] if CLOSE else []
# DIST_ONLY=switch: switch changes only (no reload at all)
ONLY_SWITCH = os.environ.get("DIST_ONLY") == "switch"
KEY = "distribution_close/" if CLOSE else "distribution/"
if ONLY_SWITCH:
    KEY = KEY.rstrip("/") + "_switch_only/"
SQLI, XSS = td.SQLI, td.XSS


def timed(change, path, want):
    t0 = time.monotonic()
    r = change()
    assert 200 <= r.status < 300, r
    while td.status(path) != want:
        if time.monotonic() - t0 > 10:
            raise RuntimeError("not enforced within 10 s: %s" % path)
        time.sleep(0.005)
    return (time.monotonic() - t0) * 1000


def main():
    td.setUpModule()
    sec = td.SECOPS
    r = sec.request("POST", "/api/v1/policies", {"name": "bench", "text": "detect xss off\n"})
    assert r.status == 201, r
    assert sec.request("PATCH", "/api/v1/apps/shop", {
        "policy": "bench", "upstream": "http://127.0.0.1:%d" % td.FAST_PORT}).status == 200
    td.wait_status(XSS, 200, limit=10)
    wrk = subprocess.Popen(["wrk", "-t2", "-c16", "-d%ds" % (ROUNDS * 4 + 4)] + WRK_EXTRA +
                           ["http://127.0.0.1:%d/load" % td.NG.port],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    time.sleep(1)
    switch_ms, policy_ms = [], []
    for i in range(ROUNDS):
        switch_ms.append(timed(lambda: sec.request("PATCH", "/api/v1/apps/shop/switches",
                                                   {"waf": "detect"}), SQLI, 200))
        switch_ms.append(timed(lambda: sec.request("PATCH", "/api/v1/apps/shop/switches",
                                                   {"waf": "block"}), SQLI, 403))
        if ONLY_SWITCH:
            time.sleep(0.5)
            continue
        on = "version b-%d\ndetect xss on\n" % i
        off = "version b-%d-off\ndetect xss off\n" % i
        policy_ms.append(timed(lambda: sec.request(
            "POST", "/api/v1/policies/bench/versions", {"text": on}), XSS, 403))
        policy_ms.append(timed(lambda: sec.request(
            "POST", "/api/v1/policies/bench/versions", {"text": off}), XSS, 200))
        time.sleep(0.5)
    out = wrk.communicate(timeout=120)[0].decode()
    total = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    figures = {
        KEY + "switch_ms_median": round(statistics.median(switch_ms), 1),
        KEY + "switch_ms_max": round(max(switch_ms), 1),
        KEY + "wrk_requests": total,
        KEY + "wrk_errors": errors,
    }
    if policy_ms:
        figures[KEY + "policy_ms_median"] = round(statistics.median(policy_ms), 1)
        figures[KEY + "policy_ms_max"] = round(max(policy_ms), 1)
    print(out)
    print("switch changes (ms):", [round(x, 1) for x in switch_ms])
    print("policy changes (ms):", [round(x, 1) for x in policy_ms])
    for k, v in figures.items():
        print("%-34s %s" % (k, v))
    path = os.path.join(os.environ["RP_BUILD_DIR"], "bench.json")
    data = {}
    if os.path.exists(path):
        with open(path) as f:
            data = json.load(f)
    data.update(figures)
    with open(path, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    harness._run_cleanups()
    return 0


if __name__ == "__main__":
    sys.exit(main())
