"""The PKCS#11 master key provider (docs/CRYPTO.md, "Master key providers") with a SoftHSM2 token.

A token is initialised in a temporary directory (SOFTHSM2_CONF, softhsm2-util); rampartd starts
with master_key_provider pkcs11 and creates master key version 1 in the token (nothing on disk);
data keys are created, values encrypted and decrypted through the encryption service; after a
restart the same ciphertexts decrypt; a master-key rotation makes version 2 in the token and
rewraps every data key, and after another restart everything still decrypts; a wrong PIN stops
start-up with a clear message (and the PIN is never in the log); a PIN file others may read is
refused.
"""

import os
import shutil
import subprocess
import tempfile
import unittest

import harness
from rampartd_harness import Rampartd, Session, bearer, first_login, make_token, wait_until

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN, SO_PIN, TOKEN = "31415926", "27182818", "rampart-itest"


def softhsm_token():
    """A fresh SoftHSM2 token in its own directory; sets SOFTHSM2_CONF for the processes."""
    d = tempfile.mkdtemp(prefix="rp-softhsm-")
    harness._cleanups.append(lambda: shutil.rmtree(d, ignore_errors=True))
    os.mkdir(os.path.join(d, "tokens"))
    conf = os.path.join(d, "softhsm2.conf")
    with open(conf, "w") as f:
        f.write("directories.tokendir = %s/tokens\nobjectstore.backend = file\n"
                "log.level = ERROR\n" % d)
    os.environ["SOFTHSM2_CONF"] = conf
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", TOKEN,
                    "--so-pin", SO_PIN, "--pin", PIN], check=True, capture_output=True,
                   timeout=60)
    return d


def write_pin(rd, pin, mode=0o600):
    path = rd.path("token.pin")
    with open(path, "w") as f:
        f.write(pin + "\n")
    os.chmod(path, mode)
    return path


class Pkcs11Provider(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        softhsm_token()
        cls.rd = Rampartd(name="pkcs11")
        cls.rd.write_conf("master_key_provider pkcs11\npkcs11_module %s\npkcs11_token %s\n"
                          "pkcs11_pin_file %s\npkcs11_key_label rampart-itest-master\n"
                          % (MODULE, TOKEN, write_pin(cls.rd, PIN)))

    @classmethod
    def tearDownClass(cls):
        cls.rd.cleanup()

    def decrypt(self, token, key, ciphertexts):
        r = self.rd.request("POST", "/api/v1/crypto/decrypt", {"key": key, "batch": ciphertexts},
                            bearer(token))
        self.assertEqual(r.status, 200, r)
        return [x.get("plaintext") for x in r.json()["results"]]

    def test_keys_in_the_token_across_restarts_and_rotation(self):
        rd = self.rd.start()
        admin = first_login(rd)
        master = admin.request("GET", "/api/v1/crypto/master").json()
        self.assertEqual((master["provider"], master["version"]), ("pkcs11", 1))
        self.assertFalse(os.path.exists(os.path.join(rd.data_dir, "master.key")))
        app = make_token(admin, "hr-app", "app")
        for name in ("hr/id", "hr/phone"):
            self.assertEqual(admin.request("POST", "/api/v1/crypto/keys", {"name": name}).status,
                             201)
        self.assertEqual(admin.request("POST", "/api/v1/crypto/grants",
                                       {"subject": "token:hr-app", "app": "hr", "keys": ["*"],
                                        "ops": ["encrypt", "decrypt"]}).status, 201)
        values = ["11010519491231002X", "13800138000", "张三"]
        r = rd.request("POST", "/api/v1/crypto/encrypt", {"key": "hr/id", "batch": values},
                       bearer(app))
        self.assertEqual(r.status, 200, r)
        sealed = [x["ciphertext"] for x in r.json()["results"]]
        self.assertEqual(self.decrypt(app, "hr/id", sealed), values)

        # restart: the data keys unwrap in the token again
        self.assertEqual(rd.stop(), 0)
        rd.start()
        self.assertEqual(self.decrypt(app, "hr/id", sealed), values)

        # master rotation: version 2 made in the token, every data key rewrapped
        admin = Session(rd, "admin", "correct horse battery staple")  # first_login's password
        r = admin.request("POST", "/api/v1/crypto/master/rotate", {})
        self.assertEqual(r.status, 202, r)
        wait_until(lambda: admin.request("GET", "/api/v1/crypto/master").json()["job"]["state"]
                   == "done", timeout=30, what="the master rotation")
        self.assertEqual(admin.request("GET", "/api/v1/crypto/master").json()["version"], 2)
        self.assertEqual(rd.stop(), 0)
        rd.start()
        self.assertEqual(self.decrypt(app, "hr/id", sealed), values)
        self.assertNotIn(PIN, rd.log_text())

        # a wrong PIN stops start-up, saying so
        self.assertEqual(rd.stop(), 0)
        write_pin(rd, "00000000")
        rd.start(wait=False)
        self.assertNotEqual(rd.proc.wait(timeout=30), 0)
        self.assertIn("refused the PIN", rd.log_text())
        self.assertNotIn("00000000", rd.log_text())
        # a PIN file others may read is refused before the token sees it
        write_pin(rd, PIN, 0o644)
        rd.start(wait=False)
        self.assertNotEqual(rd.proc.wait(timeout=30), 0)
        self.assertIn("must be mode 0600", rd.log_text())
        # and the right one works again
        write_pin(rd, PIN)
        rd.start()
        self.assertEqual(self.decrypt(app, "hr/id", sealed), values)


if __name__ == "__main__":
    unittest.main(verbosity=2)
