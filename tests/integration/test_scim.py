#!/usr/bin/env python3
"""SCIM 2.0 provisioning (RFC 7643/7644, docs/IDENTITY.md "SCIM"): the
sequence an identity provider (Okta, Azure AD) drives — discovery, look-up by
filter, create, deactivate by PATCH, group create and member PATCH, delete —
with an admin API token; SCIM errors; ETags; the directory seeing every
change; a portal login refused once SCIM deactivated the user.

The store is $RP_TEST_STORE (SQLite by default, PostgreSQL when set)."""

import json
import unittest
import urllib.parse

import harness  # noqa: F401  (cleanups)
from rampartd_harness import Rampartd, bearer, first_login, make_token, make_user

RD = ADMIN = TOKEN = AUDITOR_TOKEN = None
S = "/scim/v2"
CT = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def setUpModule():
    global RD, ADMIN, TOKEN, AUDITOR_TOKEN
    RD = Rampartd(name="scim").start()
    ADMIN = first_login(RD)
    TOKEN = make_token(ADMIN, "okta-provisioning", "admin")
    AUDITOR_TOKEN = make_token(ADMIN, "scim-auditor", "auditor")


def tearDownModule():
    RD.stop()


def scim(method, path, body=None, token=None, headers=None):
    h = bearer(token or TOKEN)
    h.update(headers or {})
    data = json.dumps(body) if body is not None else None
    return RD.request(method, S + path, data, h, content_type=CT if data else None)


def q(filter_text):
    return "?filter=" + urllib.parse.quote(filter_text)


def ops(*operations):
    return {"schemas": [PATCH], "Operations": list(operations)}


