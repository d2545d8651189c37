"""test_console_locales.py — the console's two languages are complete.

Runs tests/console/locales.mjs with node: every message key (the locale
files and each page's own messages) exists in zh-CN and in English, none is
empty, and every literal key the sources use exists. No browser, no build.
"""

import os
import subprocess
import unittest

import harness


class ConsoleLocales(unittest.TestCase):
    def test_both_languages_have_every_key(self):
        script = os.path.join(harness.SOURCE_DIR, "tests", "console", "locales.mjs")
        p = subprocess.run(["node", script, os.path.join(harness.SOURCE_DIR, "console")],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        out = p.stdout.decode("utf-8", "replace")
        print(out)
        self.assertEqual(p.returncode, 0, out)
        self.assertIn("locales ok", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
