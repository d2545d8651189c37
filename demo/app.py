#!/usr/bin/env python3
"""
app.py — "一网通办" citizen-service portal: Rampart's demo and test fixture.

!!! INTENTIONALLY VULNERABLE — FOR LOOPBACK TESTING ONLY !!!
  * GET /search?q=  builds its SQL by string concatenation (SQL injection,
    found by sqlmap out of the box) and reflects q into the page without
    escaping (reflected XSS).
  * POST /upload    accepts any file type (no content check); files are kept
    inside the data directory under a sanitised name and only ever served
    back as downloads.
  * GET /api/citizens returns personal data (ID numbers, mobile numbers)
    unmasked — what Rampart's response masking is meant to catch.
It binds 127.0.0.1 only, on purpose. Never expose it; put Rampart in front of
it to show what the gateway stops (docs/DEMO.md).

Standard library only: http.server + sqlite3. The database is rebuilt from
demo/seed.py on every start, in the data directory given on the command line.

  python3 demo/app.py --data DIR [--port 8081]     (or env DEMO_PORT)
"""

import argparse
import html
import json
import os
import re
import sqlite3
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import seed  # noqa: E402  (sibling module, path set just above)

HOST = "127.0.0.1"
MAX_FORM_BODY = 1 << 20       # urlencoded and JSON bodies
MAX_UPLOAD_BODY = 10 << 20    # multipart bodies
SERVER_NAME = "citizen-portal-demo/1.0"

DB_PATH = None
UPLOAD_DIR = None
_upload_lock = threading.Lock()

SCHEMA = """
CREATE TABLE citizens (
  id INTEGER PRIMARY KEY, name TEXT, gender TEXT, idNumber TEXT, phone TEXT,
  address TEXT, district TEXT, birthDate TEXT);
CREATE TABLE services (
  id INTEGER PRIMARY KEY, name TEXT, name_en TEXT, department TEXT);
CREATE TABLE applications (
  id INTEGER PRIMARY KEY, created TEXT, service TEXT, name TEXT, idNumber TEXT,
  phone TEXT, address TEXT, note TEXT);
"""


# --------------------------------------------------------------------- data

def init_db(data_dir):
    global DB_PATH, UPLOAD_DIR
    os.makedirs(data_dir, exist_ok=True)
    DB_PATH = os.path.join(data_dir, "citizens.sqlite")
    UPLOAD_DIR = os.path.join(data_dir, "uploads")
    os.makedirs(UPLOAD_DIR, exist_ok=True)
    for suffix in ("", "-journal", "-wal", "-shm"):
        try:
            os.unlink(DB_PATH + suffix)
        except FileNotFoundError:
            pass
    with sqlite3.connect(DB_PATH) as db:
        db.executescript(SCHEMA)
        db.executemany(
            "INSERT INTO citizens (name, gender, idNumber, phone, address, district, birthDate)"
            " VALUES (:name, :gender, :idNumber, :phone, :address, :district, :birthDate)",
            list(seed.citizens()))
        db.executemany("INSERT INTO services (name, name_en, department) VALUES (?, ?, ?)",
                       seed.SERVICES)


# Cap the size of any string or blob SQLite builds. The injectable search lets
# a client run e.g. UPPER(HEX(RANDOMBLOB(250000000))) (sqlmap's "heavy query"
# time-based probe), which would otherwise take over 1 GB per request; with
# the cap such a query fails fast with "string or blob too big".
SQL_MAX_LENGTH = 16 << 20


def db_connect():
    db = sqlite3.connect(DB_PATH, timeout=5)
    db.row_factory = sqlite3.Row
    if hasattr(db, "setlimit"):  # Python 3.11+
        db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, SQL_MAX_LENGTH)
    return db


# ------------------------------------------------------------------- markup

