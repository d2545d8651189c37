#!/usr/bin/env python3
"""ftw.py — engine-agnostic runner for the OWASP CRS regression suite (go-ftw format).

Reads the CRS regression tests (YAML, go-ftw / ftw-tests-schema v2), applies a platform
overrides file, sends every stage byte-exact over TCP to 127.0.0.1:PORT (the YAML's
dest_addr/port are ignored: this runner never connects anywhere else), brackets each stage
with two marker requests and checks the rule ids the WAF logged between the markers.

Log adapters:
  modsecurity  nginx error.log written by ModSecurity-nginx (`[id "942100"]` in each line)
  rampart      Rampart's JSONL event file (one JSON object per line,
               {"matches":[{"rule_id":"942100","msg":...,"data":...}, ...]})
The contract is documented in docs/CRS-REGRESSION.md.

Python 3 stdlib + PyYAML (Debian: python3-yaml). Usage: see --help and docs/CRS-REGRESSION.md.
"""

import argparse
import base64
import collections
import json
import os
import re
import socket
import sys
import time
import urllib.parse
import uuid

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.stderr.write("ftw.py: PyYAML missing (Debian package python3-yaml)\n")
    sys.exit(2)

HOST = "127.0.0.1"  # the only address this runner ever connects to
DEFAULT_TESTS = "/work/shared/crs/tests/regression/tests"
DEFAULT_OVERRIDES = "/work/shared/crs/tests/regression/nginx-overrides.yaml"
MARKER_RULE_ID = 999999
_DIGITS_TO_LETTERS = str.maketrans("0123456789", "ghijklmnop")

# go-ftw's (quirky) regex deciding when Content-Length is added to a body-less request.
METHODS_WITH_BODY = re.compile(r"^POST|PUT|PATCH|DELETE$")


# --------------------------------------------------------------------------- YAML loading

# libyaml's loader when available (10x faster). go-ftw unmarshals into typed Go structs; we only
# need plain data: header values YAML parses as ints (Content-Length: 0) are stringified when the
# request is built.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path):
    with open(path, "rb") as f:
        return yaml.load(f, Loader=_Loader)


def load_overrides(path):
    """{rule_id: [override, ...]} from a go-ftw platform overrides file."""
    if not path:
        return {}, {}
    doc = load_yaml(path) or {}
    by_rule = collections.defaultdict(list)
    for ov in doc.get("test_overrides") or []:
        by_rule[int(ov["rule_id"])].append(ov)
    return by_rule, doc.get("meta") or {}


def load_tests(tests_dir):
    """Yield (rel_path, rule_file, doc) for every *.yaml under tests_dir, sorted."""
    out = []
    for root, _dirs, files in os.walk(tests_dir):
        for fn in files:
            if fn.endswith((".yaml", ".yml")):
                out.append(os.path.join(root, fn))
    for path in sorted(out):
        rel = os.path.relpath(path, tests_dir)
        parts = rel.split(os.sep)
        rule_file = parts[0] if len(parts) > 1 else "(top)"
        try:
            doc = load_yaml(path)
        except yaml.YAMLError as e:
            yield rel, rule_file, {"_error": "YAML error: %s" % e}
            continue
        yield rel, rule_file, doc


def rule_id_of(doc, rel):
    rid = doc.get("rule_id") if isinstance(doc, dict) else None
    if rid:
        return int(rid)
    m = re.search(r"\d+", os.path.basename(rel))  # go-ftw falls back on the file name
    return int(m.group(0)) if m else 0


def apply_overrides(overrides, rule_id, test_id, stages):
    """go-ftw semantics: an override for (rule_id, test_id) replaces the whole expected
    output of the listed stages (all stages when stage_ids is absent). Returns the list of
    override reasons applied."""
    reasons = []
    for ov in overrides.get(rule_id, []):
        if test_id not in [int(t) for t in (ov.get("test_ids") or [])]:
            continue
        stage_ids = ov.get("stage_ids")
        for idx, st in enumerate(stages):
            if not stage_ids or idx in stage_ids:
                st["output"] = ov.get("output") or {}
        reasons.append((ov.get("reason") or "").strip())
    return reasons


