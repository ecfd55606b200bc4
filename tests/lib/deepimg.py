#!/usr/bin/env python3
"""deepimg.py OUT.tar KIND ARG: a docker-archive named localhost/KIND:latest whose first
layer is the host's static busybox (/bin/busybox, linked as sh, cat, ls, ...), and whose
second layer is N nested directories d/d/.../d and a file f at the bottom holding "deep"
(KIND deep, ARG N); or whose only layer is the gzip of one file of ARG MiB of zeros
(KIND bomb: a decompression bomb); or (KIND health) busybox alone, with a HEALTHCHECK of
"test -e /tmp/ok" every ARG ms (config.Healthcheck: Test, Interval, Timeout 2 s, Retries 2).
"""
import gzip, hashlib, io, json, platform, sys, tarfile

out, kind = sys.argv[1], sys.argv[2]
arg = int(sys.argv[3])


def tar_bytes(fill):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT) as t:
        fill(t)
    return b.getvalue()


def add(t, name, data=None, mode=0o755, kind=tarfile.REGTYPE, link=""):
    i = tarfile.TarInfo(name)
    i.type, i.mode, i.linkname, i.mtime = kind, mode, link, 1700000000
    if data is not None:
        i.size = len(data)
    t.addfile(i, io.BytesIO(data) if data is not None else None)


def base(t):
    for d in ("bin", "etc", "tmp", "proc", "sys", "dev"):
        add(t, d, kind=tarfile.DIRTYPE)
    add(t, "bin/busybox", open("/bin/busybox", "rb").read())
    more = ("sleep", "touch", "rm", "false", "echo", "test", "ps") if kind == "health" else ()
    for a in ("sh", "cat", "ls", "true", "find", "wc", "mkdir", "stat", "id") + more:
        add(t, "bin/" + a, kind=tarfile.SYMTYPE, link="busybox")
    add(t, "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n", 0o644)


def deep(t):
    p = ""
    for _ in range(arg):
        p += "d" if not p else "/d"
        add(t, p, kind=tarfile.DIRTYPE)
    add(t, p + "/f", b"deep\n", 0o644)


class Zeros(io.RawIOBase):
    def __init__(self, n):
        self.left = n

    def readable(self):
        return True

    def readinto(self, b):
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        self.left -= n
        return n


layers = [tar_bytes(base)] if kind in ("deep", "health") else []
if kind == "health":
    pass
elif kind == "deep":
    layers.append(tar_bytes(deep))
else:
    size = arg << 20
    z = io.BytesIO()
    with gzip.GzipFile(fileobj=z, mode="wb", compresslevel=9, mtime=0) as g:
        with tarfile.open(fileobj=g, mode="w") as t:
            i = tarfile.TarInfo("zeros")
            i.size, i.mode = size, 0o644
            t.addfile(i, io.BufferedReader(Zeros(size), 1 << 20))
    layers.append(z.getvalue())

diff_ids = []
for l in layers:
    h, f = hashlib.sha256(), gzip.GzipFile(fileobj=io.BytesIO(l)) if l[:2] == b"\x1f\x8b" else io.BytesIO(l)
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
    diff_ids.append("sha256:" + h.hexdigest())
arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
config = {"Cmd": ["/bin/sh"]}
if kind == "health":
    config["Healthcheck"] = {"Test": ["CMD-SHELL", "test -e /tmp/ok"], "Interval": arg * 1000000,
                             "Timeout": 2000000000, "Retries": 2}
cfg = json.dumps({"architecture": arch, "os": "linux", "config": config,
                  "rootfs": {"type": "layers", "diff_ids": diff_ids}}).encode()
with tarfile.open(out, "w") as t:
    names = []
    for n, l in enumerate(layers):
        names.append("l%d.tar" % n)
        add(t, names[-1], l, 0o644)
    add(t, "config.json", cfg, 0o644)
    add(t, "manifest.json", json.dumps([{"Config": "config.json", "RepoTags": ["localhost/%s:latest" % kind],
                                         "Layers": names}]).encode(), 0o644)
