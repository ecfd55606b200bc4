#!/usr/bin/env python3
"""seeds.py OUTDIR - write the seed inputs of every fuzz harness, OUTDIR/NAME/*: small
valid documents of each kind the project reads, made here (no corpora are committed).
The first byte of several harnesses' inputs is a mode byte (see each tests/fuzz/*_fuzz.c)."""
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zlib

OUT = sys.argv[1]


def put(harness, name, data):
    d = os.path.join(OUT, harness)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def tar_of(entries, fmt=tarfile.PAX_FORMAT):
    """entries: (TarInfo fields dict, data bytes or None)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt) as t:
        for info, data in entries:
            ti = tarfile.TarInfo(info.pop("name"))
            for k, v in info.items():
                setattr(ti, k, v)
            if data is not None:
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
            else:
                t.addfile(ti)
    return buf.getvalue()


REG, DIR, SYM, LNK, CHR, FIFO = tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.CHRTYPE, tarfile.FIFOTYPE
layer = tar_of([
    ({"name": "etc", "type": DIR, "mode": 0o755}, None),
    ({"name": "etc/passwd", "mode": 0o644}, b"root:x:0:0:root:/root:/bin/sh\n"),
    ({"name": "bin", "type": DIR}, None),
    ({"name": "bin/sh", "mode": 0o4755, "uid": 1000, "gid": 1000}, b"#!/bin/true\n"),
    ({"name": "bin/ln", "type": SYM, "linkname": "sh"}, None),
    ({"name": "bin/hard", "type": LNK, "linkname": "bin/sh"}, None),
    ({"name": "dev", "type": DIR}, None),
    ({"name": "dev/null", "type": CHR, "devmajor": 1, "devminor": 3}, None),
    ({"name": "dev/fifo", "type": FIFO}, None),
    ({"name": "etc/.wh.old", "mode": 0}, b""),
    ({"name": "var/.wh..wh..opq", "mode": 0}, b""),
    ({"name": "x/" + "long" * 40, "pax_headers": {"SCHILY.xattr.user.a": "v", "mtime": "1.5"}}, b"pax"),
])
gnu = tar_of([({"name": "g/" + "n" * 150, "uid": 0o77777777 + 5}, b"gnu"), ({"name": "d", "type": DIR}, None)],
             tarfile.GNU_FORMAT)
ustar = tar_of([({"name": "u/" + "dir/" * 30 + "f", "mode": 0o1777}, b"ustar")], tarfile.USTAR_FORMAT)
for n, t in (("layer", layer), ("gnu", gnu), ("ustar", ustar)):
    put("tar", n, b"\0" + t)
    for mode in (0, 1, 3, 5, 0x39):  # overlay/delete, rootless, no openat2, chunks
        put("unpack", f"{n}-{mode}", bytes([mode]) + t)

gz = gzip.compress(layer, mtime=0)
for mode, data in ((0, gz), (2, gz), (6, gz + gz), (1, layer), (0x28, gz)):
    put("decompress", f"gz-{mode}", bytes([mode]) + data)
if shutil.which("zstd"):
    zs = subprocess.run(["zstd", "-q", "-c", "-3"], input=layer, stdout=subprocess.PIPE, check=True).stdout
    put("decompress", "zstd", b"\0" + zs)
    put("decompress", "zstd-named", b"\3" + zs)

text = layer + b"hello hello hello " * 50 + bytes(range(256)) * 4
raw = zlib.compressobj(9, zlib.DEFLATED, -15)
raw = raw.compress(text) + raw.flush()
for i, (wb, data) in enumerate(((0, raw), (1, zlib.compress(text, 1)), (2, gz), (3, gz), (1, zlib.compress(b"a" * 5000)))):
    put("inflate", f"s{i}", bytes([wb | (i << 2), i]) + data)

config = {"architecture": "amd64", "os": "linux",
          "config": {"Entrypoint": ["/bin/sh"], "Cmd": ["-c", "echo hi"], "Env": ["PATH=/usr/bin", "A=b"],
                     "WorkingDir": "/w", "User": "1000:1000"},
          "rootfs": {"type": "layers", "diff_ids": [sha(layer), sha(gnu)]}}
cfg = json.dumps(config).encode()
for mode in (2, 0x0a, 0x12, 0x22, 0x42, 0x82, 0xfa):
    put("config", f"c{mode}", bytes([mode]) + cfg)
put("config", "bare", b"\0" + json.dumps({"rootfs": {"diff_ids": []}}).encode())

mani = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(cfg), "size": len(cfg)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": sha(gz), "size": len(gz)},
                   {"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd", "digest": sha(gnu), "size": 1}]}
dmani = dict(mani, mediaType="application/vnd.docker.distribution.manifest.v2+json")
index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
         "manifests": [{"mediaType": mani["mediaType"], "digest": sha(b"a"), "size": 1,
                        "platform": {"os": "linux", "architecture": a, **({"variant": v} if v else {})}}
                       for a, v in (("amd64", None), ("arm64", "v8"), ("arm", "v7"))]}
dlist = dict(index, mediaType="application/vnd.docker.distribution.manifest.list.v2+json")
for i, doc in enumerate((mani, dmani, index, dlist)):
    for ct in (0, 1 + i):
        put("manifest", f"m{i}-{ct}", bytes([ct]) + json.dumps(doc).encode())
put("manifest", "platform", b"\0linux/arm64/v8")

# HTTP: mode bytes (chunk size, GET/HEAD + read the body), then what the server says.
heads = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: application/json\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nTrailer: t\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer realm=\"https://a/t\"\r\n"
    b"Connection: close\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.0 307 Temporary Redirect\r\nLocation: /v2/x\r\n X-Folded: y\r\n\r\nuntil close",
    b"HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n",
]
for i, h in enumerate(heads):
    put("http", f"h{i}", bytes([0, 2]) + h)
    put("http", f"h{i}-split", bytes([3, 1 if i == 0 else 0]) + h)

for i, (base, ref) in enumerate((("https://registry-1.docker.io/v2/library/alpine/blobs/sha256:ab", "https://cdn.example/x?y=1"),
                                 ("http://[::1]:5000/v2/", "../manifests/latest"), ("https://u:p@h:443/a/b?c#d", "//other/p"),
                                 ("http://h", "?q=1"), ("https://h/a/b", "/abs"))):
    put("url", f"u{i}", base.encode() + b"\0" + ref.encode())

for i, c in enumerate(('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
                       'Bearer realm=https://127.0.0.1:5001/token,service=reg,error="invalid_token"',
                       'Basic realm="Registry \\"x\\""', 'Bearer service="s", realm="http://h/t?a=b", scope="a b"')):
    put("wwwauth", f"w{i}", c)

for i, t in enumerate(("{{.Id}} {{.State.Status}}", "table {{.Id}}\t{{json .Names}}",
                       "{{range $i, $n := .Names}}{{if $i}},{{end}}{{upper $n}}{{else}}none{{end}}",
                       "{{with .Labels}}{{index . \"k\"}}{{end}} {{printf \"%-8s|%5.1f\" .Id .Size}}",
                       "{{- join .Names \", \" -}} {{len .Labels}} {{if and .Ok (not .Nil)}}y{{end}}",
                       "{{$x := .Id}}{{range .Names}}{{$x}}={{.}} {{end}}{{/* c */}}")):
    put("template", f"t{i}", t)
put("template", "dot", '{{range .}}{{.}}{{end}}\0[1, "two", {"a": [3]}]')

for i, r in enumerate(("alpine", "alpine:3.19", "docker.io/library/alpine:latest", "localhost:5000/a/b/c:t",
                       "quay.io/x/y@sha256:" + "0123456789abcdef" * 4, "[::1]:5000/img:tag", "a/b:c@sha256:" + "f" * 64)):
    put("ref", f"r{i}", r)

put("regconf", "full", '''# registries.conf v2
unqualified-search-registries = ["docker.io", "quay.io"]
short-name-mode = "enforcing"

[aliases]
"alpine" = "docker.io/library/alpine"
"x" = "quay.io/x/y:1"

[[registry]]
prefix = "example.com/foo"
location = "mirror.example.com/bar"
insecure = true

[[registry.mirror]]
location = "m1.example.com"
insecure = false

[[registry]]
location = "*.example.com"
blocked = true
''')
put("regconf", "escapes", 'unqualified-search-registries = ["a\\u0041", \'lit\\\']\n[[registry]]\nlocation="docker.io"\n')

put("subid", "s0", "alice:100000:65536\n1000:300000:1000\nbob:200000:65536\nalice:100000:10\nalice:999:5\n")
put("subid", "s1", "".join(f"alice:{100000 + i * 10}:10\n" for i in range(400)))
put("subid", "s2", "alice:4294967000:1000\n# comment\nalice:1:2:3\n\n")

put("passwd", "p0", "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n"
    "wheel:x:10:user,root\nstaff:x:50:user\nusers:x:100:\n")
put("passwd", "p1", "nobody::65534\nbad\n::\nuser:x:abc:1\n")

# load: "--- PATH\n" then contents, per file of the archive.
def files(fs):
    return b"".join(b"--- " + p.encode() + b"\n" + d + b"\n" for p, d in fs)[:-1]


cfg_docker = json.dumps(dict(config, rootfs={"type": "layers", "diff_ids": [sha(layer)]})).encode()
put("load", "docker", files([("manifest.json", json.dumps([{"Config": "c.json", "RepoTags": ["x:1", "a/b"],
                                                            "Layers": ["l/layer.tar"]}]).encode()),
                             ("c.json", cfg_docker), ("l/layer.tar", layer)]))
put("load", "docker-gz", files([("manifest.json", json.dumps([{"Config": "c.json", "RepoTags": None,
                                                               "Layers": ["gz"]}]).encode()),
                                ("c.json", cfg_docker), ("gz", gz)]))
omani = dict(mani, config=dict(mani["config"], digest=sha(cfg_docker), size=len(cfg_docker)),
             layers=[{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": sha(layer), "size": len(layer)}])
ob = json.dumps(omani).encode()
oindex = {"schemaVersion": 2, "manifests": [{"mediaType": omani["mediaType"], "digest": sha(ob), "size": len(ob),
                                             "annotations": {"org.opencontainers.image.ref.name": "localhost/o:1"}}]}
put("load", "oci", files([("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", json.dumps(oindex).encode()),
                          ("blobs/sha256/" + sha(ob)[7:], ob), ("blobs/sha256/" + sha(cfg_docker)[7:], cfg_docker),
                          ("blobs/sha256/" + sha(layer)[7:], layer)]))
