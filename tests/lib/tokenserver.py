#!/usr/bin/env python3
"""tokenserver.py - a Docker registry token server for the test world (tests/lib/registry.sh).

Implements the distribution token flow: GET /token?service=S&scope=repository:NAME:ACTIONS
(scope may repeat), anonymous or with HTTP Basic credentials, answers
{"token", "access_token", "expires_in", "issued_at"} with an RS256 JWT whose header
carries the signing certificate (x5c), so the registry's auth.token.rootcertbundle
(that certificate) trusts it.

Policy:
  anonymous      pull on every repository except those under --private
  a user         pull and push (and delete) everywhere, registry:catalog:*
  bad password   401 with a Basic challenge

  tokenserver.py --port-file F --tls-cert C --tls-key K --sign-cert SC --sign-key SK
                 --issuer I --service S --users FILE [--private PREFIX] [--log FILE]
FILE holds user:password lines. The port (bound on 127.0.0.1, chosen by the kernel) is
written to --port-file once the server listens.
"""
import argparse
import base64
import http.server
import json
import os
import ssl
import sys
import time
import urllib.parse
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def main():
    ap = argparse.ArgumentParser()
    for a in ("port-file", "tls-cert", "tls-key", "sign-cert", "sign-key", "issuer", "service", "users"):
        ap.add_argument("--" + a, required=True)
    ap.add_argument("--private", default="private/")
    ap.add_argument("--log", default=None)
    ap.add_argument("--ttl", type=int, default=300)
    o = ap.parse_args()

    with open(o.sign_key, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    with open(o.sign_cert, "rb") as f:
        cert = x509.load_pem_x509_certificate(f.read())
    x5c = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    users = {}
    with open(o.users) as f:
        for line in f:
            line = line.strip()
            if ":" in line:
                u, p = line.split(":", 1)
                users[u] = p
    logf = open(o.log, "a", buffering=1) if o.log else sys.stderr

    def sign(claims):
        header = {"typ": "JWT", "alg": "RS256", "x5c": [x5c]}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        sig = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + b64url(sig)

    def grant(user, scope):
        # scope: TYPE:NAME:ACTIONS, NAME may hold ':' (a host:port) so split at both ends.
        parts = scope.split(":")
        if len(parts) < 3:
            return None
        typ, name, actions = parts[0], ":".join(parts[1:-1]), parts[-1].split(",")
        if typ == "repository":
            if user:
                allowed = {"pull", "push", "delete", "*"}
            elif name.startswith(o.private):
                allowed = set()
            else:
                allowed = {"pull"}
        elif typ == "registry" and name == "catalog":
            allowed = {"*"} if user else set()
        else:
            allowed = set()
        got = [a for a in actions if a in allowed]
        return {"type": typ, "name": name, "actions": got}

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            logf.write("%s %s\n" % (time.strftime("%H:%M:%S"), fmt % args))

        def reply(self, code, obj, extra=()):
            body = json.dumps(obj).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in extra:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            u = urllib.parse.urlsplit(self.path)
            if u.path != "/token":
                return self.reply(404, {"errors": [{"code": "NOT_FOUND", "message": "no such path"}]})
            q = urllib.parse.parse_qs(u.query)
            service = q.get("service", [o.service])[0]
            if service != o.service:
                return self.reply(400, {"errors": [{"code": "UNSUPPORTED", "message": "unknown service " + service}]})
            user = None
            auth = self.headers.get("Authorization", "")
            if auth:
                try:
                    kind, val = auth.split(" ", 1)
                    assert kind.lower() == "basic"
                    name, pw = base64.b64decode(val.strip()).decode().split(":", 1)
                except Exception:
                    return self.reply(400, {"errors": [{"code": "UNAUTHORIZED", "message": "bad Authorization header"}]})
                if users.get(name) != pw:
                    logf.write("denied %s\n" % name)
                    return self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "wrong user name or password"}]},
                                      [("WWW-Authenticate", 'Basic realm="cbox-test"')])
                user = name
            access = []
            for s in q.get("scope", []):
                for one in s.split(" "):
                    g = grant(user, one)
                    if g:
                        access.append(g)
            now = int(time.time())
            claims = {"iss": o.issuer, "sub": user or "", "aud": o.service, "exp": now + o.ttl,
                      "nbf": now - 10, "iat": now, "jti": uuid.uuid4().hex, "access": access}
            tok = sign(claims)
            logf.write("token user=%s access=%s\n" % (user or "-", json.dumps(access)))
            self.reply(200, {"token": tok, "access_token": tok, "expires_in": o.ttl,
                             "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))})

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(o.tls_cert, o.tls_key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = o.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, o.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
