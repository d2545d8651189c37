#!/usr/bin/env python3
"""rampartd's OpenID Connect provider (docs/IDENTITY.md "OpenID Connect
provider"), driven by a relying party written here with the standard library:
discovery and the JWKS, with every key's signatures checked independently of
rampartd's C code by the `openssl` command (python's standard library has no
RSA or ECDSA; jws_openssl.py turns the JWK into a SubjectPublicKeyInfo PEM).

The store is $RP_TEST_STORE (SQLite by default, PostgreSQL when set)."""

import base64
import hashlib
import json
import os
import secrets
import subprocess
import tempfile
import time
import unittest
import urllib.parse

import harness
from jws_openssl import b64d, jwk_pem, openssl_verifies
from rampartd_harness import Rampartd, first_login, make_user

RD = ADMIN = AUDITOR = None
TOP = None
PW = "Corr3ct-Horse-Battery"
CB = "https://rp.example/cb"
PUBLIC_CB = "http://127.0.0.1:8123/callback"
BYE = "https://rp.example/bye"
SECRETS = {}


def setUpModule():
    global RD, ADMIN, AUDITOR, TOP
    TOP = tempfile.mkdtemp(prefix="rp-oidc-")
    harness._cleanups.append(lambda: subprocess.run(["rm", "-rf", TOP]))
    RD = Rampartd("login_address_failures 100000\n", name="oidc").start()
    ADMIN = first_login(RD)
    AUDITOR = make_user(ADMIN, "audrey", "auditor")
    app = {"name": "rp", "host": "rp.example", "path_prefix": "/",
           "upstream": "http://127.0.0.1:9"}
    assert ADMIN.request("POST", "/api/v1/apps", app).status == 201
    assert ADMIN.request("POST", "/api/v1/directory/groups", {"path": "/gov/tax"}).status == 201
    assert ADMIN.request("POST", "/api/v1/directory/roles", {"name": "clerk"}).status == 201
    r = ADMIN.request("POST", "/api/v1/directory/users",
                      {"name": "li.wei", "password": PW, "temporary": False,
                       "display_name": "Li Wei", "email": "li.wei@example.gov",
                       "phone": "+86 10 1234 5678", "groups": ["/gov/tax"],
                       "roles": ["clerk"]})
    assert r.status == 201, r
    for cid, body in (
            ("webapp", {"redirect_uris": [CB], "post_logout_redirect_uris": [BYE],
                        "scopes": ["profile", "email", "phone", "groups"],
                        "first_party": True}),
            ("es-app", {"redirect_uris": [CB], "id_token_signed_response_alg": "ES256",
                        "first_party": True}),
            ("sm-app", {"redirect_uris": [CB], "id_token_signed_response_alg": "SM2SM3",
                        "first_party": True}),
            ("spa", {"redirect_uris": [PUBLIC_CB], "public": True, "scopes": ["profile"]})):
        body.update(client_id=cid, app="rp", name=cid)
        r = ADMIN.request("POST", "/api/v1/oidc/clients", body)
        assert r.status == 201, r
        SECRETS[cid] = r.json().get("client_secret")


def tearDownModule():
    harness._run_cleanups()


