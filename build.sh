#!/bin/sh
# build.sh - the one driver for cbox: host packages, pinned vendor sources, static musl
# builds of the dependencies, config, compile, test, bench and cross builds.
#
#   ./build.sh                      build ./cbox for this machine (ARCH=aarch64: ./cbox-aarch64,
#                                   ARCH=armv7: ./cbox-armv7)
#   ./build.sh demo                 build, make an image from Debian's busybox-static, run it
#   ./build.sh test                 build if needed, run every test, end with "N passed, N failed"
#   ./build.sh defconfig|tiny_defconfig|oldconfig|menuconfig
#   ./build.sh deps|fetch|vendor    the individual steps
#   ./build.sh bench                run bench/*.sh
#   ./build.sh fuzz [NAME] [SECS]   build the libFuzzer harnesses (tests/fuzz/NAME_fuzz.c), replay
#                                   their regression inputs, fuzz each for SECS (default 60);
#                                   ./build.sh fuzz build: only build them
#   ./build.sh clean                remove build outputs (the vendor cache stays)
#
# Environment: ARCH (x86_64|aarch64|armv7) or CROSS_COMPILE=aarch64-linux-gnu- (or
# arm-linux-gnueabihf-), CBOX_CACHE (default ~/.cache/cbox), CBOX_SOURCES (offline source
# dir, default $CBOX_CACHE/sources), JOBS.
set -eu

TOP=$(cd "$(dirname "$0")" && pwd)
cd "$TOP"

die() { echo "build.sh: $*" >&2; exit 1; }
say() { echo "build.sh: $*" >&2; }

# ---- target selection -------------------------------------------------------------------
case "${CROSS_COMPILE:-}" in
aarch64-*) ARCH=${ARCH:-aarch64} ;;
arm-*) ARCH=${ARCH:-armv7} ;;
esac
ARCH=${ARCH:-$(uname -m)}
case "$ARCH" in
x86_64 | amd64) ARCH=x86_64 DEBARCH=amd64 GNU=x86_64-linux-gnu ;;
aarch64 | arm64) ARCH=aarch64 DEBARCH=arm64 GNU=aarch64-linux-gnu ;;
armv7 | armv7l | armhf) ARCH=armv7 DEBARCH=armhf GNU=arm-linux-gnueabihf ;;
*) die "unsupported ARCH '$ARCH' (x86_64, aarch64 or armv7)" ;;
esac
# musl's triple (its specs file's directory, the vendor builds' --host), qemu-user's name
# and meson's cpu family for the arch.
case "$ARCH" in
armv7) MUSL=arm-linux-musleabihf QEMU=arm MESON_CPU=arm ;;
*) MUSL=$ARCH-linux-musl QEMU=$ARCH MESON_CPU=$ARCH ;;
esac
HOSTARCH=$(dpkg --print-architecture 2>/dev/null || uname -m)
NATIVE=0
[ "$DEBARCH" = "$HOSTARCH" ] && NATIVE=1
if [ "$NATIVE" = 1 ]; then OUT=$TOP/cbox; else OUT=$TOP/cbox-$ARCH; fi

CACHE=${CBOX_CACHE:-${HOME:-/root}/.cache/cbox}
SOURCES=${CBOX_SOURCES:-$CACHE/sources}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}
BUILD=$TOP/build/$ARCH
# Bump when the generic vendor build environment below changes, so caches rebuild.
VENDOR_ABI=4

# ---- host packages ----------------------------------------------------------------------
BUILD_PKGS="gcc make musl-tools musl-dev meson ninja-build pkg-config dpkg-dev cmake python3
 xz-utils bzip2 file gperf kconfig-frontends-nox linux-libc-dev"
CROSS_PKGS="gcc-$GNU musl-dev:$DEBARCH linux-libc-dev-$DEBARCH-cross qemu-user-static"
# The fuzz harnesses: clang's libFuzzer and sanitizers against the host's glibc and the
# host's builds of the vendor libraries (stock zlib is also the differential's reference).
FUZZ_PKGS="clang-14 libclang-rt-14-dev llvm-14 zlib1g-dev libzstd-dev libcjson-dev libbearssl-dev libseccomp-dev"
# Everything the test world needs; later issues add their peers here.
TEST_PKGS="qemu-user-static binfmt-support util-linux libcap2-bin docker-registry skopeo umoci openssl curl jq iproute2
 busybox-static ca-certificates python3-cryptography mmdebstrap debian-archive-keyring zstd gzip tar file python3 attr dnsmasq-base
 uidmap qemu-system-x86 qemu-system-arm cpio podman conmon containerd runc crun slirp4netns $FUZZ_PKGS"

pkg_missing() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
	done
}

