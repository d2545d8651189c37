"""harness.py — real nginx + ngx_http_rampart_module on loopback, for tests.

Pieces, all on 127.0.0.1 with free ephemeral ports, all files in a private
prefix directory (never /etc/nginx, never the system service):

  Upstream     threaded HTTP/1.1 echo server: any request gets its exact
               body back, with the headers it saw (X-Echo-*); /big/N returns
               N deterministic bytes, /chunked/N the same bytes chunked.
  EventSink    unix datagram socket collecting the module's JSON events.
  Nginx        generated nginx.conf loading $RP_BUILD_DIR/nginx/
               ngx_http_rampart_module.so; start/reload/stop, `nginx -t`,
               worker pids, error-log checks.
  request()    http.client request returning (status, headers, body).
  raw()        raw-socket exchange for malformed requests.

Everything started is stopped at exit, also when a test fails or the run
is interrupted (atexit + process groups).
"""

import atexit
import hashlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NGINX = os.environ.get("RP_NGINX", "/usr/sbin/nginx")
BUILD_DIR = os.environ.get("RP_BUILD_DIR", "")
SOURCE_DIR = os.environ.get(
    "RP_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))

_cleanups = []


def _run_cleanups():
    while _cleanups:
        fn = _cleanups.pop()
        try:
            fn()
        except Exception as e:  # keep cleaning up the rest
            print("harness cleanup: %r" % (e,), file=sys.stderr)


atexit.register(_run_cleanups)


def _on_signal(signum, frame):
    _run_cleanups()
    sys.exit(128 + signum)


signal.signal(signal.SIGTERM, _on_signal)


def module_path():
    if not BUILD_DIR:
        raise RuntimeError("RP_BUILD_DIR is not set (CTest sets it; or export it by hand)")
    path = os.path.join(BUILD_DIR, "nginx", "ngx_http_rampart_module.so")
    if not os.path.exists(path):
        raise RuntimeError("module not built: %s missing" % path)
    return path


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError("nothing listens on 127.0.0.1:%d after %.0fs" % (port, timeout))


_SEED = random.Random(20261126).randbytes(1 << 20)


def pattern(n):
    """N deterministic bytes (the same ones /big/N and /chunked/N send)."""
    reps, rest = divmod(n, len(_SEED))
    return _SEED * reps + _SEED[:rest]


def sha256(b):
    return hashlib.sha256(b).hexdigest()


# --------------------------------------------------------------------------
# upstream


class _EchoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "rp-echo"

    def log_message(self, fmt, *args):
        pass

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                line = self.rfile.readline()
                if not line:
                    raise ConnectionError("eof in chunk size")
                size = int(line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(self._read_exact(size))
                self.rfile.readline()
            return b"".join(parts)
        n = int(self.headers.get("Content-Length") or 0)
        return self._read_exact(n)

    def _read_exact(self, n):
        parts = []
        while n > 0:
            chunk = self.rfile.read(min(n, 1 << 16))
            if not chunk:
                raise ConnectionError("eof in body, %d bytes missing" % n)
            parts.append(chunk)
            n -= len(chunk)
        return b"".join(parts)

    def _handle(self):
        up = self.server.owner
        record = {"method": self.command, "path": self.path,
                  "headers": self.headers, "complete": False, "body_len": 0}
        up._record(record)
        try:
            body = self._read_body()
        except (ConnectionError, ValueError) as e:
            record["error"] = str(e)
            self.close_connection = True
            return
        record["complete"] = True
        record["body_len"] = len(body)
        record["sha256"] = sha256(body)

        path = self.path.split("?")[0]
        if path.startswith("/big/") or path.endswith("/big"):
            n = int(self.path.rsplit("/", 1)[1]) if path.startswith("/big/") else 0
            self._send_fixed(pattern(n))
            return
        if path.startswith("/chunked/"):
            self._send_chunked(pattern(int(path.rsplit("/", 1)[1])))
            return

        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Echo-Method", self.command)
        self.send_header("X-Echo-Uri", self.path)
        self.send_header("X-Echo-Body-Sha256", record["sha256"])
        ids = self.headers.get_all("X-Request-Id") or []
        self.send_header("X-Echo-Request-Id", ",".join(ids))
        self.send_header("X-Echo-Request-Id-Count", str(len(ids)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_fixed(self, data):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        view = memoryview(data)
        for i in range(0, len(data), 1 << 16):
            self.wfile.write(view[i:i + (1 << 16)])

    def _send_chunked(self, data):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        rnd = random.Random(len(data))
        i = 0
        while i < len(data):
            n = rnd.randint(1, 50000)
            chunk = data[i:i + n]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            i += n
        self.wfile.write(b"0\r\n\r\n")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle


class Upstream:
    """Threaded echo server; .requests lists what it saw (newest last)."""

    def __init__(self):
        self.requests = []
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoHandler)
        self.server.daemon_threads = True
        self.server.owner = self
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        _cleanups.append(self.stop)

    def _record(self, rec):
        with self._lock:
            self.requests.append(rec)
            del self.requests[:-200]

    def find(self, path):
        with self._lock:
            return [r for r in self.requests if r["path"] == path]

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


# --------------------------------------------------------------------------
# event sink


class EventSink:
    """A unix datagram socket; read=False binds it but never reads (the
    module must then drop, count and go on)."""

    def __init__(self, path, read=True):
        self.path = path
        self.events = []
        self.raw = []
        self._lock = threading.Lock()
        if os.path.exists(path):
            os.unlink(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self._stop = False
        if read:
            self.sock.settimeout(0.2)
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()
        _cleanups.append(self.close)

    def _loop(self):
        while not self._stop:
            try:
                data = self.sock.recv(1 << 20)
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self.raw.append(data)
                try:
                    self.events.append(json.loads(data))
                except ValueError:
                    self.events.append({"_invalid_json": data.decode("utf-8", "replace")})

    def snapshot(self):
        with self._lock:
            return list(self.events)

    def wait_for(self, pred, timeout=5.0):
        """First event satisfying pred, or None after timeout."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            for ev in self.snapshot():
                if pred(ev):
                    return ev
            time.sleep(0.02)
        return None

    def close(self):
        self._stop = True
        try:
            self.sock.close()
        except OSError:
            pass
        try:
            os.unlink(self.path)
        except OSError:
            pass


def read_jsonl(path):
    """Events of a file sink; raises ValueError on a line that is not JSON."""
    if not os.path.exists(path):
        return []
    out = []
    with open(path, "rb") as f:
        for n, line in enumerate(f, 1):
            try:
                out.append(json.loads(line))
            except ValueError:
                raise ValueError("%s:%d is not JSON: %r" % (path, n, line[:200]))
    return out


# --------------------------------------------------------------------------
# nginx

CONF_TEMPLATE = """\
load_module {module};
user root;
worker_processes 2;
master_process on;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;

events {{
    worker_connections 1024;
}}

http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body_temp;
    proxy_temp_path {prefix}/proxy_temp;
    fastcgi_temp_path {prefix}/fastcgi_temp;
    uwsgi_temp_path {prefix}/uwsgi_temp;
    scgi_temp_path {prefix}/scgi_temp;

    client_max_body_size 100m;
    proxy_http_version 1.1;
    proxy_set_header Connection "";

{http}
}}
"""


class Nginx:
    """One nginx instance in its own prefix. `http` is the body of the http
    block; {port}, {upstream}, {prefix} are substituted."""

    def __init__(self, http, upstream_port=0, name="nginx"):
        self.prefix = tempfile.mkdtemp(prefix="rp-%s-" % name)
        self.port = free_port()
        self.upstream_port = upstream_port
        self.proc = None
        self.conf = os.path.join(self.prefix, "nginx.conf")
        self.error_log = os.path.join(self.prefix, "error.log")
        self.write_conf(http)
        _cleanups.append(self.cleanup)

    def path(self, name):
        return os.path.join(self.prefix, name)

    def write_conf(self, http):
        body = http.replace("{port}", str(self.port)) \
                   .replace("{upstream}", "127.0.0.1:%d" % self.upstream_port) \
                   .replace("{prefix}", self.prefix)
        text = CONF_TEMPLATE.format(module=module_path(), prefix=self.prefix, http=body)
        with open(self.conf, "w") as f:
            f.write(text)

    def _cmd(self, *extra):
        return [NGINX, "-p", self.prefix + "/", "-c", self.conf, "-e", self.error_log] + list(extra)

    def test_config(self):
        """Run `nginx -t`; returns (exit code, combined output)."""
        p = subprocess.run(self._cmd("-t"), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=30)
        return p.returncode, p.stdout.decode("utf-8", "replace")

    def start(self):
        with open(self.path("stderr.log"), "wb") as err:
            self.proc = subprocess.Popen(self._cmd(), stdout=subprocess.DEVNULL, stderr=err,
                                         start_new_session=True)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nginx exited at start (%s):\n%s" %
                                   (self.proc.returncode, self.log_tail()))
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                if len(self.worker_pids()) >= 2:
                    return self
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError("nginx did not come up:\n" + self.log_tail())

    def master_pid(self):
        return self.proc.pid if self.proc else None

    def worker_pids(self):
        if not self.proc:
            return []
        try:
            out = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(self.proc.pid)],
                                 stdout=subprocess.PIPE, timeout=10).stdout.decode()
        except subprocess.SubprocessError:
            return []
        return [int(l.split()[0]) for l in out.splitlines() if "worker process" in l
                and "shutting down" not in l]

    def reload(self, wait=True, timeout=10.0):
        """SIGHUP to the master (what `nginx -s reload` sends, minus its own
        parse of the new configuration, so a broken one reaches the master);
        with wait, until the workers changed."""
        before = set(self.worker_pids())
        os.kill(self.proc.pid, signal.SIGHUP)
        if not wait:
            return
        deadline = time.time() + timeout
        while time.time() < deadline:
            now = set(self.worker_pids())
            if len(now) >= 2 and not (now & before):
                return
            time.sleep(0.02)
        raise RuntimeError("workers did not change after reload:\n" + self.log_tail())

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        try:
            with open(self.error_log, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def log_tail(self, n=30):
        return "\n".join(self.log_text().splitlines()[-n:])

    def crash_lines(self):
        """Error-log lines showing a crashed worker."""
        return [l for l in self.log_text().splitlines()
                if "exited on signal" in l or "signal 11" in l or "signal 6" in l
                or "core dumped" in l or ("[alert]" in l and "signal" in l)]

    def stop(self):
        if not self.proc:
            return
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGQUIT)
                self.proc.wait(timeout=10)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)
        # workers left behind by a killed master share its process group
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc = None

    def cleanup(self):
        self.stop()
        if os.environ.get("RP_KEEP_PREFIX"):
            print("harness: kept %s" % self.prefix, file=sys.stderr)
        else:
            shutil.rmtree(self.prefix, ignore_errors=True)

    def request(self, method, path, body=None, headers=None, **kw):
        return request(self.port, method, path, body, headers, **kw)

    def status(self):
        st, _, body = self.request("GET", "/rampart_status")
        if st != 200:
            raise RuntimeError("/rampart_status answered %d: %r" % (st, body[:200]))
        return json.loads(body)


# --------------------------------------------------------------------------
# clients


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def __iter__(self):  # status, headers, body = request(...)
        return iter((self.status, self.headers, self.body))

    def header(self, name, default=None):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default


def request(port, method, path, body=None, headers=None, chunked=False, timeout=60):
    """One request on a new connection. body may be bytes or, with
    chunked=True, an iterable of byte chunks."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        hdrs = dict(headers or {})
        if chunked:
            hdrs["Transfer-Encoding"] = "chunked"
            conn.request(method, path, body=iter(body), headers=hdrs, encode_chunked=True)
        else:
            conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        data = r.read()
        return Response(r.status, r.getheaders(), data)
    finally:
        conn.close()


def raw(port, data, timeout=3.0):
    """Send raw bytes, return everything the server answers until it closes
    (or goes quiet for `timeout`)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading it all
        out = []
        while True:
            try:
                chunk = s.recv(65536)
            except (socket.timeout, ConnectionResetError):
                break
            if not chunk:
                break
            out.append(chunk)
        return b"".join(out)
    finally:
        s.close()


def raw_status(resp):
    """Status code of a raw HTTP response, or None."""
    try:
        return int(resp.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None
