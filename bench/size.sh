#!/bin/sh
# bench/size.sh - stripped binary sizes, defconfig and tiny_defconfig, per arch.
# Builds in a copy of the tree (this checkout's .config stays) and prints a Markdown table.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
(cd "$TOP" && cp -r build.sh Kconfig VERSION core applets configs vendor "$W/")
cd "$W"
echo "| config | arch | stripped bytes | KiB | target |"
echo "|---|---|---|---|---|"
for cfg in defconfig tiny_defconfig; do
	./build.sh "$cfg" >/dev/null 2>&1
	for arch in x86_64 aarch64; do
		ARCH=$arch ./build.sh >/dev/null 2>&1
		bin=cbox
		[ "$arch" = "$(uname -m)" ] || bin=cbox-$arch
		s=$(stat -c %s "$bin")
		case $cfg in defconfig) t="<= 2 MiB" ;; *) t="<= 400 KB" ;; esac
		echo "| $cfg | $arch | $s | $(((s + 1023) / 1024)) | $t |"
	done
done