# ensure_pkgs PKG... - install what is missing (as root), or print the exact command and stop.
ensure_pkgs() {
	missing=$(pkg_missing "$@" | tr '\n' ' ')
	[ -z "$missing" ] && return 0
	# Foreign Debian architectures the missing packages name (musl-dev:arm64, :armhf).
	foreign=$(echo "$missing" | tr ' ' '\n' | sed -n 's/^[^:]*://p' | sort -u)
	if [ "$(id -u)" != 0 ]; then
		for a in $foreign; do echo "  sudo dpkg --add-architecture $a" >&2; done
		die "missing host packages; run: sudo apt-get update && sudo apt-get install -y $missing"
	fi
	for a in $foreign; do
		dpkg --print-foreign-architectures | grep -qx "$a" || dpkg --add-architecture "$a"
	done
	say "installing: $missing"
	apt-get update -qq >&2 || die "apt-get update failed"
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2 ||
		die "apt-get install failed: $missing"
}

deps() {
	pkgs=$BUILD_PKGS
	[ "$NATIVE" = 1 ] || pkgs="$pkgs $CROSS_PKGS"
	# shellcheck disable=SC2086
	ensure_pkgs $pkgs
}

# ---- sources: pinned, hash-checked, through apt's configured deb-src -------------------
# deb-src entries that mirror the configured deb ones, so `apt-get source` works.
ensure_deb_src() {
	apt-cache showsrc zlib 2>/dev/null | grep -q '^Package:' && return 0
	[ "$(id -u)" = 0 ] || die "no deb-src entries: add 'deb-src' lines mirroring your 'deb' lines, run apt-get update, or set CBOX_SOURCES to a directory holding the sources"
	out=/etc/apt/sources.list.d/cbox-deb-src
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		case "$f" in "$out".sources) continue ;; esac
		sed -n 's/^Types: *deb$/Types: deb-src/; /^Types:/,/^$/p' "$f"
		echo
	done >"$out.sources.tmp"
	grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
		sed 's/^deb /deb-src /' >"$out.list.tmp" || true
	if grep -q . "$out.sources.tmp"; then mv "$out.sources.tmp" "$out.sources"; else rm -f "$out.sources.tmp"; fi
	if grep -q . "$out.list.tmp"; then mv "$out.list.tmp" "$out.list"; else rm -f "$out.list.tmp"; fi
	say "enabled deb-src entries mirroring apt's deb entries"
	apt-get update -qq >&2 || die "apt-get update failed"
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# fetch_recipe - make sure $SOURCES holds the pinned source of the loaded recipe, verified.
fetch_recipe() {
	mkdir -p "$SOURCES"
	if [ ! -f "$SOURCES/$ORIG" ] || ! ls "$SOURCES/${SRCPKG}"_*.dsc >/dev/null 2>&1; then
		ensure_deb_src
		# Newest first; fall back to older published versions when a mirror lacks a file.
		for v in $(apt-cache showsrc "$SRCPKG" | sed -n 's/^Version: //p'); do
			(cd "$SOURCES" && apt-get source --download-only -qq "$SRCPKG=$v" >/dev/null 2>&1) && break
			rm -f "$SOURCES/${SRCPKG}_"*"${v#*:}"*.dsc
		done
	fi
	[ -f "$SOURCES/$ORIG" ] || die "$NAME: source $ORIG not found in $SOURCES nor through apt-get source $SRCPKG"
	got=$(sha256_of "$SOURCES/$ORIG")
	[ "$got" = "$SHA256" ] || die "$NAME: $ORIG: sha256 mismatch (got $got, want $SHA256)"
}

# unpack_recipe DIR - the verified upstream source, with Debian's patches (security fixes)
# when the .dsc that carries them is at hand.
unpack_recipe() {
	rm -rf "$1"
	mkdir -p "$(dirname "$1")"
	dsc=$(ls -t "$SOURCES/${SRCPKG}"_*.dsc 2>/dev/null | head -n 1 || true)
	if [ -n "$dsc" ] && grep -q " $ORIG\$" "$dsc"; then
		dpkg-source --no-copy -x "$dsc" "$1" >/dev/null 2>&1 || die "$NAME: dpkg-source -x $dsc failed"
		say "$NAME: $(basename "$dsc" .dsc) (upstream $VERSION + Debian patches)"
	else
		mkdir -p "$1"
		tar -xf "$SOURCES/$ORIG" -C "$1" --strip-components=1
		say "$NAME: upstream $VERSION"
	fi
}

