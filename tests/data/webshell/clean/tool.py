#!/usr/bin/env python3
"""A maintenance script: compresses yesterday's logs."""
import datetime
import subprocess

day = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
subprocess.run(["gzip", "-9", "/var/log/app/app-%s.log" % day], check=False)
