#!/usr/bin/env python3
"""The identity directory's admin API (docs/IDENTITY.md "Directory API"):
users with profile, state and attributes; groups as organisation-unit paths;
roles; memberships set with a user in one transaction; search and keyset
pages; JSON and CSV import (checked whole first, line:reason, nothing applied
on error) and export (no secrets); every change in the audit log.

The store is $RP_TEST_STORE (SQLite by default, PostgreSQL when set)."""

import csv
import io
import time
import unittest

import harness  # noqa: F401  (cleanups)
from rampartd_harness import Rampartd, first_login, make_user

RD = ADMIN = AUDITOR = None
D = "/api/v1/directory/"


def setUpModule():
    global RD, ADMIN, AUDITOR
    RD = Rampartd(name="directory").start()
    ADMIN = first_login(RD)
    AUDITOR = make_user(ADMIN, "audrey", "auditor")


def tearDownModule():
    RD.stop()


class Directory(unittest.TestCase):
    def post(self, path, body, status=201):
        r = ADMIN.request("POST", D + path, body)
        self.assertEqual(r.status, status, r)
        return r.json() if r.body else None

    def test_user_lifecycle_with_memberships(self):
        self.post("groups", {"path": "/gov", "display_name": "政府"})
        g = self.post("groups", {"path": "/gov/city", "description": "市"})["group"]
        self.post("roles", {"name": "clerk"})
        self.post("roles", {"name": "approver"})
        u = self.post("users", {"name": "li.wei", "display_name": "李伟",
                                "email": "li.wei@city.gov.example", "phone": "+86 10 5555",
                                "ou": "/gov/city", "attributes": {"employee": "E-17"},
                                "groups": ["/gov/city"], "roles": ["clerk"]})["user"]
        self.assertEqual(u["groups"], ["/gov/city"])
        self.assertEqual(u["roles"], ["clerk"])
        self.assertEqual(u["attributes"], {"employee": "E-17"})
        self.assertNotIn("pw_hash", u)
        self.assertFalse(u["has_password"])
        # an unknown group changes nothing (one transaction)
        r = ADMIN.request("PATCH", D + "users/li.wei", {"roles": ["approver"],
                                                         "groups": ["/nope"]})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["error"], "unknown_group_or_role")
        r = ADMIN.request("GET", D + "users/LI.WEI")
        self.assertEqual(r.json()["user"]["roles"], ["clerk"])
        r = ADMIN.request("PATCH", D + "users/li.wei", {"roles": ["approver", "clerk"],
                                                         "state": "disabled"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["user"]["roles"], ["approver", "clerk"])
        self.assertEqual(r.json()["user"]["state"], "disabled")
        # members of a group; a unit with sub-units cannot go
        r = AUDITOR.request("GET", D + "groups/%d" % g["id"])
        self.assertEqual(r.json()["group"]["members"], ["li.wei"])
        gov = [x for x in ADMIN.request("GET", D + "groups").json()["groups"]
               if x["path"] == "/gov"][0]
        self.assertEqual(ADMIN.request("DELETE", D + "groups/%d" % gov["id"]).status, 409)
        # the auditor reads, never writes
        self.assertEqual(AUDITOR.request("POST", D + "users", {"name": "x"}).status, 403)
        self.assertEqual(ADMIN.request("DELETE", D + "roles/approver").status, 204)
        r = ADMIN.request("GET", D + "users/li.wei")
        self.assertEqual(r.json()["user"]["roles"], ["clerk"])
        self.assertEqual(ADMIN.request("DELETE", D + "users/li.wei").status, 204)
        self.assertEqual(ADMIN.request("GET", D + "users/li.wei").status, 404)
        # audited: intent and result of each change, under the directory's names
        r = AUDITOR.request("GET", "/api/v1/audit?action=directory.user.create&limit=50")
        self.assertTrue(any(x["target"] == "li.wei" for x in r.json()["records"]), r)
        r = AUDITOR.request("GET", "/api/v1/audit?action=directory.user.delete&limit=50")
        self.assertTrue(r.json()["records"], r)

    def test_validation(self):
        bad = [{"name": "has space"}, {"name": "ok1", "email": "no-at"},
               {"name": "ok2", "ou": "relative/path"}, {"name": "ok3", "ou": "/a/../b"},
               {"name": "ok4", "state": "asleep"}, {"name": "ok5", "attributes": [1]},
               {"name": "ok6", "phone": "call me"}, {"name": "ok7", "colour": "red"},
               {"name": "ok8", "display_name": "bell\u0007"}]
        for body in bad:
            r = ADMIN.request("POST", D + "users", body)
            self.assertEqual(r.status, 400, (body, r))
        self.post("users", {"name": "dup"})
        self.assertEqual(ADMIN.request("POST", D + "users", {"name": "DUP"}).status, 409)
        self.assertEqual(ADMIN.request("POST", D + "groups", {"path": "/a;b"}).status, 400)

    def test_search_and_pages(self):
        for i in range(7):
            self.post("users", {"name": "page%d" % i, "email": "pager%d@x.example" % i})
        seen, after = [], None
        while True:
            q = "users?q=PAGER&limit=3" + ("&after=%d" % after if after else "")
            r = AUDITOR.request("GET", D + q).json()
            seen += [u["name"] for u in r["users"]]
            after = r["next_after"]
            if after is None:
                break
        self.assertEqual(seen, ["page%d" % i for i in range(7)])
        r = ADMIN.request("GET", D + "users?q=%25&limit=3")
        self.assertEqual(r.json()["users"], [], "LIKE wildcards are literal")
        self.assertEqual(ADMIN.request("GET", D + "users?limit=0").status, 400)

    def test_import_checks_everything_first(self):
        doc = {"users": [{"name": "imp1", "groups": ["/imp/a"], "roles": ["imp-role"]},
                         {"name": "bad name"},
                         {"name": "imp3", "email": "broken"},
                         {"name": "IMP1"}]}
        r = ADMIN.request("POST", D + "import", doc)
        self.assertEqual(r.status, 400, r)
        errors = r.json()["errors"]
        self.assertEqual([e["line"] for e in errors], [2, 3, 4], errors)
        self.assertEqual(ADMIN.request("GET", D + "users/imp1").status, 404,
                         "nothing applied on error")
        doc["users"] = [doc["users"][0], {"name": "imp2", "state": "locked",
                                          "attributes": {"k": "v"}}]
        r = ADMIN.request("POST", D + "import?dry_run=1", doc)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(ADMIN.request("GET", D + "users/imp1").status, 404)
        r = ADMIN.request("POST", D + "import", doc)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["created"], 2)
        self.assertEqual(r.json()["groups_created"], 1)
        u = ADMIN.request("GET", D + "users/imp1").json()["user"]
        self.assertEqual((u["groups"], u["roles"]), (["/imp/a"], ["imp-role"]))
        # again: an update, memberships replaced
        doc["users"][0]["roles"] = []
        r = ADMIN.request("POST", D + "import", doc)
        self.assertEqual((r.json()["created"], r.json()["updated"]), (0, 2))
        self.assertEqual(ADMIN.request("GET", D + "users/imp1").json()["user"]["roles"], [])

    def test_csv_import_and_export(self):
        text = ("name,display_name,email,ou,groups,roles,attributes\r\n"
                "csv1,\"Zhang, San\",z@x.example,/csv,/csv;/csv/team,r1;r2,\"{\"\"a\"\":1}\"\r\n"
                "csv2,=cmd|calc,,,,,\r\n")
        r = ADMIN.request("POST", D + "import", text, content_type="text/csv")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["created"], 2)
        bad = "name,email\r\nok9,x@y\r\nbad user,\r\nok10,\"unterminated\r\n"
        r = ADMIN.request("POST", D + "import", bad, content_type="text/csv")
        self.assertEqual(r.status, 400, r)
        self.assertEqual(r.json()["errors"][0]["line"], 4, r.json())
        self.assertEqual(ADMIN.request("GET", D + "users/ok9").status, 404)
        bad = "name,email\r\nok9,x@y\r\nbad user,\r\n"
        r = ADMIN.request("POST", D + "import", bad, content_type="text/csv")
        self.assertEqual([e["line"] for e in r.json()["errors"]], [3])
        r = AUDITOR.request("GET", D + "export?format=csv")
        self.assertEqual(r.status, 200, r)
        rows = {row["name"]: row for row in csv.DictReader(io.StringIO(r.body.decode()))}
        self.assertEqual(rows["csv1"]["display_name"], "Zhang, San")
        self.assertEqual(rows["csv1"]["groups"], "/csv;/csv/team")
        self.assertEqual(rows["csv1"]["roles"], "r1;r2")
        self.assertEqual(rows["csv2"]["display_name"], "'=cmd|calc", "formula defused")
        r = AUDITOR.request("GET", D + "export")
        doc = r.json()
        self.assertIn("/csv/team", [g["path"] for g in doc["groups"]])
        self.assertNotIn("pw_hash", r.body.decode())
        # the JSON export imports again as it is (a round trip)
        users = [{k: u[k] for k in ("name", "display_name", "email", "phone", "ou", "state",
                                    "attributes", "groups", "roles")} for u in doc["users"]]
        r = ADMIN.request("POST", D + "import?dry_run=1",
                          {"users": users, "groups": doc["groups"], "roles": doc["roles"]})
        self.assertEqual(r.status, 200, r)


if __name__ == "__main__":
    unittest.main()