# ---- toolchain: gcc + musl specs + kernel headers --------------------------------------
toolchain() {
	TC=$CACHE/$ARCH/toolchain
	specs=/usr/lib/$MUSL/musl-gcc.specs
	[ -f "$specs" ] || die "musl for $ARCH not installed ($specs missing): run ./build.sh deps"
	if [ "$NATIVE" = 1 ]; then
		gcc=gcc khdr_arch=/usr/include/$GNU/asm khdr=/usr/include
	else
		gcc=${CROSS_COMPILE:-$GNU-}gcc khdr=/usr/$GNU/include khdr_arch=$khdr/asm
	fi
	command -v "$gcc" >/dev/null || die "$gcc not found: run ./build.sh deps"
	[ -d "$khdr/linux" ] && [ -d "$khdr_arch" ] || die "kernel headers for $ARCH missing ($khdr/linux, $khdr_arch): run ./build.sh deps"
	CROSS=${gcc%gcc}
	mkdir -p "$TC/bin" "$TC/khdr"
	# musl-gcc's specs say -nostdinc: the kernel headers come back through one -isystem dir.
	# Every file here is replaced by rename: another build may be using them meanwhile.
	for l in "linux $khdr/linux" "asm-generic $khdr/asm-generic" "asm $khdr_arch"; do
		ln -sfn "${l#* }" "$TC/khdr/.${l%% *}.$$" && mv -T "$TC/khdr/.${l%% *}.$$" "$TC/khdr/${l%% *}"
	done
	printf '#!/bin/sh\nexec %s "$@" -specs %s -isystem %s\n' "$gcc" "$specs" "$TC/khdr" >"$TC/bin/cc.$$"
	chmod +x "$TC/bin/cc.$$" && mv "$TC/bin/cc.$$" "$TC/bin/cc"
	CC=$TC/bin/cc AR=${CROSS}ar RANLIB=${CROSS}ranlib STRIP=${CROSS}strip
	HOST=$MUSL
	# A cross build's test programs run through qemu-user: binfmt_misc may not be mounted.
	wrap=
	[ "$NATIVE" = 1 ] || wrap=$(command -v "qemu-$QEMU-static" || true)
	cat >"$TC/meson.cross.$$" <<EOF
[binaries]
c = '$CC'
ar = '$AR'
strip = '$STRIP'
pkgconfig = 'pkg-config'
${wrap:+exe_wrapper = '$wrap'}
[host_machine]
system = 'linux'
cpu_family = '$MESON_CPU'
cpu = '$ARCH'
endian = 'little'
[properties]
needs_exe_wrapper = $( [ -n "$wrap" ] && echo true || echo false)
EOF
	mv "$TC/meson.cross.$$" "$TC/meson.cross"
	TOOLCHAIN_ID="$ARCH $($gcc --version | head -n 1) musl $(dpkg-query -W -f='${Version}' "musl-dev:$DEBARCH" 2>/dev/null || true) abi$VENDOR_ABI"
	export CC AR RANLIB STRIP HOST
}

# ---- vendor recipes ---------------------------------------------------------------------
RECIPES="zlib zstd bearssl cjson libcap libseccomp libffi pcre2 glib libslirp"

# vendor/NAME.recipe.ARCH, when there is one, is sourced after vendor/NAME.recipe for that
# ARCH only (it redefines what differs there, e.g. recipe_build); it joins that arch's key
# alone, so an overlay for one arch leaves the other arches' cached builds as they are.
load_recipe() {
	NAME= VERSION= SRCPKG= ORIG= SHA256= DEPS=
	. "$TOP/vendor/$1.recipe"
	if [ -f "$TOP/vendor/$1.recipe.$ARCH" ]; then . "$TOP/vendor/$1.recipe.$ARCH"; fi
	[ "$NAME" = "$1" ] || die "vendor/$1.recipe: NAME is '$NAME'"
}

# recipe_key NAME - hash of the recipe, the toolchain and the keys of its dependencies.
recipe_key() {
	(
		load_recipe "$1"
		{
			cat "$TOP/vendor/$1.recipe"
			if [ -f "$TOP/vendor/$1.recipe.$ARCH" ]; then cat "$TOP/vendor/$1.recipe.$ARCH"; fi
			echo "$TOOLCHAIN_ID"
			for d in $DEPS; do recipe_key "$d"; done
		} | sha256sum | cut -c1-16
	)
}

prefix_of() { echo "$CACHE/$ARCH/$1-$(recipe_key "$1")"; }

