#!/usr/bin/env python3
"""gen2tsv.py: S3 access log lines on stdin -> contract-1 COPY text on stdout.

A stand-in for cmd/logparse used by bench/pgload.sh and tests while
logparse is being written.  line_hash is MD5 (not XXH3-128) of the line:
good enough to dedupe synthetic data, not the contract's hash.
"""
import calendar
import hashlib
import sys
import time

MON = {m: i + 1 for i, m in enumerate(
    "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}


def fields(line):
    out, i, n = [], 0, len(line)
    while i < n:
        if line[i] == " ":
            i += 1
            continue
        if line[i] == "[":
            j = line.index("]", i)
            out.append(line[i + 1:j])
            i = j + 1
        elif line[i] == '"':
            j = i + 1
            while True:
                j = line.index('"', j)
                if j + 1 >= n or line[j + 1] == " ":
                    break
                j += 1
            out.append(line[i + 1:j])
            i = j + 1
        else:
            j = line.find(" ", i)
            if j < 0:
                j = n
            out.append(line[i:j])
            i = j
    return out


def esc(v):
    if v in ("-", ""):
        return r"\N"
    return (v.replace("\\", "\\\\").replace("\t", "\\t")
            .replace("\n", "\\n").replace("\r", "\\r"))


def main():
    w = sys.stdout.write
    for raw in sys.stdin.buffer:
        raw = raw.rstrip(b"\n")
        line = raw.decode("utf-8", "replace")
        f = fields(line)
        t = f[2]  # 05/Jan/2024:02:56:06 +0000
        d, mon, rest = t.split("/")
        y, hh, mm, ss = rest.split(" ")[0].split(":")
        iso = "%s-%02d-%sT%s:%s:%sZ" % (y, MON[mon], d, hh, mm, ss)
        cols = f[:2] + [iso] + f[3:]
        extra = cols[28:]
        cols = cols[:28] + [" ".join(extra)] if extra else cols[:28]
        cols += ["-"] * (28 - len(cols))
        h = hashlib.md5(raw).hexdigest()
        w(h + "\t" + "\t".join(esc(c) for c in cols) + "\n")


main()