class Discovery(unittest.TestCase):
    def test_discovery_document(self):
        r = RD.request("GET", "/.well-known/openid-configuration")
        self.assertEqual(r.status, 200, r)
        doc = r.json()
        iss = "http://127.0.0.1:%d" % RD.port
        self.assertEqual(doc["issuer"], iss)
        for name, path in (("authorization_endpoint", "/oidc/authorize"),
                           ("token_endpoint", "/oidc/token"),
                           ("userinfo_endpoint", "/oidc/userinfo"),
                           ("jwks_uri", "/oidc/jwks"),
                           ("end_session_endpoint", "/oidc/logout")):
            self.assertEqual(doc[name], iss + path)
        self.assertEqual(doc["response_types_supported"], ["code"])
        self.assertEqual(doc["code_challenge_methods_supported"], ["S256"])
        self.assertEqual(doc["id_token_signing_alg_values_supported"],
                         ["RS256", "ES256", "SM2SM3"])
        self.assertIn("openid", doc["scopes_supported"])

    def test_jwks(self):
        r = RD.request("GET", "/oidc/jwks")
        self.assertEqual(r.status, 200, r)
        keys = r.json()["keys"]
        self.assertEqual(sorted(k["alg"] for k in keys), ["ES256", "RS256", "SM2SM3"])
        for k in keys:
            self.assertEqual(k["use"], "sig")
            for private in ("d", "p", "q", "dp", "dq", "qi"):
                self.assertNotIn(private, k)
            self.assertTrue(k["kid"])
            # each key's PEM form is a valid public key for openssl
            d = tempfile.mkdtemp(dir=TOP)
            with open(os.path.join(d, "k.pem"), "w") as f:
                f.write(jwk_pem(k))
            res = subprocess.run(["openssl", "pkey", "-pubin", "-in", os.path.join(d, "k.pem"),
                                  "-noout"], capture_output=True)
            self.assertEqual(res.returncode, 0, res.stderr)
        # the keys are stable across requests and are sealed at rest
        self.assertEqual(RD.request("GET", "/oidc/jwks").json()["keys"], keys)
        rows = RD.query("SELECT kid, alg, sealed FROM oidc_keys")
        self.assertEqual(len(rows), 3)
        for kid, alg, sealed in rows:
            self.assertNotIn("PRIVATE", sealed)
            self.assertIn(kid, [k["kid"] for k in keys])


# ---- the relying party ----

def pkce():
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


class Browser:
    """The user's browser at the portal: cookie jar and CSRF token."""

    def __init__(self):
        self.jar = RD.path("jar-%d" % time.time_ns())
        self.csrf = None

    def login(self, name="li.wei", password=PW):
        r = RD.request("POST", "/api/v1/id/login", {"username": name, "password": password},
                       jar=self.jar)
        assert r.status == 200 and r.json()["status"] == "ok", r
        self.csrf = r.json()["csrf_token"]

    def portal(self, path, body):
        h = {"X-CSRF-Token": self.csrf} if self.csrf else {}
        return RD.request("POST", path, body, h, jar=self.jar)


def authorize(params):
    return RD.request("GET", "/oidc/authorize?" + urllib.parse.urlencode(params))


def start(client="webapp", scope="openid profile email phone groups", redirect=CB, **extra):
    """/authorize: the request id the portal gets (after checking the 302)."""
    verifier, challenge = pkce()
    state, nonce = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    params = {"response_type": "code", "client_id": client, "redirect_uri": redirect,
              "scope": scope, "state": state, "nonce": nonce, "code_challenge": challenge,
              "code_challenge_method": "S256"}
    params.update(extra)
    r = authorize(params)
    assert r.status == 302, r
    loc = r.header("location")
    assert loc.startswith("/id/login?oidc="), loc
    return {"request": loc.split("=", 1)[1], "verifier": verifier, "state": state,
            "nonce": nonce, "client": client, "redirect": redirect}


def callback_params(url, want_prefix=CB):
    assert url.startswith(want_prefix + "?"), url
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def code_for(browser, flow):
    r = browser.portal("/api/v1/id/oidc/authorize", {"request": flow["request"]})
    assert r.status == 200 and r.json()["status"] == "ok", r
    q = callback_params(r.json()["redirect"], flow["redirect"])
    assert q["state"] == flow["state"], q
    assert q["iss"] == "http://127.0.0.1:%d" % RD.port
    return q["code"]


def token(form, client="webapp", basic=True):
    headers = {}
    form = dict(form)
    if SECRETS.get(client) and basic:
        cred = "%s:%s" % (urllib.parse.quote(client, safe=""),
                          urllib.parse.quote(SECRETS[client], safe=""))
        headers["Authorization"] = "Basic " + base64.b64encode(cred.encode()).decode()
    elif SECRETS.get(client):
        form.update(client_id=client, client_secret=SECRETS[client])
    else:
        form["client_id"] = client
    return RD.request("POST", "/oidc/token", urllib.parse.urlencode(form), headers,
                      content_type="application/x-www-form-urlencoded")


