#!/usr/bin/env python3
"""big-pii.py FILE — the 64 KiB JSON body of the rampart-mask bench (bench/run.sh,
bench/front-instructions.sh): citizen records, each a valid resident ID number
(GB 11643 check digit) and a mobile number as strings, padded to exactly 65536 bytes."""
import sys

W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def rid(d17):
    return d17 + "10X98765432"[sum(int(c) * w for c, w in zip(d17, W)) % 11]


def doc(items, pad=""):
    return ('{"total":%d,"pad":"%s","items":[%s]}' % (len(items), pad, ",".join(items))).encode()


items, i = [], 0
while True:
    item = ('{"id":%d,"idNumber":"%s","phone":"139%08d","district":"北京市朝阳区"}'
            % (i + 1, rid("1101051985%02d%02d%03d" % (1 + i % 12, 1 + i % 28, i % 1000)), i))
    if len(doc(items + [item])) > 65536 - 16:
        break
    items.append(item)
    i += 1
data = doc(items, " " * (65536 - len(doc(items))))
assert len(data) == 65536, len(data)
open(sys.argv[1], "wb").write(data)
