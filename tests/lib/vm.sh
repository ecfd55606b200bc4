# tests/lib/vm.sh - system tests under qemu-system: Debian's own kernels, an initramfs
# made here (busybox-static, the cbox binaries, overlay.ko + tun.ko of the same kernel,
# the images of vmimage.py, tests/vm/init.sh), one boot per kernel.
#   vm_apt SUITE ARGS...        apt-get/apt-cache ARGS through the host's apt (bookworm)
#                               or a private APT_CONFIG for another SUITE, whose sources
#                               are the host's with the suite name replaced
#   vm_kernel SUITE DEBARCH     extract SUITE's linux-image-DEBARCH into the cache; sets
#                               VM_KDIR (the extracted package) VM_KVER (uname -r)
#                               VM_KPKG (package_version); returns 1 with VM_WHY
#   vm_busybox SUITE DEBARCH    sets VM_BUSYBOX (the static binary); 1 with VM_WHY
#   vm_initramfs OUT KDIR BUSYBOX IMAGEDIR CBOX [TINY]   cpio newc + gzip of the guest
#   vm_boot DEBARCH KDIR INITRD LOG TIMEOUT      qemu-system until poweroff; rc 124 on timeout
# Kernels and debs are cached in $CBOX_CACHE/vm (default ~/.cache/cbox/vm), keyed by the
# package's version: a new kernel in the archive is a new directory.
VM_CACHE=${CBOX_CACHE:-${HOME:-/root}/.cache/cbox}/vm
VM_MODULES="overlay tun"

vm_apt() {
	suite=$1
	shift
	if [ "$suite" = bookworm ]; then
		"$@"
		return
	fi
	a=$VM_CACHE/apt-$suite
	if [ ! -f "$a/apt.conf" ] || [ -z "$(ls "$a/lists" 2>/dev/null | grep _Packages)" ] ||
		[ -n "$(find "$a/lists" -maxdepth 0 -mmin +1440 2>/dev/null)" ]; then
		mkdir -p "$a/sources.list.d" "$a/lists/partial" "$a/cache/archives/partial"
		# The host's configured sources, bookworm -> SUITE: no host name written here.
		for f in /etc/apt/sources.list.d/*.sources; do
			[ -f "$f" ] || continue
			case "$f" in *cbox-deb-src*) continue ;; esac
			sed "s/bookworm/$suite/g" "$f" >"$a/sources.list.d/$(basename "$f")"
		done
		grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
			sed "s/bookworm/$suite/g" >"$a/sources.list.d/host.list" || true
		cat >"$a/apt.conf" <<EOF
Dir::Etc::sourcelist "/dev/null";
Dir::Etc::sourceparts "$a/sources.list.d";
Dir::State::lists "$a/lists";
Dir::Cache "$a/cache";
Dir::State::status "/dev/null";
APT::Architectures { "amd64"; "arm64"; };
EOF
		APT_CONFIG=$a/apt.conf apt-get update -qq >"$a/update.log" 2>&1 || touch -d '2 days ago' "$a/lists" 2>/dev/null
		touch "$a/lists"
	fi
	APT_CONFIG=$a/apt.conf "$@"
}

# _vm_download SUITE PKG:ARCH DEST [VERSION] - the .deb in DEST (cached), its path in VM_DEB.
_vm_download() {
	suite=$1 pkg=$2 dest=$3 ver=${4:-}
	[ -n "$ver" ] || ver=$(vm_apt "$suite" apt-cache show --no-all-versions "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | head -n 1)
	[ -n "$ver" ] || { VM_WHY="$pkg: apt has no candidate in $suite"; return 1; }
	_vm_name=${pkg%:*} arch=${pkg#*:}
	# apt-get download writes the epoch as %3a
	fname=${_vm_name}_$(echo "$ver" | sed 's/:/%3a/')_$arch.deb
	f=$(ls "$dest/$fname" 2>/dev/null)
	if [ -z "$f" ]; then
		mkdir -p "$dest"
		(cd "$dest" && vm_apt "$suite" apt-get download -qq "$pkg=$ver") >"$dest/download.log" 2>&1 ||
			{ VM_WHY="apt-get download $pkg=$ver ($suite) failed: $(tail -n 1 "$dest/download.log" | sed 's|[a-z]*://[^ ]*|URL|g')"; return 1; }
		f=$(ls "$dest/$fname" 2>/dev/null)
	fi
	[ -n "$f" ] || { VM_WHY="$pkg=$ver: no .deb after apt-get download"; return 1; }
	VM_DEB=$f
}

vm_kernel() {
	suite=$1 debarch=$2
	meta=linux-image-$debarch:$debarch
	# Each published version of the meta package names a kernel package; newest first, the
	# first that downloads (a mirror may lack the newest security upload).
	pkgs=$(vm_apt "$suite" apt-cache show "$meta" 2>/dev/null | sed -n 's/^Depends: \(linux-image-[^ ,]*\) (= \([^)]*\)).*/\1=\2/p')
	[ -n "$pkgs" ] || { VM_WHY="$meta: not found in $suite (apt-cache show)"; return 1; }
	ok=0
	for pv in $pkgs; do
		_vm_download "$suite" "${pv%=*}:$debarch" "$VM_CACHE/debs" "${pv#*=}" && ok=1 && break
	done
	[ "$ok" = 1 ] || return 1
	VM_WHY=
	deb=$VM_DEB
	VM_KPKG=$(basename "$deb" .deb | sed 's/%3a/_/')
	VM_KDIR=$VM_CACHE/$VM_KPKG-$(echo "$VM_MODULES" | tr ' ' '+')
	if [ ! -f "$VM_KDIR/.done" ]; then
		rm -rf "$VM_KDIR.tmp"
		mkdir -p "$VM_KDIR.tmp"
		x=$VM_KDIR.tmp/x
		dpkg-deb -x "$deb" "$x" || { VM_WHY="dpkg-deb -x $deb failed"; return 1; }
		# Only what a boot needs is kept: the kernel, and the modules of VM_MODULES with
		# their dependencies (flat, in load order).
		kv=$(ls "$x/lib/modules" | head -n 1)
		echo "$kv" >"$VM_KDIR.tmp/kver"
		cp "$x/boot/vmlinuz-$kv" "$VM_KDIR.tmp/vmlinuz" 2>/dev/null || { VM_WHY="$VM_KPKG: no boot/vmlinuz-$kv"; return 1; }
		# shellcheck disable=SC2086
		_vm_modules "$x/lib/modules/$kv" "$VM_KDIR.tmp/modules" $VM_MODULES
		rm -rf "$x"
		touch "$VM_KDIR.tmp/.done"
		rm -rf "$VM_KDIR" && mv "$VM_KDIR.tmp" "$VM_KDIR"
	fi
	VM_KVER=$(cat "$VM_KDIR/kver")
	return 0
}

