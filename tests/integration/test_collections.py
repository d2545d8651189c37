"""test_collections.py — SecLang IP/GLOBAL collections shared by nginx workers.

A brute-force limiter (docs/SECLANG.md, "Brute-force limit with the IP
collection") runs in nginx with two worker processes and a
`rampart_collections` zone. Requests arrive on fresh connections, which
`listen ... reuseport` spreads over both workers; the 11th login attempt
must be the first one refused, whichever worker counted the first ten, and
the count must survive a reload that keeps the zone.

Run by CTest as `python3 test_collections.py` with RP_BUILD_DIR and
RP_SOURCE_DIR; everything on 127.0.0.1 (see harness.py).
"""

import os
import time
import unittest

import harness
from harness import Nginx, Upstream, read_jsonl

LIMIT = 10

RULES = """\
SecRuleEngine On
SecAction "id:100,phase:1,pass,nolog,initcol:ip=%{{remote_addr}},initcol:global=global"
SecRule REQUEST_FILENAME "@streq /login" \\
    "id:101,phase:1,pass,nolog,setvar:ip.hits=+1,setvar:global.logins=+1,expirevar:ip.hits=600"
SecAction "id:103,phase:1,pass,log,auditlog,msg:'hits=%{{ip.hits}} logins=%{{global.logins}}'"
SecRule IP:hits "@gt {limit}" \\
    "id:102,phase:1,deny,status:429,log,msg:'too many login attempts'"
"""

POLICY = """\
version collections-itest
mode block
detect sqli off
detect xss off
events matched
rules limiter.conf
"""

HTTP = """
    rampart_event_sink file:{prefix}/events.jsonl;
    rampart_collections zone=rampart_ip:1m;

    server {
        listen 127.0.0.1:{port} reuseport;

        rampart on;
        rampart_policy {prefix}/itest.policy;

        location / {
            add_header X-Worker $pid always;
            proxy_pass http://{upstream};
        }

        location = /rampart_status {
            rampart off;
            rampart_status;
        }
    }
"""


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


class CollectionsAcrossWorkers(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.up = Upstream()
        cls.gw = Nginx(HTTP, upstream_port=cls.up.port, name="collections")
        write(cls.gw.path("limiter.conf"), RULES.format(limit=LIMIT))
        write(cls.gw.path("itest.policy"), POLICY)
        cls.gw.start()

    @classmethod
    def tearDownClass(cls):
        cls.gw.cleanup()
        cls.up.stop()

    def login(self):
        r = self.gw.request("GET", "/login")  # a new connection each time
        return r.status, r.header("X-Worker")

    def hits_messages(self):
        events = read_jsonl(self.gw.path("events.jsonl"))
        return [m.get("msg", "") for e in events for m in e.get("matches", [])
                if m.get("rule_id") == "103"]

    def last_hits(self, seen=0):
        """ip.hits as the last event's rule 103 saw it, once more than
        `seen` such events are in the log (the log phase writes them after
        the response has gone)."""
        deadline = time.time() + 5
        while time.time() < deadline:
            msgs = self.hits_messages()
            if len(msgs) > seen:
                return msgs[-1]
            time.sleep(0.05)
        self.fail("no new event from rule 103 (had %d)" % seen)

    def test_1_limit_is_shared_by_workers(self):
        results = [self.login() for _ in range(LIMIT + 5)]
        statuses = [s for s, _ in results]
        self.assertEqual(statuses, [200] * LIMIT + [429] * 5, results)
        workers = {w for _, w in results if w}
        self.assertGreaterEqual(len(workers), 2,
                                "every request went to one worker: %r" % (results,))
        self.assertIn("hits=%d logins=%d" % (LIMIT + 5, LIMIT + 5),
                      self.last_hits(seen=LIMIT + 4))
        # another path is not a login: counted nowhere, still refused
        self.assertEqual(self.gw.request("GET", "/other").status, 429)
        st = self.gw.status()
        self.assertGreaterEqual(st["collections"]["records"], 2, st)
        self.assertEqual(st["collections"]["evicted"], 0, st)

    def test_2_counts_survive_reload(self):
        before = self.last_hits()
        seen = len(self.hits_messages())
        write(self.gw.path("itest.policy"), POLICY + "# reloaded\n")
        self.gw.reload()
        status, _ = self.login()
        self.assertEqual(status, 429)
        after = self.last_hits(seen)
        n_before = int(before.split()[0].split("=")[1])
        self.assertIn("hits=%d " % (n_before + 1), after, (before, after))
        self.assertEqual(self.gw.crash_lines(), [])

    def test_3_bad_zone_is_a_configuration_error(self):
        bad = Nginx(HTTP.replace("zone=rampart_ip:1m", "zone=rampart_ip"),
                    upstream_port=self.up.port, name="collections-bad")
        write(bad.path("limiter.conf"), RULES.format(limit=LIMIT))
        write(bad.path("itest.policy"), POLICY)
        code, out = bad.test_config()
        self.assertNotEqual(code, 0)
        self.assertIn("zone=NAME:SIZE", out)
        bad.cleanup()


if __name__ == "__main__":
    unittest.main(verbosity=2)
