#!/usr/bin/env python3
"""selftest.py — tests ftw.py itself, without nginx or any WAF engine.

1. Request building against go-ftw's rules (form encoding, multipart CRLF, autocomplete
   headers, encoded_request, templates).
2. A whole run through the `rampart` log adapter against a fake WAF on 127.0.0.1 that writes
   the JSONL events described in docs/CRS-REGRESSION.md; the suite contains stages that must
   pass and stages that must fail, so a runner that passes everything (or nothing) is caught.
Exit 0 when all checks hold.
"""

import base64
import json
import os
import re
import shutil
import socket
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ftw  # noqa: E402

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


# --------------------------------------------------------------------------- 1. request building

r = ftw.build_request({"method": "POST", "uri": "/p", "headers": {"Host": "localhost"},
                       "data": "a=b c&d=e/f"})
check(b"\r\n\r\na=b+c&d=e%2Ff" in r, "form body url-encoded like go-ftw: %r" % r)
check(b"Content-Type: application/x-www-form-urlencoded\r\n" in r, "default Content-Type added")
check(b"Content-Length: 13\r\n" in r and b"Connection: close\r\n" in r, "autocomplete headers")
r = ftw.build_request({"method": "POST", "headers": {"Content-Type": "application/x-www-form-urlencoded"},
                       "data": "a=%3Cb"})
check(r.endswith(b"\r\n\r\na=%3Cb"), "already-escaped form body left alone: %r" % r)
r = ftw.build_request({"method": "POST", "headers": {"Content-Type": "multipart/form-data; boundary=x"},
                       "data": "--x\nContent-Disposition: form-data; name=\"a\"\n\nv\n--x--\n"})
check(b"\r\n\r\n--x\r\nContent-Disposition" in r and r.endswith(b"--x--\r\n"), "multipart LF -> CRLF")
r = ftw.build_request({"method": "GET", "uri": "/", "headers": {"Host": "h"}, "autocomplete_headers": False})
check(r == b"GET / HTTP/1.1\r\nHost: h\r\n\r\n", "autocomplete_headers: false sends exactly the headers: %r" % r)
r = ftw.build_request({"method": "GET", "headers": {"Host": "h"}, "stop_magic": True})
check(b"Connection" not in r, "stop_magic: true == autocomplete_headers: false")
r = ftw.build_request({"method": "POST", "headers": {"Host": "h"}})
check(b"Content-Length: 0\r\n" in r, "POST without body gets Content-Length: 0")
raw = b"GET /x HTTP/1.0\r\nHost:\r\n\r\n"
r = ftw.build_request({"encoded_request": base64.b64encode(raw).decode(), "headers": {"Host": "ignored"}})
check(r == raw, "encoded_request sent verbatim")
r = ftw.build_request({"method": "POST", "headers": {"Content-Type": "text/plain"},
                       "data": 'a{{ "1" | repeat 5 }}b'})
check(r.endswith(b"a11111b"), "go template repeat")
r = ftw.build_request({"method": "GET", "headers": {"Content-Length": 0, "X-Int": 7}})
check(b"Content-Length: 0\r\n" in r and b"X-Int: 7\r\n" in r, "int header values")

# --------------------------------------------------------------------------- 2. fake WAF + run

events_path = os.path.join(tempfile.mkdtemp(prefix="ftw-selftest-"), "events.jsonl")
open(events_path, "w").close()
lock = threading.Lock()


def handle(conn):
    try:
        conn.settimeout(3)
        data = b""
        while b"\r\n\r\n" not in data:
            c = conn.recv(65536)
            if not c:
                return
            data += c
        head, _, body = data.partition(b"\r\n\r\n")
        m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
        n = int(m.group(1)) if m else 0
        while len(body) < n:
            c = conn.recv(65536)
            if not c:
                break
            body += c
        matches = []
        mk = re.search(rb"(?i)\r\nx-crs-test:\s*([^\r\n]*)", head)
        if mk:
            matches.append({"rule_id": "999999", "msg": "X-CRS-Test " + mk.group(1).decode()})
        else:
            whole = head + b"\r\n\r\n" + body
            if b"attack" in whole:
                matches.append({"rule_id": "942100", "msg": "SQL Injection Attack Detected via libinjection",
                                "data": "Matched Data: attack found within ARGS:x: attack", "target": "ARGS:x"})
            if b"late" in whole:  # an id in a second event of the same transaction (phase 5)
                matches.append({"rule_id": "980170", "msg": "Anomaly Scores: (Inbound Scores: blocking=5)"})
        status = 403 if b"/forbidden" in head.split(b"\r\n")[0] else 200
        # The event is written before the answer, as nginx's log phase runs in the
        # same call chain as the last write: otherwise, under load, the next
        # marker's event could overtake this one.
        if matches:
            with lock, open(events_path, "a") as f:
                if any(x["rule_id"] == "980170" for x in matches):  # split over two lines
                    f.write(json.dumps({"request_id": "a", "matches": matches[:-1]}) + "\n")
                    f.write(json.dumps({"request_id": "a", "matches": matches[-1:]}) + "\n")
                else:
                    f.write(json.dumps({"request_id": "a", "matches": matches}) + "\n")
        conn.sendall(b"HTTP/1.1 %d X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok" % status)
    finally:
        conn.close()


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(64)
port = srv.getsockname()[1]


