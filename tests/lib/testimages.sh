# tests/lib/testimages.sh - build the test images as OCI layouts from Debian packages,
# with umoci. Sourced by registry.sh; the layouts are cached under
# $CBOX_CACHE/testimages/KEY/ (default ~/.cache/cbox), KEY a hash of this file, so a
# change here rebuilds them and older keys are removed.
#   timg_cache_dir                      the cache directory for this file's KEY
#   timg_busybox DIR                    layout DIR: tags amd64, arm64 (busybox-static from
#                                       Debian) and latest (an OCI index of both); zstd-amd64,
#                                       zstd-arm64 and zstd (index): the same, zstd layers
#                                       (skopeo 1.9 does not recompress gzip to zstd)
#   timg_debian DIR                     layout DIR: tag bookworm, mmdebstrap minbase + 3
#                                       more layers (owners, whiteouts, an opaque dir)
# Each prints its progress on stdout and returns non-zero with a one-line reason on the
# last line of stderr when it cannot build.

timg_cache_dir() {
	key=$(sha256sum "$TOP/tests/lib/testimages.sh" | cut -c1-16)
	echo "${CBOX_CACHE:-${HOME:-/root}/.cache/cbox}/testimages/$key"
}

_timg_umoci() {
	if [ "$(id -u)" = 0 ]; then umoci "$@"; else umoci "$@" --rootless; fi
}

# The applets the busybox images link under /bin.
TIMG_APPLETS="sh ash echo uname cat ls id true false env sleep printf test [ mkdir rmdir rm cp mv
 ln pwd hostname ps grep sed awk head tail wc touch chmod chown stat date whoami sort uniq cut
 tr tee find xargs mount umount kill which readlink realpath basename dirname md5sum sha256sum
 wget nc ip ping seq yes du df free dd gzip gunzip tar vi less more nproc"

# _timg_busybox_arch LAYOUT DEBARCH GOARCH DEBDIR - one single-platform image tagged GOARCH.
_timg_busybox_arch() {
	L=$1 debarch=$2 goarch=$3 debs=$4
	deb=$(ls "$debs"/busybox-static_*_"$debarch".deb 2>/dev/null | head -n 1)
	if [ -z "$deb" ]; then
		(cd "$debs" && apt-get download "busybox-static:$debarch") >"$debs/apt-$debarch.log" 2>&1
		deb=$(ls "$debs"/busybox-static_*_"$debarch".deb 2>/dev/null | head -n 1)
	fi
	if [ -z "$deb" ]; then
		if [ "$debarch" != "$(dpkg --print-architecture)" ] && ! dpkg --print-foreign-architectures | grep -qx "$debarch"; then
			echo "busybox-static:$debarch: dpkg architecture $debarch is not configured (dpkg --add-architecture $debarch; apt-get update)" >&2
		else
			echo "busybox-static:$debarch: apt-get download failed: $(tail -n 1 "$debs/apt-$debarch.log")" >&2
		fi
		return 1
	fi
	b=$L.bundle-$goarch
	rm -rf "$b"
	_timg_umoci new --image "$L:$goarch" || return 1
	_timg_umoci unpack --image "$L:$goarch" "$b" >/dev/null || return 1
	r=$b/rootfs
	mkdir -p "$r/bin" "$r/etc" "$r/root" "$r/tmp" "$r/proc" "$r/sys" "$r/dev" "$r/home" "$r/var"
	x=$L.x-$goarch
	rm -rf "$x" && mkdir -p "$x"
	dpkg-deb -x "$deb" "$x" || return 1
	cp "$x/bin/busybox" "$r/bin/busybox"
	rm -rf "$x"
	for a in $TIMG_APPLETS; do ln -s busybox "$r/bin/$a"; done
	chmod 1777 "$r/tmp"
	chmod 700 "$r/root"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
	echo "cbox test image: busybox-static $(dpkg-deb -f "$deb" Version) $debarch" >"$r/etc/cbox-release"
	_timg_umoci repack --image "$L:$goarch" "$b" || return 1
	_timg_umoci config --image "$L:$goarch" --os linux --architecture "$goarch" \
		--config.cmd /bin/sh --config.env PATH=/bin --config.workingdir / \
		--author cbox-tests || return 1
	rm -rf "$b"
}

# _timg_index LAYOUT TAG SRCTAG... - an OCI image index of the SRCTAG manifests (each
# with its config's platform), tagged TAG in the layout.
_timg_index() {
	python3 - "$@" <<'EOF'
import hashlib, json, os, sys
L, tag, srcs = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(os.path.join(L, "index.json")) as f:
    top = json.load(f)
def blob(d):
    return os.path.join(L, "blobs", *d.split(":"))
byref = {m.get("annotations", {}).get("org.opencontainers.image.ref.name"): m for m in top["manifests"]}
ms = []
for s in srcs:
    d = byref[s]
    with open(blob(d["digest"])) as f:
        man = json.load(f)
    with open(blob(man["config"]["digest"])) as f:
        cfg = json.load(f)
    ms.append({"mediaType": d["mediaType"], "digest": d["digest"], "size": d["size"],
               "platform": {"architecture": cfg["architecture"], "os": cfg["os"]}})
idx = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                  "manifests": ms}, indent=2).encode()
dg = "sha256:" + hashlib.sha256(idx).hexdigest()
with open(blob(dg), "wb") as f:
    f.write(idx)
