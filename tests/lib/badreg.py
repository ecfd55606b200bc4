#!/usr/bin/env python3
"""badreg.py - a misbehaving registry for tests/harden.test and tests/hostreg.test, loopback only.

  badreg.py DIR [CERT KEY]

Listens on 127.0.0.1 (plain http), 127.0.0.2 (plain http, "another host") and, with
CERT and KEY, 127.0.0.1 over TLS; writes the ports to DIR/ports ("plain other tls") once
all listen, and a line per token request to DIR/log: "token auth=yes|no via=LISTENER".

Repositories (GET /v2/REPO/manifests/TAG and blobs):
  same/*     401, Bearer realm on the same host, plain http
  other/*    401, Bearer realm on 127.0.0.2, plain http
  tls/*      401, Bearer realm over https (with TLS)
  slowtok/*  401, Bearer realm whose token body trickles
  slowman    a manifest trickling one byte every 2 s
  slowhead   a response head trickling one byte every 2 s
  slowblob   a valid image whose layer blob trickles after its first half
  badblob    a valid manifest whose layer blob has other, longer content
  evil       an image whose layer has a '../escape' entry, then 4 MB
  the hostile cases of hostreg.test: the HOSTILE table below (one behaviour per
             repository, the first path component); each request is logged to
             DIR/requests as "LISTENER REPO KIND REF auth=yes|no", what a streaming case
             sent as "sent REPO BYTES"
Test tooling only.
"""
import gzip
import hashlib
import http.server
import io
import json
import os
import ssl
import sys
import tarfile
import threading
import time

D = sys.argv[1]
log = open(os.path.join(D, "log"), "a", buffering=1)
ports = {}


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def layer_of(name, data):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        i = tarfile.TarInfo(name)
        i.size = len(data)
        t.addfile(i, io.BytesIO(data))
    return buf.getvalue()


def image(tar):
    """An image of one gzip layer: (manifest, {digest: blob})."""
    layer = gzip.compress(tar, mtime=0)
    config = json.dumps({"architecture": "amd64", "os": "linux",
                         "rootfs": {"type": "layers", "diff_ids": [sha(tar)]},
                         "config": {"Cmd": ["/hello"]}}).encode()
    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                      "digest": sha(config), "size": len(config)},
                           "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                                       "digest": sha(layer), "size": len(layer)}]}).encode()
    return manifest, {sha(config): config, sha(layer): layer}, sha(layer)


manifest, blobs, layer_digest = image(layer_of("hello.txt", os.urandom(64 << 10)))
# Other content, longer than the manifest says: refused while the tar is being read.
other = gzip.compress(layer_of("etc/passwd", os.urandom(1 << 20)), mtime=0)
# A layer the unpacker refuses at its first entry, with 4 MB after it: refused long
# before the blob is all here.
evil_tar = io.BytesIO()
with tarfile.open(fileobj=evil_tar, mode="w") as t:
    i = tarfile.TarInfo("../escape")
    i.size = 4
    t.addfile(i, io.BytesIO(b"evil"))
    i = tarfile.TarInfo("filler")
    i.size = 4 << 20
    t.addfile(i, io.BytesIO(os.urandom(4 << 20)))
evil_manifest, evil_blobs, _ = image(evil_tar.getvalue())
MT = "application/vnd.oci.image.manifest.v1+json"


# ---- hostreg.test: one hostile behaviour per repository ------------------------------
IDX = "application/vnd.oci.image.index.v1+json"
DOCKER_MT = "application/vnd.docker.distribution.manifest.v2+json"
base = json.loads(manifest)
reqlog = open(os.path.join(D, "requests"), "a", buffering=1)


def doc(**change):
    """The valid manifest with some fields changed ("layer"/"config": descriptor fields)."""
    m = json.loads(manifest)
    m["layers"][0].update(change.pop("layer", {}))
    m["config"].update(change.pop("config", {}))
    m.update(change)
    return json.dumps(m).encode()


def index_of(digest, mt=MT):
    return json.dumps({"schemaVersion": 2, "mediaType": IDX, "manifests": [
        {"mediaType": mt, "digest": digest, "size": 1,
         "platform": {"architecture": "amd64", "os": "linux"}},
        {"mediaType": mt, "digest": digest, "size": 1,
         "platform": {"architecture": "arm64", "os": "linux"}}]}).encode()


# Another valid gzip layer, served under the real layer's digest with its own size.
swapped = gzip.compress(layer_of("etc/passwd", os.urandom(64 << 10)), mtime=0)
inner_index = index_of(sha(manifest))  # a second index, named by the first
H_DOCS = {
    "wrongdigest": (doc(layer={"size": len(swapped)}), MT),
    "mtype-ct": (doc(mediaType=DOCKER_MT), MT),
    "mtype-content": (doc(mediaType=IDX), IDX),
    "dig-dotdot": (doc(layer={"digest": "sha256:../../../../sentinel/f"}), MT),
    "dig-config": (doc(config={"digest": "sha256:" + "../" * 21 + "x"}), MT),
    "dig-upper": (doc(layer={"digest": layer_digest.upper().replace("SHA256", "sha256")}), MT),
    "dig-short": (doc(layer={"digest": layer_digest[:-1]}), MT),
    "dig-algo": (doc(layer={"digest": "sha512:" + "ab" * 64}), MT),
    "dig-index": (index_of("sha256:../../blobs/sha256/" + "0" * 48), IDX),
    "index-self": (index_of(sha(b"this index itself"), IDX), IDX),
    "index-nested": (index_of(sha(inner_index), IDX), IDX),
}


