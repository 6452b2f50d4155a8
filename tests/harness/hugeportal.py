#!/usr/bin/env python3
"""hugeportal.py: an ENCODE /search/ stand-in that misbehaves on purpose,
for encodefetch(1) tests and the worst-case measurements in its NOTE.
Python stdlib only; binds 127.0.0.1 only.

    hugeportal.py --port-file F [--string BYTES] [--number DIGITS]
                  [--trickle SECONDS] [--log F]

Every /search/ request (any type) is answered HTTP 200 with one Lab hit
streamed in 64 KiB pieces (no Content-Length, HTTP/1.0):

  --string BYTES   the hit's "title" is a string of BYTES 'a's, generated
                   piece by piece (never held whole), so a 1 GB string
                   costs this server nothing;
  --number DIGITS  the hit's "title" is instead a number of DIGITS '1's;
  --trickle S      after the first piece, one byte every S seconds, for
                   ever: the stream never stalls, it just never ends.

The body is otherwise valid: {"@graph": [{...}], "total": 1}.
"""
import argparse
import sys
import time
import http.server

import standin

PIECE = 65536
OPTS = None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.0'

    def do_GET(self):
        if OPTS.log:
            with open(OPTS.log, 'a') as f:
                f.write('200 %s\n' % self.path)
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.end_headers()
        w = self.wfile
        try:
            w.write(b'{"@graph": [{"@id": "/labs/huge/", "@type": ["Lab", "Item"], '
                    b'"name": "huge", "title": ')
            if OPTS.trickle:
                w.write(b'"')
                w.flush()
                while True:
                    time.sleep(OPTS.trickle)
                    w.write(b'a')
                    w.flush()
            if OPTS.number:
                left, ch, end = OPTS.number, b'1', b''
            else:
                left, ch, end = OPTS.string, b'a', b'"'
                w.write(b'"')
            block = ch * PIECE
            while left > 0:
                n = min(left, PIECE)
                w.write(block[:n])
                left -= n
            w.write(end + b', "status": "current"}], "total": 1}')
            w.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, fmt, *args):
        pass


def main():
    global OPTS
    ap = argparse.ArgumentParser()
    ap.add_argument('--port-file', required=True)
    ap.add_argument('--log')
    ap.add_argument('--string', type=int, default=16)
    ap.add_argument('--number', type=int, default=0)
    ap.add_argument('--trickle', type=float, default=0)
    OPTS = ap.parse_args()
    standin.serve(Handler, 0, OPTS.port_file)


if __name__ == '__main__':
    sys.exit(main())
