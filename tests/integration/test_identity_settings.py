"""test_identity_settings.py — the identity service's settings in
rampartd.conf (docs/IDENTITY.md "Settings") take effect: a short
id_session_idle_seconds ends an idle portal session (while activity keeps
it alive), id_password_min_length and id_totp_issuer change what the
directory and the enrolment answer, and a bad value is refused at start
with file:line.

The store is $RP_TEST_STORE (SQLite by default, PostgreSQL when set)."""

import subprocess
import time
import unittest
import urllib.parse

import harness
from rampartd_harness import Rampartd, first_login, rampartd_path

PW = "Corr3ct-Horse-Battery-Staple"
IDLE_S = 2


class IdentitySettings(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rd = Rampartd("id_session_idle_seconds %d\nid_password_min_length 16\n"
                          "id_totp_issuer \"Tax Bureau\"\n" % IDLE_S, name="idsettings").start()
        cls.admin = first_login(cls.rd)
        r = cls.admin.request("POST", "/api/v1/directory/users",
                              {"name": "wang.fang", "password": PW, "temporary": False})
        assert r.status == 201, r

    @classmethod
    def tearDownClass(cls):
        harness._run_cleanups()

    def login(self):
        jar = self.rd.path("jar-%d" % time.time_ns())
        r = self.rd.request("POST", "/api/v1/id/login", {"username": "wang.fang", "password": PW},
                            jar=jar)
        self.assertEqual((r.status, r.json()["status"]), (200, "ok"), r)
        return jar, {"X-CSRF-Token": r.json()["csrf_token"]}

    def test_idle_timeout_from_the_config(self):
        jar, _ = self.login()
        # activity more often than the idle timeout keeps the session (the
        # cookie slides), for longer than the timeout itself
        started = time.time()
        while time.time() - started < 2.5 * IDLE_S:
            r = self.rd.request("GET", "/api/v1/id/session", jar=jar)
            self.assertEqual(r.status, 200, r)
            time.sleep(1.1)
        # then idle for longer than id_session_idle_seconds: refused
        time.sleep(IDLE_S + 1.5)
        r = self.rd.request("GET", "/api/v1/id/session", jar=jar)
        self.assertEqual(r.status, 401, r)

    def test_password_policy_and_totp_issuer_from_the_config(self):
        r = self.admin.request("POST", "/api/v1/directory/users",
                               {"name": "li.qiang", "password": "Sh0rt-But-Ok-1", "temporary": False})
        self.assertEqual(r.status, 400, r)
        self.assertIn("at least 16 characters", r.json()["message"])
        jar, csrf = self.login()
        r = self.rd.request("POST", "/api/v1/id/totp/enrol", None, csrf, jar=jar)
        self.assertEqual(r.status, 200, r)
        uri = r.json()["otpauth_uri"]
        # the portal states the configured rules under its new-password fields
        r = self.rd.request("GET", "/api/v1/id/session", jar=jar)
        self.assertEqual(r.json()["password_policy"],
                         {"min_length": 16, "min_classes": 3, "history": 5})
        self.assertTrue(uri.startswith("otpauth://totp/Tax%20Bureau:wang.fang?"), uri)
        self.assertIn("issuer=Tax%20Bureau", uri)
        self.assertEqual(urllib.parse.parse_qs(urllib.parse.urlsplit(uri).query)["issuer"],
                         ["Tax Bureau"])

    def test_bad_value_refused_with_file_and_line(self):
        conf = self.rd.path("bad.conf")
        with open(conf, "w") as f:
            f.write("listen 127.0.0.1:9\nid_session_idle_seconds 1\n")
        p = subprocess.run([rampartd_path(), "-t", "-c", conf],
                           capture_output=True, timeout=30)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("bad.conf:2", p.stderr.decode() + p.stdout.decode())


if __name__ == "__main__":
    unittest.main(verbosity=2)