def h_stream(h, repo, head, chunk, total=None, chunked=False):
    """Send a status-200 head, then chunk repeatedly (forever when total is None);
    log what went out before the client hung up."""
    h.send_response(200)
    for k, v in head:
        h.send_header(k, v)
    if chunked:
        h.send_header("Transfer-Encoding", "chunked")
    h.end_headers()
    sent = 0
    try:
        while total is None or sent < total:
            c = chunk if total is None else chunk[:total - sent]
            h.wfile.write(b"%x\r\n%s\r\n" % (len(c), c) if chunked else c)
            sent += len(c)
    except OSError:
        pass
    reqlog.write("sent %s %d\n" % (repo, sent))
    h.close_connection = True


def h_lie(h, body, ctype, length):
    """A body whose Content-Length is length, then the connection closes."""
    h.send_response(200)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(length))
    h.end_headers()
    try:
        h.wfile.write(body)
        h.wfile.flush()
    except OSError:
        pass
    h.close_connection = True


def hostile(h, repo, kind, ref):
    """Answer a request for one of the hostile repositories; False: not one of them."""
    P = ports
    lb = blobs[layer_digest]
    if repo in H_DOCS and kind == "manifests":
        if repo == "index-nested" and ref == sha(inner_index):
            return h.send(200, inner_index, IDX)
        return h.send(200, *H_DOCS[repo])
    if repo == "wrongdigest" and kind == "blobs" and ref == layer_digest:
        return h.send(200, swapped)
    if repo == "redirloop":
        return h.send(302, b"", extra=[("Location", h.path)])
    if repo == "downgrade":
        if h.via == "plain":
            return h.send(200, manifest, MT)
        if not h.headers.get("Authorization"):
            return h.send(401, b"", extra=[("WWW-Authenticate", 'Basic realm="badreg"')])
        return h.send(302, b"", extra=[("Location", "http://127.0.0.1:%d%s" % (P["plain"], h.path))])
    if repo == "truncated" and kind == "blobs" and ref == layer_digest:
        return h_lie(h, lb[:len(lb) // 2], "application/octet-stream", len(lb))
    if repo == "endless-manifest" and kind == "manifests":
        return h_stream(h, repo, [("Content-Type", MT)], b" " * 65536, chunked=True)
    if repo == "endless-blob" and kind == "blobs" and ref == layer_digest:
        return h_stream(h, repo, [], lb[:65536] * 2)
    if repo == "bigmanifest" and kind == "manifests":
        return h_stream(h, repo, [("Content-Type", MT), ("Content-Length", str(100 << 20))],
                        b" " * 65536, 100 << 20)
    if repo == "trickle-blob" and kind == "blobs" and ref == layer_digest:
        h.send_response(200)
        h.send_header("Content-Length", str(len(lb)))
        h.end_headers()
        h.wfile.write(lb[:1000])
        return h.trickle(lb[1000:], 0.5)
    if repo == "trickle-manifest" and kind == "manifests":
        h.send_response(200)
        h.send_header("Content-Type", MT)
        h.send_header("Content-Length", str(len(manifest)))
        h.end_headers()
        return h.trickle(manifest, 0.01)  # 100 bytes/s: over the stall floor, past the total limit
    if (repo == "storm-manifest" and kind == "manifests") or (repo == "storm-blob" and ref == layer_digest):
        return h.send(503, b"<html>busy</html>", "text/html")
    if repo == "cl-long" and kind == "blobs" and ref == layer_digest:
        return h_lie(h, lb, "application/octet-stream", len(lb) + 1000)
    if repo == "cl-short" and kind == "blobs" and ref == layer_digest:
        return h_lie(h, lb, "application/octet-stream", len(lb) - 1000)
    if repo == "cl-long-manifest" and kind == "manifests":
        return h_lie(h, manifest, MT, len(manifest) + 1000)
    if repo == "cl-short-manifest" and kind == "manifests":
        return h_lie(h, manifest, MT, len(manifest) - 10)
    realms = {"plainrealm": "http://127.0.0.2:%d/token401" % P.get("other", 0),
              "tokgarbage": "https://127.0.0.1:%d/garbage" % P.get("tls", 0),
              "tokhuge": "https://127.0.0.1:%d/hugetoken" % P.get("tls", 0),
              "tokbomb": "https://127.0.0.1:%d/tokenbomb" % P.get("tls", 0)}
    if repo in realms:
        return h.challenge(realms[repo])
    return False


def hostile_token(h, p):
    """The hostile token endpoints; False: not one of them."""
    if p == "/token401":
        log.write("token auth=%s via=%s\n" % ("yes" if h.headers.get("Authorization") else "no", h.via))
        return h.send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', "application/json")
    bodies = {"/garbage": b'{"token": "t0k", "expires_in": [1, 2,,]} not json',
              "/hugetoken": json.dumps({"token": "A" * (64 << 10)}).encode(),
              "/tokenbomb": b'{"token": "' + b"A" * (2 << 20) + b'"}'}
    if p in bodies:
        return h.send(200, bodies[p], "application/json")
    return False



class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    via = "plain"

    def send(self, code, body, ctype="application/octet-stream", extra=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def trickle(self, data, every=2.0):
        try:
            for i in range(len(data)):
                self.wfile.write(data[i:i + 1])
                self.wfile.flush()
                time.sleep(every)
        except OSError:
            pass
        self.close_connection = True

    def challenge(self, realm):
        self.send(401, b'{"errors":[{"code":"UNAUTHORIZED"}]}', "application/json",
                  [("WWW-Authenticate", 'Bearer realm="%s",service="badreg"' % realm)])

    def realms(self):
        return {"same": "http://127.0.0.1:%d/token" % ports.get("plain", 0),
                "other": "http://127.0.0.2:%d/token" % ports.get("other", 0),
                "tls": "https://127.0.0.1:%d/token" % ports.get("tls", 0),
                "slowtok": "http://127.0.0.1:%d/slowtoken" % ports.get("plain", 0)}

    def do_HEAD(self):
        # push's first question, is a blob there: the token repositories challenge
        parts = self.path.split("?")[0].split("/")
        realm = self.realms().get(parts[2] if len(parts) > 2 else "")
        authed = self.headers.get("Authorization") == "Bearer t0k"
        self.send_response(401 if realm and not authed else 404)
        if realm and not authed:
            self.send_header("WWW-Authenticate", 'Bearer realm="%s",service="badreg"' % realm)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        p = self.path.split("?")[0]
        if hostile_token(self, p) is not False:
            return
        if p in ("/token", "/slowtoken"):
            got = "yes" if self.headers.get("Authorization") else "no"
            log.write("token auth=%s via=%s\n" % (got, self.via))
            body = b'{"token": "t0k"}'
            if p == "/token":
                return self.send(200, body, "application/json")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            return self.trickle(body)
        parts = p.split("/")  # "", "v2", REPO..., "manifests"|"blobs", REF
        if len(parts) < 3 or parts[1] != "v2":
            return self.send(404, b"")
        repo = parts[2]
        kind, ref = (parts[3], parts[4]) if len(parts) > 4 else ("", "")
        reqlog.write("%s %s %s %s auth=%s\n" % (self.via, repo, kind or "-", ref or "-", "yes" if self.headers.get("Authorization") else "no"))
        if hostile(self, repo, kind, ref) is not False:
            return
        authed = self.headers.get("Authorization") == "Bearer t0k"
        realms = self.realms()
        if repo in realms and not authed:
            return self.challenge(realms[repo])
        if repo in realms:
            return self.send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}', "application/json")
        if repo == "slowman":
            self.send_response(200)
            self.send_header("Content-Type", MT)
            self.send_header("Content-Length", str(len(manifest)))
            self.end_headers()
            return self.trickle(manifest)
        if repo == "slowhead":
            return self.trickle(b"HTTP/1.1 200 OK\r\nContent-Type: " + MT.encode() + b"\r\n\r\n")
        if repo == "evil" and kind == "manifests":
            return self.send(200, evil_manifest, MT)
        if repo == "evil" and kind == "blobs" and parts[4] in evil_blobs:
            return self.send(200, evil_blobs[parts[4]])
        if kind == "manifests":
            return self.send(200, manifest, MT)
        if kind == "blobs" and parts[4] in blobs and parts[4] != layer_digest:
            return self.send(200, blobs[parts[4]])
        if kind == "blobs" and parts[4] == layer_digest:
            body = other if repo == "badblob" else blobs[layer_digest]
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if repo != "slowblob":
                self.wfile.write(body)
                return
            self.wfile.write(body[:len(body) // 2])
            return self.trickle(body[len(body) // 2:])
        self.send(404, b'{"errors":[{"code":"NOT_FOUND"}]}', "application/json")

    def log_message(self, *a):
        pass


def serve(name, addr, ctx=None):
    h = type("H_" + name, (H,), {"via": name})
    srv = http.server.ThreadingHTTPServer((addr, 0), h)
    srv.daemon_threads = True
    if ctx:
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    ports[name] = srv.server_address[1]
    threading.Thread(target=srv.serve_forever, daemon=True).start()


serve("plain", "127.0.0.1")
serve("other", "127.0.0.2")
if len(sys.argv) > 3:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[2], sys.argv[3])
    serve("tls", "127.0.0.1", ctx)
with open(os.path.join(D, "ports.tmp"), "w") as f:
    f.write("%d %d %d\n" % (ports["plain"], ports["other"], ports.get("tls", 0)))
os.rename(os.path.join(D, "ports.tmp"), os.path.join(D, "ports"))
while True:
    time.sleep(3600)
