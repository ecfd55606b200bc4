#!/usr/bin/env python3
"""vmimage.py BUSYBOX GOARCH OUTDIR - the VM tests' image, as OUTDIR/img.docker.tar
(docker-archive, tag localhost/vmimg:latest) and OUTDIR/img.oci.tar (oci-archive,
tag localhost/vmoci:latest), from a static busybox binary.

Layer 1: busybox, its applet links, /etc/passwd, /data (files, a tree to rm -rf),
/opq (files the next layer hides), /gone, files owned by 70000:70000 (beyond a
65536-id mapping). Layer 2: /opq opaque (only /opq/new stays), a whiteout of /gone,
/data/late owned by 70001.
"""
import hashlib, io, json, os, sys, tarfile, time

busybox, goarch, out = sys.argv[1], sys.argv[2], sys.argv[3]
APPLETS = "sh ash echo uname cat ls id true false env sleep printf test mkdir rm cp mv ln pwd " \
          "hostname ps grep sed awk head tail wc touch chmod chown stat find nc wget ip seq " \
          "readlink mount httpd".split()
MTIME = 1700000000


def add(t, name, typ=tarfile.REGTYPE, data=b"", mode=0o644, uid=0, gid=0, link=""):
    i = tarfile.TarInfo(name)
    i.type, i.mode, i.uid, i.gid, i.mtime = typ, mode, uid, gid, MTIME
    i.linkname = link
    if typ == tarfile.REGTYPE:
        i.size = len(data)
        t.addfile(i, io.BytesIO(data))
    else:
        t.addfile(i)


def layer(build):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=tarfile.PAX_FORMAT) as t:
        build(t)
    return b.getvalue()


def l1(t):
    D = tarfile.DIRTYPE
    for d in ("bin", "etc", "tmp", "root", "proc", "sys", "dev", "data", "data/tree", "data/tree/sub", "opq", "gone"):
        add(t, d, D, mode=0o1777 if d == "tmp" else 0o755)
    with open(busybox, "rb") as f:
        add(t, "bin/busybox", data=f.read(), mode=0o755)
    for a in APPLETS:
        add(t, "bin/" + a, tarfile.SYMTYPE, link="busybox", mode=0o777)
    add(t, "etc/passwd", data=b"root:x:0:0:root:/root:/bin/sh\nfar:x:70000:70000::/tmp:/bin/sh\n")
    add(t, "etc/group", data=b"root:x:0:\nfar:x:70000:\n")
    for i in range(5):
        add(t, "data/tree/f%d" % i, data=b"x" * 100)
        add(t, "data/tree/sub/g%d" % i, data=b"y")
    add(t, "data/far", data=b"far\n", uid=70000, gid=70000)
    add(t, "data/tree/sub/far", data=b"far\n", uid=70000, gid=70000)
    add(t, "opq/old1", data=b"old\n")
    add(t, "opq/old2", data=b"old\n")
    add(t, "gone/file", data=b"gone\n")


def l2(t):
    add(t, "opq", tarfile.DIRTYPE, mode=0o755)
    add(t, "opq/.wh..wh..opq")
    add(t, "opq/new", data=b"new\n")
    add(t, ".wh.gone")
    add(t, "data", tarfile.DIRTYPE, mode=0o755)
    add(t, "data/late", data=b"late\n", uid=70001, gid=70001)


layers = [layer(l1), layer(l2)]
diff_ids = ["sha256:" + hashlib.sha256(l).hexdigest() for l in layers]
config = json.dumps({
    "architecture": goarch, "os": "linux",
    "config": {"Cmd": ["/bin/sh"], "Env": ["PATH=/bin"]},
    "rootfs": {"type": "layers", "diff_ids": diff_ids},
    "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(MTIME)),
}, sort_keys=True).encode()
cdig = hashlib.sha256(config).hexdigest()
os.makedirs(out, exist_ok=True)


def archive(path, files):
    with tarfile.open(path, "w") as t:
        for name, data in files:
            add(t, name, data=data)


# docker-archive
archive(os.path.join(out, "img.docker.tar"),
        [(cdig + ".json", config)] + [("l%d.tar" % i, l) for i, l in enumerate(layers)] +
        [("manifest.json", json.dumps([{"Config": cdig + ".json", "RepoTags": ["localhost/vmimg:latest"],
                                        "Layers": ["l%d.tar" % i for i in range(len(layers))]}]).encode())])

# oci-archive
ldesc = [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d, "size": len(l)}
         for d, l in zip(diff_ids, layers)]
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                                  "digest": "sha256:" + cdig, "size": len(config)},
                       "layers": ldesc}).encode()
mdig = hashlib.sha256(manifest).hexdigest()
index = json.dumps({"schemaVersion": 2, "manifests": [{
    "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + mdig, "size": len(manifest),
    "annotations": {"org.opencontainers.image.ref.name": "localhost/vmoci:latest"}}]}).encode()
archive(os.path.join(out, "img.oci.tar"),
        [("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", index),
         ("blobs/sha256/" + cdig, config), ("blobs/sha256/" + mdig, manifest)] +
        [("blobs/sha256/" + d[7:], l) for d, l in zip(diff_ids, layers)])
