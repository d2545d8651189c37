#!/usr/bin/env python3
"""backend.py — the test backend the CRS regression suite expects (an "albedo" work-alike).

Endpoints (as coreruleset/albedo, plus /status/N for go-ftw's marker requests):
  POST /reflect[/]   body is JSON {"status": int, "headers": {name: value}, "body": str,
                     "encodedBody": base64 str, "logMessage": str}; the response is built from
                     it (status default 200; Content-Type sniffed like Go's net/http when the
                     spec gives none). Used by the RESPONSE-95x/959/980 tests.
  GET  /capabilities JSON list of endpoints.
  *    /status/N     empty response with status N (100..599).
  *    anything else empty 200.
Threaded; binds 127.0.0.1 only. Usage: backend.py PORT
"""

import base64
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CAPABILITIES = {"endpoints": [
    {"path": "/*", "methods": ["any"], "contentType": "any",
     "description": "Any other request: status 200 without a body."},
    {"path": "/capabilities", "methods": ["GET"], "contentType": "-"},
    {"path": "/reflect", "methods": ["POST"], "contentType": "application/json",
     "description": "Responds according to the JSON spec: status, headers, body, encodedBody, logMessage."},
    {"path": "/status/{code}", "methods": ["any"], "contentType": "-"},
]}

_HTML_SIGS = [b"<!DOCTYPE HTML", b"<HTML", b"<HEAD", b"<SCRIPT", b"<IFRAME", b"<H1", b"<DIV", b"<FONT",
              b"<TABLE", b"<A", b"<STYLE", b"<TITLE", b"<B", b"<BODY", b"<BR", b"<P", b"<!--"]


def sniff(body):
    """A subset of Go's http.DetectContentType, enough for the suite's reflected bodies."""
    data = body[:512].lstrip(b"\t\n\x0c\r ")
    up = data.upper()
    for sig in _HTML_SIGS:
        if up.startswith(sig) and len(up) > len(sig) and up[len(sig):len(sig) + 1] in (b" ", b">"):
            return "text/html; charset=utf-8"
    if data.startswith(b"<?xml"):
        return "text/xml; charset=utf-8"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if any(b < 0x20 and b not in (9, 10, 12, 13, 27) for b in body[:512]):
        return "application/octet-stream"
    return "text/plain; charset=utf-8"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "albedo-py"
    sys_version = ""

    def log_message(self, fmt, *args):  # quiet
        pass

    def _body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            out = b""
            while True:
                line = self.rfile.readline()
                if not line:
                    break
                try:
                    n = int(line.split(b";")[0].strip() or b"0", 16)
                except ValueError:
                    break
                if n == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                out += self.rfile.read(n)
                self.rfile.readline()
            return out
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            n = 0
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, status, body=b"", headers=None, ctype=None):
        self.send_response(status)
        names = set()
        for k, v in (headers or {}).items():
            k, v = str(k), str(v)
            if not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", k) or re.search(r"[\r\n\x00]", v):
                continue  # invalid headers are dropped (as albedo/Go does)
            if k.lower() in ("content-length", "transfer-encoding", "connection"):
                continue
            self.send_header(k, v)
            names.add(k.lower())
        if body and "content-type" not in names:
            self.send_header("Content-Type", ctype or sniff(body))
        if not (100 <= status < 200 or status in (204, 304)):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD" and not (100 <= status < 200 or status in (204, 304)):
            self.wfile.write(body)

    def _reflect(self, raw):
        try:
            spec = json.loads(raw.decode("utf-8") if raw else "")
            if not isinstance(spec, dict):
                raise ValueError("not an object")
        except (ValueError, UnicodeDecodeError):
            return self._send(400, b"Invalid JSON in request body", ctype="text/plain; charset=utf-8")
        spec = {str(k).lower(): v for k, v in spec.items()}  # Go's json is case-insensitive
        status = spec.get("status") or 0
        try:
            status = int(status)
        except (TypeError, ValueError):
            return self._send(400, b"Invalid JSON in request body")
        if (0 < status < 100) or status >= 600:
            return self._send(400, ("Invalid status code: %d" % status).encode())
        status = status or 200
        body = spec.get("body") or ""
        if body:
            body = body.encode("utf-8")
        elif spec.get("encodedbody"):
            try:
                body = base64.b64decode(spec["encodedbody"], validate=False)
            except (ValueError, TypeError):
                return self._send(400, b"invalid base64 encoding of response body")
        else:
            body = b""
        hdrs = spec.get("headers") if isinstance(spec.get("headers"), dict) else {}
        return self._send(status, body, hdrs)

    def handle_any(self):
        raw = self._body()
        path = self.path.split("?", 1)[0]
        if self.command == "POST" and path in ("/reflect", "/reflect/"):
            return self._reflect(raw)
        if path.rstrip("/") == "/capabilities":
            return self._send(200, json.dumps(CAPABILITIES).encode(), ctype="application/json")
        m = re.fullmatch(r"/status/(\d{3})", path)
        if m and 100 <= int(m.group(1)) <= 599:
            return self._send(int(m.group(1)))
        return self._send(200)

    def __getattr__(self, name):  # do_GET, do_POST, do_REALLYLONGUNREALMETHOD, ...
        if name.startswith("do_"):
            return self.handle_any
        raise AttributeError(name)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8000
    srv = Server(("127.0.0.1", port), Handler)
    print("backend listening on 127.0.0.1:%d" % port, flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
