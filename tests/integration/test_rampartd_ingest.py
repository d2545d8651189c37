"""test_rampartd_ingest.py — gateway events into rampartd, across kill -9.

A real nginx with ngx_http_rampart_module writes its events to a file
(rampart_event_sink file:); a real rampartd tails that file. Four client
threads send attacks through the gateway the whole time while rampartd is
killed with SIGKILL twice and restarted. At the end every event the gateway
wrote must be in rampartd's store exactly once: none lost, none twice.
A second gateway sends its events as datagrams to rampartd's unix socket.
With RP_TEST_STORE=postgres (CTest's integration.test_rampartd_ingest_postgres)
the same runs against a private PostgreSQL.
"""

import os
import threading
import time
import unittest
import urllib.parse

import harness
from harness import Nginx, Upstream, read_jsonl
from rampartd_harness import Rampartd, wait_until

POLICY = """\
version ingest-test
mode block
detect sqli on
detect xss on
"""

GATEWAY = """
    rampart_event_sink {sink};

    server {
        listen 127.0.0.1:{port};
        rampart on;
        rampart_policy {prefix}/ingest.policy;
        rampart_app ingest-test;
        location / { proxy_pass http://{upstream}; }
        location = /rampart_status { rampart off; rampart_status; }
    }
"""

ATTACKS = ["1' or '1'='1", "<script>alert(1)</script>", "1 union select password from users--",
           "<img src=x onerror=alert(1)>"]


def gateway(upstream, sink):
    gw = Nginx(GATEWAY.replace("{sink}", sink), upstream.port, name="ingest-gw")
    with open(gw.path("ingest.policy"), "w") as f:
        f.write(POLICY)
    gw.write_conf(GATEWAY.replace("{sink}", sink.replace("{prefix}", gw.prefix)))
    return gw.start()


class Traffic:
    """Client threads sending attacks until stopped; counts the answers."""

    def __init__(self, port, threads=4):
        self.port = port
        self.stop_flag = threading.Event()
        self.blocked = 0
        self.other = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True)
                        for i in range(threads)]

    def run(self, k):
        n = 0
        while not self.stop_flag.is_set():
            q = urllib.parse.quote("%s %d-%d" % (ATTACKS[n % len(ATTACKS)], k, n))
            st = harness.request(self.port, "GET", "/search?q=" + q).status
            with self.lock:
                if st == 403:
                    self.blocked += 1
                else:
                    self.other.append(st)
            n += 1

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stop_flag.set()
        for t in self.threads:
            t.join(timeout=30)


def stored_request_ids(rd):
    return [r[0] for r in rd.query("SELECT request_id FROM events")]


class KillNine(unittest.TestCase):
    def test_no_event_lost_or_doubled_across_kill9(self):
        up = Upstream()
        gw = gateway(up, "file:{prefix}/events.jsonl")
        events_path = gw.path("events.jsonl")
        # small batches: many commits, so the kills land between and inside them
        rd = Rampartd(name="ingest",
                      extra_conf="events_file %s\ningest_batch 40\ningest_flush_ms 5\n" %
                      events_path).start()
        traffic = Traffic(gw.port).start()
        kills, mid_stream = 0, 0
        for _ in range(2):
            time.sleep(1.0)
            rd.kill9()
            kills += 1
            # where the store stood when rampartd died: some events, not all
            stored_then = len(stored_request_ids(rd))
            written_then = len(read_jsonl(events_path))
            if 0 < stored_then < written_then:
                mid_stream += 1
            time.sleep(0.5)  # the gateway keeps writing while rampartd is dead
            rd.start()
        self.assertGreaterEqual(mid_stream, 1, "no kill landed while events were in flight")
        time.sleep(1.0)
        traffic.stop()
        self.assertEqual(traffic.other, [], "the gateway answered something else than 403")

        written = read_jsonl(events_path)
        self.assertGreater(len(written), 600)
        self.assertEqual(len(written), traffic.blocked, "one event per blocked request")
        ids_written = [e["request_id"] for e in written]
        self.assertEqual(len(set(ids_written)), len(ids_written))
        size = os.path.getsize(events_path)

        def caught_up():
            src = rampartd_sources(rd)
            return src and src[0]["committed_offset"] == size

        wait_until(caught_up, 60, "rampartd to commit the whole file")
        self.assertEqual(rd.stop(), 0)
        ids_stored = stored_request_ids(rd)
        missing = set(ids_written) - set(ids_stored)
        doubled = {i for i in ids_stored if ids_stored.count(i) > 1} if \
            len(ids_stored) != len(set(ids_stored)) else set()
        self.assertEqual(missing, set(), "%d events lost" % len(missing))
        self.assertEqual(doubled, set(), "%d events stored twice" % len(doubled))
        self.assertEqual(len(ids_stored), len(ids_written))
        self.assertEqual(gw.status()["events_dropped"], 0)
        self.assertEqual(gw.crash_lines(), [])
        print("kill -9 x%d: %d events written by the gateway, %d stored, none lost or doubled"
              % (kills, len(ids_written), len(ids_stored)))


def rampartd_sources(rd):
    """The file sources' progress, read with an auditor token made on demand."""
    if not hasattr(rd, "_auditor"):
        from rampartd_harness import first_login, make_token
        rd._auditor = make_token(first_login(rd), "ingest-auditor", "auditor")
    r = rd.request("GET", "/api/v1/ingest", headers={"Authorization": "Bearer " + rd._auditor})
    if r.status != 200:
        return None
    return [s for s in r.json()["sources"] if s["type"] == "file"]


class Datagrams(unittest.TestCase):
    def test_unix_socket_sink(self):
        rd = Rampartd(name="dgram")
        sock = os.path.join(rd.dir, "ev.sock")
        rd.write_conf("events_socket %s\nevents_socket_mode 0666\n" % sock)
        rd.start()
        up = Upstream()
        gw = gateway(up, "unix:" + sock)
        n = 200
        for i in range(n):
            q = urllib.parse.quote("%s %d" % (ATTACKS[i % len(ATTACKS)], i))
            self.assertEqual(harness.request(gw.port, "GET", "/search?q=" + q).status, 403)
        token = None

        def all_stored():
            nonlocal token
            if token is None:
                from rampartd_harness import first_login, make_token
                token = make_token(first_login(rd), "dgram-auditor", "auditor")
            r = rd.request("GET", "/api/v1/events?limit=1000&app=ingest-test",
                           headers={"Authorization": "Bearer " + token})
            return r.status == 200 and r.json()["count"] >= n

        wait_until(all_stored, 30, "the datagram events")
        self.assertEqual(gw.status()["events_dropped"], 0)
        self.assertEqual(rd.stop(), 0)
        self.assertFalse(os.path.exists(sock), "the socket file stayed after the stop")
        ids = stored_request_ids(rd)
        self.assertEqual(len(ids), n)
        self.assertEqual(len(set(ids)), n)


if __name__ == "__main__":
    unittest.main(verbosity=2)
