"""test_console_static.py — rampartd serving the built web console.

A real rampartd with console_dir pointing at a directory this test fills
(an index.html, a hashed asset, a file outside the root and a symbolic link
to it), checked over HTTP with curl --path-as-is so the traversal attempts
reach rampartd unnormalised: MIME types, cache headers, ETag revalidation,
the SPA fallback for client routes, 404 for missing files, every security
header, no way out of console_dir, the API still JSON and still
authenticated, and `console_dir off`.
"""

import os
import subprocess
import unittest

import harness
from rampartd_harness import Rampartd

INDEX = b"<!doctype html><title>console</title><div id=app></div>"
ASSET = b"console.log('rampart')\n"


def get(port, path, headers=None, method="GET"):
    """(status, headers, body) for a raw path, never normalised by curl."""
    cmd = ["curl", "-sS", "--path-as-is", "-X", method, "-D", "-", "-o", "-", "--max-time", "10",
           "http://127.0.0.1:%d%s" % (port, path)]
    if method == "HEAD":
        cmd[cmd.index("-X"):cmd.index("-X") + 2] = ["-I"]
    for k, v in (headers or {}).items():
        cmd += ["-H", "%s: %s" % (k, v)]
    raw = subprocess.run(cmd, stdout=subprocess.PIPE, check=True, timeout=15).stdout
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return int(lines[0].split()[1]), hdrs, body


class ConsoleStatic(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rd = Rampartd(name="console-static")
        root = os.path.join(cls.rd.dir, "console")
        os.makedirs(os.path.join(root, "assets"))
        with open(os.path.join(root, "index.html"), "wb") as f:
            f.write(INDEX)
        with open(os.path.join(root, "assets", "index-3fA9c2.js"), "wb") as f:
            f.write(ASSET)
        with open(os.path.join(root, "assets", "index-3fA9c2.css"), "wb") as f:
            f.write(b"body{}")
        with open(os.path.join(root, "favicon.svg"), "wb") as f:
            f.write(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
        with open(os.path.join(root, ".env"), "wb") as f:
            f.write(b"hidden")
        cls.secret = os.path.join(cls.rd.dir, "secret.txt")
        with open(cls.secret, "wb") as f:
            f.write(b"TOP-SECRET")
        os.symlink(cls.secret, os.path.join(root, "leak.txt"))
        os.symlink(cls.rd.dir, os.path.join(root, "up"))
        cls.rd.write_conf("console_dir %s\n" % root)
        cls.rd.start()
        cls.port = cls.rd.port

    def assert_security_headers(self, h):
        csp = h.get("content-security-policy", "")
        self.assertIn("default-src 'none'", csp)
        self.assertIn("script-src 'self'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertNotIn("unsafe-eval", csp)
        self.assertNotIn("http", csp)  # no other origin anywhere
        self.assertEqual(h.get("x-frame-options"), "DENY")
        self.assertEqual(h.get("x-content-type-options"), "nosniff")
        self.assertEqual(h.get("referrer-policy"), "no-referrer")

    def test_index_and_assets(self):
        st, h, body = get(self.port, "/")
        self.assertEqual((st, body), (200, INDEX))
        self.assertEqual(h["content-type"], "text/html; charset=utf-8")
        self.assertEqual(h["cache-control"], "no-cache")
        self.assert_security_headers(h)
        st, h, body = get(self.port, "/assets/index-3fA9c2.js")
        self.assertEqual((st, body), (200, ASSET))
        self.assertEqual(h["content-type"], "text/javascript; charset=utf-8")
        self.assertEqual(h["cache-control"], "public, max-age=31536000, immutable")
        self.assert_security_headers(h)
        self.assertEqual(get(self.port, "/assets/index-3fA9c2.css")[1]["content-type"],
                         "text/css; charset=utf-8")
        self.assertEqual(get(self.port, "/favicon.svg")[1]["content-type"], "image/svg+xml")
        st, h, body = get(self.port, "/", method="HEAD")
        self.assertEqual((st, body.strip()), (200, b""))
        self.assertEqual(h["content-length"], str(len(INDEX)))

    def test_etag_revalidation(self):
        st, h, _ = get(self.port, "/index.html")
        etag = h["etag"]
        st, h2, body = get(self.port, "/index.html", {"If-None-Match": etag})
        self.assertEqual((st, body), (304, b""))
        self.assertEqual(h2["etag"], etag)
        self.assertEqual(get(self.port, "/index.html", {"If-None-Match": 'W/"other"'})[0], 200)

    def test_spa_fallback_and_missing_files(self):
        for route in ("/overview", "/events", "/users/alice", "/login"):
            st, h, body = get(self.port, route + "?next=%2Fevents")
            self.assertEqual((st, body), (200, INDEX), route)
            self.assertEqual(h["cache-control"], "no-cache")
        for missing in ("/assets/missing.js", "/missing.css", "/robots.txt"):
            st, h, body = get(self.port, missing)
            self.assertEqual(st, 404, missing)
            self.assertNotIn(b"<!doctype", body)
            self.assert_security_headers(h)

    def test_no_traversal(self):
        attempts = ["/../secret.txt", "/..%2fsecret.txt", "/%2e%2e/secret.txt",
                    "/assets/../../secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt",
                    "/..%5csecret.txt", "/%2e%2e%5csecret.txt", "/leak.txt", "/up/secret.txt",
                    "/.env", "/assets/..%00/x", "/%00", "//secret.txt",
                    "/" + "../" * 12 + "etc/passwd", "/..%252fsecret.txt"]
        for path in attempts:
            st, h, body = get(self.port, path)
            self.assertNotIn(b"TOP-SECRET", body, path)
            self.assertNotIn(b"root:", body, path)
            # a NUL ends the decoded path ("/%00" is "/"): index.html at worst
            if path == "/%00":
                self.assertEqual((st, body), (200, INDEX))
            else:
                self.assertIn(st, (400, 404), path)
                self.assertNotEqual(body, INDEX, path)

    def test_api_unchanged(self):
        st, h, body = get(self.port, "/api/v1/nothing")
        self.assertEqual(st, 404)
        self.assertEqual(h["content-type"], "application/json")
        st, h, _ = get(self.port, "/api/v1/events")
        self.assertEqual(st, 401)  # the files are public, the API is not
        self.assertEqual(get(self.port, "/api")[0], 404)
        self.assertEqual(get(self.port, "/healthz")[0], 200)
        # other methods than GET/HEAD are not the console's
        self.assertEqual(get(self.port, "/index.html", method="POST")[0], 404)


class ConsoleOff(unittest.TestCase):
    def test_off(self):
        rd = Rampartd(name="console-off", extra_conf="console_dir off\n").start()
        st, h, body = get(rd.port, "/")
        self.assertEqual(st, 404)
        self.assertIn(b"console_dir off", body)
        self.assertEqual(get(rd.port, "/healthz")[0], 200)

    def test_not_built(self):
        rd = Rampartd(name="console-empty")
        os.makedirs(os.path.join(rd.dir, "empty"))
        rd.write_conf("console_dir %s\n" % os.path.join(rd.dir, "empty"))
        rd.start()
        for path in ("/", "/events"):
            st, h, body = get(rd.port, path)
            self.assertEqual(st, 404)
            self.assertIn(b"no console in console_dir", body)


if __name__ == "__main__":
    unittest.main(verbosity=2)
