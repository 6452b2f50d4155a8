#!/usr/bin/env python3
"""A stand-in S3 server whose ListObjectsV2 answers misbehave on purpose.

    badlist.py PORT MODE

Listens on 127.0.0.1:PORT and answers every GET with one page of a
ListBucketResult (encoding-type url), whatever the signature:

  stuck    IsTruncated=true with the key logs/a and the continuation token
           "same-token-forever", on every page, forever
  cycle    IsTruncated=true, tokens t1, t2, t1, t2, ..., the same two keys
  outside  one key, "x", that is shorter than (and outside) any prefix

GET /__count returns how many listing requests were answered.
"""
import http.server
import sys
import urllib.parse

MODE = sys.argv[2]
COUNT = [0]


def page(keys, token):
    c = "".join("<Contents><Key>%s</Key><LastModified>2024-01-01T00:00:00.000Z"
                "</LastModified><ETag>&quot;x&quot;</ETag><Size>1</Size></Contents>"
                % k for k in keys)
    t = ("<IsTruncated>true</IsTruncated><NextContinuationToken>%s"
         "</NextContinuationToken>" % token) if token else "<IsTruncated>false</IsTruncated>"
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult>'
            "<Name>b</Name><Prefix></Prefix><KeyCount>%d</KeyCount>"
            "<MaxKeys>1000</MaxKeys><EncodingType>url</EncodingType>%s%s"
            "</ListBucketResult>" % (len(keys), t, c)).encode()


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        if u.path == "/__count":
            body = b"%d\n" % COUNT[0]
        else:
            COUNT[0] += 1
            q = urllib.parse.parse_qs(u.query)
            tok = q.get("continuation-token", [""])[0]
            if MODE == "stuck":
                body = page(["logs/a"], "same-token-forever")
            elif MODE == "cycle":
                body = page(["logs/b"] if tok == "t1" else ["logs/a"],
                            "t2" if tok == "t1" else "t1")
            else:
                body = page(["x"], None)
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
