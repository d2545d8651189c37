"""test_cli.py — the `rampart` command line, black-box.

`rampart inspect` on raw requests (files and stdin) prints one JSON verdict
per request with the right exit status; `rampart policy check` accepts the
shipped policy and names file:line for a broken one.
"""

import json
import os
import subprocess
import tempfile
import unittest

BUILD = os.environ.get("RP_BUILD_DIR", "build")
SOURCE = os.environ.get("RP_SOURCE_DIR", ".")
RAMPART = os.path.join(BUILD, "rampart")
POLICY = os.path.join(SOURCE, "policies", "default.policy")


def run(*args, data=None):
    return subprocess.run([RAMPART, *args], input=data, capture_output=True, timeout=60)


class Inspect(unittest.TestCase):
    def test_verdicts_and_exit_status(self):
        body = '{"name":"张三","comment":"我们的“服务”，很好！"}'.encode()
        reqs = (b"GET /search?q=%E7%A4%BE%E4%BF%9D HTTP/1.1\r\nHost: x\r\n\r\n"
                b"POST /api HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body +
                b"GET /search?q=1%27%20or%20%271%27%3D%271 HTTP/1.1\r\nHost: x\r\n\r\n")
        with tempfile.NamedTemporaryFile(suffix=".http") as f:
            f.write(reqs)
            f.flush()
            p = run("inspect", "--policy", POLICY, f.name)
        self.assertEqual(p.returncode, 1, p.stderr)  # one request blocked
        lines = [json.loads(l) for l in p.stdout.decode().splitlines()]
        self.assertEqual(len(lines), 3, lines)
        self.assertEqual([l["verdict"]["action"] for l in lines], ["allow", "allow", "block"])
        m = lines[2]["verdict"]["matches"][0]
        self.assertEqual((m["detector"], m["target"]), ("sqli", "query:q"))
        self.assertEqual(lines[2]["verdict"]["policy_version"], "default-2")

    def test_stdin_detect_mode(self):
        p = run("inspect", "--mode", "detect", "-",
                data=b"GET /?a=%3Cscript%3Ealert(1)%3C/script%3E HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(p.returncode, 0, p.stderr)
        v = json.loads(p.stdout)["verdict"]
        self.assertEqual(v["action"], "detect")
        self.assertEqual(v["matches"][0]["detector"], "xss")

    def test_malformed_input_is_an_error(self):
        p = run("inspect", "-", data=b"GET / HTTP/1.1\r\nHost : x\r\n\r\n")
        self.assertEqual(p.returncode, 2)
        self.assertIn("malformed header field name", json.loads(p.stdout)["error"])
        p = run("inspect", "-", data=b"GET / HTTP/1.1\r\nHost: x\r\n")
        self.assertEqual(p.returncode, 2)
        self.assertIn("incomplete", json.loads(p.stdout)["error"])


class PolicyCheck(unittest.TestCase):
    def test_shipped_policy(self):
        p = run("policy", "check", POLICY)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn(b"ok (version default-2)", p.stdout)

    def test_broken_policy_names_file_and_line(self):
        with tempfile.NamedTemporaryFile("w", suffix=".policy") as f:
            f.write("mode block\n\nlimit body lots\n")
            f.flush()
            p = run("policy", "check", f.name)
        self.assertEqual(p.returncode, 1)
        self.assertIn(("%s:3: limit body" % f.name).encode(), p.stderr)

    def test_usage(self):
        self.assertEqual(run().returncode, 2)
        self.assertEqual(run("frobnicate").returncode, 2)
        self.assertEqual(run("version").returncode, 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