CSS = """
body{margin:0;font-family:"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;background:#f3f5f9;color:#222}
header{background:linear-gradient(90deg,#b3001b,#d7261e);color:#fff;padding:14px 32px}
header h1{margin:0;font-size:24px;letter-spacing:2px} header small{opacity:.85}
nav{background:#fff;border-bottom:3px solid #d7261e;padding:0 32px}
nav a{display:inline-block;padding:12px 16px;color:#333;text-decoration:none}
nav a:hover{background:#fdecea;color:#b3001b}
main{max-width:1080px;margin:24px auto;padding:0 16px}
.card{background:#fff;border-radius:6px;padding:20px 24px;margin-bottom:18px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:14px}
.svc{border:1px solid #eee;border-radius:6px;padding:14px;background:#fffdfc}
.svc b{color:#b3001b} table{border-collapse:collapse;width:100%} td,th{border-bottom:1px solid #eee;padding:6px 8px;text-align:left}
input,select,textarea{padding:6px;border:1px solid #ccc;border-radius:4px;width:100%;box-sizing:border-box}
button{background:#d7261e;color:#fff;border:0;border-radius:4px;padding:8px 22px;cursor:pointer}
.warn{background:#fff4e5;border:1px solid #ffb74d;padding:8px 12px;border-radius:4px;font-size:13px}
code,pre{background:#f6f6f6;padding:2px 4px;border-radius:3px;white-space:pre-wrap}
footer{text-align:center;color:#888;font-size:12px;padding:24px}
"""

NAV = (("/", "首页 Home"), ("/services", "办事指南 Services"), ("/apply", "在线申请 Apply"),
       ("/upload", "材料上传 Upload"), ("/search?q=社保", "搜索 Search"),
       ("/api/citizens", "数据接口 API"))


def page(title, body):
    nav = "".join('<a href="%s">%s</a>' % (html.escape(h), html.escape(t)) for h, t in NAV)
    return ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
            "<title>%s · 一网通办</title><style>%s</style></head><body>"
            "<header><h1>一网通办 · 市民服务平台</h1>"
            "<small>Citizen Service Portal — Rampart demo application</small></header>"
            "<nav>%s</nav><main>%s</main>"
            "<footer>演示系统 · 含故意设置的安全漏洞，仅限本机测试 · "
            "Demo fixture, intentionally vulnerable, loopback only</footer>"
            "</body></html>") % (html.escape(title), CSS, nav, body)


def home_page():
    with db_connect() as db:
        services = db.execute("SELECT name, name_en, department FROM services").fetchall()
        ncit = db.execute("SELECT count(*) FROM citizens").fetchone()[0]
        napp = db.execute("SELECT count(*) FROM applications").fetchone()[0]
    tiles = "".join('<div class="svc"><b>%s</b><br><small>%s</small><br>'
                    '<small>办理部门：%s</small></div>'
                    % (html.escape(s["name"]), html.escape(s["name_en"]),
                       html.escape(s["department"])) for s in services)
    return page("首页", """
<div class="card"><form action="/search" method="get" style="display:flex;gap:8px">
<input name="q" placeholder="搜索市民、地址或服务 Search citizens / addresses">
<button type="submit">搜索</button></form></div>
<div class="card"><h2>热门服务 Popular services</h2><div class="grid">%s</div></div>
<div class="card"><h2>平台概况 Overview</h2>
<p>登记市民 Registered citizens: <b>%d</b> &nbsp; 在线申请 Applications: <b>%d</b></p>
<p class="warn">本系统为 Rampart 演示靶场，故意包含 SQL 注入、反射型 XSS、任意文件上传和敏感信息泄露，
仅监听 127.0.0.1。This is a deliberately vulnerable fixture (SQL injection, reflected XSS,
unrestricted upload, personal-data exposure) bound to loopback only.</p></div>
""" % (tiles, ncit, napp))


def services_page():
    with db_connect() as db:
        rows = db.execute("SELECT id, name, name_en, department FROM services").fetchall()
    trs = "".join("<tr><td>%d</td><td>%s</td><td>%s</td><td>%s</td></tr>"
                  % (r["id"], html.escape(r["name"]), html.escape(r["name_en"]),
                     html.escape(r["department"])) for r in rows)
    return page("办事指南", '<div class="card"><h2>办事指南 Services</h2><table>'
                "<tr><th>#</th><th>事项</th><th>Service</th><th>部门 Department</th></tr>"
                "%s</table></div>" % trs)


def apply_form(message=""):
    with db_connect() as db:
        options = "".join("<option>%s</option>" % html.escape(r[0])
                          for r in db.execute("SELECT name FROM services"))
    return page("在线申请", """%s
<div class="card"><h2>在线申请 Online application</h2>
<form action="/apply" method="post">
<p>办理事项 Service<select name="service">%s</select></p>
<p>姓名 Name<input name="name" required></p>
<p>身份证号 Resident ID number<input name="idNumber" maxlength="18"></p>
<p>手机号 Mobile<input name="phone" maxlength="11"></p>
<p>地址 Address<input name="address"></p>
<p>备注 Note<textarea name="note" rows="3"></textarea></p>
<button type="submit">提交申请 Submit</button></form></div>""" % (message, options))


