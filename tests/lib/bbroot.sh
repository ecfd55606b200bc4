# tests/lib/bbroot.sh - a root filesystem from the host's static busybox, for tests that
# need an image but no registry.
#   bbroot     $T/rootfs: busybox and its applets, an /etc with a user 'app' (1000)
#              who owns /home/app and /data, /etc/motd, /etc/marker ("in the
#              container"), /data/seed ("seeded"); $T/rootfs.tar and $T/rootfs.tgz of
#              it (readable by all). Prints why and fails without a static busybox.
bbroot() {
	BB=/bin/busybox
	if ! file -L "$BB" 2>/dev/null | grep -q 'statically linked'; then
		echo "no static $BB (Debian's busybox-static)"
		return 1
	fi
	R=$T/rootfs
	mkdir -p "$R/bin" "$R/etc" "$R/tmp" "$R/home/app" "$R/data" "$R/proc" "$R/sys" "$R/dev"
	cp "$BB" "$R/bin/busybox"
	for a in sh cat ls ln echo id stat rm mkdir sleep touch pwd env mount grep true; do ln -s busybox "$R/bin/$a"; done
	printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n' >"$R/etc/passwd"
	printf 'root:x:0:\napp:x:1000:\n' >"$R/etc/group"
	echo motd >"$R/etc/motd"
	echo "in the container" >"$R/etc/marker"
	echo seeded >"$R/data/seed"
	chown 1000:1000 "$R/home/app" "$R/data" "$R/data/seed"
	chmod 1777 "$R/tmp"
	tar -C "$R" -cf "$T/rootfs.tar" . && gzip -c "$T/rootfs.tar" >"$T/rootfs.tgz" &&
		chmod 644 "$T/rootfs.tar" "$T/rootfs.tgz"
}
