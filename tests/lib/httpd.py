#!/usr/bin/env python3
"""tests/lib/httpd.py - the HTTP(S) server the http tests talk to, on 127.0.0.1 only.

    httpd.py PORTFILE [--tls CERT KEY] [--proxy]

Binds a free port, writes it to PORTFILE, serves until killed. Routes:
    /hello             "hello world\\n" with Content-Length (Range: bytes=N- gives 206)
    /chunked           a chunked body with a trailer
    /big?n=N           N bytes of a counting pattern (i % 251)
    /close             a body ended by closing the connection
    /continue          a 100 Continue before the real response
    /headers           the request headers, lower-cased, one "name: value" a line
    /conns             how many connections the server has accepted
    /redirect?to=URL&code=N    an N (302) redirect to URL
    /slow?ms=N         answers after N ms
    /drop-next         answers, then closes the connection on the next request unanswered
    anything else      404 with a short body
With --proxy it is a forward proxy instead: CONNECT host:port tunnels to 127.0.0.1:port
(whatever the host), an absolute-form request is answered "proxied URL", and /log (asked
directly) lists what it saw.
"""
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

conns = 0
log = []
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    drop_next = False

    def log_message(self, *args):
        pass

    def send(self, code, body, headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        if body is not None:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body is not None and self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        self.send(200, b"got " + body)

    def do_CONNECT(self):
        with lock:
            log.append("CONNECT %s auth=%s" % (self.path, self.headers.get("Proxy-Authorization", "-")))
        port = int(self.path.rsplit(":", 1)[1])
        up = socket.create_connection(("127.0.0.1", port))
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        cl = self.connection

        def pump(a, b):
            try:
                while True:
                    d = a.recv(65536)
                    if not d:
                        break
                    b.sendall(d)
            except OSError:
                pass
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        t = threading.Thread(target=pump, args=(up, cl), daemon=True)
        t.start()
        pump(cl, up)
        t.join()
        self.close_connection = True

    def do_GET(self):
        if self.drop_next:
            self.close_connection = True
            return
        if self.server.proxy:
            if self.path.startswith("http://"):
                with lock:
                    log.append("GET %s auth=%s" % (self.path, self.headers.get("Proxy-Authorization", "-")))
                return self.send(200, ("proxied " + self.path).encode())
            if self.path == "/log":
                with lock:
                    return self.send(200, "".join(l + "\n" for l in log).encode())
            return self.send(404, b"not a proxy request\n")
        u = urlsplit(self.path)
        q = parse_qs(u.query)
        hello = b"hello world\n"
        if u.path == "/hello":
            rng = self.headers.get("Range", "")
            if rng.startswith("bytes=") and rng.endswith("-"):
                start = int(rng[6:-1])
                return self.send(206, hello[start:], [("Content-Range", "bytes %d-%d/%d" % (start, len(hello) - 1, len(hello)))])
            return self.send(200, hello)
        if u.path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Trailer", "X-Sum")
            self.end_headers()
            if self.command == "HEAD":
                return
            for part in (b"one ", b"two three ", b"x" * 5000, b" end\n"):
                self.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\nX-Sum: 42\r\n\r\n")
            return
        if u.path == "/big":
            n = int(q.get("n", ["1000000"])[0])
            return self.send(200, bytes(i % 251 for i in range(n)))
        if u.path == "/close":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"until the end\n")
            self.close_connection = True
            return
        if u.path == "/continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            return self.send(200, b"after continue\n")
        if u.path == "/headers":
            body = "".join("%s: %s\n" % (k.lower(), v) for k, v in self.headers.items())
            return self.send(200, body.encode())
        if u.path == "/conns":
            with lock:
                return self.send(200, str(conns).encode())
        if u.path == "/redirect":
            code = int(q.get("code", ["302"])[0])
            return self.send(code, b"moved\n", [("Location", q["to"][0])])
        if u.path == "/slow":
            time.sleep(int(q.get("ms", ["2000"])[0]) / 1000)
            return self.send(200, b"slow\n")
        if u.path == "/drop-next":
            self.send(200, b"ok\n")
            self.drop_next = True
            return
        self.send(404, b"not found\n")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    tls = None
    proxy = False

    def finish_request(self, request, client_address):
        global conns
        with lock:
            conns += 1
        if self.tls:
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return  # the client refused our certificate: that is a test passing
        self.RequestHandlerClass(request, client_address, self)


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    args = sys.argv[2:]
    if args[:1] == ["--tls"]:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args[1], args[2])
        srv.tls = ctx
        args = args[3:]
    if args[:1] == ["--proxy"]:
        srv.proxy = True
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(sys.argv[1] + ".tmp", sys.argv[1])
    srv.serve_forever()


main()
