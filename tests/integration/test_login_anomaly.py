"""test_login_anomaly.py — abnormal portal logins on rampartd's side.

A real rampartd whose login profiles judge from an account's second login
on (login_anomaly_learning_hours 0, login_anomaly_min_logins 1) and count
each IPv4 address as its own source (login_anomaly_prefix4 32). A
directory user logs in at the portal from 127.0.0.1, again from 127.0.0.1
(nothing), then from 127.0.0.2 (also loopback: curl --interface): that
login is an identity event and an audit record login.new_source naming
the new address; a second login from 127.0.0.2 raises nothing. The
profiles survive a restart (DATA_DIR/login-profiles.json).
"""

import json
import subprocess
import time
import unittest

import harness  # noqa: F401  (cleanups)
from rampartd_harness import Rampartd, first_login, make_user

RD = ADMIN = AUDITOR = None
PW = "Corr3ct-Horse-Battery"


def setUpModule():
    global RD, ADMIN, AUDITOR
    RD = Rampartd("login_anomaly_learning_hours 0\nlogin_anomaly_min_logins 1\n"
                  "login_anomaly_prefix4 32\nlogin_address_failures 100000\n",
                  name="loginanomaly").start()
    ADMIN = first_login(RD)
    AUDITOR = make_user(ADMIN, "audrey", "auditor")
    r = ADMIN.request("POST", "/api/v1/directory/users",
                      {"name": "li.wei", "password": PW, "temporary": False})
    assert r.status == 201, r


def tearDownModule():
    harness._run_cleanups()


def portal_login(source):
    p = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--interface",
                        source, "-H", "Content-Type: application/json", "--data-binary",
                        json.dumps({"username": "li.wei", "password": PW}),
                        "http://127.0.0.1:%d/api/v1/id/login" % RD.port],
                       stdout=subprocess.PIPE, check=True, timeout=30)
    return int(p.stdout)


def anomalies():
    r = AUDITOR.request("GET", "/api/v1/events?category=identity&limit=500")
    assert r.status == 200, r
    out = []
    for e in r.json()["events"]:
        full = AUDITOR.request("GET", "/api/v1/events/%d" % e["id"]).json()
        ident = full.get("event", full).get("identity") or full.get("raw", {}).get("identity")
        if ident and ident["event"].startswith("login.") and ident["event"] in (
                "login.new_source", "login.unusual_time"):
            out.append((e, ident))
    return out


def wait_for(pred, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    return pred()


class PortalLogins(unittest.TestCase):
    def test_a_login_from_a_new_address_is_flagged_once(self):
        self.assertEqual(portal_login("127.0.0.1"), 200)
        self.assertEqual(portal_login("127.0.0.1"), 200)
        time.sleep(1.0)  # the event writer's flush
        self.assertEqual([i for _, i in anomalies() if i["event"] == "login.new_source"], [])
        self.assertEqual(portal_login("127.0.0.2"), 200)
        found = wait_for(lambda: [x for x in anomalies() if x[1]["event"] == "login.new_source"])
        self.assertTrue(found, RD.log_tail())
        ev, ident = found[0]
        self.assertEqual(ev["client"], "127.0.0.2")
        self.assertEqual(ident["user"], "li.wei")
        self.assertEqual(ident["outcome"], "anomaly")
        self.assertEqual(ident["detail"]["prefix"], "127.0.0.2/32")
        self.assertEqual(ident["detail"]["known_sources"], 1)
        self.assertEqual(ident["detail"]["logins"], 2)
        r = AUDITOR.request("GET", "/api/v1/audit?action=identity.login.new_source&limit=100")
        self.assertEqual(r.status, 200, r)
        records = [x for x in r.json()["records"] if x["outcome"] != "intent"]
        self.assertEqual(len(records), 1, records)
        self.assertEqual(records[0]["detail"]["source"], "127.0.0.2")
        # known now: no second alert
        self.assertEqual(portal_login("127.0.0.2"), 200)
        time.sleep(1.0)
        self.assertEqual(len([x for x in anomalies() if x[1]["event"] == "login.new_source"]), 1)
        # learned across a restart
        RD.stop()
        RD.start()
        self.assertEqual(portal_login("127.0.0.2"), 200)
        self.assertEqual(portal_login("127.0.0.3"), 200)
        found = wait_for(lambda: [x for x in anomalies() if x[1]["event"] == "login.new_source"
                                  and x[0]["client"] == "127.0.0.3"])
        self.assertTrue(found, RD.log_tail())
        self.assertEqual(found[0][1]["detail"]["logins"], 5)
        self.assertEqual(len([x for x in anomalies() if x[1]["event"] == "login.new_source"]), 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