# build_recipe NAME - build into its own prefix; the prefix appears by rename only when done.
build_recipe() {
	load_recipe "$1"
	PREFIX=$(prefix_of "$1")
	[ -f "$PREFIX/.done" ] && return 0
	for d in $DEPS; do (build_recipe "$d"); done
	load_recipe "$1"
	# Two builds at once (two checkouts, two arches) take turns per recipe; the one that
	# waited finds it done. Each builds in dirs of its own and publishes by rename.
	mkdir -p "$CACHE/$ARCH/work" "$SOURCES"
	exec 9>"$SOURCES/.$NAME.lock" # the sources are shared by the arches too
	flock 9
	[ -f "$PREFIX/.done" ] && { exec 9>&-; return 0; }
	fetch_recipe
	src=$CACHE/$ARCH/work/$NAME.$$
	unpack_recipe "$src"
	final=$PREFIX
	PREFIX=$final.tmp.$$
	rm -rf "$PREFIX"
	mkdir -p "$PREFIX/lib/pkgconfig" "$PREFIX/include"
	DEP_PC= DEP_CFLAGS= DEP_LDFLAGS=
	for d in $DEPS; do
		p=$(prefix_of "$d")
		DEP_PC=$DEP_PC${DEP_PC:+:}$p/lib/pkgconfig
		DEP_CFLAGS="$DEP_CFLAGS -I$p/include"
		DEP_LDFLAGS="$DEP_LDFLAGS -L$p/lib"
	done
	CFLAGS="-Os -fPIC -ffunction-sections -fdata-sections$DEP_CFLAGS"
	say "building $NAME $VERSION for $ARCH"
	log=$CACHE/$ARCH/work/$NAME.log
	# A separate shell, so that `set -e` holds inside the recipe.
	if ! env PREFIX="$PREFIX" DEP_PC="$DEP_PC" CFLAGS="$CFLAGS" DEP_LDFLAGS="$DEP_LDFLAGS" \
		CACHE="$CACHE" ARCH="$ARCH" JOBS="$JOBS" PKG_CONFIG_PATH="$DEP_PC" PKG_CONFIG_LIBDIR="$DEP_PC" \
		sh -ec '. "$1"; [ ! -f "$1.$ARCH" ] || . "$1.$ARCH"; cd "$2"; recipe_build' recipe "$TOP/vendor/$NAME.recipe" "$src" >"$log" 2>&1; then
		tail -n 30 "$log" >&2
		die "$NAME: build failed (full log: $log)"
	fi
	# pkg-config files name the prefix they were installed to: point them at the final one.
	for pc in "$PREFIX"/lib/pkgconfig/*.pc; do
		[ -f "$pc" ] && sed -i "s|$PREFIX|$final|g" "$pc"
	done
	echo "$VERSION" >"$PREFIX/.version"
	touch "$PREFIX/.done"
	rm -rf "$final" && mv "$PREFIX" "$final"
	rm -rf "$src"
	exec 9>&-
}

vendor() {
	toolchain
	for r in ${*:-$RECIPES}; do (build_recipe "$r"); done
}

fetch() {
	for r in ${*:-$RECIPES}; do
		load_recipe "$r"
		fetch_recipe
	done
}

# ---- config -----------------------------------------------------------------------------
KCONF_GEN=$TOP/build/Kconfig.applets
# core/ in folders along the data flow (README, "Source layout"); headers are found by name
CORE_INC="-Icore/base -Icore/image -Icore/runtime -Icore/net -Icore/cli"

# Each applet's //config: lines become its Kconfig stanza.
gen_kconfig() {
	mkdir -p "$TOP/build"
	for f in "$TOP"/applets/*.c; do
		sed -n 's,^//config:,,p' "$f"
		echo
	done >"$KCONF_GEN.tmp"
	# Rewritten only when changed, so its mtime says when an applet stanza changed.
	if cmp -s "$KCONF_GEN.tmp" "$KCONF_GEN"; then rm "$KCONF_GEN.tmp"; else mv "$KCONF_GEN.tmp" "$KCONF_GEN"; fi
}

kconf() {
	gen_kconfig
	command -v kconfig-conf >/dev/null || deps
	KCONFIG_CONFIG=.config kconfig-conf "$@" Kconfig >/dev/null
}

ensure_config() {
	if [ ! -f .config ]; then
		say "no .config: using configs/defconfig"
		kconf --defconfig=configs/defconfig
		return
	fi
	gen_kconfig
	# New or changed symbols get their defaults.
	if [ "$KCONF_GEN" -nt .config ] || [ Kconfig -nt .config ] || [ core/Kconfig -nt .config ]; then
		kconf --olddefconfig
	fi
}

# .config -> config.h: every Kconfig symbol becomes CFG_X 0/1 (or its string value).
gen_config_h() {
	{
		echo "/* generated by build.sh from .config: do not edit */"
		cat Kconfig core/Kconfig "$KCONF_GEN" | sed -n 's/^[[:space:]]*config \([A-Z0-9_]*\).*/\1/p' | sort -u |
			while read -r sym; do
				line=$(grep "^CONFIG_$sym=" .config || true)
				case "$line" in
				*=y) echo "#define CFG_$sym 1" ;;
				*=\"*) echo "#define CFG_$sym ${line#*=}" ;;
				*=*) echo "#define CFG_$sym ${line#*=}" ;;
				*) echo "#define CFG_$sym 0" ;;
				esac
			done
	} >"$BUILD/config.h.tmp"
	cmp -s "$BUILD/config.h.tmp" "$BUILD/config.h" 2>/dev/null && rm "$BUILD/config.h.tmp" ||
		mv "$BUILD/config.h.tmp" "$BUILD/config.h"
}

