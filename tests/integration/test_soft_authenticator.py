"""test_soft_authenticator.py — the tests' software WebAuthn authenticator as a command.

tests/support/soft_authenticator is what later integration tests (the login portal's
WebAuthn endpoints) drive in place of a browser and a security key, so its output must look
exactly like a browser's: this test runs it as those tests will, and checks the JSON it
prints (PublicKeyCredential.toJSON() with base64url fields), clientDataJSON, the
authenticator data's RP ID hash, flags and counter, the state file across runs, every
fault it can be asked for, and its errors. The cryptography is verified by rampartd's own
WebAuthn code in tests/unit/ctl/webauthn_test.c; here Python's standard library reads
the bytes.
"""

import base64
import hashlib
import json
import os
import subprocess
import tempfile
import unittest

BUILD_DIR = os.environ.get("RP_BUILD_DIR", "")
TOOL = os.path.join(BUILD_DIR, "soft_authenticator")
RP_ID = "login.example.test"
ORIGIN = "https://login.example.test"
CHALLENGE = bytes(range(32))


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64u(text):
    assert "=" not in text and "+" not in text and "/" not in text, text
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def creation_options(challenge=CHALLENGE, exclude=()):
    return {"rp": {"id": RP_ID, "name": "Rampart"},
            "user": {"id": b64u(b"user-42"), "name": "alice", "displayName": "Alice"},
            "challenge": b64u(challenge),
            "pubKeyCredParams": [{"type": "public-key", "alg": -7},
                                 {"type": "public-key", "alg": -257}],
            "excludeCredentials": [{"type": "public-key", "id": i} for i in exclude],
            "attestation": "none"}


def request_options(challenge=CHALLENGE, allow=()):
    return {"rpId": RP_ID, "challenge": b64u(challenge),
            "allowCredentials": [{"type": "public-key", "id": i} for i in allow]}


def auth_data_of(attestation_object):
    """authData from {fmt, attStmt, authData}: the byte string after the text key."""
    key = b"\x68authData"
    at = attestation_object.index(key) + len(key)
    head = attestation_object[at]
    if head == 0x58:
        return attestation_object[at + 2:at + 2 + attestation_object[at + 1]]
    assert head == 0x59, hex(head)
    n = int.from_bytes(attestation_object[at + 1:at + 3], "big")
    return attestation_object[at + 3:at + 3 + n]


