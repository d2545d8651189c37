"""console_harness.py — the built web console for integration tests.

ensure_console() builds console/ into $RP_BUILD_DIR/console with
scripts/console-build.sh (a no-op when nothing changed since the last
build: `make build` normally did it already) and returns the directory.
"""

import os
import subprocess

import harness


def ensure_console():
    script = os.path.join(harness.SOURCE_DIR, "scripts", "console-build.sh")
    p = subprocess.run([script, harness.BUILD_DIR], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=600)
    if p.returncode != 0:
        raise RuntimeError("console build failed:\n" + p.stdout.decode(errors="replace"))
    out = os.path.join(harness.BUILD_DIR, "console")
    if not os.path.exists(os.path.join(out, "index.html")):
        raise RuntimeError("no console in " + out)
    return out