enabled() { grep -q "^CONFIG_$1=y" .config; }

# The sorted applet table and usage texts, from each enabled applet's header comments.
gen_applets() {
	: >"$BUILD/applets.h.tmp"
	: >"$BUILD/applets.list"
	sed -n 's,^//cmd:,,p' core/cli/help.c >"$BUILD/cmds.h.tmp"
	for f in applets/*.c; do
		sym=$(sed -n 's,^//config:config \([A-Z0-9_]*\).*,\1,p' "$f" | head -n 1)
		[ -n "$sym" ] || die "$f: no //config: stanza"
		enabled "$sym" || continue
		echo "$f" >>"$BUILD/applets.list"
		sed -n 's,^//applet:,,p' "$f" >>"$BUILD/applets.h.tmp"
		sed -n 's,^//cmd:,,p' "$f" >>"$BUILD/cmds.h.tmp"
		# "//cmd SYMBOL:CB_CMD(...)": a command that needs CONFIG_SYMBOL too
		sed -n 's,^//cmd \([A-Z0-9_]*\):,\1 ,p' "$f" | while read -r sym line; do
			! enabled "$sym" || echo "$line"
		done >>"$BUILD/cmds.h.tmp"
	done
	# podman's command tree (see core/cli/help.c), sorted by command
	{ echo "/* generated by build.sh: the commands, from the //cmd: lines */"; sort "$BUILD/cmds.h.tmp"; } >"$BUILD/cmds.h.new"
	rm "$BUILD/cmds.h.tmp"
	cmp -s "$BUILD/cmds.h.new" "$BUILD/cmds.h" 2>/dev/null && rm "$BUILD/cmds.h.new" || mv "$BUILD/cmds.h.new" "$BUILD/cmds.h"
	{
		echo "/* generated by build.sh: the applet table, sorted by name */"
		sort "$BUILD/applets.h.tmp"
		echo
		# One usage text per file, shared by every applet the file declares.
		for f in $(cat "$BUILD/applets.list"); do
			for name in $(sed -n 's|^//applet:CB_APPLET(\([a-z0-9_]*\),.*|\1|p' "$f"); do
				printf '#define USAGE_%s \\\n' "$name"
				sed -n 's,^//usage:,,p' "$f" | sed 's/\\/\\\\/g; s/"/\\"/g; s/^/\t"/; s/$/\\n" \\/'
				printf '\t""\n'
			done
		done
	} >"$BUILD/applets.h.new"
	rm "$BUILD/applets.h.tmp"
	cmp -s "$BUILD/applets.h.new" "$BUILD/applets.h" 2>/dev/null && rm "$BUILD/applets.h.new" ||
		mv "$BUILD/applets.h.new" "$BUILD/applets.h"
}

# The CA bundle for CONFIG_EMBEDDED_CA as a C array (empty when off).
gen_embedded_ca() {
	f=$(sed -n 's/^CONFIG_EMBEDDED_CA_FILE="\(.*\)"$/\1/p' .config)
	{
		echo "/* generated by build.sh: the CA bundle of CONFIG_EMBEDDED_CA */"
		echo "static const unsigned char cb_embedded_ca[] = {"
		if enabled EMBEDDED_CA; then
			[ -r "$f" ] || { ensure_pkgs ca-certificates; [ -r "$f" ] || die "CONFIG_EMBEDDED_CA_FILE: cannot read $f"; }
			od -An -v -tx1 "$f" | sed 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'
		fi
		echo "0 };"
	} >"$BUILD/embedded_ca.h.new"
	cmp -s "$BUILD/embedded_ca.h.new" "$BUILD/embedded_ca.h" 2>/dev/null && rm "$BUILD/embedded_ca.h.new" ||
		mv "$BUILD/embedded_ca.h.new" "$BUILD/embedded_ca.h"
}

# ---- compile ----------------------------------------------------------------------------
WARN="-Wall -Wextra -Werror -Wno-unused-parameter -Wno-format-truncation"
COPT="-Os -std=gnu11 -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -D_GNU_SOURCE"
VERSION_CBOX=$(cat VERSION 2>/dev/null || echo 0.0.0)

vendor_flags() {
	VINC= VLIB= VDEFS=
	for r in $RECIPES; do
		p=$(prefix_of "$r")
		[ -f "$p/.done" ] || die "vendor $r for $ARCH is not built"
		VINC="$VINC -I$p/include"
		VLIB="$VLIB -L$p/lib"
		uc=$(echo "$r" | tr 'a-z' 'A-Z')
		VDEFS="$VDEFS -DCB_VER_$uc=\"$(cat "$p/.version")\""
	done
	VINC="$VINC -I$(prefix_of glib)/include/glib-2.0 -I$(prefix_of glib)/lib/glib-2.0/include"
}