def exchange(flow, code, **over):
    form = {"grant_type": "authorization_code", "code": code,
            "redirect_uri": flow["redirect"], "code_verifier": flow["verifier"]}
    form.update(over)
    return token(form, flow["client"])


def jwks():
    return {k["kid"]: k for k in RD.request("GET", "/oidc/jwks").json()["keys"]}


def verify_id_token(jws, client, nonce, access_token, alg="RS256"):
    head, payload, _ = jws.split(".")
    header = json.loads(b64d(head))
    claims = json.loads(b64d(payload))
    assert header["alg"] == alg, header
    assert openssl_verifies(jwks()[header["kid"]], jws), "signature"
    now = time.time()
    assert claims["iss"] == "http://127.0.0.1:%d" % RD.port
    assert claims["aud"] == client
    assert claims["sub"] == "li.wei"
    assert claims["iat"] <= now + 5 < claims["exp"] + 5
    assert claims["auth_time"] <= now + 5
    assert claims.get("nonce") == nonce, claims
    assert claims["amr"] == ["pwd"] and claims["acr"] and claims["sid"]
    digest = hashlib.sha3_256 if False else hashlib.sha256
    if alg == "SM2SM3":
        half = None  # SM3 is not in python's hashlib everywhere: checked through openssl
        res = subprocess.run(["openssl", "dgst", "-sm3", "-binary"], input=access_token.encode(),
                             capture_output=True, check=True)
        half = res.stdout[:16]
    else:
        half = digest(access_token.encode()).digest()[:16]
    assert claims["at_hash"] == base64.urlsafe_b64encode(half).decode().rstrip("="), claims
    return claims