# --------------------------------------------------------------------------- request building

_TEMPLATE_RE = re.compile(r'\{\{\s*"((?:[^"\\]|\\.)*)"\s*\|\s*repeat\s+(\d+)\s*\}\}')


def render_data(data):
    """go-ftw evaluates `data` as a Go text/template with sprig functions. The suite only
    uses `{{ "x" | repeat N }}`; any other template action is reported as unsupported."""
    if "{{" not in data:
        return data

    def rep(m):
        return bytes(m.group(1), "utf-8").decode("unicode_escape") * int(m.group(2))

    out = _TEMPLATE_RE.sub(rep, data)
    if "{{" in out:
        raise ValueError("unsupported Go template in data: %r" % out[:80])
    return out


class Headers:
    """Ordered, case-insensitive header list (single value per name, like go-ftw)."""

    def __init__(self, mapping=None):
        self.items = []
        for k, v in (mapping or {}).items():
            self.items.append([str(k), "" if v is None else _scalar(v)])

    def get(self, name):
        ln = name.lower()
        for k, v in self.items:
            if k.lower() == ln:
                return v
        return None

    def add(self, name, value):  # go-ftw Header.Add: only when absent/empty
        if not self.get(name):
            self.items.append([name, value])

    def to_bytes(self):
        return b"".join(k.encode("utf-8") + b": " + v.encode("utf-8") + b"\r\n" for k, v in self.items)


def _scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def encode_form(data):
    """go-ftw encodeDataParameters: url-encode key=value pairs of a form body unless the body
    already looks escaped (url.QueryUnescape changes it or fails, i.e. it has '%' or '+')."""
    if not data or "%" in data or "+" in data:
        return data
    parts = []
    for token in data.split("&"):
        if "=" not in token:
            parts.append(urllib.parse.quote_plus(token, safe=""))
            continue
        k, v = token.split("=", 1)
        parts.append(urllib.parse.quote_plus(k, safe="") + "=" + urllib.parse.quote_plus(v, safe=""))
    return "&".join(parts)


def build_request(inp):
    """Bytes of the request for a stage input, following go-ftw's BuildRequest."""
    enc = inp.get("encoded_request")
    if enc:
        return base64.b64decode("".join(str(enc).split()))
    if inp.get("raw_request"):
        return str(inp["raw_request"]).encode("utf-8")
    method = _scalar(inp.get("method", "GET")) if inp.get("method") is not None else "GET"
    uri = _scalar(inp.get("uri")) if inp.get("uri") is not None else "/"
    version = _scalar(inp.get("version")) if inp.get("version") is not None else "HTTP/1.1"
    autocomplete = inp.get("autocomplete_headers")
    if autocomplete is None:
        sm = inp.get("stop_magic")
        autocomplete = True if sm is None else not sm
    headers = Headers(inp.get("headers"))
    data = inp.get("data")
    if data is None and inp.get("encoded_data"):
        body = base64.b64decode(inp["encoded_data"])
    else:
        if isinstance(data, list):  # legacy ftw: a list of lines
            data = "\r\n".join(_scalar(x) for x in data)
        body = render_data(_scalar(data)).encode("utf-8") if data is not None else b""
    if body and autocomplete:
        headers.add("Content-Type", "application/x-www-form-urlencoded")
        if headers.get("Content-Type") == "application/x-www-form-urlencoded":
            body = encode_form(body.decode("utf-8")).encode("utf-8")
    ct = headers.get("Content-Type") or ""
    if "multipart/form-data;" in ct:
        body = body.replace(b"\n", b"\r\n")  # go-ftw: multipart bodies use CRLF
    if autocomplete:
        headers.add("Connection", "close")
        if body or METHODS_WITH_BODY.search(method):
            headers.add("Content-Length", str(len(body)))
    line = ("%s %s %s\r\n" % (method, uri, version)).encode("utf-8")
    return line + headers.to_bytes() + b"\r\n" + body


def marker_request(header, value):
    return ("GET /status/200 HTTP/1.1\r\nAccept: */*\r\nHost: localhost\r\n"
            "User-Agent: go-ftw test agent\r\n%s: %s\r\nConnection: close\r\n\r\n"
            % (header, value)).encode("ascii")


