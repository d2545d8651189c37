#!/usr/bin/env python3
"""LDAP as an external directory (docs/IDENTITY.md "LDAP"), against a real
OpenLDAP: the test starts Debian's slapd on a free loopback port with a
private slapd.conf (mdb database in a temporary directory, loaded with
slapadd; no system service is touched). An LDAP user logs in at the portal
API by a bind as that user; its attributes, groups and mapped role are synced
into the directory; a wrong password or an unknown user is refused; filter
metacharacters in a name cannot widen the search; with slapd stopped a login
is a clear 503 "directory_unavailable" with an event, never a session, and so
is a server that accepts connections and never answers (ldap_timeout_ms).

The store is $RP_TEST_STORE (SQLite by default)."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import harness
from rampartd_harness import Rampartd, first_login, wait_until

RD = ADMIN = SLAPD = TOP = None
PORT = 0
SUFFIX = "dc=example,dc=gov"
ROOT_PW = "root-secret-for-tests"


def slappasswd(pw):
    return subprocess.run(["slappasswd", "-s", pw], check=True, stdout=subprocess.PIPE,
                          text=True).stdout.strip()


def write_slapd(top):
    conf = os.path.join(top, "slapd.conf")
    os.makedirs(os.path.join(top, "db"))
    with open(conf, "w") as f:
        f.write("""include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile {top}/slapd.pid
argsfile {top}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 10485760
suffix "{suffix}"
rootdn "cn=admin,{suffix}"
rootpw {root}
directory {top}/db
access to attrs=userPassword by self write by anonymous auth by * none
access to * by * read
""".format(top=top, suffix=SUFFIX, root=slappasswd(ROOT_PW)))
    ldif = os.path.join(top, "data.ldif")
    with open(ldif, "w") as f:
        f.write("""dn: {s}
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: ou=people,{s}
objectClass: organizationalUnit
ou: people

dn: ou=groups,{s}
objectClass: organizationalUnit
ou: groups

dn: uid=ada,ou=people,{s}
objectClass: inetOrgPerson
uid: ada
cn: Ada Lovelace
sn: Lovelace
mail: ada@example.gov
telephoneNumber: +44 20 7946 0001
userPassword: {ada}

dn: uid=bob,ou=people,{s}
objectClass: inetOrgPerson
uid: bob
cn: Bob Clerk
sn: Clerk
userPassword: {bob}

dn: cn=approvers,ou=groups,{s}
objectClass: groupOfNames
cn: approvers
member: uid=ada,ou=people,{s}