class Scim(unittest.TestCase):
    def test_discovery(self):
        r = scim("GET", "/ServiceProviderConfig")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.header("content-type").startswith(CT))
        self.assertTrue(r.json()["patch"]["supported"])
        self.assertTrue(r.json()["filter"]["supported"])
        types = {t["id"] for t in scim("GET", "/ResourceTypes").json()["Resources"]}
        self.assertEqual(types, {"User", "Group"})
        self.assertEqual(scim("GET", "/ResourceTypes/User").json()["schema"], USER_SCHEMA)
        schemas = scim("GET", "/Schemas").json()
        self.assertEqual(schemas["totalResults"], 3)
        user = scim("GET", "/Schemas/" + USER_SCHEMA).json()
        self.assertIn("userName", [a["name"] for a in user["attributes"]])
        self.assertEqual(scim("GET", "/Schemas/urn:nope").status, 404)

    def test_okta_style_lifecycle(self):
        # 1. the IdP looks the user up first: none
        r = scim("GET", "/Users" + q('userName eq "ada.l@example.gov"'))
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json()["totalResults"], r.json()["Resources"]), (0, []))
        # 2. create
        body = {"schemas": [USER_SCHEMA, ENTERPRISE], "userName": "ada.l@example.gov",
                "externalId": "00uOKTA1",
                "name": {"givenName": "Ada", "familyName": "Lovelace"},
                "displayName": "Ada Lovelace",
                "emails": [{"value": "ada.l@example.gov", "type": "work", "primary": True}],
                "phoneNumbers": [{"value": "+44 20 7946 0000", "type": "work"}],
                "active": True, "password": "Analytical-Engine-1843",
                ENTERPRISE: {"department": "Computing"}}
        r = scim("POST", "/Users", body)
        self.assertEqual(r.status, 201, r)
        u = r.json()
        uid = u["id"]
        self.assertEqual(r.header("location"), "%s/Users/%s" % (S, uid))
        self.assertEqual(u["meta"]["location"], "%s/Users/%s" % (S, uid))
        self.assertNotIn("password", u)
        self.assertEqual(u[ENTERPRISE]["department"], "Computing")
        self.assertEqual(scim("POST", "/Users", body).status, 409)
        # the directory holds the mapped user
        d = ADMIN.request("GET", "/api/v1/directory/users/ada.l@example.gov").json()["user"]
        self.assertEqual((d["email"], d["ou"], d["state"]),
                         ("ada.l@example.gov", "/Computing", "active"))
        self.assertEqual(d["attributes"]["externalId"], "00uOKTA1")
        # 3. the password set over SCIM logs in at the portal
        r = RD.request("POST", "/api/v1/id/login", {"username": "ada.l@example.gov",
                                                    "password": "Analytical-Engine-1843"})
        self.assertEqual(r.status, 200, r)
        # 4. filters
        for f in ('userName eq "ADA.L@example.gov"', 'emails.value co "l@example"',
                  'externalId eq "00uOKTA1"', 'displayName sw "Ada" and active eq true',
                  'name.familyName eq "x" or userName pr'):
            r = scim("GET", "/Users" + q(f))
            self.assertIn(uid, [x["id"] for x in r.json()["Resources"]], f)
        r = scim("GET", "/Users" + q('externalId eq "00uokta1"'))  # case-exact
        self.assertEqual(r.json()["totalResults"], 0)
        # 5. a group, and the user added by PATCH
        r = scim("POST", "/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                     "displayName": "Engineers", "members": []})
        self.assertEqual(r.status, 201, r)
        gid = r.json()["id"]
        r = scim("PATCH", "/Groups/" + gid,
                 ops({"op": "add", "path": "members", "value": [{"value": uid}]}))
        self.assertEqual(r.status, 200, r)
        self.assertEqual([m["value"] for m in r.json()["members"]], [uid])
        self.assertEqual(scim("GET", "/Users/" + uid).json()["groups"][0]["display"],
                         "Engineers")
        d = ADMIN.request("GET", "/api/v1/directory/users/ada.l@example.gov").json()["user"]
        self.assertEqual(d["groups"], ["/Engineers"])
        r = scim("GET", "/Groups" + q('displayName eq "engineers"'))
        self.assertEqual([g["id"] for g in r.json()["Resources"]], [gid])
        r = scim("GET", "/Groups?excludedAttributes=members")
        self.assertNotIn("members", r.json()["Resources"][0])
        # an unknown member changes nothing
        r = scim("PATCH", "/Groups/" + gid,
                 ops({"op": "add", "path": "members", "value": [{"value": "999999"}]}))
        self.assertEqual(r.status, 400, r)
        # 6. deactivate (Okta: replace without a path); ETag guards a stale write
        etag = scim("GET", "/Users/" + uid).header("etag")
        r = scim("PATCH", "/Users/" + uid, ops({"op": "replace", "value": {"active": False}}),
                 headers={"If-Match": etag})
        self.assertEqual(r.status, 200, r)
        self.assertFalse(r.json()["active"])
        self.assertNotEqual(r.header("etag"), etag)
        r = scim("PATCH", "/Users/" + uid, ops({"op": "replace", "path": "active",
                                                "value": True}), headers={"If-Match": etag})
        self.assertEqual(r.status, 412, r)
        d = ADMIN.request("GET", "/api/v1/directory/users/ada.l@example.gov").json()["user"]
        self.assertEqual(d["state"], "disabled")
        r = RD.request("POST", "/api/v1/id/login", {"username": "ada.l@example.gov",
                                                    "password": "Analytical-Engine-1843"})
        self.assertNotEqual(r.status, 200, r)
        # 7. remove from the group, then delete
        r = scim("PATCH", "/Groups/" + gid,
                 ops({"op": "remove", "path": 'members[value eq "%s"]' % uid}))
        self.assertEqual((r.status, r.json()["members"]), (200, []))
        self.assertEqual(scim("DELETE", "/Users/" + uid).status, 204)
        self.assertEqual(scim("GET", "/Users/" + uid).status, 404)
        self.assertEqual(scim("DELETE", "/Groups/" + gid).status, 204)
        # audited under SCIM's names
        s = make_user(ADMIN, "scim-audrey", "auditor")
        r = s.request("GET", "/api/v1/audit?action=scim.user.patch&limit=20")
        self.assertTrue(any(x["target"] == "ada.l@example.gov" for x in r.json()["records"]), r)

    def test_azure_style_patch_and_put(self):
        r = scim("POST", "/Users", {"schemas": [USER_SCHEMA], "userName": "grace.h",
                                    "active": True, "emails": [{"value": "g@example.gov",
                                                                "type": "work"}]})
        self.assertEqual(r.status, 201, r)
        uid = r.json()["id"]
        r = scim("PATCH", "/Users/" + uid, ops(
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Add", "path": 'emails[type eq "work"].value', "value": "gh@example.gov"},
            {"op": "Replace", "path": ENTERPRISE + ":department", "value": "Navy"},
            {"op": "Add", "path": "name.givenName", "value": "Grace"}))
        self.assertEqual(r.status, 200, r)
        u = r.json()
        self.assertEqual((u["active"], u["emails"][0]["value"], u[ENTERPRISE]["department"],
                          u["name"]["givenName"]), (False, "gh@example.gov", "Navy", "Grace"))
        # PUT replaces: what is absent is cleared
        r = scim("PUT", "/Users/" + uid, {"schemas": [USER_SCHEMA], "userName": "grace.h",
                                          "active": True})
        self.assertEqual(r.status, 200, r)
        self.assertNotIn("emails", r.json())
        self.assertTrue(r.json()["active"])
        # the userName cannot change
        r = scim("PUT", "/Users/" + uid, {"schemas": [USER_SCHEMA], "userName": "other"})
        self.assertEqual(r.status, 400, r)
        self.assertEqual(scim("DELETE", "/Users/" + uid).status, 204)

    def test_paging(self):
        for i in range(5):
            self.assertEqual(scim("POST", "/Users", {"userName": "page-%d" % i}).status, 201)
        r = scim("GET", "/Users" + q('userName sw "page-"') + "&startIndex=2&count=2").json()
        self.assertEqual((r["totalResults"], r["startIndex"], r["itemsPerPage"]), (5, 2, 2))
        self.assertEqual([x["userName"] for x in r["Resources"]], ["page-1", "page-2"])
        r = scim("GET", "/Users" + q('userName sw "page-"') + "&count=0").json()
        self.assertEqual((r["totalResults"], r["Resources"]), (5, []))

    def test_errors_in_scim_schema(self):
        for path, scim_type in (("/Users" + q("userName eq"), "invalidFilter"),
                                ("/Users" + q("(" * 40 + "userName pr" + ")" * 40),
                                 "invalidFilter"),
                                ("/Users" + q("x pr" + " or x pr" * 100), "invalidFilter")):
            r = scim("GET", path)
            self.assertEqual(r.status, 400, r)
            e = r.json()
            self.assertEqual((e["schemas"], e["status"], e["scimType"]),
                             (["urn:ietf:params:scim:api:messages:2.0:Error"], "400", scim_type))
        r = scim("POST", "/Users", {"userName": "bad name"})
        self.assertEqual((r.status, r.json()["scimType"]), (400, "invalidValue"))
        self.assertEqual(scim("GET", "/Users/999999").status, 404)
        self.assertEqual(scim("GET", "/Users/abc").status, 404)
        r = RD.request("POST", S + "/Users", "{", bearer(TOKEN), content_type=CT)
        self.assertEqual(r.status, 400)
        r = RD.request("POST", S + "/Users", "x", bearer(TOKEN), content_type="text/plain")
        self.assertEqual(r.status, 415)
        r = scim("PATCH", "/Users/1", {"Operations": [{"op": "move", "path": "x"}]})
        self.assertIn(r.status, (400, 404))

    def test_authorisation(self):
        self.assertEqual(RD.request("GET", S + "/Users").status, 401)
        self.assertEqual(scim("GET", "/Users", token=AUDITOR_TOKEN).status, 403)
        self.assertEqual(scim("POST", "/Users", {"userName": "x"}, token=AUDITOR_TOKEN).status,
                         403)
        self.assertEqual(scim("GET", "/Users", token="rp_not-a-token").status, 401)


if __name__ == "__main__":
    unittest.main(verbosity=2)