# --------------------------------------------------------------------------- HTTP exchange

class Response:
    def __init__(self, status, raw):
        self.status = status
        self.raw = raw


def exchange(port, payload, connect_timeout, read_timeout):
    """Send payload to 127.0.0.1:port, read one response. Returns (Response|None, error|None).

    Like go-ftw, only the status line and headers are required; the body is read when its
    length is known (Content-Length, chunked) or until the server closes, bounded by
    read_timeout, so that the WAF has finished the transaction (incl. logging) before the
    end marker is sent."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(connect_timeout)
    try:
        s.connect((HOST, port))
    except OSError as e:
        s.close()
        return None, "connect: %s" % e
    buf = b""
    try:
        s.settimeout(read_timeout)
        try:
            s.sendall(payload)
        except OSError as e:
            # the server may answer (400) and close before reading everything; try reading
            if not isinstance(e, (BrokenPipeError, ConnectionResetError)):
                return None, "send: %s" % e
        deadline = time.monotonic() + read_timeout
        while b"\r\n\r\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None, "read timeout (no complete response head)"
            s.settimeout(left)
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return None, "read timeout (no complete response head)"
            except OSError as e:
                return None, "recv: %s" % e
            if not chunk:
                if not buf:
                    return None, "EOF before response"
                return None, "EOF inside response head"
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        m = re.match(rb"HTTP/\d(?:\.\d)? (\d{3})", lines[0])
        if not m:
            return None, "malformed status line %r" % lines[0][:80]
        status = int(m.group(1))
        hdrs = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(b":")
            hdrs[k.strip().lower()] = v.strip()
        # body: bounded best effort
        method_head = payload[:5].upper() == b"HEAD "
        want = None
        if method_head or status in (204, 304) or 100 <= status < 200:
            want = 0
        elif b"content-length" in hdrs:
            try:
                want = int(hdrs[b"content-length"])
            except ValueError:
                want = None
        chunked = b"chunked" in hdrs.get(b"transfer-encoding", b"").lower()
        deadline = time.monotonic() + read_timeout
        while True:
            if want is not None and len(rest) >= want:
                break
            if chunked and (rest.endswith(b"0\r\n\r\n") or b"\r\n0\r\n\r\n" in rest):
                break
            left = deadline - time.monotonic()
            if left <= 0:
                break
            s.settimeout(left)
            try:
                chunk = s.recv(65536)
            except (socket.timeout, OSError):
                break
            if not chunk:
                break
            rest += chunk
        return Response(status, head + b"\r\n\r\n" + rest), None
    finally:
        s.close()


# --------------------------------------------------------------------------- log adapters

class LogAdapter:
    """Reads a growing log file; finds marker lines; returns the entries between two markers.

    An entry is (text_lines, rule_ids): the lines match_regex/no_match_regex are applied to
    and the rule ids logged by that entry."""

    def __init__(self, path):
        self.path = path
        self.pos = 0
        self._fh = None

    def open_at_end(self):
        while not os.path.exists(self.path):
            time.sleep(0.05)
        self._fh = open(self.path, "rb")
        self._fh.seek(0, os.SEEK_END)
        self.pos = self._fh.tell()

    def read_from(self, pos):
        self._fh.seek(pos)
        return self._fh.read()

    def find_marker(self, token, since):
        """Offset just past the (complete) line containing token, searching from since."""
        data = self.read_from(since)
        i = data.find(token.encode("ascii"))
        if i < 0:
            return None
        nl = data.find(b"\n", i)
        if nl < 0:
            return None
        start = data.rfind(b"\n", 0, i) + 1
        return since + start, since + nl + 1

    def region(self, start, end):
        data = self.read_from(start)[: end - start]
        return [ln for ln in data.split(b"\n") if ln.strip()]

    def parse(self, raw_lines):  # -> (texts, ids)
        raise NotImplementedError


class ModSecurityAdapter(LogAdapter):
    ID_RE = re.compile(rb'\[id "(\d+)"\]|"id":\s*"?(\d+)"?')  # as go-ftw

    def parse(self, raw_lines):
        texts, ids = [], set()
        for ln in raw_lines:
            texts.append(ln.decode("utf-8", "replace"))
            for m in self.ID_RE.finditer(ln):
                ids.add(int(m.group(1) or m.group(2)))
        return texts, ids


def _esc(v):
    return "" if v is None else str(v)


class RampartAdapter(LogAdapter):
    """JSONL events. Each match is rendered as a ModSecurity-style line so that the suite's
    match_regex expectations (`[id "922130"].*[msg "..."]`, `Matched Data: ... found within
    ARGS:x: ...`) apply unchanged."""

    def parse(self, raw_lines):
        texts, ids = [], set()
        for ln in raw_lines:
            s = ln.decode("utf-8", "replace")
            try:
                ev = json.loads(s)
            except ValueError:
                texts.append(s)  # not an event (e.g. truncated write): still regex-visible
                continue
            matches = ev.get("matches") if isinstance(ev, dict) else None
            for mt in matches or []:
                try:
                    rid = int(str(mt.get("rule_id", mt.get("id"))))
                except (TypeError, ValueError):
                    continue
                ids.add(rid)
                parts = ["ModSecurity: Warning."]
                if mt.get("detail"):
                    parts.append(_esc(mt["detail"]))
                parts.append('[id "%d"]' % rid)
                if mt.get("msg") is not None:
                    parts.append('[msg "%s"]' % _esc(mt["msg"]))
                if mt.get("data") is not None:
                    parts.append('[data "%s"]' % _esc(mt["data"]))
                if mt.get("severity") is not None:
                    parts.append('[severity "%s"]' % _esc(mt["severity"]))
                for t in mt.get("tags") or []:
                    parts.append('[tag "%s"]' % _esc(t))
                texts.append(" ".join(parts))
            for k in ("error", "errors", "detail"):  # transaction-level messages
                v = ev.get(k) if isinstance(ev, dict) else None
                if isinstance(v, str):
                    texts.append(v)
                elif isinstance(v, list):
                    texts.extend(_esc(x) for x in v)
            texts.append(s)
        return texts, ids


ADAPTERS = {"modsecurity": ModSecurityAdapter, "rampart": RampartAdapter}


# --------------------------------------------------------------------------- runner

class Runner:
    def __init__(self, args):
        self.args = args
        self.log = ADAPTERS[args.log_adapter](args.log_file)
        self.overrides, self.override_meta = load_overrides(args.overrides)

    def mark(self, token, since):
        """Send marker requests until the marker line shows up in the log (go-ftw retries the
        marker request itself). Returns (line_start, line_end) offsets or None."""
        for _attempt in range(self.args.marker_retries):
            resp, err = exchange(self.args.port, marker_request(self.args.marker_header, token),
                                 self.args.connect_timeout, self.args.read_timeout)
            deadline = time.monotonic() + self.args.marker_wait
            while True:
                found = self.log.find_marker(token, since)
                if found:
                    return found
                if time.monotonic() > deadline:
                    break
                time.sleep(0.002)
        return None

    def run_stage(self, stage):
        inp = stage.get("input") or {}
        out = stage.get("output") or {}
        try:
            payload = build_request(inp)
        except Exception as e:  # noqa: BLE001 — a broken test is a failure, not a crash
            return "failed", "cannot build request: %s" % e, set()
        # Letters only: a digit-free token survives any masking of numbers in WAF logs.
        sid = "ftw" + uuid.uuid4().hex.translate(_DIGITS_TO_LETTERS)
        start = self.mark(sid + "-s", self.log.pos)
        if not start:
            return "failed", "start marker not found in %s" % self.log.path, set()
        resp, err = exchange(self.args.port, payload, self.args.connect_timeout, self.args.read_timeout)
        end = self.mark(sid + "-e", start[1])
        if not end:
            return "failed", "end marker not found in %s" % self.log.path, set()
        self.log.pos = end[1]
        texts, ids = self.log.parse(self.log.region(start[1], end[0]))
        ids.discard(MARKER_RULE_ID)
        return self.check(out, resp, err, texts, ids) + (ids,)

    @staticmethod
    def check(out, resp, err, texts, ids):
        expect_error = out.get("expect_error")
        if expect_error:
            return ("passed", "") if err else ("failed", "expected a transport error, got status %s" % resp.status)
        if err:
            return "failed", "transport error: %s" % err
        st = out.get("status")
        if st:
            sts = st if isinstance(st, list) else [st]
            if resp.status not in [int(x) for x in sts]:
                return "failed", "status %d, expected %s" % (resp.status, st)
        rc = out.get("response_contains")
        if rc and not re.search(rc.encode("utf-8"), resp.raw):
            return "failed", "response does not contain /%s/" % rc
        log = out.get("log") or {}
        # legacy top-level keys (ftw v1 / schema v1)
        for legacy, new in (("log_contains", "match_regex"), ("no_log_contains", "no_match_regex"),
                            ("expect_ids", "expect_ids"), ("no_expect_ids", "no_expect_ids")):
            if legacy in out and new not in log:
                log = dict(log, **{new: out[legacy]})
        if log.get("expect_id") and not log.get("expect_ids"):
            log = dict(log, expect_ids=[log["expect_id"]])
        mr = log.get("match_regex")
        if mr and not any(re.search(mr, t) for t in texts):
            return "failed", "log does not match /%s/" % mr
        exp = [int(x) for x in (log.get("expect_ids") or [])]
        missing = [x for x in exp if x not in ids]
        if missing:
            return "failed", "expected ids missing: %s" % missing
        if log.get("isolated") and len(ids) != 1:
            return "failed", "isolated: %d rules logged" % len(ids)
        nmr = log.get("no_match_regex")
        if nmr and any(re.search(nmr, t) for t in texts):
            return "failed", "log matches /%s/" % nmr
        noexp = [int(x) for x in (log.get("no_expect_ids") or [])]
        found = [x for x in noexp if x in ids]
        if found:
            return "failed", "unexpected ids logged: %s" % found
        return "passed", ""

    def run(self):
        a = self.args
        inc = re.compile(a.include) if a.include else None
        exc = re.compile(a.exclude) if a.exclude else None
        self.log.open_at_end()
        results = []
        t0 = time.monotonic()
        for rel, rule_file, doc in load_tests(a.tests):
            if not isinstance(doc, dict) or "_error" in doc:
                if doc is None:
                    reason = "empty test file"
                elif isinstance(doc, dict):
                    reason = doc["_error"]
                else:
                    reason = "not a test file"
                if not inc or inc.search(rel):
                    results.append(dict(file=rel, rule_file=rule_file, id=rel, stage=0,
                                        result="skipped", reason=reason, ids=[]))
                continue
            rid = rule_id_of(doc, rel)
            for idx, test in enumerate(doc.get("tests") or []):
                tid = int(test.get("test_id") or idx + 1)
                ident = "%d-%d" % (rid, tid)
                # go-ftw: an explicit include wins over exclude; include also matches file names
                if inc and not (inc.search(ident) or inc.search(rel)):
                    continue
                if exc and (exc.search(ident) or exc.search(rel)) and not (inc and inc.search(ident)):
                    continue
                stages = [dict(s) for s in test.get("stages") or []]
                reasons = apply_overrides(self.overrides, rid, tid, stages)
                for sidx, stage in enumerate(stages):
                    if "stage" in stage and "input" not in stage:  # schema v1 nesting
                        stage = stage["stage"]
                    res, reason, ids = self.run_stage(stage)
                    out = stage.get("output") or {}
                    if res == "failed" and out.get("retry_once"):
                        res, reason, ids = self.run_stage(stage)
                    r = dict(file=rel, rule_file=rule_file, id=ident, stage=sidx, result=res,
                             reason=reason, ids=sorted(ids))
                    if reasons:
                        r["override"] = reasons
                    results.append(r)
                    if a.verbose:
                        print("%-12s stage %d %s %s" % (ident, sidx, res, reason), flush=True)
        return results, time.monotonic() - t0


# --------------------------------------------------------------------------- reporting

def summarize(results, elapsed, args, out=sys.stdout):
    per = collections.OrderedDict()
    for r in results:
        c = per.setdefault(r["rule_file"], collections.Counter())
        c[r["result"]] += 1
    tot = collections.Counter(r["result"] for r in results)
    w = max([len(k) for k in per] + [10])
    print("%-*s %7s %7s %7s" % (w, "rule file", "passed", "failed", "skipped"), file=out)
    for k, c in per.items():
        print("%-*s %7d %7d %7d" % (w, k, c["passed"], c["failed"], c["skipped"]), file=out)
    if args.show_failures:
        fails = [r for r in results if r["result"] == "failed"]
        if fails:
            print("\nfailures:", file=out)
            for r in fails:
                print("  %s stage %d (%s): %s; logged %s" % (r["id"], r["stage"], r["file"], r["reason"],
                                                             r["ids"][:20]), file=out)
        skips = [r for r in results if r["result"] == "skipped"]
        for r in skips:
            print("  skipped %s: %s" % (r["file"], r["reason"]), file=out)
    total = tot["passed"] + tot["failed"]
    pct = 100.0 * tot["passed"] / total if total else 0.0
    print("\n%d passed, %d failed, %d skipped (%d stages run, %.2f%% passed) in %.1fs"
          % (tot["passed"], tot["failed"], tot["skipped"], total, pct, elapsed), file=out)
    return tot


def main(argv=None):
    p = argparse.ArgumentParser(description="CRS regression suite runner (go-ftw format)")
    p.add_argument("--port", type=int, required=True, help="gateway port on 127.0.0.1")
    p.add_argument("--log-file", required=True, help="WAF log to correlate (error.log or JSONL events)")
    p.add_argument("--log-adapter", choices=sorted(ADAPTERS), default="modsecurity")
    p.add_argument("--tests", default=DEFAULT_TESTS, help="directory of YAML tests (recursive)")
    p.add_argument("--overrides", default=DEFAULT_OVERRIDES, help="platform overrides YAML ('' for none)")
    p.add_argument("--marker-header", default="X-CRS-Test")
    p.add_argument("--include", help="regex on test id 'RULE-TEST' or the YAML path")
    p.add_argument("--exclude", help="regex on test id 'RULE-TEST' or the YAML path")
    p.add_argument("--connect-timeout", type=float, default=3.0)
    p.add_argument("--read-timeout", type=float, default=3.0)
    p.add_argument("--marker-wait", type=float, default=1.0, help="seconds to wait for a marker line")
    p.add_argument("--marker-retries", type=int, default=5)
    p.add_argument("--json-out", help="write per-stage results and totals as JSON")
    p.add_argument("--baseline", help="JSON file {\"min_passed\": N}; exit 1 when fewer stages pass")
    p.add_argument("--show-failures", action="store_true")
    p.add_argument("-v", "--verbose", action="store_true", help="one line per stage")
    a = p.parse_args(argv)

    runner = Runner(a)
    results, elapsed = runner.run()
    tot = summarize(results, elapsed, a)
    if a.json_out:
        per = collections.OrderedDict()
        for r in results:
            c = per.setdefault(r["rule_file"], {"passed": 0, "failed": 0, "skipped": 0})
            c[r["result"]] += 1
        with open(a.json_out, "w") as f:
            json.dump({"passed": tot["passed"], "failed": tot["failed"], "skipped": tot["skipped"],
                       "seconds": round(elapsed, 1), "log_adapter": a.log_adapter,
                       "overrides": a.overrides, "per_rule_file": per, "stages": results}, f, indent=1)
    rc = 0
    if a.baseline:
        with open(a.baseline) as f:
            base = json.load(f)
        need = int(base.get("min_passed", 0))
        if tot["passed"] < need:
            print("BELOW BASELINE: %d passed < min_passed %d (%s)" % (tot["passed"], need, a.baseline))
            rc = 1
        else:
            print("baseline ok: %d passed >= min_passed %d" % (tot["passed"], need))
    if tot["passed"] + tot["failed"] == 0:
        print("no stage ran")
        rc = rc or 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