class CodeFlow(unittest.TestCase):
    def test_whole_flow(self):
        b = Browser()
        flow = start()
        # no portal session yet: the portal is told to log in first
        r = b.portal("/api/v1/id/oidc/authorize", {"request": flow["request"]})
        self.assertEqual((r.status, r.json()["error"]), (401, "login_required"))
        b.login()
        code = code_for(b, flow)
        r = exchange(flow, code)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("cache-control"), "no-store")
        tok = r.json()
        self.assertEqual(tok["token_type"], "Bearer")
        claims = verify_id_token(tok["id_token"], "webapp", flow["nonce"], tok["access_token"])
        # userinfo: claims by scope
        r = RD.request("GET", "/oidc/userinfo", headers={"Authorization": "Bearer " +
                                                         tok["access_token"]})
        self.assertEqual(r.status, 200, r)
        info = r.json()
        self.assertEqual(info, {"sub": "li.wei", "name": "Li Wei",
                                "preferred_username": "li.wei",
                                "email": "li.wei@example.gov", "phone_number": "+86 10 1234 5678",
                                "groups": ["/gov/tax"], "roles": ["clerk"]})
        # the code is single-use; its reuse revokes what it gave
        r = exchange(flow, code)
        self.assertEqual((r.status, r.json()["error"]), (400, "invalid_grant"))
        r = RD.request("GET", "/oidc/userinfo", headers={"Authorization": "Bearer " +
                                                         tok["access_token"]})
        self.assertEqual(r.status, 401)
        self.assertIn('error="invalid_token"', r.header("www-authenticate"))
        r = token({"grant_type": "refresh_token", "refresh_token": tok["refresh_token"]})
        self.assertEqual((r.status, r.json()["error"]), (400, "invalid_grant"))

        # a new flow (same portal session, no login): refresh rotation and reuse
        flow = start()
        tok = exchange(flow, code_for(b, flow)).json()
        r = token({"grant_type": "refresh_token", "refresh_token": tok["refresh_token"]},
                  basic=False)
        self.assertEqual(r.status, 200, r)
        fresh = r.json()
        self.assertNotEqual(fresh["refresh_token"], tok["refresh_token"])
        c2 = verify_id_token(fresh["id_token"], "webapp", None, fresh["access_token"])
        self.assertEqual(c2["sid"], claims["sid"])
        self.assertEqual(RD.request("GET", "/oidc/userinfo", headers={
            "Authorization": "Bearer " + fresh["access_token"]}).status, 200)
        # the old refresh token again: reuse, the whole family is revoked
        r = token({"grant_type": "refresh_token", "refresh_token": tok["refresh_token"]})
        self.assertEqual((r.status, r.json()["error"]), (400, "invalid_grant"))
        r = token({"grant_type": "refresh_token", "refresh_token": fresh["refresh_token"]})
        self.assertEqual((r.status, r.json()["error"]), (400, "invalid_grant"))
        self.assertEqual(RD.request("GET", "/oidc/userinfo", headers={
            "Authorization": "Bearer " + fresh["access_token"]}).status, 401)

        # logout, RP-initiated: ends the portal session and the tokens
        flow = start()
        tok = exchange(flow, code_for(b, flow)).json()
        r = RD.request("GET", "/oidc/logout?" + urllib.parse.urlencode(
            {"id_token_hint": tok["id_token"], "post_logout_redirect_uri": "https://evil.example/",
             "state": "s1"}))
        self.assertEqual(r.status, 400)  # not registered: no redirect
        self.assertIsNone(r.header("location"))
        r = RD.request("GET", "/oidc/logout?" + urllib.parse.urlencode(
            {"id_token_hint": tok["id_token"], "post_logout_redirect_uri": BYE, "state": "s1"}))
        self.assertEqual(r.status, 302, r)
        self.assertEqual(r.header("location"), BYE + "?state=s1")
        self.assertEqual(RD.request("GET", "/oidc/userinfo", headers={
            "Authorization": "Bearer " + tok["access_token"]}).status, 401)
        r = token({"grant_type": "refresh_token", "refresh_token": tok["refresh_token"]})
        self.assertEqual(r.status, 400)
        r = RD.request("GET", "/api/v1/id/session", jar=b.jar)
        self.assertEqual(r.status, 401)  # the portal session ended too
        # the revocation list has the session
        rows = RD.query("SELECT kind, ident FROM id_revocations")
        self.assertIn(["sid", claims["sid"]], [list(x) for x in rows])

    def test_es256_and_sm2(self):
        b = Browser()
        b.login()
        for client, alg in (("es-app", "ES256"), ("sm-app", "SM2SM3")):
            flow = start(client, scope="openid")
            r = exchange(flow, code_for(b, flow))
            self.assertEqual(r.status, 200, r)
            tok = r.json()
            verify_id_token(tok["id_token"], client, flow["nonce"], tok["access_token"], alg)

    def test_public_client_needs_pkce(self):
        b = Browser()
        b.login()
        params = {"response_type": "code", "client_id": "spa", "redirect_uri": PUBLIC_CB,
                  "scope": "openid", "state": "st"}
        r = authorize(params)
        self.assertEqual(r.status, 302)
        q = callback_params(r.header("location"), PUBLIC_CB)
        self.assertEqual((q["error"], q["state"]), ("invalid_request", "st"))
        flow = start("spa", scope="openid profile", redirect=PUBLIC_CB)
        r = b.portal("/api/v1/id/oidc/consent", {"request": flow["request"], "approve": True})
        code = callback_params(r.json()["redirect"], PUBLIC_CB)["code"]
        # a wrong verifier
        r = exchange(flow, code, code_verifier="x" * 43)
        self.assertEqual((r.status, r.json()["error"]), (400, "invalid_grant"))
        flow = start("spa", scope="openid profile", redirect=PUBLIC_CB)
        r = exchange(flow, code_for(b, flow))
        self.assertEqual(r.status, 200, r)
        # a public client may not pretend to have a secret
        flow = start("spa", scope="openid", redirect=PUBLIC_CB)
        r = RD.request("POST", "/oidc/token", urllib.parse.urlencode(
            {"grant_type": "authorization_code", "code": code_for(b, flow),
             "redirect_uri": PUBLIC_CB, "code_verifier": flow["verifier"], "client_id": "spa",
             "client_secret": "guess"}), content_type="application/x-www-form-urlencoded")
        self.assertEqual((r.status, r.json()["error"]), (401, "invalid_client"))


