#!/usr/bin/env python3
"""fakereg.py - a plain-HTTP registry on 127.0.0.1 that serves a tampered layer.

  fakereg.py PORTFILE

Serves repository "evil": manifest latest -> config + one gzip layer whose descriptor
digest is the true digest of a layer, while the blob endpoint returns another valid gzip
tar (same size class, a file that would land in /etc). Only the digest check can catch
it. Test tooling only; loopback only.
"""
import gzip
import hashlib
import http.server
import io
import json
import os
import sys
import tarfile

buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as t:
    data = b"hello from the evil layer\n" * 4000
    info = tarfile.TarInfo("hello.txt")
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))
tar = buf.getvalue()
layer = gzip.compress(tar, mtime=0)
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w") as t:
    data = b"root::0:0:owned:/root:/bin/sh\n"
    info = tarfile.TarInfo("etc/passwd")
    info.size = len(data)
    t.addfile(info, io.BytesIO(data))
tampered = gzip.compress(buf.getvalue(), mtime=0)
sha = lambda b: "sha256:" + hashlib.sha256(b).hexdigest()
config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [sha(tar)]},
                     "config": {"Cmd": ["/hello"]}}).encode()
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(config), "size": len(config)},
                       "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": sha(layer), "size": len(layer)}]}).encode()
blobs = {sha(config): config, sha(layer): bytes(tampered)}


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def send(self, code, body, ctype="application/octet-stream"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        p = self.path
        if p == "/v2/":
            return self.send(200, b"{}", "application/json")
        if p in ("/v2/evil/manifests/latest", "/v2/evil/manifests/" + sha(manifest)):
            return self.send(200, manifest, "application/vnd.oci.image.manifest.v1+json")
        if p.startswith("/v2/evil/blobs/") and p[len("/v2/evil/blobs/"):] in blobs:
            return self.send(200, blobs[p[len("/v2/evil/blobs/"):]])
        self.send(404, b'{"errors":[{"code":"NOT_FOUND"}]}', "application/json")

    def log_message(self, *a):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
srv.serve_forever()
