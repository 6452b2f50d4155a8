#!/usr/bin/env python3
"""Fault-injecting HTTP/1.1 proxy for S3 client tests (Python stdlib only).

    faultproxy.py LISTEN_PORT UPSTREAM_PORT [CERT KEY]

Listens on 127.0.0.1:LISTEN_PORT, forwards every request unchanged (Host
header included, so SigV4 signatures stay valid) to 127.0.0.1:UPSTREAM_PORT
and streams the answer back.  With CERT and KEY it listens with TLS (a
TLS-terminating stand-in in front of the plain-HTTP RGW).  Faults are queued through a control URL that
the proxy answers itself and never forwards:

    curl -X POST 'http://127.0.0.1:LISTEN_PORT/__fault?mode=503&count=2&match=/logs/'

mode:  500            -> 500 InternalError XML, body sent, connection kept
       503            -> 503 SlowDown XML (+ Retry-After: 0)
       reset          -> close the socket before any response byte
       truncate:N     -> real status+headers, N body bytes, then close
       delay:S        -> sleep S seconds, then forward normally
       stall:S        -> real headers, then S seconds of silence, then close
count: how many matching requests get the fault (default 1)
match: substring of the request path+query that selects requests (default all)

GET /__fault returns the queue and a counter of requests seen; DELETE clears.
"""
import http.server
import json
import socket
import sys
import threading
import time
import urllib.parse

import standin

UPSTREAM = ("127.0.0.1", int(sys.argv[2]))
LOCK = threading.Lock()
QUEUE = []          # list of dicts: mode, count, match
SEEN = {"requests": 0, "faults": 0}

XML = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
       '<Message>%s</Message><RequestId>FAULTPROXY</RequestId></Error>')


def take_fault(path):
    with LOCK:
        SEEN["requests"] += 1
        for f in QUEUE:
            if f["match"] in path:
                f["count"] -= 1
                if f["count"] <= 0:
                    QUEUE.remove(f)
                SEEN["faults"] += 1
                return f["mode"]
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):   # quiet
        pass

    def control(self):
        q = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        with LOCK:
            if self.command == "POST":
                QUEUE.append({"mode": q.get("mode", ["500"])[0],
                              "count": int(q.get("count", ["1"])[0]),
                              "match": q.get("match", [""])[0]})
            elif self.command == "DELETE":
                QUEUE.clear()
            body = json.dumps({"queue": QUEUE, **SEEN}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error_xml(self, status, code, msg):
        body = (XML % (code, msg)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        if status == 503:
            self.send_header("Retry-After", "0")
        self.end_headers()
        self.wfile.write(body)

    def relay(self):
        if self.path.startswith("/__fault"):
            return self.control()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        mode = take_fault(self.path)
        if mode == "reset":
            # RST instead of FIN: SO_LINGER with timeout 0
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       b"\x01\x00\x00\x00\x00\x00\x00\x00")
            self.close_connection = True
            self.connection.close()
            return
        if mode == "500":
            return self.error_xml(500, "InternalError",
                                  "We encountered an internal error. Please try again.")
        if mode == "503":
            return self.error_xml(503, "SlowDown", "Please reduce your request rate.")
        if mode and mode.startswith("delay:"):
            time.sleep(float(mode.split(":")[1]))
        up, r = standin.forward(UPSTREAM, self.command, self.path,
                                [(k, v) for k, v in self.headers.items()
                                 if k.lower() not in standin.HOP], body)
        standin.relay_head(self, r)
        limit = None
        if mode and mode.startswith("truncate:"):
            limit = int(mode.split(":")[1])
            self.send_header("Connection", "close")
        self.end_headers()
        if mode and mode.startswith("stall:"):
            self.wfile.flush()
            time.sleep(float(mode.split(":")[1]))
            self.close_connection = True
            up.close()
            return
        standin.relay_body(self, r, limit)
        up.close()

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = relay


if __name__ == "__main__":
    standin.serve(Handler, int(sys.argv[1]),
                  tls=sys.argv[3:5] if len(sys.argv) > 4 else None)
