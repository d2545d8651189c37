"""jws_openssl.py — checks a compact JWS (RS256, ES256, SM2SM3) against a JWK
with the `openssl` command, independently of rampartd's C code: python's
standard library has no RSA or ECDSA, so the JWK becomes a
SubjectPublicKeyInfo PEM here (DER written by hand). Used by the OpenID
Connect tests (test_oidc.py, test_oidc_portal_e2e.py)."""

import base64
import json
import os
import subprocess
import tempfile


def b64d(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# ---- a JWK as a PEM public key, for `openssl` (DER written by hand) ----

def der_len(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def der(tag, body):
    return bytes([tag]) + der_len(len(body)) + body


def der_int(raw):
    raw = raw.lstrip(b"\0") or b"\0"
    if raw[0] & 0x80:
        raw = b"\0" + raw
    return der(0x02, raw)


OID_RSA = bytes.fromhex("06092a864886f70d0101010500")            # rsaEncryption, NULL
OID_EC = bytes.fromhex("06072a8648ce3d0201")                        # id-ecPublicKey
OID_P256 = bytes.fromhex("06082a8648ce3d030107")                    # prime256v1
OID_SM2 = bytes.fromhex("06082a811ccf5501822d")                     # SM2 (1.2.156.10197.1.301)


def jwk_pem(jwk):
    if jwk["kty"] == "RSA":
        key = der(0x30, der_int(b64d(jwk["n"])) + der_int(b64d(jwk["e"])))
        spki = der(0x30, der(0x30, OID_RSA) + der(0x03, b"\0" + key))
    else:
        curve = OID_P256 if jwk["crv"] == "P-256" else OID_SM2
        point = b"\x04" + b64d(jwk["x"]) + b64d(jwk["y"])
        spki = der(0x30, der(0x30, OID_EC + curve) + der(0x03, b"\0" + point))
    body = base64.encodebytes(spki).decode().replace("\n", "")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN PUBLIC KEY-----\n%s\n-----END PUBLIC KEY-----\n" % "\n".join(lines)


def raw_to_der(sig):
    half = len(sig) // 2
    return der(0x30, der_int(sig[:half]) + der_int(sig[half:]))


def openssl_verifies(jwk, jws):
    """Verifies a compact JWS with the `openssl` command and the JWK."""
    head, payload, sig = jws.split(".")
    alg = json.loads(b64d(head))["alg"]
    sig = b64d(sig)
    with tempfile.TemporaryDirectory(prefix="rp-jws-") as d:
        return _verify(jwk, head, payload, alg, sig, d)


def _verify(jwk, head, payload, alg, sig, d):
    paths = {n: os.path.join(d, n) for n in ("key.pem", "sig", "data")}
    with open(paths["key.pem"], "w") as f:
        f.write(jwk_pem(jwk))
    with open(paths["sig"], "wb") as f:
        f.write(sig if alg == "RS256" else raw_to_der(sig))
    with open(paths["data"], "wb") as f:
        f.write(("%s.%s" % (head, payload)).encode())
    if alg == "SM2SM3":
        cmd = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", paths["key.pem"],
               "-rawin", "-digest", "sm3", "-in", paths["data"], "-sigfile", paths["sig"],
               "-pkeyopt", "distid:1234567812345678"]
    else:
        cmd = ["openssl", "dgst", "-sha256", "-verify", paths["key.pem"], "-signature",
               paths["sig"], paths["data"]]
    res = subprocess.run(cmd, capture_output=True)
    return res.returncode == 0
