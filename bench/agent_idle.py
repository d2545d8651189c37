#!/usr/bin/env python3
"""agent_idle.py BUILD [SECONDS] — the idle cost of rampart-agent with every
capability on (docs/BENCHMARKS.md, "Idle host agent").

Starts rampartd (SQLite, fresh store) on loopback and one enrolled agent
with: file integrity monitoring of /etc, /usr/bin and /usr/sbin and a web
root with the webshell rules and heuristics, process monitoring (exec
events from the process connector, a full scan every 15 s), the seven
shipped baseline policies against /, brute-force detection on an auth
log file and the systemd journal, and active response in dry-run mode.
Once the first FIM scan and the baseline run are done, samples `ps -o
rss=` every 5 s for SECONDS (default 60) and the CPU time the kernel
counted for the agent (/proc/PID/stat, 10 ms ticks: ps's cputimes counts
whole seconds), and prints the CPU share of one core and the RSS; merges
into BUILD/bench.json:
  agent/idle_cpu_pct, agent/idle_rss_mb_max, agent/idle_forks_per_s
"Idle" is the agent's: the host may be busy, and every program started
is an exec event the process monitor looks at, so the run also reports
how many processes the host started per second (/proc/stat "processes").
AGENT_IDLE_PROCESS=off runs it without the process monitor, to compare.
"""

import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))

if len(sys.argv) not in (2, 3):
    sys.exit("usage: agent_idle.py BUILD_DIR [SECONDS]")
os.environ["RP_BUILD_DIR"] = os.path.abspath(sys.argv[1])
os.environ.setdefault("RP_SOURCE_DIR", os.path.join(HERE, ".."))
SECONDS = int(sys.argv[2]) if len(sys.argv) == 3 else 60

import harness  # noqa: E402
from agent_harness import Agent  # noqa: E402
from rampartd_harness import Rampartd, first_login  # noqa: E402


def forks():
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("processes "):
                return int(line.split()[1])
    return 0


def rss_kib(pid):
    return int(subprocess.run(["ps", "-o", "rss=", "-p", str(pid)], capture_output=True,
                              text=True, check=True).stdout)


def main():
    src = os.environ["RP_SOURCE_DIR"]
    rd = Rampartd(name="agentidle").start()
    admin = first_login(rd)
    token = admin.request("POST", "/api/v1/agents/enrolments", {}).json()["token"]
    agent = Agent(rd.port, token, hostname="idle-1", heartbeat=30)
    www = agent.path("www")
    os.mkdir(www)
    auth_log = os.path.join(agent.dir, "auth.log")
    open(auth_log, "w").close()
    policies = "".join("baseline_policy %s\n" % os.path.join(src, "etc", "baseline", p)
                       for p in sorted(os.listdir(os.path.join(src, "etc", "baseline"))))
    agent.write_conf(
        "fim_path /etc\nfim_path /usr/bin\nfim_path /usr/sbin\n"
        "webshell_root %s\nwebshell_rules %s\n"
        "process_monitor %s\nprocess_scan_seconds 15\n%s"
        "auth_log %s\nauth_journal on\n"
        "response_mode dry-run\nresponse_rule bruteforce.source block\n"
        "response_rule process.reverse_shell kill\nresponse_rule webshell.* quarantine\n" % (
            www, os.path.join(src, "etc", "rampart-webshell.yar"),
            os.environ.get("AGENT_IDLE_PROCESS", "on"), policies, auth_log))
    agent.start()
    agent.wait_log("fim: scan done", timeout=300)
    agent.wait_log("baseline: checks done", timeout=60)
    time.sleep(5)  # the first events sent
    t0, cpu0, forks0 = time.time(), agent.cpu_seconds(), forks()
    rss = []
    while time.time() - t0 < SECONDS:
        time.sleep(5)
        rss.append(rss_kib(agent.proc.pid))
    cpu1 = agent.cpu_seconds()
    elapsed = time.time() - t0
    forks_per_s = (forks() - forks0) / elapsed
    pct = 100.0 * (cpu1 - cpu0) / elapsed
    figures = {"agent/idle_cpu_pct": round(pct, 3),
               "agent/idle_rss_mb_max": round(max(rss) / 1024, 1),
               "agent/idle_forks_per_s": round(forks_per_s, 1)}
    print("idle %.0f s: CPU %.2f s of one core (%.2f %%), RSS %.1f-%.1f MB; the host started "
          "%.1f processes/s" % (elapsed, cpu1 - cpu0, pct, min(rss) / 1024, max(rss) / 1024,
                                forks_per_s))
    print(json.dumps(figures))
    agent.stop()
    rd.stop()
    path = os.path.join(os.environ["RP_BUILD_DIR"], "bench.json")
    data = {}
    if os.path.exists(path):
        with open(path) as f:
            data = json.load(f)
    data.update(figures)
    with open(path, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
    harness._run_cleanups()


main()
