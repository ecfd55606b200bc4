#!/bin/sh
# tests/fresh-root.sh DIR - what CI sees on a new machine, without one: a fresh Debian 12
# root (mmdebstrap minbase + git) in DIR, entered with pivot_root (so / is a mount point),
# a clean clone of this repository's HEAD, and .ci/run inside. Not part of the suite (it
# takes minutes and installs every package into DIR). Mirror: apt's configured one.
#   KEEP=1 tests/fresh-root.sh DIR    reuse DIR's packages (only re-clone)
set -eu
[ "$(id -u)" = 0 ] || { echo "fresh-root.sh: needs root" >&2; exit 1; }
R=$(realpath -m "${1:?usage: tests/fresh-root.sh DIR}")
TOP=$(cd "$(dirname "$0")/.." && pwd)
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\) .*/\2/p' /etc/apt/sources.list | head -n 1)
command -v mmdebstrap >/dev/null || apt-get install -y -qq mmdebstrap >/dev/null
if [ "${KEEP:-}" != 1 ]; then
	rm -rf "$R"
	mmdebstrap --variant=minbase --include=git,ca-certificates --quiet bookworm "$R" \
		"deb $mirror bookworm main" "deb $mirror bookworm-updates main" \
		"deb ${mirror%/debian}/debian-security bookworm-security main"
fi
rm -rf "$R/src" && git clone -q "$TOP" "$R/src"
cp /etc/resolv.conf "$R/etc/resolv.conf"
mkdir -p "$R/.oldroot"
exec unshare -m sh -c '
set -e
R=$1
mount --make-rprivate /
mount --bind "$R" "$R"
mount -t proc proc "$R/proc"
mount --rbind /dev "$R/dev"
mount --rbind /sys "$R/sys"
mount -t tmpfs tmpfs "$R/tmp"
cd "$R"
pivot_root . .oldroot
umount -l /.oldroot
cd /src
exec env -i CI=true HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin bash .ci/run
' sh "$R"
