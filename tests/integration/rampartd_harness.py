"""rampartd_harness.py — a real rampartd on loopback, driven with curl.

  Rampartd     rampartd from $RP_BUILD_DIR with a generated configuration in
               a private temporary directory, on a free 127.0.0.1 port;
               start/stop (SIGTERM)/kill9/reload (SIGHUP), log text. The
               store is $RP_TEST_STORE (sqlite, the default, or postgres: a
               fresh database on pg_harness's shared server, or on the
               Postgres given), so one test file runs on both backends.
  curl()       one request through the curl command line: (status, headers,
               body); a cookie jar file makes it a browser-like session.
  Session      a logged-in console user: cookie jar + CSRF token.
  wait_until() polls a condition with a deadline.

Everything started is stopped at exit (harness.py's cleanups).
"""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time

import harness
import pg_harness

# Cheap argon2id for tests: the hash records its own cost, the code path is
# the production one.
FAST_ARGON2 = "argon2_memory_kib 64\nargon2_iterations 1\n"


def rampartd_path():
    path = os.path.join(harness.BUILD_DIR, "rampartd")
    if not os.path.exists(path):
        raise RuntimeError("rampartd not built: %s missing" % path)
    return path


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def header(self, name):
        return self.headers.get(name.lower())

    def __repr__(self):
        return "<%d %r>" % (self.status, self.body[:300])


def curl(port, method, path, body=None, headers=None, jar=None, content_type=None,
         timeout=30):
    """One request with curl; body is bytes, str or a JSON-able object."""
    cmd = ["curl", "-sS", "-X", method, "-D", "-", "-o", "-", "--max-time", str(timeout),
           "http://127.0.0.1:%d%s" % (port, path)]
    if jar:
        cmd += ["-b", jar, "-c", jar]
    for k, v in (headers or {}).items():
        cmd += ["-H", "%s: %s" % (k, v)]
    data = None
    if body is not None:
        if isinstance(body, (dict, list)):
            data = json.dumps(body).encode()
            content_type = content_type or "application/json"
        else:
            data = body.encode() if isinstance(body, str) else body
        if content_type:
            cmd += ["-H", "Content-Type: " + content_type]
        cmd += ["--data-binary", "@-"]
    p = subprocess.run(cmd, input=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout + 5)
    if p.returncode != 0:
        raise RuntimeError("curl failed (%d): %s" % (p.returncode, p.stderr.decode()))
    raw = p.stdout
    head, _, payload = raw.partition(b"\r\n\r\n")
    while head.startswith(b"HTTP/1.1 100"):
        head, _, payload = payload.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs.setdefault(k.strip().lower(), v.strip())
        if k.strip().lower() == "set-cookie":
            hdrs.setdefault("set-cookie-all", []).append(v.strip())
    return Response(status, hdrs, payload)


def store_backend():
    return os.environ.get("RP_TEST_STORE", "sqlite")


