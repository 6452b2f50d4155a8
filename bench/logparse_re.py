#!/usr/bin/env python3
"""logparse_re.py: the simple Python `re` peer of logparse, for bench/logparse.sh.

usage: logparse_re.py [-H] [file ...]

One anchored regular expression per line, the way most published S3 log
parsers work, writing the same 29 COPY text columns as logparse(1):
line_hash (XXH3-128 through libxxhash, since the Python binding is not
installed here), ISO time, \\N for - and "-", COPY escaping, field 28 and
later in extra.  Quoted fields are "[^"]*" (no inner quotes), as in the
simple baselines; lines that do not match are counted and skipped.
Nothing here is tuned beyond what a careful script would do: compiled
pattern, bytes throughout, one buffered write per row.
"""
import ctypes
import re
import sys


class H128(ctypes.Structure):
    _fields_ = [("low64", ctypes.c_uint64), ("high64", ctypes.c_uint64)]


_xxh = ctypes.CDLL("libxxhash.so.0")
_xxh.XXH3_128bits.restype = H128
_xxh.XXH3_128bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]

LINE = re.compile(
    rb'(\S+) +(\S+) +\[(\d\d)/(\w\w\w)/(\d\d\d\d):(\d\d:\d\d:\d\d) \+0000\] +'
    rb'(\S+) +(\S+) +(\S+) +(\S+) +(\S+) +("[^"]*"|-) +(\d{3}|-) +(\S+) +'
    rb'(\d+|-) +(\d+|-) +(\d+|-) +(\d+|-) +("[^"]*"|-) +("[^"]*"|-) +(\S+)'
    rb'(?: +(\S+))?(?: +(\S+))?(?: +(\S+))?(?: +(\S+))?(?: +(\S+))?'
    rb'(?: +(\S+))?(?: +(\S+))?(?: +(\S+))?(?: +(\S+))?(?: +(.*?))? *$')
MONTHS = {m.encode(): b"%02d" % (i + 1) for i, m in enumerate(
    "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split())}
NULL = b"\\N"
COLUMNS = ("line_hash bucket_owner bucket time remote_ip requester request_id "
           "operation key request_uri http_status error_code bytes_sent "
           "object_size total_time turnaround_time referer user_agent "
           "version_id host_id signature_version cipher_suite auth_type "
           "host_header tls_version access_point_arn acl_required "
           "source_region extra").split()


def value(v):
    if v is None or v == b"-" or v == b'"-"' or v == b'""':
        return NULL
    if v[:1] == b'"':
        v = v[1:-1]
    if b"\\" in v:
        v = v.replace(b"\\", b"\\\\")
    if b"\t" in v:
        v = v.replace(b"\t", b"\\t")
    if b"\r" in v:
        v = v.replace(b"\r", b"\\r")
    return v


def main():
    out = sys.stdout.buffer
    bad = 0
    args = sys.argv[1:]
    if args[:1] == ["-H"]:
        out.write("\t".join(COLUMNS).encode() + b"\n")
        args = args[1:]
    for name in args or ["-"]:
        f = sys.stdin.buffer if name == "-" else open(name, "rb")
        for line in f:
            line = line.rstrip(b"\n")
            if line.endswith(b"\r"):
                line = line[:-1]
            m = LINE.match(line)
            if m is None:
                bad += 1
                continue
            g = m.groups()
            h = _xxh.XXH3_128bits(line, len(line))
            t = b"%s-%s-%sT%sZ" % (g[4], MONTHS[g[3]], g[2], g[5])
            cols = [b"%016x%016x" % (h.high64, h.low64), value(g[0]),
                    value(g[1]), t]
            cols.extend(value(v) for v in g[6:])
            out.write(b"\t".join(cols) + b"\n")
    if bad:
        sys.stderr.write("logparse_re: %d lines did not match\n" % bad)


main()