dn: cn=staff,ou=groups,{s}
objectClass: groupOfNames
cn: staff
member: uid=ada,ou=people,{s}
member: uid=bob,ou=people,{s}
""".format(s=SUFFIX, ada=slappasswd("ada-ldap-pass"), bob=slappasswd("bob-ldap-pass")))
    subprocess.run(["slapadd", "-f", conf, "-l", ldif], check=True, stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE)
    return conf


def start_slapd(conf):
    # -d 0: in the foreground (the test owns the process), no debug output
    p = subprocess.Popen(["/usr/sbin/slapd", "-f", conf, "-h", "ldap://127.0.0.1:%d/" % PORT,
                          "-d", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    harness.wait_port(PORT)
    return p


def stop_slapd():
    global SLAPD
    if SLAPD and SLAPD.poll() is None:
        SLAPD.terminate()
        SLAPD.wait(timeout=15)
    SLAPD = None


def setUpModule():
    global RD, ADMIN, SLAPD, TOP, PORT
    if not shutil.which("slapadd") and not os.path.exists("/usr/sbin/slapadd"):
        raise unittest.SkipTest("slapd is not installed (scripts/deps.sh)")
    os.environ["PATH"] += ":/usr/sbin"
    TOP = tempfile.mkdtemp(prefix="rp-ldap-")
    harness._cleanups.append(lambda: shutil.rmtree(TOP, ignore_errors=True))
    harness._cleanups.append(stop_slapd)
    PORT = harness.free_port()
    conf = write_slapd(TOP)
    SLAPD = start_slapd(conf)
    pw_file = os.path.join(TOP, "bind.pw")
    with open(pw_file, "w") as f:
        f.write(ROOT_PW + "\n")
    os.chmod(pw_file, 0o600)
    RD = Rampartd("login_address_failures 100000\n"
                  "ldap_url ldap://127.0.0.1:%d\n"
                  "ldap_bind_dn cn=admin,%s\n"
                  "ldap_bind_password_file %s\n"
                  "ldap_user_base ou=people,%s\n"
                  "ldap_user_filter (&(objectClass=inetOrgPerson)(uid=%%s))\n"
                  "ldap_group_base ou=groups,%s\n"
                  "ldap_group_filter (member=%%s)\n"
                  "ldap_group_roles approvers:approver,nobody:x\n"
                  "ldap_timeout_ms 1000\n" % (PORT, SUFFIX, pw_file, SUFFIX, SUFFIX),
                  name="ldap").start()
    ADMIN = first_login(RD)


def tearDownModule():
    RD.stop()
    stop_slapd()


def login(name, password):
    return RD.request("POST", "/api/v1/id/login", {"username": name, "password": password})


class Ldap(unittest.TestCase):
    def test_1_bind_as_the_user_and_sync(self):
        r = login("ada", "ada-ldap-pass")
        self.assertEqual((r.status, r.json().get("status")), (200, "ok"), r)
        u = ADMIN.request("GET", "/api/v1/directory/users/ada").json()["user"]
        self.assertEqual((u["display_name"], u["email"], u["phone"], u["state"]),
                         ("Ada Lovelace", "ada@example.gov", "+44 20 7946 0001", "active"))
        self.assertEqual(u["attributes"]["source"], "ldap")
        self.assertEqual(u["attributes"]["ldap_dn"], "uid=ada,ou=people," + SUFFIX)
        self.assertEqual(u["groups"], ["/ldap/approvers", "/ldap/staff"])
        self.assertEqual(u["roles"], ["approver"])  # approvers -> approver
        self.assertFalse(u["has_password"])  # no local hash: LDAP decides
        r = login("bob", "bob-ldap-pass")
        self.assertEqual(r.status, 200, r)
        u = ADMIN.request("GET", "/api/v1/directory/users/bob").json()["user"]
        self.assertEqual((u["groups"], u["roles"]), (["/ldap/staff"], []))

    def test_2_refusals(self):
        for name, pw in (("ada", "wrong"), ("ada", ""), ("nobody", "x"),
                         ("bob", "ada-ldap-pass")):
            r = login(name, pw)
            self.assertIn(r.status, (400, 401), (name, r))
            self.assertNotIn("set-cookie", r.headers)
        # a filter metacharacter is no wildcard (and no valid name)
        self.assertEqual(login("a*", "ada-ldap-pass").status, 400)

    def test_3_directory_state_still_decides(self):
        self.assertEqual(login("bob", "bob-ldap-pass").status, 200)
        r = ADMIN.request("PATCH", "/api/v1/directory/users/bob", {"state": "disabled"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(login("bob", "bob-ldap-pass").status, 401)
        ADMIN.request("PATCH", "/api/v1/directory/users/bob", {"state": "active"})

    def test_9_dead_server_is_a_clear_error(self):
        stop_slapd()
        t0 = time.monotonic()
        r = login("ada", "ada-ldap-pass")
        self.assertEqual(r.status, 503, r)
        self.assertEqual(r.json()["error"], "directory_unavailable")
        self.assertNotIn("set-cookie", r.headers)
        self.assertLess(time.monotonic() - t0, 10)
        wait_until(lambda: ADMIN.request(
            "GET", "/api/v1/events?q=directory_unavailable").json()["count"] >= 1,
            what="a directory_unavailable event")
        # a server that accepts and never answers: ldap_timeout_ms bounds it
        silent = socket.socket()
        silent.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        silent.bind(("127.0.0.1", PORT))
        silent.listen(8)
        try:
            t0 = time.monotonic()
            r = login("ada", "ada-ldap-pass")
            self.assertEqual(r.status, 503, r)
            self.assertLess(time.monotonic() - t0, 8)
        finally:
            silent.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)