# Static libraries cost nothing unless referenced, so all are offered to the linker.
LIBS="-lslirp -lglib-2.0 -lpcre2-8 -lseccomp -lcap -lcjson -lzstd -lz -lbearssl"

compile() {
	toolchain
	vendor
	ensure_config
	mkdir -p "$BUILD/obj"
	gen_config_h
	gen_applets
	vendor_flags
	gen_embedded_ca
	# Hardening of our own code (CONFIG_STACK_PROTECTOR, CONFIG_PIE; the vendor libraries
	# keep their recipes' flags: built -fPIC, they link into a static PIE). musl's headers
	# have no _FORTIFY_SOURCE checks, so -D_FORTIFY_SOURCE would change nothing.
	harden= link=-static
	enabled STACK_PROTECTOR && harden=-fstack-protector-strong
	enabled PIE && harden="$harden -fPIE" link=pie
	flags="$COPT $harden $WARN -I$BUILD $CORE_INC $VINC $VDEFS -DCB_VERSION=\"$VERSION_CBOX\" -DCB_ARCH=\"$ARCH\""
	echo "$flags" >"$BUILD/flags.new"
	cmp -s "$BUILD/flags.new" "$BUILD/flags" || { mv "$BUILD/flags.new" "$BUILD/flags"; rm -f "$BUILD"/obj/*.o; }
	objs=
	pids=
	for src in core/*/*.c $(cat "$BUILD/applets.list"); do
		obj=$BUILD/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')
		objs="$objs $obj"
		newer=0
		for h in "$src" core/*/*.h "$BUILD/config.h" "$BUILD/applets.h" "$BUILD/cmds.h" "$BUILD/embedded_ca.h"; do
			[ "$h" -nt "$obj" ] && newer=1 && break
		done
		[ -f "$obj" ] && [ "$newer" = 0 ] && continue
		# shellcheck disable=SC2086
		{ $CC $flags -c "$src" -o "$obj.$$" && mv "$obj.$$" "$obj"; } &
		pids="$pids $!"
	done
	for p in $pids; do wait "$p" || die "compile failed"; done
	echo "$VLIB $LIBS -lpthread" >"$BUILD/linkflags"
	# A static PIE: musl's specs file knows only -static, so the start files are named
	# here (rcrt1.o relocates the binary itself: no dynamic linker).
	if [ "$link" = pie ]; then
		crt=$(dirname "$specs") gcrt=$(dirname "$($CC -print-libgcc-file-name)")
		link="-nostartfiles -static -Wl,-pie -Wl,--no-dynamic-linker -Wl,-z,text $crt/rcrt1.o $crt/crti.o $gcrt/crtbeginS.o"
		objs="$objs $VLIB $LIBS -lpthread $gcrt/crtendS.o $crt/crtn.o"
	else
		# Code at a fixed address gains little from rodata on pages of its own: pack
		# the segments (8 KB on x86_64, what keeps tiny_defconfig under 400 KB).
		link="$link -Wl,-z,noseparate-code"
		objs="$objs $VLIB $LIBS -lpthread"
	fi
	# shellcheck disable=SC2086
	$CC $link -Wl,--gc-sections -Wl,-O1 -o "$OUT.$$" $objs || { rm -f "$OUT.$$"; die "link failed"; }
	$STRIP --strip-all -R .comment "$OUT.$$"
	mv "$OUT.$$" "$OUT"
	size=$(stat -c %s "$OUT")
	say "$(basename "$OUT"): $ARCH, $size bytes ($(((size + 1023) / 1024)) KiB) stripped, $(grep -c . "$BUILD/applets.list") applets"
}

# ---- demo: the main job on a host that cannot reach Docker Hub ---------------------------
# An image made from Debian's busybox-static (apt-get download; no root needed), written
# as a docker-archive, loaded by the cbox just built and run: rootless when run as a user.
demo() {
	[ "$NATIVE" = 1 ] || die "demo runs the native build (unset ARCH)"
	d=$BUILD/demo
	rm -rf "$d" && mkdir -p "$d/deb" "$d/img" "$d/root/bin" "$d/root/etc" "$d/root/tmp" "$d/root/root"
	(cd "$d" && apt-get download busybox-static >apt.log 2>&1) ||
		{ tail -n 3 "$d/apt.log" >&2; die "demo: apt-get download busybox-static failed"; }
	dpkg-deb -x "$d"/busybox-static_*.deb "$d/deb"
	cp "$d/deb/bin/busybox" "$d/root/bin/busybox"
	for a in $("$d/root/bin/busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$d/root/bin/$a"; done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$d/root/etc/passwd"
	echo 'root:x:0:' >"$d/root/etc/group"
	chmod 1777 "$d/root/tmp"
	tar --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0 -C "$d/root" -cf "$d/img/layer.tar" .
	diff=$(sha256sum <"$d/img/layer.tar" | cut -d' ' -f1)
	printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
		"$DEBARCH" "$diff" >"$d/img/config.json"
	cfg=$(sha256sum <"$d/img/config.json" | cut -d' ' -f1)
	mv "$d/img/config.json" "$d/img/$cfg.json"
	printf '[{"Config":"%s.json","RepoTags":["cbox-demo:latest"],"Layers":["layer.tar"]}]' "$cfg" >"$d/img/manifest.json"
	tar -C "$d/img" -cf "$d/cbox-demo.tar" manifest.json "$cfg.json" layer.tar
	"$OUT" load -q -i "$d/cbox-demo.tar" >/dev/null || die "demo: cbox load failed"
	say "demo: cbox run --rm cbox-demo echo hello from cbox"
	"$OUT" run --rm cbox-demo echo hello from cbox
}

# ---- fuzzing: libFuzzer + ASan/UBSan, host glibc --------------------------------------
FUZZ=$TOP/build/fuzz
FUZZ_CC=clang-14
FUZZ_CFLAGS="-g -O1 -std=gnu11 -D_GNU_SOURCE -I/usr/include/bearssl -fno-omit-frame-pointer -fsanitize=address,undefined
 -fno-sanitize-recover=all -fno-sanitize=function"
# Core files that need a library no harness reaches (libslirp), and the program itself.
FUZZ_SKIP="main slirp"

# Our zlib for the inflate differential: the recipe's own build (its inflate_fast and
# table sizes), with every symbol z_-prefixed so that stock zlib links beside it.
fuzz_zlib() {
	[ -f "$FUZZ/zlib/.done" ] && [ "$FUZZ/zlib/.done" -nt vendor/zlib-inffast.c ] &&
		[ "$FUZZ/zlib/.done" -nt vendor/zlib.recipe ] && return 0
	load_recipe zlib
	fetch_recipe
	src=$FUZZ/zlib-src
	unpack_recipe "$src"
	rm -rf "$FUZZ/zlib"
	mkdir -p "$FUZZ/zlib/lib" "$FUZZ/zlib/include"
	env PREFIX="$FUZZ/zlib" HOST=$GNU CC=$FUZZ_CC JOBS="$JOBS" \
		CFLAGS="-O1 -g -fPIC -DZ_PREFIX -fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=all" \
		sh -ec '. "$1"; cd "$2"; recipe_build' recipe "$TOP/vendor/zlib.recipe" "$src" >"$FUZZ/zlib.log" 2>&1 ||
		{ tail -n 20 "$FUZZ/zlib.log" >&2; die "fuzz: our zlib did not build (log: $FUZZ/zlib.log)"; }
	rm -rf "$src"
	touch "$FUZZ/zlib/.done"
}

# Core objects (instrumented for coverage) in one archive, so that each harness pulls in
# only what it calls; a harness that includes a core .c file to reach its static
# functions defines that file's symbols itself, and the archive's copy stays out.
fuzz_build() {
	# shellcheck disable=SC2086
	ensure_pkgs $FUZZ_PKGS
	ensure_config
	BUILD=$FUZZ
	mkdir -p "$FUZZ/obj"
	gen_config_h
	gen_applets # help.c's command table (cmds.h)
	gen_embedded_ca
	fuzz_zlib
	defs="-I$FUZZ $CORE_INC -DCB_VERSION=\"$VERSION_CBOX\" -DCB_ARCH=\"$ARCH\""
	objs= pids=
	for src in core/*/*.c; do
		n=$(basename "$src" .c)
		case " $FUZZ_SKIP " in *" $n "*) continue ;; esac
		obj=$FUZZ/obj/$n.o
		objs="$objs $obj"
		[ -f "$obj" ] && [ -z "$(find "$src" core/*/*.h "$FUZZ/config.h" -newer "$obj" 2>/dev/null | head -n 1)" ] &&
			continue
		# shellcheck disable=SC2086
		{ $FUZZ_CC $FUZZ_CFLAGS -fsanitize=fuzzer-no-link $defs -c "$src" -o "$obj.$$" && mv "$obj.$$" "$obj"; } &
		pids="$pids $!"
	done
	for p in $pids; do wait "$p" || die "fuzz: a core file does not compile with $FUZZ_CC"; done
	rm -f "$FUZZ/libcore.a"
	# shellcheck disable=SC2086
	ar rcs "$FUZZ/libcore.a" $objs
	for h in tests/fuzz/*_fuzz.c; do
		n=$(basename "$h" _fuzz.c)
		[ -z "${1:-}" ] || [ "$1" = "$n" ] || continue
		bin=$FUZZ/${n}_fuzz
		if [ ! -f "$bin" ] || [ -n "$(find "$h" tests/fuzz/fuzz.h "$FUZZ/libcore.a" -newer "$bin" | head -n 1)" ]; then
			# shellcheck disable=SC2086
			$FUZZ_CC $FUZZ_CFLAGS -fsanitize=fuzzer $defs -Itests/fuzz -I$FUZZ/zlib/include -o "$bin" "$h" \
				"$FUZZ/libcore.a" "$FUZZ/zlib/lib/libz.a" -lcjson -lzstd -lz -lbearssl -lseccomp -lpthread ||
				die "fuzz: $h does not build"
		fi
	done
	rm -rf "$FUZZ/seeds"
	python3 tests/fuzz/seeds.py "$FUZZ/seeds" || die "fuzz: seeds.py failed"
}

# fuzz_run NAME SECONDS: replay the committed regression inputs, then fuzz from the seeds
# and the corpus kept in build/fuzz/corpus/NAME. A crash leaves its input in
# build/fuzz/crash/ and fails.
fuzz_run() {
	bin=$FUZZ/$1_fuzz
	mkdir -p "$FUZZ/corpus/$1" "$FUZZ/crash" "$FUZZ/seeds/$1"
	reg=tests/fuzz/regress/$1
	if [ -n "$(ls "$reg" 2>/dev/null)" ]; then
		"$bin" -runs=0 "$reg"/* >"$FUZZ/$1.replay.log" 2>&1 ||
			{ tail -n 30 "$FUZZ/$1.replay.log" >&2; say "fuzz $1: a regression input fails (log: $FUZZ/$1.replay.log)"; return 1; }
	fi
	# CBOX_FUZZ_RUNS (the test suite's): a fixed seed and number of runs, so that a run
	# is the same on every machine (the time then only caps a much slower one).
	# shellcheck disable=SC2046
	"$bin" -max_total_time="$2" $( [ -n "${CBOX_FUZZ_RUNS:-}" ] && echo "-seed=1 -runs=$CBOX_FUZZ_RUNS") -print_final_stats=1 -artifact_prefix="$FUZZ/crash/$1-" -max_len=65536 \
		-timeout=10 -rss_limit_mb=2048 "$FUZZ/corpus/$1" "$FUZZ/seeds/$1" >"$FUZZ/$1.log" 2>&1 ||
		{ tail -n 40 "$FUZZ/$1.log" >&2; say "fuzz $1: crashed, input saved as $(ls -t "$FUZZ/crash/$1-"* 2>/dev/null | head -n 1)"; return 1; }
	cov=$(grep -o 'cov: [0-9]*' "$FUZZ/$1.log" | tail -n 1)
	eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$FUZZ/$1.log")
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$FUZZ/$1.log")
	say "fuzz $1: ok, ${CBOX_FUZZ_RUNS:+seed 1, at most }$2 s, $runs runs, $eps exec/s, $cov"
}

fuzz() {
	name=${1:-} secs=${2:-60}
	case "$name" in
	all) name= ;;
	build) fuzz_build; return ;;
	*[!0-9]* | '') ;;
	*) secs=$name name= ;;
	esac
	fuzz_build "$name"
	rc=0
	for h in tests/fuzz/*_fuzz.c; do
		n=$(basename "$h" _fuzz.c)
		[ -z "$name" ] || [ "$name" = "$n" ] || continue
		fuzz_run "$n" "$secs" || rc=1
	done
	return $rc
}

# ---- verbs ------------------------------------------------------------------------------
verb=${1:-build}
case "$verb" in
build) deps && compile ;;
demo) deps && compile && demo ;;
deps) deps; ensure_pkgs $TEST_PKGS ;;
fetch) shift; fetch "$@" ;;
vendor) shift; deps && vendor "$@" ;;
defconfig | tiny_defconfig)
	[ -f "configs/$verb" ] || die "no configs/$verb"
	kconf --defconfig="configs/$verb"
	say ".config from configs/$verb"
	;;
*_defconfig)
	[ -f "configs/$verb" ] || die "no configs/$verb"
	kconf --defconfig="configs/$verb"
	;;
oldconfig) kconf --oldconfig ;;
olddefconfig) kconf --olddefconfig ;;
menuconfig)
	ensure_pkgs kconfig-frontends
	gen_kconfig
	KCONFIG_CONFIG=.config kconfig-mconf Kconfig
	;;
test)
	shift
	deps
	ensure_pkgs $TEST_PKGS
	exec "$TOP/tests/run" "$@"
	;;
fuzz) shift; fuzz "$@" ;;
bench)
	shift
	for b in bench/*.sh; do sh "$b" "$@"; done
	;;
clean) rm -rf build cbox cbox-* ;;
distclean) rm -rf build cbox cbox-* .config .config.old ;;
-h | --help | help) sed -n '2,19s/^# \{0,1\}//p' "$0" ;;
*) die "unknown verb '$verb' (see ./build.sh --help)" ;;
esac