class Freshness(unittest.TestCase):
    def test_max_age_and_prompt_login(self):
        b = Browser()
        b.login()
        time.sleep(1.1)
        for extra in ({"max_age": "0"}, {"prompt": "login"}):
            flow = start(**extra)
            r = b.portal("/api/v1/id/oidc/authorize", {"request": flow["request"]})
            self.assertEqual((r.status, r.json()["error"]), (401, "login_required"), extra)
            b.login()  # a fresh login: the same request now completes
            r = b.portal("/api/v1/id/oidc/authorize", {"request": flow["request"]})
            self.assertEqual(r.json()["status"], "ok", (extra, r))
            tok = exchange(flow, callback_params(r.json()["redirect"])["code"]).json()
            claims = json.loads(b64d(tok["id_token"].split(".")[1]))
            self.assertGreaterEqual(claims["auth_time"], int(time.time()) - 2)
            time.sleep(1.1)

    def test_revocation_list_ends_tokens(self):
        """Logout everywhere (a `user` revocation entry) ends the tokens of every session."""
        b = Browser()
        b.login()
        flow = start()
        tok = exchange(flow, code_for(b, flow)).json()
        bearer = {"Authorization": "Bearer " + tok["access_token"]}
        self.assertEqual(RD.request("GET", "/oidc/userinfo", headers=bearer).status, 200)
        other = Browser()
        other.login()
        time.sleep(1.1)  # the revocation is "issued before now"
        r = other.portal("/api/v1/id/logout-everywhere", {})
        self.assertEqual(r.status, 204, r)
        self.assertEqual(RD.request("GET", "/oidc/userinfo", headers=bearer).status, 401)
        r = token({"grant_type": "refresh_token", "refresh_token": tok["refresh_token"]})
        self.assertEqual((r.status, r.json()["error"]), (400, "invalid_grant"))


