"""test_rampartd_postgres.py — rampartd survives its PostgreSQL restarting.

rampartd tails an event file that a writer thread keeps appending to, with a
private PostgreSQL (pg_harness.py) as its store. Mid-stream the server is
stopped for a few seconds and started again. While it is down rampartd must
say so (/readyz 503, rampartd_store_healthy 0, an error in the log, HTTP
ingestion refused with 503) and hold the file's events back; once the server
is back it must reconnect by itself and store every event exactly once.
"""

import json
import threading
import time
import unittest

import harness  # noqa: F401  (cleanups)
from pg_harness import Postgres
from rampartd_harness import Rampartd, bearer, first_login, make_token, wait_until


def event_line(i):
    return json.dumps({
        "time": "2026-11-26T11:%02d:%02d.%03dZ" % (i // 60000 % 60, i // 1000 % 60, i % 1000),
        "request_id": "pgr-%06d" % i, "client": "10.9.%d.%d" % (i // 250 % 250, i % 250 + 1),
        "host": "portal.example", "method": "GET", "uri": "/search?q=%d" % i,
        "app": "pg-restart", "action": "block", "status": 403, "category": "sqli",
        "matches": [{"detector": "sqli", "category": "sqli"}]}) + "\n"


class Appender(threading.Thread):
    """Appends events to the file at a steady pace until stopped."""

    def __init__(self, path, per_second=1500):
        super().__init__(daemon=True)
        self.path, self.pace = path, per_second
        self.stop_flag = threading.Event()
        self.written = 0

    def run(self):
        with open(self.path, "a") as f:
            while not self.stop_flag.is_set():
                for _ in range(self.pace // 20):
                    f.write(event_line(self.written))
                    self.written += 1
                f.flush()
                time.sleep(0.05)


class PostgresRestart(unittest.TestCase):
    def test_events_survive_a_server_restart(self):
        pg = Postgres()  # its own server: this test restarts it
        rd = Rampartd(name="pgrestart", store="postgres", pg=pg)
        events = rd.path("events.jsonl")
        open(events, "w").close()
        rd.write_conf("events_file %s\ningest_batch 200\ningest_flush_ms 5\n" % events)
        rd.start()
        admin = first_login(rd)
        gateway = make_token(admin, "gw", "gateway")
        auditor = make_token(admin, "auditor", "auditor")

        def stored():
            return int(rd.query("SELECT count(*) FROM events WHERE app = 'pg-restart'")[0][0])

        appender = Appender(events)
        appender.start()
        wait_until(lambda: stored() > 500, 20, "the first events")

        pg.stop()
        down_at = time.time()
        wait_until(lambda: rd.request("GET", "/readyz").status == 503, 10, "/readyz to say 503")
        r = rd.request("POST", "/api/v1/events", [json.loads(event_line(999999))],
                       bearer(gateway))
        self.assertEqual(r.status, 503, r)
        time.sleep(max(0.0, 3.0 - (time.time() - down_at)))  # events pile up in the file
        pg.start()

        wait_until(lambda: rd.request("GET", "/readyz").status == 200, 30, "/readyz again")
        metrics = rd.request("GET", "/metrics", headers=bearer(auditor)).body.decode()
        errors = [l for l in metrics.splitlines() if l.startswith("rampartd_store_errors_total ")]
        self.assertGreater(int(errors[0].split()[1]), 0, "the failed commits were not counted")
        time.sleep(1.0)
        appender.stop_flag.set()
        appender.join(timeout=10)
        written = appender.written
        wait_until(lambda: stored() >= written, 60, "every event to be stored")
        self.assertEqual(rd.stop(), 0)

        ids = [r[0] for r in rd.query("SELECT request_id FROM events WHERE app = 'pg-restart'")]
        self.assertEqual(len(ids), written, "stored %d of %d events" % (len(ids), written))
        self.assertEqual(len(set(ids)), written, "an event was stored twice")
        self.assertEqual(set(ids), {"pgr-%06d" % i for i in range(written)})
        log = rd.log_text()
        self.assertIn("PostgreSQL unreachable", log)
        self.assertIn("ingestion resumed", log)
        self.assertNotIn(pg.password, log, "the database password reached the log")
        print("PostgreSQL restarted under load: %d events written, %d stored, none lost or "
              "doubled" % (written, len(ids)))


if __name__ == "__main__":
    unittest.main(verbosity=2)