def upload_page(message=""):
    rows = []
    for name in sorted(os.listdir(UPLOAD_DIR)):
        path = os.path.join(UPLOAD_DIR, name)
        if os.path.isfile(path):
            rows.append('<tr><td><a href="/uploads/%s">%s</a></td><td>%d</td></tr>'
                        % (urllib.parse.quote(name), html.escape(name), os.path.getsize(path)))
    return page("材料上传", """%s
<div class="card"><h2>材料上传 Upload documents</h2>
<form action="/upload" method="post" enctype="multipart/form-data">
<p>说明 Description<input name="description"></p>
<p>文件 File<input type="file" name="file" multiple></p>
<button type="submit">上传 Upload</button></form></div>
<div class="card"><h2>已上传材料 Uploaded files</h2><table>
<tr><th>文件名 File</th><th>字节 Bytes</th></tr>%s</table></div>""" % (message, "".join(rows)))


# ------------------------------------------------------------- the handler

class BadRequest(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive: every response has a length
    server_version = SERVER_NAME
    sys_version = ""
    timeout = 30                    # per-connection socket timeout
    quiet = False
    body_read = True                # reset per request in dispatch()

    # --- plumbing

    def log_message(self, fmt, *args):
        if not self.quiet:
            sys.stderr.write("%s %s\n" % (time.strftime("%H:%M:%S"), fmt % args))

    def send(self, status, body, ctype="text/html; charset=utf-8", headers=()):
        data = body.encode("utf-8") if isinstance(body, str) else body
        if not self.body_read and (self.headers.get("Content-Length", "0").strip() not in ("", "0")
                                   or "Transfer-Encoding" in self.headers):
            self.close_connection = True   # an unread body would desync keep-alive
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def send_json(self, status, obj):
        self.send(status, json.dumps(obj, ensure_ascii=False, indent=1),
                  "application/json; charset=utf-8")

    def read_body(self, limit):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.close_connection = True
            raise BadRequest(411, "chunked request bodies are not supported; send a length")
        raw = self.headers.get("Content-Length", "0").strip() or "0"
        if not raw.isdigit():
            self.close_connection = True
            raise BadRequest(400, "bad Content-Length")
        n = int(raw)
        if n > limit:
            self.close_connection = True
            raise BadRequest(413, "request body too large (limit %d bytes)" % limit)
        data = self.rfile.read(n)
        self.body_read = True
        if len(data) != n:
            self.close_connection = True
            raise BadRequest(400, "request body shorter than Content-Length")
        return data

    def dispatch(self, method):
        self.body_read = False
        try:
            url = urllib.parse.urlsplit(self.path)
            path = urllib.parse.unquote(url.path, errors="replace")
            query = urllib.parse.parse_qs(url.query, keep_blank_values=True, errors="replace")
            route = ROUTES.get((method, path))
            if route is None and method in ("GET", "HEAD"):
                m = re.fullmatch(r"/api/citizens/(\d{1,9})", path)
                if m:
                    return self.citizen(int(m.group(1)))
                m = re.fullmatch(r"/uploads/([^/]+)", path)
                if m:
                    return self.download(m.group(1))
            if route is None:
                known = {p for (_, p) in ROUTES}
                if path in known:
                    return self.send(405, page("405", "<div class='card'>方法不允许 Method not allowed</div>"),
                                     headers=(("Allow", "GET, HEAD, POST"),))
                return self.send(404, page("404", "<div class='card'><h2>404</h2>页面不存在 Not found</div>"))
            return route(self, query)
        except BadRequest as e:
            self.send(e.status, page(str(e.status), "<div class='card'>%s</div>" % html.escape(str(e))))
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True
        except Exception:  # never die on junk input: log it and answer 500
            traceback.print_exc()
            self.close_connection = True
            try:
                self.send(500, page("500", "<div class='card'>服务器内部错误 Internal error</div>"))
            except Exception:
                pass

    def do_GET(self):
        self.dispatch("GET")

    def do_HEAD(self):
        self.dispatch("HEAD")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_DELETE(self):
        self.dispatch("DELETE")

    # --- pages

    def healthz(self, query):
        self.send_json(200, {"status": "ok", "service": "citizen-portal-demo"})

    def home(self, query):
        self.send(200, home_page())

    def services(self, query):
        self.send(200, services_page())

    def apply_get(self, query):
        self.send(200, apply_form())

    def apply_post(self, query):
        ctype = self.headers.get("Content-Type", "")
        body = self.read_body(MAX_FORM_BODY)
        if ctype.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
            raise BadRequest(415, "expected application/x-www-form-urlencoded")
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
        rec = {k: form.get(k, [""])[0][:500] for k in
               ("service", "name", "idNumber", "phone", "address", "note")}
        if not rec["name"]:
            raise BadRequest(400, "姓名必填 name is required")
        app_id = store_application(rec)
        msg = ('<div class="card">申请已受理 Application received: 编号 No. <b>%d</b> — %s, %s</div>'
               % (app_id, html.escape(rec["service"]), html.escape(rec["name"])))
        self.send(200, apply_form(msg))

    def api_apply(self, query):
        """POST /api/applications with a JSON document (same fields as /apply)."""
        body = self.read_body(MAX_FORM_BODY)
        try:
            doc = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise BadRequest(400, "invalid JSON")
        if not isinstance(doc, dict):
            raise BadRequest(400, "expected a JSON object")
        rec = {k: str(doc.get(k, ""))[:500] for k in
               ("service", "name", "idNumber", "phone", "address", "note")}
        self.send_json(201, {"id": store_application(rec), "status": "received"})

    def upload_get(self, query):
        self.send(200, upload_page())

    def upload_post(self, query):
        ctype = self.headers.get("Content-Type", "")
        m = re.search(r'boundary="?([^";]{1,200})"?', ctype)
        if not ctype.lower().startswith("multipart/form-data") or not m:
            self.read_body(MAX_UPLOAD_BODY)
            raise BadRequest(415, "expected multipart/form-data with a boundary")
        body = self.read_body(MAX_UPLOAD_BODY)
        saved = []
        for fields, filename, data in parse_multipart(body, m.group(1).encode("latin-1")):
            if filename is not None and filename != "":
                saved.append(save_upload(filename, data))
        msg = "".join('<div class="card">已上传 Uploaded: <b>%s</b> (%d bytes)</div>'
                      % (html.escape(n), size) for n, size in saved)
        if not saved:
            msg = '<div class="card">未选择文件 No file in the request</div>'
        self.send(200, upload_page(msg))

    def download(self, name):
        name = urllib.parse.unquote(name)
        path = os.path.join(UPLOAD_DIR, os.path.basename(name))
        if os.path.basename(name) != name or not os.path.isfile(path):
            return self.send(404, page("404", "<div class='card'>文件不存在 No such file</div>"))
        with open(path, "rb") as f:
            data = f.read()
        self.send(200, data, "application/octet-stream",
                  (("Content-Disposition", "attachment"), ("X-Content-Type-Options", "nosniff")))

    def search(self, query):
        q = query.get("q", [""])[0]
        # INTENTIONALLY VULNERABLE: q is concatenated into the SQL text.
        sql = ("SELECT id, name, district, address FROM citizens "
               "WHERE instr(name || ' ' || address, '" + q + "') > 0 ORDER BY id LIMIT 20")
        try:
            with db_connect() as db:
                rows = db.execute(sql).fetchall()
        except (sqlite3.Error, ValueError, OverflowError) as e:
            # Also intentionally verbose: the database error goes to the client.
            return self.send(500, page("查询错误", "<div class='card'><h2>查询出错 Query error</h2>"
                                       "<pre>%s</pre><p>SQL: <code>%s</code></p></div>"
                                       % (html.escape("%s.%s: %s" % (type(e).__module__, type(e).__name__, e)),
                                          html.escape(sql))))
        trs = "".join("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>"
                      % tuple(html.escape(str(v)) for v in tuple(r)) for r in rows)
        # INTENTIONALLY VULNERABLE: q is reflected without escaping (XSS).
        self.send(200, page("搜索", """
<div class="card"><form action="/search" method="get" style="display:flex;gap:8px">
<input name="q" value="%s"><button type="submit">搜索</button></form></div>
<div class="card"><h2>搜索结果：%s</h2><p>共 %d 条 results</p>
<table><tr><th>#</th><th>姓名 Name</th><th>区域 District</th><th>地址 Address</th></tr>%s</table>
</div>""" % (html.escape(q, quote=True), q, len(rows), trs)))

    def api_citizens(self, query):
        try:
            limit = max(0, min(int(query.get("limit", ["100"])[0]), 1000))
            offset = max(0, int(query.get("offset", ["0"])[0]))
        except ValueError:
            raise BadRequest(400, "limit and offset must be integers")
        with db_connect() as db:
            rows = db.execute("SELECT * FROM citizens ORDER BY id LIMIT ? OFFSET ?",
                              (limit, min(offset, 1 << 62))).fetchall()
            total = db.execute("SELECT count(*) FROM citizens").fetchone()[0]
        self.send_json(200, {"total": total, "items": [dict(r) for r in rows]})

    def citizen(self, cid):
        with db_connect() as db:
            row = db.execute("SELECT * FROM citizens WHERE id = ?", (cid,)).fetchone()
        if row is None:
            return self.send_json(404, {"error": "not found"})
        self.send_json(200, dict(row))


ROUTES = {
    ("GET", "/"): Handler.home,
    ("GET", "/index.html"): Handler.home,
    ("GET", "/healthz"): Handler.healthz,
    ("GET", "/services"): Handler.services,
    ("GET", "/apply"): Handler.apply_get,
    ("POST", "/apply"): Handler.apply_post,
    ("POST", "/api/applications"): Handler.api_apply,
    ("GET", "/upload"): Handler.upload_get,
    ("POST", "/upload"): Handler.upload_post,
    ("GET", "/search"): Handler.search,
    ("GET", "/api/citizens"): Handler.api_citizens,
}
for (_m, _p), _f in list(ROUTES.items()):
    if _m == "GET":
        ROUTES[("HEAD", _p)] = _f


# ------------------------------------------------------------- helpers

def store_application(rec):
    with db_connect() as db:
        cur = db.execute(
            "INSERT INTO applications (created, service, name, idNumber, phone, address, note)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (time.strftime("%Y-%m-%d %H:%M:%S"), rec["service"], rec["name"], rec["idNumber"],
             rec["phone"], rec["address"], rec["note"]))
        return cur.lastrowid


