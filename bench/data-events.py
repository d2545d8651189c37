#!/usr/bin/env python3
"""data-events.py BUILD [EVENTS] — what the data-access audit costs rampartd's ingestion
(docs/RAMPARTD.md, "Data exposure and alerts"; docs/BENCHMARKS.md).

Starts rampartd on loopback (a fresh store: SQLite, or PostgreSQL with RP_TEST_STORE=postgres)
and submits EVENTS (default 2000) events through the ingest API in batches of 500, first
ordinary security events (category sqli), then data-access events (50 users, two data classes,
one record key each), and prints events/s for each. A data-access event is one synchronous
audit record (an SM3-chained commit) and exposure cells (one transaction per batch), so the
difference is the audit's price.
"""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

if len(sys.argv) < 2:
    sys.exit("usage: data-events.py BUILD_DIR [EVENTS]")
os.environ["RP_BUILD_DIR"] = os.path.abspath(sys.argv[1])
os.environ.setdefault("RP_SOURCE_DIR", os.path.join(HERE, ".."))
from rampartd_harness import Rampartd, bearer, first_login, make_token  # noqa: E402

EVENTS = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
BATCH = 500


def event(i, category):
    return {"time": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "request_id": "%s-%d" % (category, i), "client": "10.0.0.1", "method": "GET",
            "uri": "/api/citizens/%d" % i, "app": "demo", "action": "allow", "status": 200,
            "category": category,
            "data": {"route": "/api/", "view": "clear", "user": "u%d" % (i % 50),
                     "roles": "auditor", "classes": {"resident_id": 3, "mobile": 3},
                     "keys": [str(i)], "keys_dropped": 0}}


rd = Rampartd(name="bench-data-events").start()
try:
    gateway = make_token(first_login(rd), "bench-gateway", "gateway")
    for category in ("sqli", "data-access"):
        t0 = time.time()
        for k in range(0, EVENTS, BATCH):
            r = rd.request("POST", "/api/v1/events",
                           [event(k + j, category) for j in range(min(BATCH, EVENTS - k))],
                           bearer(gateway))
            assert r.status == 200, r
        s = time.time() - t0
        print("%-12s %6d events in %6.2f s: %8.0f events/s" % (category, EVENTS, s, EVENTS / s))
finally:
    rd.stop()
    rd.cleanup()