class Rampartd:
    def __init__(self, extra_conf="", name="rampartd", store=None, pg=None):
        self.store = store or store_backend()
        self.pg = self.dbname = None
        if self.store == "postgres":
            self.pg = pg or pg_harness.shared()
            self.dbname = self.pg.database()
        self.dir = tempfile.mkdtemp(prefix="rp-%s-" % name)
        self.port = harness.free_port()
        self.conf = os.path.join(self.dir, "rampartd.conf")
        self.log_path = os.path.join(self.dir, "rampartd.log")
        self.run_dir = os.path.join(self.dir, "run")
        self.data_dir = os.path.join(self.dir, "data")
        self.proc = None
        self.write_conf(extra_conf)
        harness._cleanups.append(self.cleanup)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write_conf(self, extra):
        store = ""
        if self.pg:
            store = "store postgres\npostgres \"%s\"\n" % self.pg.dsn(self.dbname)
        with open(self.conf, "w") as f:
            f.write("listen 127.0.0.1:%d\ndata_dir %s\nrun_dir %s\nlog stderr\n%s%s%s" %
                    (self.port, self.data_dir, self.run_dir, FAST_ARGON2, store, extra))

    def query(self, sql):
        """Rows of SQL run on the store behind rampartd's back (lists of
        values: strings from PostgreSQL, typed from SQLite)."""
        if self.pg:
            return self.pg.query(sql, self.dbname)
        import sqlite3
        db = sqlite3.connect(os.path.join(self.data_dir, "rampart.db"))
        try:
            return [list(r) for r in db.execute(sql)]
        finally:
            db.close()

    def start(self, wait=True):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([rampartd_path(), "-c", self.conf], stdout=self.log,
                                     stderr=self.log, start_new_session=True)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("rampartd exited (%s):\n%s" % (self.proc.returncode,
                                                                  self.log_tail()))
            try:
                if self.request("GET", "/readyz").status == 200:
                    return
            except RuntimeError:
                pass
            time.sleep(0.05)
        raise RuntimeError("rampartd not ready:\n" + self.log_tail())

    def request(self, method, path, body=None, headers=None, jar=None, content_type=None):
        return curl(self.port, method, path, body, headers, jar, content_type)

    def signal(self, sig):
        os.kill(self.proc.pid, sig)

    def stop(self, timeout=15):
        """SIGTERM and wait; returns the exit code."""
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=timeout)
        self.log.close()
        return rc

    def kill9(self):
        self.signal(signal.SIGKILL)
        self.proc.wait(timeout=10)
        self.log.close()

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_tail(self, n=30):
        return "\n".join(self.log_text().splitlines()[-n:])

    def first_password(self):
        with open(os.path.join(self.run_dir, "initial-admin-password")) as f:
            return f.read().strip()

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)
        if os.environ.get("RP_KEEP_PREFIX"):
            print("rampartd harness: kept %s" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


class Session:
    """A console login: the cookie jar and the CSRF token."""

    def __init__(self, rd, username, password):
        self.rd = rd
        self.jar = os.path.join(rd.dir, "jar-%s-%d" % (username, time.time_ns()))
        r = rd.request("POST", "/api/v1/auth/login", {"username": username,
                                                      "password": password}, jar=self.jar)
        if r.status != 200:
            raise RuntimeError("login %s: %r" % (username, r))
        self.info = r.json()
        self.csrf = self.info["csrf_token"]

    def request(self, method, path, body=None, csrf=True, headers=None, content_type=None):
        h = dict(headers or {})
        if csrf:
            h["X-CSRF-Token"] = self.csrf
        return self.rd.request(method, path, body, h, jar=self.jar, content_type=content_type)


def wait_until(pred, timeout=30.0, what="condition"):
    """Polls pred every 0.1 s; AssertionError after timeout seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def bearer(token):
    return {"Authorization": "Bearer " + token}


def first_login(rd, new_password="correct horse battery staple"):
    """Logs admin in with the first-run password and changes it."""
    s = Session(rd, "admin", rd.first_password())
    r = s.request("POST", "/api/v1/auth/password",
                  {"current_password": rd.first_password(), "new_password": new_password})
    if r.status != 200:
        raise RuntimeError("password change: %r" % r)
    return s


def make_user(admin, name, role, password="a long enough passphrase"):
    """Creates an account and logs it in with a password of its own."""
    r = admin.request("POST", "/api/v1/users", {"name": name, "role": role})
    if r.status != 201:
        raise RuntimeError("create %s: %r" % (name, r))
    otp = r.json()["one_time_password"]
    s = Session(admin.rd, name, otp)
    r = s.request("POST", "/api/v1/auth/password",
                  {"current_password": otp, "new_password": password})
    if r.status != 200:
        raise RuntimeError("password %s: %r" % (name, r))
    return s


def make_token(admin, name, role):
    r = admin.request("POST", "/api/v1/tokens", {"name": name, "role": role})
    if r.status != 201:
        raise RuntimeError("token %s: %r" % (name, r))
    return r.json()["secret"]