class SoftAuthenticator(unittest.TestCase):
    def setUp(self):
        if not os.access(TOOL, os.X_OK):
            self.fail("%s not built (RP_BUILD_DIR=%r)" % (TOOL, BUILD_DIR))
        self.dir = tempfile.TemporaryDirectory()
        self.state = os.path.join(self.dir.name, "authenticator.json")

    def tearDown(self):
        self.dir.cleanup()

    def run_tool(self, command, options, *args, status=0):
        p = subprocess.run([TOOL, command, "--state", self.state, "--origin", ORIGIN, *args],
                           input=json.dumps(options).encode(), capture_output=True, timeout=60)
        self.assertEqual(p.returncode, status, p.stderr.decode())
        return json.loads(p.stdout) if status == 0 else p.stderr.decode()

    def client_data(self, cred):
        return json.loads(unb64u(cred["response"]["clientDataJSON"]))

    def check_credential(self, cred):
        self.assertEqual(cred["type"], "public-key")
        self.assertEqual(cred["id"], cred["rawId"])
        self.assertEqual(len(unb64u(cred["rawId"])), 32)
        self.assertEqual(cred["clientExtensionResults"], {})

    def test_create_and_get(self):
        for alg, name in ((-7, "es256"), (-257, "rs256")):
            for fmt in ("none", "packed"):
                cred = self.run_tool("create", creation_options(), "--alg", name, "--fmt", fmt)
                self.check_credential(cred)
                cd = self.client_data(cred)
                self.assertEqual(cd, {"type": "webauthn.create", "challenge": b64u(CHALLENGE),
                                      "origin": ORIGIN, "crossOrigin": False})
                att = unb64u(cred["response"]["attestationObject"])
                self.assertTrue(att.startswith(b"\xa3\x63fmt" + bytes([0x60 + len(fmt)]) +
                                               fmt.encode() + b"\x67attStmt"))
                ad = auth_data_of(att)
                self.assertEqual(ad[:32], hashlib.sha256(RP_ID.encode()).digest())
                self.assertEqual(ad[32] & 0x41, 0x41)  # UP and AT
                self.assertEqual(ad[33:37], b"\0\0\0\0")
                self.assertEqual(ad[37:53], b"rampart-soft-aut")
                self.assertEqual(ad[53:55], b"\x00\x20")
                self.assertEqual(ad[55:87], unb64u(cred["rawId"]))
                # the COSE key: kty 2 alg -7, or kty 3 alg -257
                self.assertEqual(ad[87:92], b"\xa5\x01\x02\x03\x26" if alg == -7
                                 else b"\xa4\x01\x03\x03\x39")
        with open(self.state) as f:
            state = json.load(f)
        self.assertEqual(len(state["credentials"]), 4)
        # get: the allowed credential, counter 1 then 2, the user handle
        wanted = state["credentials"][2]["id"]
        for count in (1, 2):
            got = self.run_tool("get", request_options(allow=[wanted]), "--uv")
            self.check_credential(got)
            self.assertEqual(got["id"], wanted)
            self.assertEqual(self.client_data(got)["type"], "webauthn.get")
            ad = unb64u(got["response"]["authenticatorData"])
            self.assertEqual(len(ad), 37)
            self.assertEqual(ad[32], 0x05)  # UP and UV
            self.assertEqual(int.from_bytes(ad[33:37], "big"), count)
            self.assertEqual(unb64u(got["response"]["userHandle"]), b"user-42")
            self.assertGreater(len(unb64u(got["response"]["signature"])), 60)
        # the counter regression reports the last counter again
        got = self.run_tool("get", request_options(allow=[wanted]), "--fault", "counter-regression")
        self.assertEqual(int.from_bytes(unb64u(got["response"]["authenticatorData"])[33:37], "big"), 2)

    def test_faults(self):
        cred = self.run_tool("create", creation_options())
        cid = cred["id"]
        opts = request_options(allow=[cid])
        good = self.run_tool("get", opts)
        cases = {
            "wrong-origin": lambda g: self.client_data(g)["origin"] == "https://evil.example",
            "wrong-challenge": lambda g: unb64u(self.client_data(g)["challenge"]) != CHALLENGE,
            "wrong-type": lambda g: self.client_data(g)["type"] == "webauthn.create",
            "cross-origin": lambda g: self.client_data(g)["crossOrigin"] is True,
            "no-up": lambda g: unb64u(g["response"]["authenticatorData"])[32] & 1 == 0,
            "wrong-rp": lambda g: unb64u(g["response"]["authenticatorData"])[:32]
            == hashlib.sha256(b"evil.example").digest(),
            "wrong-credential": lambda g: g["id"] != cid,
            "bad-signature": lambda g: g["response"]["signature"] != good["response"]["signature"],
        }
        for fault, check in cases.items():
            got = self.run_tool("get", opts, "--fault", fault)
            self.assertTrue(check(got), fault)
        # a fault on create shows in its clientDataJSON too
        bad = self.run_tool("create", creation_options(), "--fault", "wrong-origin")
        self.assertEqual(self.client_data(bad)["origin"], "https://evil.example")

    def test_errors(self):
        cred = self.run_tool("create", creation_options())
        # excludeCredentials naming a credential it holds: InvalidStateError
        err = self.run_tool("create", creation_options(exclude=[cred["id"]]), status=1)
        self.assertIn("InvalidStateError", err)
        # no credential for the RP: NotAllowedError
        opts = request_options()
        opts["rpId"] = "elsewhere.example"
        self.assertIn("NotAllowedError", self.run_tool("get", opts, status=1))
        # no algorithm it knows
        opts = creation_options()
        opts["pubKeyCredParams"] = [{"type": "public-key", "alg": -8}]
        self.assertIn("NotSupportedError", self.run_tool("create", opts, status=1))
        # usage
        self.run_tool("get", request_options(), "--fault", "no-such-fault", status=2)
        self.run_tool("sign", request_options(), status=2)
        # {"publicKey": options} is accepted as navigator.credentials.get takes it
        got = self.run_tool("get", {"publicKey": request_options()})
        self.assertEqual(got["id"], cred["id"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
