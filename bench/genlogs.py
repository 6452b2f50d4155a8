#!/usr/bin/env python3
"""genlogs.py: deterministic synthetic S3 server access log lines.

    genlogs.py [-n LINES] [-s SEED] [--days D] [--start YYYY-MM-DD]
               [--keys K] [--clients C] [--bucket B] [--burst M] [--keys-file F]
               [--objects N --dir DIR]

Writes LINES lines (default 1000) to stdout, or, with --objects N --dir DIR,
spreads them over N log objects named the way S3 names them
(DIR/YYYY-mm-DD-HH-MM-SS-XXXXXXXXXXXXXXXX), ready to upload.  The same seed
gives the same bytes.  The lines look like an ENCODE-style public bucket:
mostly REST.GET.OBJECT (200 and ranged 206) of a few thousand keys, with
HEADs, 403/404 errors, listing, IPv4 and some IPv6 clients, 24- to 27-field
records and user agents with spaces and quotes.  Average length is about
580 bytes, so 1M lines is about 580 MB.

--keys-file F takes the most popular keys from F, one "KEY<TAB>SIZE" a line
(for example the S3 keys of the fixture portal's files, so that a demo's
logs join to ENCODE metadata); the rest are generated.

--burst M (default 1) groups consecutive requests into sessions of one
client and one key with a mean length of M requests, as genome browsers and
ranged downloaders produce (many 206 ranges of one file); with the default
every request picks its key and client independently, the worst case for
per-(day, file, client) rollups.
"""
import argparse
import datetime
import os
import random
import sys

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
UAS = [
    '"aws-cli/1.18.69 Python/3.6.9 Linux/4.15.0-1065-aws botocore/1.17.52"',
    '"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"',
    '"curl/7.68.0"',
    '"Wget/1.20.3 (linux-gnu)"',
    '"python-requests/2.31.0"',
    '"igv/2.16.2 Java/17.0.8 (Linux amd64)"',
    '"UCSC Browser 2024 genome.ucsc.edu"',
    '"Boto3/1.26.0 Python/3.10.12 Linux/5.15.0 Botocore/1.29.0 Resource"',
    '"pip/23.2.1 {"ci":null,"cpu":"x86_64","implementation":{"name":"CPython"}}"',
    '"aws-sdk-java/1.12.261 Linux/5.10 OpenJDK_64-Bit_Server_VM/25.342-b07 java/1.8.0_342 vendor/Oracle_Corporation cfg/retry-mode/standard"',
]
EXTS = ["bam", "bigWig", "bed.gz", "fastq.gz", "bigBed", "tsv", "hic", "vcf.gz"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", "--lines", type=int, default=1000)
    ap.add_argument("-s", "--seed", type=int, default=1)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--start", default="2024-01-01")
    ap.add_argument("--keys", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=5000)
    ap.add_argument("--bucket", default="encode-public")
    ap.add_argument("--objects", type=int, default=0)
    ap.add_argument("--dir")
    ap.add_argument("--burst", type=float, default=1.0)
    ap.add_argument("--keys-file")
    a = ap.parse_args()

    rnd = random.Random(a.seed)
    hexd = "0123456789abcdef"
    owner = "".join(rnd.choice(hexd) for _ in range(64))
    start = datetime.datetime.strptime(a.start, "%Y-%m-%d")
    span = a.days * 86400

    keys = []
    for i in range(a.keys):
        d = start - datetime.timedelta(days=rnd.randrange(2000))
        uuid = "%08x-%04x-%04x-%04x-%012x" % (rnd.getrandbits(32), rnd.getrandbits(16),
                                              rnd.getrandbits(16), rnd.getrandbits(16),
                                              rnd.getrandbits(48))
        acc = "ENCFF%03d%s" % (i % 1000, "".join(rnd.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(3)))
        keys.append(("%04d/%02d/%02d/%s/%s.%s" % (d.year, d.month, d.day, uuid, acc, rnd.choice(EXTS)),
                     rnd.randrange(10_000, 20_000_000_000)))
    if a.keys_file:
        with open(a.keys_file) as fh:
            given = [l.rstrip("\n").split("\t") for l in fh if l.strip()]
        keys[:len(given)] = [(k, int(sz)) for k, sz in given]
    clients = []
    for i in range(a.clients):
        if rnd.random() < 0.05:
            clients.append("2001:db8:%x:%x::%x" % (rnd.getrandbits(16), rnd.getrandbits(16), rnd.getrandbits(16)))
        else:
            clients.append("%d.%d.%d.%d" % (rnd.randrange(1, 224), rnd.randrange(256), rnd.randrange(256), rnd.randrange(1, 255)))
    # Zipf-ish popularity: a few keys and clients get most requests.
    kw = [1.0 / (i + 1) for i in range(len(keys))]
    cw = [1.0 / (i + 1) ** 0.7 for i in range(len(clients))]
    kidx = rnd.choices(range(len(keys)), weights=kw, k=min(a.lines, 200000) or 1)
    cidx = rnd.choices(range(len(clients)), weights=cw, k=min(a.lines, 200000) or 1)
    b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    reqchars = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

    times = sorted(rnd.randrange(span) for _ in range(a.lines))
    # Session number of each line (the line number itself without --burst,
    # which keeps the default output what it always was).
    if a.burst > 1:
        brnd = random.Random(a.seed + 1)
        sess, s = [], 0
        for i in range(a.lines):
            if i and brnd.random() < 1.0 / a.burst:
                s += 1
            sess.append(s)
    else:
        sess = None

    def line(i):
        t = start + datetime.timedelta(seconds=times[i])
        ts = "[%02d/%s/%04d:%02d:%02d:%02d +0000]" % (t.day, MONTHS[t.month - 1], t.year, t.hour, t.minute, t.second)
        j = sess[i] if sess else i
        key, size = keys[kidx[j % len(kidx)]]
        ip = clients[cidx[(j * 7) % len(cidx)]]
        reqid = "".join(rnd.choice(reqchars) for _ in range(16))
        # x-amz-id-2 is base64 of 56 random bytes: 76 characters, the
        # last '=' and the one before it a multiple of 4 (its spare bits
        # zero).  As many draws as before, so the other fields are as they were.
        h = [rnd.choice(b64) for _ in range(76)]
        hostid = "".join(h[:74]) + b64[b64.index(h[74]) & ~3] + "="
        ua = UAS[(i * 13 + len(ip)) % len(UAS)]
        r = rnd.random()
        requester = "-"
        if r < 0.55:
            op, st, err = "REST.GET.OBJECT", "200", "-"
            sent = str(size)
            uri = '"GET /%s/%s HTTP/1.1"' % (a.bucket, key)
        elif r < 0.80:
            op, st, err = "REST.GET.OBJECT", "206", "-"
            sent = str(rnd.randrange(1, min(size, 4_000_000)))
            uri = '"GET /%s/%s HTTP/1.1"' % (a.bucket, key)
        elif r < 0.88:
            op, st, err, sent = "REST.HEAD.OBJECT", "200", "-", "-"
            uri = '"HEAD /%s HTTP/1.1"' % key
        elif r < 0.93:
            op, st, err, sent = "REST.GET.OBJECT", "403", "AccessDenied", "243"
            uri = '"GET /%s?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600 HTTP/1.1"' % key
            requester = "arn:aws:iam::123456789012:user/encode-%d" % (i % 7)
        elif r < 0.97:
            op, st, err, sent, size = "REST.GET.OBJECT", "404", "NoSuchKey", "311", None
            key = key.rsplit(".", 1)[0] + ".missing"
            uri = '"GET /%s/%s HTTP/1.1"' % (a.bucket, key)
        else:
            op, st, err, sent, size = "REST.GET.BUCKET", "200", "-", str(rnd.randrange(300, 30000)), None
            uri = '"GET /?list-type=2&prefix=%s&delimiter=%%2F HTTP/1.1"' % key[:8].replace("/", "%2F")
            key = "-"
        if rnd.random() < 0.1 and requester == "-":
            requester = "arn:aws:sts::123456789012:assumed-role/ENCODE-Reader/session-%d" % (i % 13)
        tt = str(rnd.randrange(1, 5000))
        ta = "-" if rnd.random() < 0.3 else str(rnd.randrange(1, 200))
        ref = '"-"' if rnd.random() < 0.8 else '"https://www.encodeproject.org/files/%s/"' % key.rsplit("/", 1)[-1]
        f = [owner, a.bucket, ts, ip, requester, reqid, op, key, uri, st, err, sent,
             str(size) if size is not None else "-", tt, ta, ref, ua, "-", hostid,
             "SigV4" if requester != "-" else "-", "ECDHE-RSA-AES128-GCM-SHA256",
             "AuthHeader" if requester != "-" else "-", "%s.s3.amazonaws.com" % a.bucket, "TLSv1.2"]
        nf = (i % 4)
        if nf >= 1:
            f.append("-")
        if nf >= 2:
            f.append("-")
        if nf >= 3:
            f.append("us-west-2")
        return " ".join(f) + "\n"

    if a.objects:
        if not a.dir:
            sys.exit("genlogs.py: --objects needs --dir")
        os.makedirs(a.dir, exist_ok=True)
        per = -(-a.lines // a.objects)
        for o in range(a.objects):
            lo, hi = o * per, min(a.lines, (o + 1) * per)
            if lo >= hi:
                break
            t = start + datetime.timedelta(seconds=times[lo])
            name = "%s-%016X" % (t.strftime("%Y-%m-%d-%H-%M-%S"), rnd.getrandbits(64))
            with open(os.path.join(a.dir, name), "w") as fh:
                fh.write("".join(line(i) for i in range(lo, hi)))
    else:
        out = sys.stdout
        buf = []
        for i in range(a.lines):
            buf.append(line(i))
            if len(buf) >= 10000:
                out.write("".join(buf))
                buf = []
        out.write("".join(buf))


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        os._exit(141)