top["manifests"] = [m for m in top["manifests"]
                    if m.get("annotations", {}).get("org.opencontainers.image.ref.name") != tag]
top["manifests"].append({"mediaType": "application/vnd.oci.image.index.v1+json", "digest": dg,
                         "size": len(idx), "annotations": {"org.opencontainers.image.ref.name": tag}})
with open(os.path.join(L, "index.json.tmp"), "w") as f:
    json.dump(top, f)
os.rename(os.path.join(L, "index.json.tmp"), os.path.join(L, "index.json"))
print(dg)
EOF
}

# _timg_zstd LAYOUT TAG SRCTAG - the SRCTAG image again with its layers recompressed to
# zstd (media type ...tar+zstd; diff_ids, so the config, are unchanged), tagged TAG.
_timg_zstd() {
	python3 - "$@" <<'EOF'
import hashlib, json, os, subprocess, sys
L, tag, src = sys.argv[1:4]
def blob(d):
    return os.path.join(L, "blobs", *d.split(":"))
def put(data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    with open(blob(d), "wb") as f:
        f.write(data)
    return d
with open(os.path.join(L, "index.json")) as f:
    top = json.load(f)
desc = [m for m in top["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == src][0]
with open(blob(desc["digest"])) as f:
    man = json.load(f)
for l in man["layers"]:
    assert l["mediaType"].endswith("tar+gzip"), l["mediaType"]
    raw = subprocess.run(["gzip", "-dc", blob(l["digest"])], check=True, stdout=subprocess.PIPE).stdout
    z = subprocess.run(["zstd", "-q", "-19", "-c"], input=raw, check=True, stdout=subprocess.PIPE).stdout
    l["mediaType"] = "application/vnd.oci.image.layer.v1.tar+zstd"
    l["digest"], l["size"] = put(z), len(z)
man["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
data = json.dumps(man, indent=2).encode()
top["manifests"] = [m for m in top["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") != tag]
top["manifests"].append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": put(data),
                         "size": len(data), "annotations": {"org.opencontainers.image.ref.name": tag}})
with open(os.path.join(L, "index.json.tmp"), "w") as f:
    json.dump(top, f)
os.rename(os.path.join(L, "index.json.tmp"), os.path.join(L, "index.json"))
EOF
}

timg_busybox() {
	L=$1
	for t in umoci dpkg-deb apt-get python3 zstd; do
		command -v "$t" >/dev/null || { echo "$t not installed" >&2; return 1; }
	done
	rm -rf "$L" "$L.debs"
	mkdir -p "$L.debs"
	chmod 777 "$L.debs" # apt-get download drops to _apt
	umoci init --layout "$L" || return 1
	_timg_busybox_arch "$L" amd64 amd64 "$L.debs" || return 1
	_timg_busybox_arch "$L" arm64 arm64 "$L.debs" || return 1
	_timg_index "$L" latest amd64 arm64 >/dev/null || { echo "busybox index failed" >&2; return 1; }
	_timg_zstd "$L" zstd-amd64 amd64 && _timg_zstd "$L" zstd-arm64 arm64 &&
		_timg_index "$L" zstd zstd-amd64 zstd-arm64 >/dev/null || { echo "busybox zstd variant failed" >&2; return 1; }
	umoci gc --layout "$L" || return 1
	chmod -R a+rX "$L"
	rm -rf "$L.debs"
}

# The deb line for mmdebstrap: apt's configured mirror for the host's suite (deb822
# .sources first, then one-line sources.list), never a name written here.
timg_mirror() {
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v suite="$1" '
			/^[ \t]*$/ { flush(); next }
			/^#/ { next }
			{ k = tolower($1); sub(/:$/, "", k); $1 = ""; sub(/^ +/, ""); v[k] = $0 }
			function flush() {
				if (v["types"] ~ /(^| )deb( |$)/ && (" " v["suites"] " ") ~ (" " suite " ") && v["uris"] != "" && !done) {
					split(v["uris"], u, " "); print u[1]; done = 1
				}
				delete v
			}
			END { flush() }' "$f"
	done | head -n 1 | grep . && return 0
	grep -hs "^deb " /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
		sed 's/\[[^]]*\]//' | awk -v suite="$1" '$3 == suite { print $2; exit }' | grep .
}

timg_debian() {
	L=$1
	suite=bookworm
	command -v umoci >/dev/null || { echo "umoci not installed" >&2; return 1; }
	[ "$(id -u)" = 0 ] || { echo "the Debian image needs root (mmdebstrap, owners)" >&2; return 1; }
	mirror=$(timg_mirror "$suite") || { echo "no '$suite' mirror in apt's sources" >&2; return 1; }
	rm -rf "$L" "$L.bundle"
	umoci init --layout "$L" || return 1
	umoci new --image "$L:$suite" || return 1
	umoci unpack --image "$L:$suite" "$L.bundle" >/dev/null || return 1
	r=$L.bundle/rootfs
	echo "bootstrapping $suite (minbase) from $mirror"
	kr=/usr/share/keyrings/debian-archive-keyring.gpg
	opt=
	[ -f "$kr" ] && opt="[signed-by=$kr] "
	if command -v mmdebstrap >/dev/null; then
		rmdir "$r"
		mmdebstrap --variant=minbase --mode=root --quiet \
			--dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
			--dpkgopt='path-include=/usr/share/locale/locale.alias' \
			"$suite" "$r" "deb $opt$mirror $suite main" >"$L.bootstrap.log" 2>&1 ||
			{ echo "mmdebstrap failed: $(tail -n 1 "$L.bootstrap.log")" >&2; return 1; }
	elif command -v debootstrap >/dev/null; then
		debootstrap --variant=minbase "$suite" "$r" "$mirror" >"$L.bootstrap.log" 2>&1 ||
			{ echo "debootstrap failed: $(tail -n 1 "$L.bootstrap.log")" >&2; return 1; }
		rm -rf "$r/var/cache/apt/archives/"*.deb "$r/var/lib/apt/lists/"*_Packages
	else
		echo "neither mmdebstrap nor debootstrap installed" >&2
		return 1
	fi
	umoci repack --refresh-bundle --history.created_by "mmdebstrap --variant=minbase $suite" --image "$L:$suite" "$L.bundle" || return 1

	# Layer 2: files with several owners, links, a fifo, dirs the later layers change.
	s=$r/srv/cbox
	mkdir -p "$s/owners" "$s/gone/dir/sub" "$s/opaque/sub" "$s/links" "$r/home/user"
	for o in 0:0 0:42 1000:1000 65534:65534 200000:200000 1000:42; do
		f=$s/owners/u${o%:*}-g${o#*:}
		echo "$o" >"$f"
		chown "$o" "$f"
	done
	chown 1000:1000 "$r/home/user"
	echo "home of 1000" >"$r/home/user/.profile" && chown 1000:1000 "$r/home/user/.profile"
	mkdir -p "$s/owners/highdir" && chown 200000:200001 "$s/owners/highdir"
	chmod 4755 "$s/owners/u0-g0"
	chmod 0640 "$s/owners/u0-g42"
	echo target >"$s/links/target"
	ln "$s/links/target" "$s/links/hard"
	ln -s target "$s/links/sym"
	ln -s /srv/cbox/links/target "$s/links/abssym"
	mkfifo "$s/links/fifo"
	for f in gone/file gone/keep gone/dir/a gone/dir/sub/b opaque/old1 opaque/old2 opaque/sub/old3; do
		echo "$f" >"$s/$f"
	done
	echo "layer 2" >"$r/etc/cbox-layer"
	umoci repack --refresh-bundle --history.created_by "cbox: owners, links, dirs" --image "$L:$suite" "$L.bundle" || return 1

	# Layer 3: deletions (umoci writes .wh. entries) and changes.
	rm "$s/gone/file"
	rm -r "$s/gone/dir"
	rm -rf "$r/usr/share/doc/apt"
	rm -f "$r/etc/issue.net"
	echo "layer 3" >"$r/etc/cbox-layer"
	chown 65534:65534 "$s/owners/u1000-g1000"
	umoci repack --refresh-bundle --history.created_by "cbox: deletions" --image "$L:$suite" "$L.bundle" || return 1
	rm -rf "$L.bundle"

	# Layer 4: /srv/cbox/opaque replaced whole: an opaque whiteout, in a tar made here
	# (umoci insert --opaque writes a tar without its end blocks).
	o=$L.opaque
	rm -rf "$o" && mkdir -p "$o/srv/cbox/opaque/newsub"
	: >"$o/srv/cbox/opaque/.wh..wh..opq"
	echo new >"$o/srv/cbox/opaque/new"
	echo newer >"$o/srv/cbox/opaque/newsub/c"
	tar -C "$o" --numeric-owner --owner=0 --group=0 -cf "$o.tar" --no-recursion srv srv/cbox \
		--recursion srv/cbox/opaque || return 1
	umoci raw add-layer --history.created_by "cbox: opaque /srv/cbox/opaque" --image "$L:$suite" "$o.tar" || return 1
	rm -rf "$o" "$o.tar"
	umoci config --image "$L:$suite" --os linux --architecture "$(dpkg --print-architecture)" --config.cmd /bin/bash \
		--config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		--config.workingdir / --author cbox-tests || return 1
	umoci gc --layout "$L" || return 1
	chmod -R a+rX "$L"
}
