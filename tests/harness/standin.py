"""standin.py: what the stand-in servers in tests/harness share (Python
stdlib only).  The scripts run from this directory, so `import standin`
finds it.

    serve(Handler, port, port_file=None, tls=None)
        listen on 127.0.0.1 only, announce the port, serve until killed;
    forward(), relay_head(), relay_body()
        for the proxies in front of RGW (fakeaws.py, faultproxy.py).
"""
import http.client
import http.server
import os

# Hop-by-hop headers: a proxy neither forwards nor relays them.
HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer",
       "upgrade", "transfer-encoding"}


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def serve(handler, port=0, port_file=None, tls=None):
    """Serve handler on 127.0.0.1:port (0: any free port) until killed.
    With port_file the port is written there once listening, by a rename,
    so that a test polling for the file never reads half of it.  tls is
    (certfile, keyfile) to listen with TLS."""
    srv = Server(("127.0.0.1", port), handler)
    if tls:
        import ssl
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*tls)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    if port_file:
        tmp = port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(tmp, port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


def forward(upstream, method, path, headers, body):
    """Send one request to upstream (host, port) with exactly the headers
    given (name, value pairs: Host included, so signatures stay valid).
    Returns the connection, for the caller to close, and the response."""
    up = http.client.HTTPConnection(*upstream, timeout=60)
    up.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for k, v in headers:
        up.putheader(k, v)
    up.endheaders(body)
    return up, up.getresponse()


def relay_head(h, r):
    """Send the status line and end-to-end headers of the upstream answer
    r through handler h; h ends the headers itself (it may add some).  A
    chunked answer is sent on unchunked, delimited by closing."""
    h.send_response_only(r.status, r.reason)
    for k, v in r.getheaders():
        if k.lower() not in HOP:
            h.send_header(k, v)
    if r.getheader("Transfer-Encoding") and r.getheader("Content-Length") is None:
        h.send_header("Connection", "close")
        h.close_connection = True


def relay_body(h, r, limit=None):
    """Stream the body of r to h's client (none for HEAD); with limit, only
    its first limit bytes, then the connection closes."""
    sent = 0
    while h.command != "HEAD":
        chunk = r.read(65536)
        if not chunk:
            break
        if limit is not None and sent + len(chunk) >= limit:
            h.wfile.write(chunk[:limit - sent])
            h.wfile.flush()
            h.close_connection = True
            break
        h.wfile.write(chunk)
        sent += len(chunk)
