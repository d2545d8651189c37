#!/usr/bin/env python3
"""eaas.py BUILD [SECONDS] [CONNECTIONS] — throughput of rampartd's encryption
service (docs/CRYPTO.md, "Encryption service API"; docs/BENCHMARKS.md).

Starts rampartd on loopback (a fresh store: SQLite, or PostgreSQL with
RP_TEST_STORE=postgres), creates a key bench/field (SM4-GCM) and an app
token granted encrypt and decrypt on it, then for SECONDS (default 5) per
workload drives CONNECTIONS (default 2) keep-alive HTTP/1.1 clients, one
thread each:
  encrypt_batch  POST /api/v1/crypto/encrypt, 1000 values of 32 bytes each
  decrypt_batch  POST /api/v1/crypto/decrypt, the 1000 envelopes back
  encrypt_one    POST /api/v1/crypto/encrypt, one 32-byte value
and prints requests/s and values/s. Every call is audited (an intent and a
result record in the SM3-chained audit log) like any other API call, so the
store's commits are part of the figure.
"""

import http.client
import json
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

if len(sys.argv) < 2:
    sys.exit("usage: eaas.py BUILD_DIR [SECONDS] [CONNECTIONS]")
os.environ["RP_BUILD_DIR"] = os.path.abspath(sys.argv[1])
os.environ.setdefault("RP_SOURCE_DIR", os.path.join(HERE, ".."))
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
CONNECTIONS = int(sys.argv[3]) if len(sys.argv) > 3 else 2

import harness  # noqa: E402,F401
from rampartd_harness import Rampartd, first_login, make_token  # noqa: E402


def run(port, token, path, body, values):
    """Requests and values done by CONNECTIONS clients in SECONDS."""
    payload = json.dumps(body).encode()
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
    done = [0] * CONNECTIONS
    stop = time.monotonic() + SECONDS

    def client(i):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            conn.request("POST", path, payload, headers)
            r = conn.getresponse()
            data = r.read()
            if r.status != 200:
                raise RuntimeError("%d %r" % (r.status, data[:200]))
            done[i] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CONNECTIONS)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    n = sum(done)
    return n / elapsed, n * values / elapsed


def main():
    rd = Rampartd(name="eaas-bench", extra_conf="http_threads 4\n")
    rd.start()
    admin = first_login(rd)
    token = make_token(admin, "bench-app", "app")
    assert admin.request("POST", "/api/v1/crypto/keys", {"name": "bench/field"}).status == 201
    assert admin.request("POST", "/api/v1/crypto/grants",
                         {"subject": "token:bench-app", "app": "bench", "keys": ["field"],
                          "ops": ["encrypt", "decrypt"]}).status == 201
    values = ["%032d" % i for i in range(1000)]
    conn = http.client.HTTPConnection("127.0.0.1", rd.port)
    conn.request("POST", "/api/v1/crypto/encrypt",
                 json.dumps({"key": "bench/field", "batch": values}),
                 {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    sealed = [x["ciphertext"] for x in json.loads(conn.getresponse().read())["results"]]
    conn.close()
    workloads = [
        ("encrypt_batch", "encrypt", {"key": "bench/field", "batch": values}, 1000),
        ("decrypt_batch", "decrypt", {"key": "bench/field", "batch": sealed}, 1000),
        ("encrypt_one", "encrypt", {"key": "bench/field", "plaintext": values[0]}, 1),
    ]
    print("store=%s seconds=%g connections=%d" % (rd.store, SECONDS, CONNECTIONS))
    for name, op, body, n in workloads:
        rps, vps = run(rd.port, token, "/api/v1/crypto/" + op, body, n)
        print("%-14s %10.1f requests/s %12.0f values/s" % (name, rps, vps))
    rd.stop()


if __name__ == "__main__":
    main()