def parse_multipart(body, boundary):
    """Yield (headers, filename or None, data) for each part. Tolerant: a
    malformed part is skipped, never an exception."""
    delim = b"--" + boundary
    for chunk in body.split(delim)[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk.lstrip(b"\n")
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            head, sep, data = chunk.partition(b"\n\n")
            if not sep:
                continue
        if data.endswith(b"\r\n"):
            data = data[:-2]
        elif data.endswith(b"\n"):
            data = data[:-1]
        headers = {}
        for line in head.decode("utf-8", "replace").splitlines():
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        disp = headers.get("content-disposition", "")
        fn = re.search(r'filename="([^"]*)"|filename=([^;\s]*)', disp)
        filename = None if fn is None else (fn.group(1) if fn.group(1) is not None else fn.group(2))
        yield headers, filename, data


_counter = [0]


def save_upload(filename, data):
    """Keep the file inside UPLOAD_DIR whatever its name says: path parts are
    dropped and odd characters replaced. (No content-type check: that is the
    intended weakness, not path traversal on the test host.)"""
    base = re.split(r"[\\/]", filename)[-1]
    base = re.sub(r"[^\w.\-\u4e00-\u9fff]", "_", base)[:100].lstrip(".") or "upload"
    with _upload_lock:
        _counter[0] += 1
        name = "%d-%03d-%s" % (int(time.time()), _counter[0] % 1000, base)
        with open(os.path.join(UPLOAD_DIR, name), "wb") as f:
            f.write(data)
    return name, len(data)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # A client that misbehaves at the socket level costs one line, not a trace.
        sys.stderr.write("connection error from %s: %s\n" % (client_address[0], sys.exc_info()[1]))


def main():
    ap = argparse.ArgumentParser(description="Rampart demo citizen-service app "
                                 "(intentionally vulnerable; binds 127.0.0.1 only)")
    ap.add_argument("--port", type=int, default=int(os.environ.get("DEMO_PORT", "8081")))
    ap.add_argument("--data", default=os.environ.get("DEMO_DATA_DIR"),
                    help="directory for the SQLite database and uploads (required)")
    ap.add_argument("--quiet", action="store_true", help="no access log")
    args = ap.parse_args()
    if not args.data:
        ap.error("--data DIR is required (never inside the repository)")
    init_db(os.path.abspath(args.data))
    Handler.quiet = args.quiet
    httpd = Server((HOST, args.port), Handler)
    sys.stderr.write("demo app: http://%s:%d/ (data in %s) — INTENTIONALLY VULNERABLE, "
                     "loopback only\n" % (HOST, httpd.server_address[1], os.path.abspath(args.data)))
    sys.stderr.flush()
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()


if __name__ == "__main__":
    main()
