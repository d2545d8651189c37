"""pg_harness.py — a private PostgreSQL for integration tests.

  Postgres     scripts/pg-test-server.sh's server: initdb in a temporary
               directory, a free 127.0.0.1 port, run as the `postgres` user
               when the tests run as root; stop()/start() (a restart keeps
               the data and the port), database() for a fresh database,
               query() through psql. Destroyed at exit (harness cleanups).
  shared()     one server for the whole test process, started on first use.
"""

import os
import subprocess

import harness

SCRIPT = os.path.join(harness.SOURCE_DIR, "scripts", "pg-test-server.sh")


def _bindir():
    try:
        out = subprocess.run(["pg_config", "--bindir"], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, check=True).stdout.decode().strip()
        if os.path.exists(os.path.join(out, "psql")):
            return out
    except (OSError, subprocess.CalledProcessError):
        pass
    return "/usr/bin"


class Postgres:
    def __init__(self):
        p = subprocess.run([SCRIPT, "init"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120)
        if p.returncode != 0:
            raise RuntimeError("cannot start the test PostgreSQL: " + p.stderr.decode())
        info = dict(line.split("=", 1) for line in p.stdout.decode().splitlines() if "=" in line)
        self.dir, self.port = info["dir"], int(info["port"])
        with open(os.path.join(self.dir, "password")) as f:
            self.password = f.read().strip()
        self.psql_path = os.path.join(_bindir(), "psql")
        self.n = 0
        harness._cleanups.append(self.destroy)

    def dsn(self, dbname="rampart"):
        return "host=127.0.0.1 port=%d user=rampart password=%s dbname=%s" % (
            self.port, self.password, dbname)

    def database(self):
        """A fresh, empty database; returns its name."""
        self.n += 1
        name = "rd_%d_%d" % (os.getpid(), self.n)
        self.query("CREATE DATABASE %s" % name, "postgres")
        return name

    def query(self, sql, dbname="rampart"):
        """Rows of a query, as lists of strings (psql over the unix socket)."""
        p = subprocess.run([self.psql_path, "-X", "-q", "-At", "-F", "\t", "-v",
                            "ON_ERROR_STOP=1", "-h", self.dir, "-p", str(self.port), "-U",
                            "rampart", "-d", dbname, "-c", sql],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
        if p.returncode != 0:
            raise RuntimeError("psql: %s" % p.stderr.decode())
        return [line.split("\t") for line in p.stdout.decode().splitlines()]

    def stop(self):
        subprocess.run([SCRIPT, "stop", self.dir], check=True, timeout=60)

    def start(self):
        subprocess.run([SCRIPT, "start", self.dir], check=True, timeout=60)

    def destroy(self):
        subprocess.run([SCRIPT, "destroy", self.dir], timeout=60)


_shared = None


def shared():
    global _shared
    if _shared is None:
        _shared = Postgres()
    return _shared