class Refusals(unittest.TestCase):
    def test_no_open_redirect(self):
        for client, uri in (("webapp", "https://evil.example/cb"), ("webapp", CB + "/x"),
                            ("nobody", CB), ("webapp", None)):
            params = {"response_type": "code", "client_id": client, "scope": "openid"}
            if uri:
                params["redirect_uri"] = uri
            r = authorize(params)
            self.assertEqual(r.status, 400, (client, uri, r))
            self.assertIsNone(r.header("location"))

    def test_errors_go_back_to_the_client(self):
        base = {"client_id": "webapp", "redirect_uri": CB, "state": "xyz",
                "code_challenge": pkce()[1], "code_challenge_method": "S256"}
        for extra, error in (({"response_type": "token", "scope": "openid"},
                              "unsupported_response_type"),
                             ({"response_type": "code", "scope": "profile"}, "invalid_scope"),
                             ({"response_type": "code", "scope": "openid admin"},
                              "invalid_scope"),
                             ({"response_type": "code", "scope": "openid",
                               "code_challenge_method": "plain"}, "invalid_request"),
                             ({"response_type": "code", "scope": "openid", "prompt": "none login"},
                              "invalid_request")):
            r = authorize(dict(base, **extra))
            self.assertEqual(r.status, 302, r)
            q = callback_params(r.header("location"))
            self.assertEqual((q["error"], q["state"]), (error, "xyz"), extra)

    def test_prompt_none_without_session(self):
        flow = start(prompt="none")
        r = Browser().portal("/api/v1/id/oidc/authorize", {"request": flow["request"]})
        self.assertEqual(r.status, 200, r)
        q = callback_params(r.json()["redirect"])
        self.assertEqual((q["error"], q["state"]), ("login_required", flow["state"]))

    def test_wrong_redirect_uri_secret_expired_code(self):
        b = Browser()
        b.login()
        flow = start()
        code = code_for(b, flow)
        r = exchange(flow, code, redirect_uri=CB + "?x=1")
        self.assertEqual((r.status, r.json()["error"]), (400, "invalid_grant"))
        # a wrong client secret, in the header and in the body
        flow = start()
        code = code_for(b, flow)
        bad = base64.b64encode(b"webapp:wrong").decode()
        r = RD.request("POST", "/oidc/token", urllib.parse.urlencode(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": CB,
             "code_verifier": flow["verifier"]}), {"Authorization": "Basic " + bad},
            content_type="application/x-www-form-urlencoded")
        self.assertEqual((r.status, r.json()["error"]), (401, "invalid_client"))
        self.assertIn("Basic", r.header("www-authenticate"))
        r = RD.request("POST", "/oidc/token", urllib.parse.urlencode(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": CB,
             "code_verifier": flow["verifier"], "client_id": "webapp",
             "client_secret": "wrong"}), content_type="application/x-www-form-urlencoded")
        self.assertEqual((r.status, r.json()["error"]), (401, "invalid_client"))
        # the code still works for the right client (it was never spent)...
        # ...until it expires: age it behind rampartd's back
        RD.query("UPDATE oidc_codes SET expires = 1") if RD.pg else sql_write(
            "UPDATE oidc_codes SET expires = 1")
        r = exchange(flow, code)
        self.assertEqual((r.status, r.json()["error"]), (400, "invalid_grant"))
        # repeated and malformed parameters
        r = RD.request("POST", "/oidc/token", "grant_type=a&grant_type=b",
                       content_type="application/x-www-form-urlencoded")
        self.assertEqual((r.status, r.json()["error"]), (400, "invalid_request"))
        r = token({"grant_type": "password"})
        self.assertEqual((r.status, r.json()["error"]), (400, "unsupported_grant_type"))

    def test_consent_for_third_party(self):
        b = Browser()
        b.login()
        csrf = {"X-CSRF-Token": b.csrf}
        # spa may have been consented in another test: forget it first
        RD.request("DELETE", "/api/v1/id/oidc/consents/spa", None, csrf, jar=b.jar)
        # prompt=none without consent: back to the client with consent_required
        flow = start("spa", scope="openid profile", redirect=PUBLIC_CB, prompt="none")
        r = b.portal("/api/v1/id/oidc/authorize", {"request": flow["request"]})
        self.assertEqual(r.json()["status"], "error", r)
        q = callback_params(r.json()["redirect"], PUBLIC_CB)
        self.assertEqual((q["error"], q["state"]), ("consent_required", flow["state"]))
        flow = start("spa", scope="openid profile", redirect=PUBLIC_CB, prompt="consent")
        r = b.portal("/api/v1/id/oidc/authorize", {"request": flow["request"]})
        self.assertEqual((r.status, r.json()["status"]), (200, "consent_required"), r)
        self.assertEqual(r.json()["scopes"], ["openid", "profile"])
        r = b.portal("/api/v1/id/oidc/consent", {"request": flow["request"], "approve": False})
        q = callback_params(r.json()["redirect"], PUBLIC_CB)
        self.assertEqual(q["error"], "access_denied")
        flow = start("spa", scope="openid profile", redirect=PUBLIC_CB, prompt="consent")
        r = b.portal("/api/v1/id/oidc/consent", {"request": flow["request"], "approve": True})
        self.assertEqual(r.json()["status"], "ok", r)
        # remembered: no question next time
        flow = start("spa", scope="openid profile", redirect=PUBLIC_CB)
        self.assertTrue(code_for(b, flow))
        # the portal calls need the CSRF token
        flow = start("spa", scope="openid", redirect=PUBLIC_CB)
        r = RD.request("POST", "/api/v1/id/oidc/authorize", {"request": flow["request"]},
                       jar=b.jar)
        self.assertEqual(r.status, 403)
        # the user's remembered consents: listed, revoked (CSRF token needed), then asked again
        r = RD.request("GET", "/api/v1/id/oidc/consents", jar=b.jar)
        self.assertEqual(r.status, 200, r)
        mine = [c for c in r.json()["consents"] if c["client_id"] == "spa"]
        self.assertEqual([(c["name"], c["scopes"]) for c in mine], [("spa", ["openid", "profile"])])
        self.assertEqual(RD.request("GET", "/api/v1/id/oidc/consents").status, 401)
        self.assertEqual(RD.request("DELETE", "/api/v1/id/oidc/consents/spa", jar=b.jar).status,
                         403)
        r = RD.request("DELETE", "/api/v1/id/oidc/consents/spa", None, csrf, jar=b.jar)
        self.assertEqual(r.status, 204, r)
        r = RD.request("DELETE", "/api/v1/id/oidc/consents/spa", None, csrf, jar=b.jar)
        self.assertEqual(r.status, 404, r)
        flow = start("spa", scope="openid profile", redirect=PUBLIC_CB)
        r = b.portal("/api/v1/id/oidc/authorize", {"request": flow["request"]})
        self.assertEqual(r.json()["status"], "consent_required", r)
        # a first-party client is not asked, unless it says prompt=consent
        self.assertTrue(code_for(b, start("webapp", scope="openid")))
        flow = start("webapp", scope="openid", prompt="consent")
        r = b.portal("/api/v1/id/oidc/authorize", {"request": flow["request"]})
        self.assertEqual(r.json()["status"], "consent_required", r)