def serve():
    while True:
        try:
            c, _ = srv.accept()
        except OSError:
            return
        threading.Thread(target=handle, args=(c,), daemon=True).start()


threading.Thread(target=serve, daemon=True).start()

tests_dir = os.path.join(os.path.dirname(events_path), "tests", "REQUEST-942-FAKE")
os.makedirs(tests_dir)


def stage(uri, out, **inp):
    i = {"dest_addr": "198.51.100.7", "port": 80, "uri": uri, "headers": {"Host": "localhost"}}
    i.update(inp)
    return {"input": i, "output": out}


suite = {"meta": {"author": "selftest"}, "rule_id": 942100, "tests": [
    # must pass
    {"test_id": 1, "stages": [stage("/?x=attack", {"log": {"expect_ids": [942100]}})]},
    {"test_id": 2, "stages": [stage("/?x=fine", {"log": {"no_expect_ids": [942100]}})]},
    {"test_id": 3, "stages": [stage("/?x=attack", {"log": {"match_regex": r'\[id "942100"\].*found within ARGS:x'}})]},
    {"test_id": 4, "stages": [stage("/?x=fine", {"log": {"no_match_regex": r'\[id "\d+"\]'}})]},
    {"test_id": 5, "stages": [stage("/forbidden", {"status": 403})]},
    {"test_id": 6, "stages": [stage("/?x=attack-late", {"log": {"expect_ids": [942100, 980170]}}),
                              stage("/?x=fine", {"log": {"no_expect_ids": [942100, 980170]}})]},
    {"test_id": 7, "stages": [stage("/", {"log": {"expect_ids": [942100]}}, method="POST",
                                    data="x=attack")]},
    # must fail
    {"test_id": 8, "stages": [stage("/?x=fine", {"log": {"expect_ids": [942100]}})]},
    {"test_id": 9, "stages": [stage("/?x=attack", {"log": {"no_expect_ids": [942100]}})]},
    {"test_id": 10, "stages": [stage("/?x=attack", {"log": {"no_match_regex": r'\[id "\d+"\]'}})]},
    {"test_id": 11, "stages": [stage("/", {"status": 403})]},
    {"test_id": 12, "stages": [stage("/?x=fine", {"log": {"match_regex": "found within"}})]},
    # overridden: fails as written, passes with the override below
    {"test_id": 13, "stages": [stage("/?x=attack", {"log": {"no_expect_ids": [942100]}})]},
]}
with open(os.path.join(tests_dir, "942100.yaml"), "w") as f:
    json.dump(suite, f)  # JSON is YAML
overrides = os.path.join(os.path.dirname(events_path), "overrides.yaml")
with open(overrides, "w") as f:
    json.dump({"meta": {"engine": "fake"}, "test_overrides": [
        {"rule_id": 942100, "test_ids": [13], "reason": "selftest", "output": {"log": {"expect_ids": [942100]}}}]}, f)

out_json = events_path + ".results.json"
baseline = events_path + ".baseline.json"
with open(baseline, "w") as f:
    json.dump({"min_passed": 9}, f)
rc = ftw.main(["--port", str(port), "--log-file", events_path, "--log-adapter", "rampart",
               "--tests", os.path.dirname(tests_dir), "--overrides", overrides, "--json-out", out_json,
               "--baseline", baseline, "--show-failures", "--read-timeout", "2"])
res = json.load(open(out_json))
got = {(s["id"], s["stage"]): s["result"] for s in res["stages"]}
want_pass = ["942100-%d" % i for i in (1, 2, 3, 4, 5, 6, 7, 13)]
for i in want_pass:
    check(got.get((i, 0)) == "passed", "%s should pass: %s" % (i, got.get((i, 0))))
check(got.get(("942100-6", 1)) == "passed", "942100-6 stage 1 should pass")
for i in (8, 9, 10, 11, 12):
    check(got.get(("942100-%d" % i, 0)) == "failed", "942100-%d should fail" % i)
check(res["passed"] == 9 and res["failed"] == 5, "totals 9 passed / 5 failed: %s/%s" % (res["passed"], res["failed"]))
check(rc == 0, "baseline 9 met -> exit 0")
with open(baseline, "w") as f:
    json.dump({"min_passed": 10}, f)
rc = ftw.main(["--port", str(port), "--log-file", events_path, "--log-adapter", "rampart",
               "--tests", os.path.dirname(tests_dir), "--overrides", overrides, "--baseline", baseline,
               "--include", "^942100-1$"])
check(rc == 1, "below baseline -> exit 1")
srv.close()
shutil.rmtree(os.path.dirname(events_path), ignore_errors=True)

print("selftest: %s" % ("OK" if not failures else "%d FAILED" % len(failures)))
sys.exit(1 if failures else 0)
