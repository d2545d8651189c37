"""agent_harness.py — a real rampart-agent reporting to a real rampartd.

  Agent        rampart-agent from $RP_BUILD_DIR with a generated
               configuration in a private temporary directory: state
               directory, a watched directory, the enrolment token file;
               start/stop (SIGTERM)/reload (SIGHUP), log text, RSS/CPU.
  sign()       the headers of a request signed like the agent does
               (src/ctl/agent_sign.h), for tests of rampartd's checks.

Everything started is stopped at exit (harness.py's cleanups).
"""

import hashlib
import hmac
import os
import shutil
import signal
import subprocess
import tempfile
import time

import harness


def agent_path():
    path = os.path.join(harness.BUILD_DIR, "rampart-agent")
    if not os.path.exists(path):
        raise RuntimeError("rampart-agent not built: %s missing" % path)
    return path


def sign(agent_id, secret, method, path, body, ts_ms=None):
    ts_ms = ts_ms if ts_ms is not None else int(time.time() * 1000)
    text = "RAMPART-AGENT-HMAC-SHA256\n%s\n%s\n%d\n%d\n%s" % (
        method, path, agent_id, ts_ms, hashlib.sha256(body).hexdigest())
    sig = hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()
    return {"X-Rampart-Agent": str(agent_id), "X-Rampart-Timestamp": str(ts_ms),
            "X-Rampart-Signature": sig}


class Agent:
    def __init__(self, rd_port, token, hostname="host-1", extra_conf="", heartbeat=1):
        self.dir = tempfile.mkdtemp(prefix="rp-agent-")
        self.state = os.path.join(self.dir, "state")
        self.watched = os.path.join(self.dir, "watched")
        os.mkdir(self.watched)
        self.conf = os.path.join(self.dir, "rampart-agent.conf")
        self.token_file = os.path.join(self.dir, "enrol.token")
        self.log_path = os.path.join(self.dir, "agent.log")
        with open(self.token_file, "w") as f:
            f.write(token + "\n")
        self.port = rd_port
        self.hostname = hostname
        self.heartbeat = heartbeat
        self.write_conf(extra_conf)
        self.proc = None
        harness._cleanups.append(self.cleanup)

    def write_conf(self, extra=""):
        with open(self.conf, "w") as f:
            f.write("server http://127.0.0.1:%d\nstate_dir %s\nenrol_token_file %s\n"
                    "hostname %s\nheartbeat_seconds %d\nlog stderr\nlog_level debug\n"
                    "fim_path %s\nfim_ignore *.swp\nrequest_timeout_seconds 2\n%s" %
                    (self.port, self.state, self.token_file, self.hostname, self.heartbeat,
                     self.watched, extra))

    def path(self, *names):
        return os.path.join(self.watched, *names)

    def start(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([agent_path(), "-c", self.conf], stdout=self.log,
                                     stderr=self.log, start_new_session=True)
        return self

    def wait_log(self, text, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if text in self.log_text():
                return
            if self.proc.poll() is not None:
                raise RuntimeError("agent exited (%s):\n%s" % (self.proc.returncode,
                                                               self.log_tail()))
            time.sleep(0.05)
        raise RuntimeError("agent log lacks %r:\n%s" % (text, self.log_tail()))

    def identity(self):
        with open(os.path.join(self.state, "identity")) as f:
            agent_id, secret = f.read().split()
        return int(agent_id), bytes.fromhex(secret)

    def signal(self, sig):
        os.kill(self.proc.pid, sig)

    def stop(self, timeout=15):
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=timeout)
        self.log.close()
        return rc

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_tail(self, n=30):
        return "\n".join(self.log_text().splitlines()[-n:])

    def rss_kib(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def cpu_seconds(self):
        with open("/proc/%d/stat" % self.proc.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)