class Clients(unittest.TestCase):
    def test_registration(self):
        r = ADMIN.request("POST", "/api/v1/oidc/clients",
                          {"client_id": "bad", "app": "rp", "redirect_uris": ["https://x/#frag"]})
        self.assertEqual(r.status, 400)
        r = ADMIN.request("POST", "/api/v1/oidc/clients",
                          {"client_id": "bad", "app": "nope", "redirect_uris": [CB]})
        self.assertEqual(r.status, 400)
        r = ADMIN.request("POST", "/api/v1/oidc/clients",
                          {"client_id": "webapp", "app": "rp", "redirect_uris": [CB]})
        self.assertEqual(r.status, 409)
        r = ADMIN.request("GET", "/api/v1/oidc/clients/webapp")
        self.assertEqual(r.status, 200)
        self.assertNotIn("client_secret", r.json())
        self.assertNotIn("secret_hash", r.body.decode())
        # the secret is stored hashed only
        rows = RD.query("SELECT secret_hash FROM oidc_clients WHERE client_id = 'webapp'")
        self.assertNotEqual(rows[0][0], SECRETS["webapp"])
        self.assertNotIn(SECRETS["webapp"], str(rows))
        # the auditor reads, cannot change
        self.assertEqual(AUDITOR.request("GET", "/api/v1/oidc/clients").status, 200)
        self.assertEqual(AUDITOR.request("DELETE", "/api/v1/oidc/clients/webapp").status, 403)
        # rotate a secret: the new one is shown once and the old one stops working
        r = ADMIN.request("POST", "/api/v1/oidc/clients",
                          {"client_id": "rot", "app": "rp", "redirect_uris": [CB]})
        old = r.json()["client_secret"]
        r = ADMIN.request("PATCH", "/api/v1/oidc/clients/rot", {"rotate_secret": True})
        self.assertEqual(r.status, 200)
        self.assertNotEqual(r.json()["client_secret"], old)
        self.assertEqual(ADMIN.request("DELETE", "/api/v1/oidc/clients/rot").status, 204)
        self.assertEqual(ADMIN.request("GET", "/api/v1/oidc/clients/rot").status, 404)


def sql_write(sql):
    import sqlite3
    db = sqlite3.connect(os.path.join(RD.data_dir, "rampart.db"), timeout=10)
    try:
        db.execute(sql)
        db.commit()
    finally:
        db.close()


if __name__ == "__main__":
    unittest.main()
