"""Key management and the encryption service of rampartd (docs/CRYPTO.md):
data keys wrapped by the master key file, encryption through the API,
rotation (old ciphertexts stay readable, rewrap moves them to the newest
version), blind indexes and ID tokens, grants (admins cannot decrypt
unless granted, an application's token reaches only its own keys, the
auditor sees metadata and use records, never material), one audit record
per call with its counts, limits, metrics, and a master-key rotation
killed with -9 halfway that resumes at the next start and loses nothing.

Runs on SQLite by default and on PostgreSQL with RP_TEST_STORE=postgres.
"""

import base64
import os
import re
import sqlite3
import stat
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from rampartd_harness import (Rampartd, bearer, first_login, make_token,  # noqa: E402
                              make_user, wait_until)

RD = ADMIN = AUDITOR = SECOPS = None
APP = OTHER = None  # app tokens (billing, crm)


def id_number(first17):
    """A resident ID number with its GB 11643 (ISO 7064 MOD 11-2) check character."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights))
    return first17 + "10X98765432"[total % 11]


def call(token, path, body):
    return RD.request("POST", path, body, bearer(token))


def setUpModule():
    global RD, ADMIN, AUDITOR, SECOPS, APP, OTHER
    RD = Rampartd(name="keys")
    RD.start()
    ADMIN = first_login(RD)
    AUDITOR = make_user(ADMIN, "audrey", "auditor")
    SECOPS = make_user(ADMIN, "sam", "secops")
    APP = make_token(ADMIN, "billing-app", "app")
    OTHER = make_token(ADMIN, "crm-app", "app")
    for name in ("billing/card", "billing/id", "crm/phone"):
        r = ADMIN.request("POST", "/api/v1/crypto/keys", {"name": name})
        assert r.status == 201, r
    r = ADMIN.request("POST", "/api/v1/crypto/keys",
                      {"name": "billing/aes", "algorithm": "aes-256-gcm"})
    assert r.status == 201, r
    for subject, app in (("token:billing-app", "billing"), ("token:crm-app", "crm")):
        r = ADMIN.request("POST", "/api/v1/crypto/grants",
                          {"subject": subject, "app": app, "keys": ["*"],
                           "ops": ["encrypt", "decrypt", "rewrap", "blind_index", "tokenize",
                                   "detokenize"]})
        assert r.status == 201, r


class MasterKeyFile(unittest.TestCase):
    def test_created_0600_and_never_logged(self):
        path = os.path.join(RD.data_dir, "master.key")
        mode = stat.S_IMODE(os.stat(path).st_mode)
        self.assertEqual(mode, 0o600)
        lines = [x for x in read(path).splitlines() if x.startswith("rpmk1 ")]
        self.assertEqual(len(lines), 1)
        material = lines[0].split()[3]
        self.assertEqual(len(material), 32)  # SM4: 16 bytes
        self.assertNotIn(material, RD.log_text())

    def test_wrong_permissions_stop_startup(self):
        rd = Rampartd(name="keys-perm")
        rd.start()
        rd.stop()
        os.chmod(os.path.join(rd.data_dir, "master.key"), 0o644)
        rd.start(wait=False)
        self.assertNotEqual(rd.proc.wait(timeout=15), 0)
        self.assertIn("chmod 600", rd.log_text())

    def test_missing_master_key_stops_startup_when_keys_exist(self):
        rd = Rampartd(name="keys-missing")
        rd.start()
        admin = first_login(rd)
        self.assertEqual(admin.request("POST", "/api/v1/crypto/keys",
                                       {"name": "a/b"}).status, 201)
        rd.stop()
        os.rename(os.path.join(rd.data_dir, "master.key"),
                  os.path.join(rd.data_dir, "master.key.away"))
        rd.start(wait=False)
        self.assertNotEqual(rd.proc.wait(timeout=15), 0)
        self.assertIn("restore the master key file", rd.log_text())
        self.assertFalse(os.path.exists(os.path.join(rd.data_dir, "master.key")))
        # a different master key (another installation's) is refused too
        other = Rampartd(name="keys-other")
        other.start()
        other.stop()
        os.rename(os.path.join(other.data_dir, "master.key"),
                  os.path.join(rd.data_dir, "master.key"))
        rd.start(wait=False)
        self.assertNotEqual(rd.proc.wait(timeout=15), 0)
        self.assertIn("does not unwrap", rd.log_text())


class Service(unittest.TestCase):
    def test_encrypt_rotate_decrypt_rewrap(self):
        r = call(APP, "/api/v1/crypto/encrypt",
                 {"key": "billing/card", "batch": ["4111111111111111", "5500000000000004", "é"]})
        self.assertEqual(r.status, 200, r)
        old = [x["ciphertext"] for x in r.json()["results"]]
        v1 = r.json()["version"]
        for c in old:
            self.assertTrue(c.startswith("rpe1."), c)
        self.assertNotEqual(old[0], old[1])
        r = ADMIN.request("POST", "/api/v1/crypto/keys/rotate", {"name": "billing/card"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["current_version"], v1 + 1)
        r = call(APP, "/api/v1/crypto/encrypt", {"key": "billing/card", "plaintext": "new"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["version"], v1 + 1)
        new = r.json()["ciphertext"]
        # old and new versions in one batch
        r = call(APP, "/api/v1/crypto/decrypt", {"key": "billing/card", "batch": old + [new]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual([x.get("plaintext") for x in r.json()["results"]],
                         ["4111111111111111", "5500000000000004", "é", "new"])
        # rewrap moves old ciphertexts to the newest version
        r = call(APP, "/api/v1/crypto/rewrap", {"key": "billing/card", "batch": old})
        self.assertEqual(r.status, 200, r)
        rewrapped = [x["ciphertext"] for x in r.json()["results"]]
        self.assertEqual(r.json()["version"], v1 + 1)
        r = call(APP, "/api/v1/crypto/decrypt", {"key": "billing/card", "batch": rewrapped})
        self.assertEqual([x["plaintext"] for x in r.json()["results"]][:2],
                         ["4111111111111111", "5500000000000004"])
        # the key list shows both versions and no material
        r = ADMIN.request("GET", "/api/v1/crypto/keys")
        key = [k for k in r.json()["keys"] if k["name"] == "billing/card"][0]
        self.assertEqual([v["version"] for v in key["versions"]], [v1, v1 + 1])
        self.assertNotIn("wrapped", r.body.decode())

    def test_refusals_per_value(self):
        r = call(APP, "/api/v1/crypto/encrypt", {"key": "billing/id", "plaintext": "secret"})
        c = r.json()["ciphertext"]
        tampered = c[:-3] + ("A" if c[-3] != "A" else "B") + c[-2:]
        r = call(APP, "/api/v1/crypto/decrypt", {"key": "billing/id",
                                                 "batch": [c, tampered, "rpe1.xyz", 7]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["failed"], 3)
        res = r.json()["results"]
        self.assertEqual(res[0]["plaintext"], "secret")
        self.assertEqual(res[1]["error"], "authentication_failed")
        self.assertEqual(res[2]["error"], "malformed")
        self.assertEqual(res[3]["error"], "not_a_string")
        # another key's ciphertext is refused, not opened
        r = call(APP, "/api/v1/crypto/decrypt", {"key": "billing/card", "ciphertext": c})
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.json()["error"], "other_key")
        r = call(APP, "/api/v1/crypto/encrypt", {"key": "billing/nope", "plaintext": "x"})
        self.assertEqual(r.status, 404, r)

    def test_aes_and_base64(self):
        raw = bytes(range(256))
        r = call(APP, "/api/v1/crypto/encrypt", {"key": "billing/aes", "encoding": "base64",
                                                 "plaintext": base64.b64encode(raw).decode()})
        self.assertEqual(r.status, 200, r)
        r = call(APP, "/api/v1/crypto/decrypt", {"key": "billing/aes", "encoding": "base64",
                                                 "ciphertext": r.json()["ciphertext"]})
        self.assertEqual(base64.b64decode(r.json()["plaintext"]), raw)

    def test_blind_index_and_tokens(self):
        r = call(APP, "/api/v1/crypto/blind-index",
                 {"key": "billing/id", "batch": ["13800138000", "138-0013-8000", "13800138001"],
                  "normalize": True})
        self.assertEqual(r.status, 200, r)
        idx = [x["index"] for x in r.json()["results"]]
        self.assertEqual(idx[0], idx[1])
        self.assertNotEqual(idx[0], idx[2])
        self.assertEqual(len(idx[0]), 32)
        ident = id_number("11010519900307123")
        r = call(APP, "/api/v1/crypto/tokenize", {"key": "billing/id", "value": ident})
        self.assertEqual(r.status, 200, r)
        token = r.json()["token"]
        self.assertEqual(len(token), 18)
        self.assertEqual(token[:6], ident[:6])
        self.assertNotEqual(token, ident)
        r = call(APP, "/api/v1/crypto/detokenize", {"key": "billing/id", "token": token,
                                                    "version": r.json()["version"]})
        self.assertEqual(r.json()["value"], ident)
        r = call(APP, "/api/v1/crypto/tokenize", {"key": "billing/id",
                                                  "value": ident[:17] + "0" if ident[17] != "0"
                                                  else ident[:17] + "1"})
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.json()["error"], "not_an_id_number")

    def test_limits(self):
        r = call(APP, "/api/v1/crypto/encrypt", {"key": "billing/card", "batch": ["x"] * 1001})
        self.assertEqual(r.status, 413, r)
        self.assertEqual(r.json()["error"], "batch_too_large")
        r = call(APP, "/api/v1/crypto/encrypt", {"key": "billing/card",
                                                 "plaintext": "x" * (2 << 20)})
        self.assertEqual(r.status, 413, r)
        r = call(APP, "/api/v1/crypto/encrypt", {"key": "billing/card"})
        self.assertEqual(r.status, 400, r)


class Authorisation(unittest.TestCase):
    def test_use_needs_a_grant(self):
        body = {"key": "billing/card", "plaintext": "x"}
        r = ADMIN.request("POST", "/api/v1/crypto/encrypt", body)
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.json()["error"], "not_granted")
        self.assertEqual(call(OTHER, "/api/v1/crypto/encrypt", body).status, 403)
        self.assertEqual(AUDITOR.request("POST", "/api/v1/crypto/encrypt", body).status, 403)
        self.assertEqual(SECOPS.request("POST", "/api/v1/crypto/encrypt", body).status, 403)
        self.assertEqual(RD.request("POST", "/api/v1/crypto/encrypt", body).status, 401)
        # the crm token reaches its own key
        self.assertEqual(call(OTHER, "/api/v1/crypto/encrypt",
                              {"key": "crm/phone", "plaintext": "x"}).status, 200)
        # a grant to the admin for one operation on one key
        r = ADMIN.request("POST", "/api/v1/crypto/grants",
                          {"subject": "admin", "app": "billing", "keys": ["card"],
                           "ops": ["encrypt"]})
        self.assertEqual(r.status, 201, r)
        gid = r.json()["id"]
        self.assertEqual(ADMIN.request("POST", "/api/v1/crypto/encrypt", body).status, 200)
        c = call(APP, "/api/v1/crypto/encrypt", body).json()["ciphertext"]
        self.assertEqual(ADMIN.request("POST", "/api/v1/crypto/decrypt",
                                       {"key": "billing/card", "ciphertext": c}).status, 403)
        self.assertEqual(ADMIN.request("POST", "/api/v1/crypto/encrypt",
                                       {"key": "billing/id", "plaintext": "x"}).status, 403)
        self.assertEqual(ADMIN.request("DELETE", "/api/v1/crypto/grants/%d" % gid).status, 204)
        self.assertEqual(ADMIN.request("POST", "/api/v1/crypto/encrypt", body).status, 403)

    def test_management_roles(self):
        for who, want in ((ADMIN, 200), (AUDITOR, 200), (SECOPS, 403)):
            for path in ("/api/v1/crypto/keys", "/api/v1/crypto/master", "/api/v1/crypto/jobs",
                         "/api/v1/crypto/grants"):
                self.assertEqual(who.request("GET", path).status, want, (path, who.info))
        r = RD.request("GET", "/api/v1/crypto/keys", headers=bearer(APP))
        self.assertEqual(r.status, 403)
        for who in (AUDITOR, SECOPS):
            self.assertEqual(who.request("POST", "/api/v1/crypto/keys",
                                         {"name": "billing/x"}).status, 403)
            self.assertEqual(who.request("POST", "/api/v1/crypto/keys/rotate",
                                         {"name": "billing/card"}).status, 403)
            self.assertEqual(who.request("POST", "/api/v1/crypto/master/rotate", {}).status, 403)
        self.assertEqual(call(APP, "/api/v1/crypto/grants",
                              {"subject": "token:billing-app", "app": "crm", "keys": ["*"],
                               "ops": ["decrypt"]}).status, 403)
        r = AUDITOR.request("GET", "/api/v1/crypto/keys")
        self.assertNotIn("wrapped", r.body.decode())


class AuditAndMetrics(unittest.TestCase):
    def test_one_record_per_call_with_counts(self):
        r = call(OTHER, "/api/v1/crypto/encrypt", {"key": "crm/phone", "batch": ["a"] * 25})
        self.assertEqual(r.status, 200)
        r = AUDITOR.request("GET", "/api/v1/audit?action=crypto.encrypt&target=crm/phone&limit=50")
        self.assertEqual(r.status, 200, r)
        recs = [x for x in r.json()["records"] if x["outcome"] == "success"]
        counts = [x["detail"]["count"] for x in recs]
        self.assertIn(25, counts)
        rec = [x for x in recs if x["detail"]["count"] == 25][0]
        self.assertEqual(rec["actor"], "token:crm-app")
        self.assertEqual(rec["detail"]["failed"], 0)
        self.assertEqual(len(rec["detail"]["versions"]), 1)
        self.assertNotIn("\"a\"", str(rec))
        # refusals are recorded too
        ADMIN.request("POST", "/api/v1/crypto/decrypt", {"key": "crm/phone", "ciphertext": "x"})
        r = AUDITOR.request("GET", "/api/v1/audit?action=crypto.decrypt&actor=admin")
        self.assertTrue(any(x["outcome"] == "denied" for x in r.json()["records"]), r)

    def test_metrics(self):
        r = call(OTHER, "/api/v1/crypto/encrypt", {"key": "crm/phone", "batch": ["a"] * 3})
        self.assertEqual(r.status, 200, r)
        text = ADMIN.request("GET", "/metrics").body.decode()
        m = re.search(r'rampartd_crypto_values_total\{op="encrypt"\} (\d+)', text)
        self.assertIsNotNone(m, text[-2000:])
        self.assertGreaterEqual(int(m.group(1)), 3)
        self.assertIn("rampartd_master_key_version", text)


class MasterRotation(unittest.TestCase):
    def test_kill9_mid_rotation_resumes_and_loses_nothing(self):
        rd = Rampartd(name="keys-rotate")
        rd.start()
        admin = first_login(rd)
        token = make_token(admin, "app1", "app")
        admin.request("POST", "/api/v1/crypto/grants",
                      {"subject": "token:app1", "app": "app1", "keys": ["*"],
                       "ops": ["encrypt", "decrypt"]})
        names = ["app1/f%02d" % i for i in range(30)]
        sealed = {}
        for i, name in enumerate(names):
            self.assertEqual(admin.request("POST", "/api/v1/crypto/keys",
                                           {"name": name}).status, 201)
            if i % 3 == 0:
                admin.request("POST", "/api/v1/crypto/keys/rotate", {"name": name})
            r = rd.request("POST", "/api/v1/crypto/encrypt",
                           {"key": name, "plaintext": "value of " + name}, bearer(token))
            sealed[name] = r.json()["ciphertext"]
        # 40 versions at 8 a second: about five seconds of work
        r = admin.request("POST", "/api/v1/crypto/master/rotate", {"rate": 8})
        self.assertEqual(r.status, 202, r)
        self.assertEqual(r.json()["job"]["target_version"], 2)
        self.assertEqual(r.json()["job"]["total"], 40)
        self.assertEqual(admin.request("POST", "/api/v1/crypto/master/rotate", {}).status, 409)

        def progress():
            return admin.request("GET", "/api/v1/crypto/master").json()["job"]

        wait_until(lambda: progress()["done"] >= 10, timeout=20, what="rotation progress")
        job = progress()
        self.assertEqual(job["state"], "running")
        self.assertLess(job["done"], 40)
        rd.kill9()
        key_file = read(os.path.join(rd.data_dir, "master.key"))
        self.assertEqual(len([x for x in key_file.splitlines() if x.startswith("rpmk1")]), 2)
        rd.start()
        self.assertIn("resuming master key rotation", rd.log_text())
        admin = first_login_again(rd)
        wait_until(lambda: progress_of(admin)["state"] == "done", timeout=30,
                   what="rotation to finish")
        job = progress_of(admin)
        self.assertEqual((job["done"], job["total"]), (40, 40))
        self.assertEqual(admin.request("GET", "/api/v1/crypto/master").json()["version"], 2)
        # the old master version is gone from the file; every key is under 2
        key_file = read(os.path.join(rd.data_dir, "master.key"))
        self.assertEqual([x.split()[1] for x in key_file.splitlines() if x.startswith("rpmk1")],
                         ["2"])
        # the job's end is in the audit log
        auditor = make_user(admin, "audrey", "auditor")
        r = auditor.request("GET", "/api/v1/audit?action=key.master_rotation")
        recs = r.json()["records"]
        self.assertEqual([(x["outcome"], x["detail"]["total"]) for x in recs], [("success", 40)])
        keys = admin.request("GET", "/api/v1/crypto/keys").json()["keys"]
        self.assertEqual({v["master_version"] for k in keys for v in k["versions"]}, {2})
        # nothing lost: every ciphertext made before the rotation opens
        for name, c in sealed.items():
            r = rd.request("POST", "/api/v1/crypto/decrypt", {"key": name, "ciphertext": c},
                           bearer(token))
            self.assertEqual(r.status, 200, (name, r))
            self.assertEqual(r.json()["plaintext"], "value of " + name)
        rd.stop()


class Reencrypt(unittest.TestCase):
    """`rampart keys reencrypt` on an application's table (SQLite, or
    PostgreSQL when the store is): interrupted after 100 rows, resumed, every
    envelope ends at the new version and still decrypts."""

    def table(self, rows):
        if RD.pg:
            db = RD.pg.database()
            RD.pg.query("CREATE TABLE people (id bigint PRIMARY KEY, card text)", db)
            for i, v in rows:
                RD.pg.query("INSERT INTO people VALUES (%d, %s)" %
                            (i, "NULL" if v is None else "'%s'" % v), db)
            dsn = "pg:" + RD.pg.dsn(db)

            def read():
                return [(int(i), v or None) for i, v in
                        RD.pg.query("SELECT id, card FROM people ORDER BY id", db)]
            return dsn, read
        path = os.path.join(RD.dir, "app.db")
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, card TEXT)")
        con.executemany("INSERT INTO people VALUES (?, ?)", rows)
        con.commit()
        con.close()

        def read():
            c = sqlite3.connect(path)
            got = c.execute("SELECT id, card FROM people ORDER BY id").fetchall()
            c.close()
            return got
        return "sqlite:" + path, read

    def run_cli(self, dsn, *extra):
        token_file = os.path.join(RD.dir, "app.token")
        with open(token_file, "w") as f:
            f.write(APP + "\n")
        cmd = [os.path.join(harness.BUILD_DIR, "rampart"), "keys", "reencrypt",
               "--url", "http://127.0.0.1:%d" % RD.port, "--token-file", token_file,
               "--key", "billing/acct", "--dsn", dsn, "--table", "people", "--column", "card",
               "--batch", "100"] + list(extra)
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def test_reencrypt_column_resumable(self):
        self.assertEqual(ADMIN.request("POST", "/api/v1/crypto/keys",
                                       {"name": "billing/acct"}).status, 201)
        plain = ["acct-%04d" % i for i in range(250)]
        r = call(APP, "/api/v1/crypto/encrypt", {"key": "billing/acct", "batch": plain})
        sealed = [x["ciphertext"] for x in r.json()["results"]]
        rows = [(i + 1, c) for i, c in enumerate(sealed)] + [(1000, "plain text"), (1001, None)]
        dsn, read = self.table(rows)
        self.assertEqual(ADMIN.request("POST", "/api/v1/crypto/keys/rotate",
                                       {"name": "billing/acct"}).status, 200)
        # interrupted after the first 100 rows
        rc, out, err = self.run_cli(dsn, "--max-rows", "100")
        self.assertEqual(rc, 0, err)
        self.assertIn("250 envelopes", out)
        self.assertIn("100/250 checked, 100 rewrapped", out)
        versions = [envelope_version(v) for i, v in read() if v and v.startswith("rpe1.")]
        self.assertEqual(versions.count(2), 100)
        self.assertEqual(versions.count(1), 150)
        # resumed: the rest moves, nothing is lost
        rc, out, err = self.run_cli(dsn)
        self.assertEqual(rc, 0, err)
        self.assertIn("done: 250 checked", out)
        got = read()
        self.assertEqual(got[-2:], [(1000, "plain text"), (1001, None)])
        now = [v for i, v in got if i < 1000]
        self.assertEqual({envelope_version(v) for v in now}, {2})
        r = call(APP, "/api/v1/crypto/decrypt", {"key": "billing/acct", "batch": now})
        self.assertEqual([x["plaintext"] for x in r.json()["results"]], plain)
        # bad identifiers are refused before anything runs
        rc, out, err = self.run_cli(dsn.replace("people", "x"), "--column", "card; DROP")
        self.assertEqual(rc, 2)


def envelope_version(text):
    raw = base64.urlsafe_b64decode(text[5:] + "=" * (-len(text[5:]) % 4))
    return int.from_bytes(raw[6:10], "big")


PASSWORD = "correct horse battery staple"


def read(path):
    with open(path) as f:
        return f.read()


def first_login_again(rd):
    from rampartd_harness import Session
    return Session(rd, "admin", PASSWORD)


def progress_of(admin):
    return admin.request("GET", "/api/v1/crypto/master").json()["job"]


if __name__ == "__main__":
    unittest.main(verbosity=2)
