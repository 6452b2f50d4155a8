#!/usr/bin/env python3
"""A stand-in S3 server that misbehaves on purpose (Python stdlib only).

    s3hostile.py PORT

Listens on 127.0.0.1:PORT and answers path-style requests by bucket name,
without checking signatures:

    /loop/...   every listing page says IsTruncated=true with the same
                NextContinuationToken, forever
    /huge/...   a well-formed listing page of 200 MB, generated as it is
                sent (the server holds 1 MB at a time)
    /deep/...   a listing page of elements nested 1,000,000 deep (3 MB)
    /doctype/...a listing page with a DOCTYPE that defines entities
    anything else: 404 NoSuchBucket

GET /__count answers the number of listing requests served.
"""
import http.server
import sys
import threading

import standin

HUGE = 200 * 1024 * 1024
LOCK = threading.Lock()
COUNT = [0]

HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult '
        'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>%s</Name>'
        '<IsTruncated>%s</IsTruncated>%s')
TAIL = '</ListBucketResult>'
ENTRY = ('<Contents><Key>k%010d</Key><Size>1</Size>'
         '<ETag>&quot;0cc175b9c0f1b6a831c399e269772661&quot;</ETag></Contents>')


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, body, length=None):
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        if isinstance(body, bytes):
            self.wfile.write(body)

    def do_GET(self):
        if self.path == "/__count":
            with LOCK:
                return self.answer(200, str(COUNT[0]).encode())
        bucket = self.path.lstrip("/").split("/")[0].split("?")[0]
        with LOCK:
            COUNT[0] += 1
        if bucket == "loop":
            body = (HEAD % (bucket, "true", "<NextContinuationToken>same-token"
                            "</NextContinuationToken>") + ENTRY % 1 + TAIL)
            return self.answer(200, body.encode())
        if bucket == "huge":
            head = (HEAD % (bucket, "false", "")).encode()
            tail = TAIL.encode()
            n = (HUGE - len(head) - len(tail)) // len(ENTRY % 0)
            self.answer(200, None, len(head) + n * len(ENTRY % 0) + len(tail))
            try:
                self.wfile.write(head)
                i = 0
                while i < n:
                    k = min(n - i, 8192)
                    self.wfile.write("".join(ENTRY % j for j in range(i, i + k)).encode())
                    i += k
                self.wfile.write(tail)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True
            return
        if bucket == "deep":
            body = (HEAD % (bucket, "false", "") + "<a>" * 1000000 +
                    "</a>" * 1000000 + TAIL)
            return self.answer(200, body.encode())
        if bucket == "doctype":
            body = ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaa">'
                    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                    '<ListBucketResult><IsTruncated>false</IsTruncated>'
                    '<Contents><Key>&b;</Key></Contents></ListBucketResult>')
            return self.answer(200, body.encode())
        self.answer(404, b'<?xml version="1.0"?><Error><Code>NoSuchBucket</Code>'
                    b'<Message>no</Message></Error>')

    do_HEAD = do_PUT = do_POST = do_DELETE = do_GET


if __name__ == "__main__":
    standin.serve(Handler, int(sys.argv[1]))