vm_busybox() {
	suite=$1 debarch=$2
	# Every published version, newest first (a mirror may lack the newest upload).
	ok=0
	for v in $(vm_apt "$suite" apt-cache show "busybox-static:$debarch" 2>/dev/null | sed -n 's/^Version: //p'); do
		_vm_download "$suite" "busybox-static:$debarch" "$VM_CACHE/debs" "$v" && ok=1 && break
	done
	[ "$ok" = 1 ] || { VM_WHY=${VM_WHY:-busybox-static:$debarch: not found in $suite}; return 1; }
	VM_WHY=
	deb=$VM_DEB
	d=$VM_CACHE/$(basename "$deb" .deb | sed 's/%3a/_/')
	if [ ! -f "$d/.done" ]; then
		rm -rf "$d.tmp" && mkdir -p "$d.tmp"
		dpkg-deb -x "$deb" "$d.tmp" || { VM_WHY="dpkg-deb -x $deb failed"; return 1; }
		touch "$d.tmp/.done"
		rm -rf "$d" && mv "$d.tmp" "$d"
	fi
	VM_BUSYBOX=$d/bin/busybox
}

# _vm_modules MDIR DEST NAME... - NAME.ko and the modules it depends on (the .ko's own
# "depends=" modinfo; the deb has no modules.dep), dependencies first, copied flat into
# DEST (decompressed); the load order in DEST/order. A built-in NAME is left out.
_vm_modules() {
	mdir=$1 dest=$2
	shift 2
	mkdir -p "$dest"
	touch "$dest/order"
	for m in "$@"; do
		grep -qx "$m.ko" "$dest/order" && continue
		p=$(grep -E "(^|/)$m\.ko(\.[a-z]+)?\$" "$mdir/modules.order" | head -n 1)
		[ -n "$p" ] || continue # built in (or absent: insmod in the guest says so)
		case "$p" in
		*.ko) cp "$mdir/$p" "$dest/$m.ko" ;;
		*.ko.xz) xz -dc "$mdir/$p" >"$dest/$m.ko" ;;
		*.ko.zst) zstd -qdc "$mdir/$p" >"$dest/$m.ko" ;;
		*.ko.gz) gzip -dc "$mdir/$p" >"$dest/$m.ko" ;;
		esac
		deps=$(tr '\0' '\n' <"$dest/$m.ko" | sed -n 's/^depends=//p' | head -n 1 | tr ',' ' ')
		# shellcheck disable=SC2086
		[ -n "$deps" ] && _vm_modules "$mdir" "$dest" $deps
		echo "$m.ko" >>"$dest/order"
	done
}

# vm_initramfs OUT KDIR BUSYBOX IMAGEDIR CBOX [TINY]
vm_initramfs() {
	out=$1 kd=$2 bb=$3 imgs=$4 cb=$5 tiny=${6:-}
	r=$out.root
	rm -rf "$r"
	mkdir -p "$r/bin" "$r/sbin" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/vm" "$r/root" "$r/home" "$r/usr/local/bin"
	cp "$bb" "$r/bin/busybox"
	ln -s busybox "$r/bin/sh"
	cp "$cb" "$r/bin/cbox"
	[ -n "$tiny" ] && cp "$tiny" "$r/bin/cbox-tiny"
	cp -r "$kd/modules" "$r/vm/modules"
	cp "$imgs"/*.tar "$r/vm/"
	cp "$TOP/tests/vm/init.sh" "$r/init"
	chmod 755 "$r/init"
	# No /etc at all: the root scenarios run with /etc missing; the rootless ones make it.
	(cd "$r" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -1 >"$out" || return 1
	rm -rf "$r"
}

# vm_boot DEBARCH KDIR INITRD LOG TIMEOUT
vm_boot() {
	debarch=$1 kd=$2 initrd=$3 log=$4 to=$5
	k=$kd/vmlinuz
	case "$debarch" in
	amd64) set -- qemu-system-x86_64 -machine q35 -cpu max -append "console=ttyS0 panic=-1 quiet" ;;
	arm64) set -- qemu-system-aarch64 -machine virt -cpu max -append "console=ttyAMA0 panic=-1 quiet" ;;
	esac
	timeout -k 10 "$to" "$@" -m 1024 -smp 1 -nographic -no-reboot -nodefaults -serial stdio \
		-kernel "$k" -initrd "$initrd" </dev/null >"$log" 2>&1
}
