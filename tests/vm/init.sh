#!/bin/sh
# tests/vm/init.sh - /init of the VM tests' initramfs (busybox sh, pid 1, real root, / is
# the initramfs' rootfs: no pivot_root there). Runs the scenarios and prints one
# "PASS name" or "FAIL name: why" line per check on the console, then "VM-DONE" and
# powers off. tests/vm.test prefixes each line with the kernel and arch.
/bin/busybox mkdir -p /usr/bin /usr/sbin
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin:/sbin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmp /tmp
echo 1 >/proc/sys/kernel/printk
hostname vm
ip link set lo up
ARCH=$(uname -m)
KV=$(uname -r)
echo "VM-START $KV $ARCH up $(cut -d" " -f1 /proc/uptime)"

W=/tmp/w
# overlay (and what it needs) now; tun later, after the check that its absence is explained.
for m in $(grep -v '^tun\.ko' /vm/modules/order); do insmod /vm/modules/$m || echo "FAIL insmod $m: failed"; done
mkdir -p $W
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
# tfail NAME RC PATTERN CMD... - CMD (bounded by 300 s) exits RC and its output matches
# PATTERN (grep -E; empty: the status only)
tfail() {
	n=$1 want=$2 pat=$3
	shift 3
	timeout 300 "$@" >$W/out 2>&1
	rc=$?
	if [ $rc != "$want" ]; then
		fail "$n" "exit $rc, want $want: $(tail -n 4 $W/out | tr '\n' '|' | cut -c1-400)"
	elif [ -n "$pat" ] && ! grep -Eq -- "$pat" $W/out; then
		fail "$n" "output lacks /$pat/: $(tail -n 4 $W/out | tr '\n' '|' | cut -c1-400)"
	else
		pass "$n"
	fi
}
# t NAME PATTERN CMD... - tfail with status 0
t() {
	n=$1 pat=$2
	shift 2
	tfail "$n" 0 "$pat" "$@"
}
# no NAME PATTERN CMD... - CMD exits 0 and no output line matches PATTERN
no() {
	n=$1 pat=$2
	shift 2
	timeout 300 "$@" >$W/out 2>&1
	rc=$?
	if [ $rc != 0 ]; then
		fail "$n" "exit $rc: $(tail -n 4 $W/out | tr '\n' '|' | cut -c1-400)"
	elif grep -Eq -- "$pat" $W/out; then
		fail "$n" "output has /$pat/: $(grep -E -- "$pat" $W/out | head -n 2 | tr '\n' '|' | cut -c1-400)"
	else
		pass "$n"
	fi
}

# sh -c "$LOGS_WAIT" sh CBOX... logs NAME: the logs once the first line is there (the
# detached command's echo may land a moment after run -d returns), at most 20 s
LOGS_WAIT='for i in $(seq 1 20); do [ -n "$("$@" 2>/dev/null)" ] && break; sleep 1; done; exec "$@"'

# The image checks (c), in any store: opaque dir, whiteout, owners beyond a mapping,
# rm -rf of an image directory inside the container. $1: prefix, then the cbox command.
image_checks() {
	p=$1
	shift
	t "$p: opaque dir shows only the upper layer's files" '^new$' "$@" run --rm localhost/vmimg ls /opq
	t "$p: whiteout hides /gone" '^gone$' "$@" run --rm localhost/vmimg sh -c 'test -e /gone || echo gone'
	t "$p: files beyond the mapping are there" '^far$' "$@" run --rm localhost/vmimg cat /data/far
	t "$p: rm -rf of an image directory" '^removed$' "$@" run --rm localhost/vmimg sh -c 'rm -rf /data/tree && test ! -e /data/tree && echo removed'
	t "$p: oci-archive image runs" '^new$' "$@" run --rm localhost/vmoci ls /opq
}

# cgroup v2 checks (limits, pause, stats) with the cbox command "$@" (root, or as u in a
# delegated subtree): each prints what it saw; $1 names them, $2 is a directory the
# container may write (the pause counter's).
cg_checks() {
	p=$1 d=$2
	shift 2
	t "$p cgroup: --memory is memory.max" '^33554432$' "$@" run --rm --network none -m 32m localhost/vmimg cat /sys/fs/cgroup/memory.max
	t "$p cgroup: its own cgroup namespace" '^0::/$' "$@" run --rm --network none -m 32m localhost/vmimg cat /proc/self/cgroup
	t "$p cgroup: over --memory is OOM-killed (137)" '^exit 137$' sh -c '"$@" run --rm --network none -m 16m localhost/vmimg \
		awk "BEGIN { s = \"x\"; while (1) s = s s }"; echo "exit $?"' sh "$@"
	# (busybox sh gives up the script when fork fails: status 2)
	tfail "$p cgroup: --pids-limit makes fork fail" 2 "can.t fork: Resource temporarily unavailable" "$@" run --rm --network none \
		--pids-limit 4 localhost/vmimg sh -c 'for i in 1 2 3 4 5 6; do sleep 2 & done; wait'
	t "$p cgroup: exec runs in the container's cgroup" '^0::/$' sh -c '"$@" run -d --name ex --network none -m 32m localhost/vmimg sleep 600 >/dev/null &&
		"$@" exec ex cat /proc/self/cgroup; r=$?; "$@" rm -f ex >/dev/null; exit $r' sh "$@"
	t "$p cgroup: --cpus is cpu.max" '^50000 100000$' "$@" run --rm --network none --cpus 0.5 localhost/vmimg cat /sys/fs/cgroup/cpu.max
	# pause: a counter on a bind stops while paused and goes on after unpause
	t "$p pause: the process stops, ps and inspect say paused; unpause resumes" '^ok ' sh -c '
		d=$1; shift
		"$@" run -d --name pz --network none -v $d:/pz localhost/vmimg sh -c "i=0; while :; do i=\$((i+1)); echo \$i >/pz/n; sleep 0.2; done" >/dev/null || exit 1
		sleep 2; "$@" pause pz >/dev/null || exit 2
		s=$("$@" inspect --format "{{.State.Status}}" pz); ps=$("$@" ps --format "{{.Status}}")
		a=$(cat $d/n); sleep 2; b=$(cat $d/n)
		"$@" unpause pz >/dev/null || exit 3
		sleep 2; c=$(cat $d/n); "$@" rm -f pz >/dev/null
		echo "status=$s ps=$ps counter $a $b then $c"
		[ "$s" = paused ] && [ "$ps" = Paused ] && [ "$a" = "$b" ] && [ "$c" -gt "$b" ] && echo "ok $a $b $c"' sh "$d" "$@"
	t "$p stats: memory limit and pids" '^st [0-9.]+[kM]?B / 67.11MB 1$' sh -c '"$@" run -d --name st --network none -m 64m localhost/vmimg sleep 600 >/dev/null &&
		"$@" stats --no-stream --format "{{.Name}} {{.MemUsage}} {{.PIDS}}" st; r=$?; "$@" rm -f st >/dev/null; exit $r' sh "$@"
}

# ---- (a) real root, / is rootfs, /etc missing, the store on tmpfs --------------------
[ -e /etc ] && fail "root: /etc missing" "/etc exists" || pass "root: /etc missing"
mkdir -p /var/lib/cbox
mount -t tmpfs store /var/lib/cbox
C=cbox
t "root: load docker-archive" 'vmimg' $C load -i /vm/img.docker.tar
t "root: load oci-archive" 'vmoci' $C load -i /vm/img.oci.tar
t "root: images" 'localhost/vmimg' $C images
t "root: run uname -m" "^$ARCH\$" $C run --rm localhost/vmimg uname -m
t "root: run id" '^uid=0\(root\) gid=0\(root\)' $C run --rm localhost/vmimg id
t "root: run /proc/self/status" 'NoNewPrivs:[[:space:]]+1' $C run --rm localhost/vmimg cat /proc/self/status
t "root: run -d" '^[0-9a-f]{64}$' $C run -d --name d1 localhost/vmimg sh -c 'echo started; exec sleep 600'
t "root: ps" 'd1' $C ps
t "root: logs" '^started$' sh -c "$LOGS_WAIT" sh $C logs d1
t "root: exec" '^in-d1$' $C exec d1 echo in-d1
t "root: rm -f" '' $C rm -f d1
no "root: ps -a after rm" 'd1' $C ps -a
t "root: info" 'storage driver: +overlay' $C info
t "root: info says cgroup none (nothing on /sys/fs/cgroup)" 'cgroup version: +none' $C info
image_checks "root" $C
if [ -x /bin/cbox-tiny ]; then
	mkdir -p /tmp/tiny
	t "root tiny: load" 'vmimg' cbox-tiny --root /tmp/tiny load -i /vm/img.docker.tar
	t "root tiny: run uname -m" "^$ARCH\$" cbox-tiny --root /tmp/tiny run --rm localhost/vmimg uname -m
	t "root tiny: run -d, exec, rm -f" '^in-t1$' sh -c 'cbox-tiny --root /tmp/tiny run -d --name t1 localhost/vmimg sleep 600 >/dev/null &&
		cbox-tiny --root /tmp/tiny exec t1 echo in-t1 && cbox-tiny --root /tmp/tiny rm -f t1 >/dev/null'
fi


# ---- cgroup v2: a pure hierarchy on /sys/fs/cgroup (the host's is hybrid) --------------
CG=
if mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null; then
	CG=/sys/fs/cgroup
	mkdir -p /tmp/pz
	cg_checks "root" /tmp/pz $C
	no "root cgroup: the containers' cgroups are gone" 'cbox-' ls /sys/fs/cgroup/cbox
	# The device cgroup (a BPF_PROG_TYPE_CGROUP_DEVICE program): /dev/kmsg (c 1:11) is
	# not in podman's default list, a --device-cgroup-rule lets it be written
	t "root devices: a node outside the allow list is refused" "can.t create /tmp/k: Operation not permitted" $C run --rm --network none \
		--cap-add mknod localhost/vmimg sh -c 'mknod /tmp/k c 1 11 && echo x >/tmp/k; echo >/dev/null'
	t "root devices: --device-cgroup-rule 'c 1:11 w' allows it" '^written$' $C run --rm --network none --cap-add mknod \
		--device-cgroup-rule 'c 1:11 w' localhost/vmimg sh -c 'mknod /tmp/k c 1 11 && echo x >/tmp/k && echo written'
	# The OCI runtime: linux.resources and cgroupsPath, pause/resume, update, events --stats
	B=/tmp/bundle
	mkdir -p $B/rootfs
	$C create --name rb localhost/vmimg >/dev/null && $C export rb | tar -x -C $B/rootfs && $C rm rb >/dev/null
	$C runtime spec --bundle $B
	sed -i 's/"terminal":[[:space:]]*true/"terminal": false/; s/"args":[[:space:]]*\["sh"\]/"args": ["sleep", "600"]/;
		s/"resources":[[:space:]]*{/"cgroupsPath": "\/vmtest\/rt1", "resources": {"memory": {"limit": 33554432}, "pids": {"limit": 20}, "cpu": {"quota": 20000, "period": 100000},/' $B/config.json
	RT="$C runtime"
	t "runtime cgroup: create and start" '' sh -c "$RT create --bundle $B rt1 >/dev/null 2>$W/rt.err && $RT start rt1"
	t "runtime cgroup: resources in cgroupsPath" '^33554432 20 20000 100000$' sh -c 'echo $(cat /sys/fs/cgroup/vmtest/rt1/memory.max /sys/fs/cgroup/vmtest/rt1/pids.max /sys/fs/cgroup/vmtest/rt1/cpu.max)'
	t "runtime cgroup: pause" '"status":[[:space:]]*"paused"' sh -c "$RT pause rt1 && grep -q 'frozen 1' /sys/fs/cgroup/vmtest/rt1/cgroup.events && $RT state rt1"
	t "runtime cgroup: resume" '"status":[[:space:]]*"running"' sh -c "$RT resume rt1 && grep -q 'frozen 0' /sys/fs/cgroup/vmtest/rt1/cgroup.events && $RT state rt1"
	echo '{"pids": {"limit": 30}}' >$W/res.json
	t "runtime cgroup: update --memory and --resources" '^67108864 30$' sh -c "$RT update --memory 64m rt1 && $RT update --resources $W/res.json rt1 && echo \$(cat /sys/fs/cgroup/vmtest/rt1/memory.max /sys/fs/cgroup/vmtest/rt1/pids.max)"
	t "runtime cgroup: events --stats" '"pids":\{"current":1\}' $RT events --stats rt1
	t "runtime cgroup: delete removes the cgroup" '^gone$' sh -c "$RT delete --force rt1 && test ! -e /sys/fs/cgroup/vmtest/rt1 && echo gone"
else
	echo "SKIP cgroup: no cgroup2 filesystem in this kernel"
fi

# ---- (b) rootless in the guest ---------------------------------------------------------
mkdir -p /etc /home/u /home/v /run/user/1000 /run/user/1001
cat >/etc/passwd <<EOF
root:x:0:0:root:/root:/bin/sh
u:x:1000:1000:with sub-ids:/home/u:/bin/sh
v:x:1001:1001:without sub-ids:/home/v:/bin/sh
EOF
printf 'root:x:0:\nu:x:1000:\nv:x:1001:\n' >/etc/group
echo 'u:100000:65536' >/etc/subuid
echo 'u:100000:65536' >/etc/subgid
chown 1000:1000 /home/u /run/user/1000
chown 1001:1001 /home/v /run/user/1001
chmod 700 /run/user/1000 /run/user/1001
# as USER CMD... - CMD as USER in the environment a login gives (nothing else); a script,
# so that timeout can run it
cat >/bin/as <<'EOF'
#!/bin/sh
user=$1
shift
uid=$(sed -n "s/^$user:x:\([0-9]*\):.*/\1/p" /etc/passwd)
exec su -s /bin/sh -c 'exec env -i HOME=$HOME USER=$USER LOGNAME=$USER PATH=/usr/local/bin:/bin TERM=vt100 XDG_RUNTIME_DIR=/run/user/'"$uid"' "$@"' -- "$user" sh "$@"
EOF
chmod 755 /bin/as
mkdir -p /tmp/ustore && chown 1000:1000 /tmp/ustore

# No helper at all: the single mapping, saying why.
t "rootless: no newuidmap: single mapping" 'id mapping: +single' as u cbox --root /tmp/ustore/none info
# An unprivileged newuidmap (not setuid): still single, the reason says so.
ln -s /bin/cbox /usr/bin/newuidmap
ln -s /bin/cbox /usr/bin/newgidmap
t "rootless: unprivileged newuidmap: single mapping" 'id mapping: +single' as u cbox --root /tmp/ustore/unpriv info
rm -f /usr/bin/newuidmap /usr/bin/newgidmap
# cbox's own setuid newuidmap: a setuid copy of cbox, used as the binary.
cp /bin/cbox /usr/local/bin/cbox
chmod 4755 /usr/local/bin/cbox
t "rootless: setuid cbox: full mapping" 'id mapping: +full' as u /usr/local/bin/cbox --root /tmp/ustore/full info

# The tmpfs store (--root) in the full mapping.
R="/usr/local/bin/cbox --root /tmp/ustore/full"
t "rootless tmpfs: load docker-archive" 'vmimg' as u $R load -i /vm/img.docker.tar
# slirp (the rootless default) before tun is loaded: the error says how to load it.
tfail "rootless: slirp without tun says modprobe tun" 125 'modprobe tun' as u $R run --rm localhost/vmimg true
# Then load it (insmod; devtmpfs makes /dev/net/tun 0666), with overlay.
for m in $(grep '^tun\.ko' /vm/modules/order); do insmod /vm/modules/$m || fail "insmod $m" "failed"; done
[ -c /dev/net/tun ] || { mkdir -p /dev/net && mknod /dev/net/tun c 10 200; }
chmod 666 /dev/net/tun # as Debian's udev rule makes it
t "rootless tmpfs: load oci-archive" 'vmoci' as u $R load -i /vm/img.oci.tar
# tmpfs takes user.* xattrs from Linux 6.6: before, the store is vfs and says why.
kmaj=${KV%%.*} kmin=${KV#*.}
kmin=${kmin%%.*}
if [ "$kmaj" -lt 6 ] || { [ "$kmaj" = 6 ] && [ "$kmin" -lt 6 ]; }; then
	t "rootless tmpfs: vfs, as tmpfs takes no user xattrs before 6.6" "storage driver: +vfs \(the store's filesystem \(tmpfs\) takes no user\.\* xattrs" as u $R info
else
	t "rootless tmpfs: overlay (tmpfs takes user xattrs from 6.6)" 'storage driver: +overlay \(' as u $R info
fi
t "rootless tmpfs: run id" '^uid=0\(root\)' as u $R run --rm localhost/vmimg id
t "rootless tmpfs: run uname -m" "^$ARCH\$" as u $R run --rm localhost/vmimg uname -m
image_checks "rootless tmpfs" as u $R
# cgroup v2 rootless: a subtree delegated to u as systemd's user@.service is (the
# directory and its cgroup.procs, subtree_control and threads are u's), u's commands in
# a leaf of it (incg moves the command there first)
if [ -n "$CG" ]; then
	echo "+cpu +io +memory +pids" >$CG/cgroup.subtree_control
	mkdir -p $CG/user.slice/u/session /tmp/pzu
	echo "+cpu +io +memory +pids" >$CG/user.slice/cgroup.subtree_control
	for f in "" /cgroup.procs /cgroup.subtree_control /cgroup.threads /session /session/cgroup.procs; do
		chown 1000:1000 $CG/user.slice/u$f
	done
	chown 1000:1000 /tmp/pzu
	printf '#!/bin/sh\necho $$ >"$1/cgroup.procs" && shift && exec "$@"\n' >/bin/incg
	chmod 755 /bin/incg
	cg_checks "rootless" /tmp/pzu incg $CG/user.slice/u/session as u $R
	tfail "rootless cgroup: without a delegated cgroup, podman's warning" 0 'Resource limits are not supported and ignored' as u $R run --rm --network none -m 32m localhost/vmimg true
fi
t "rootless tmpfs: run -d" '^[0-9a-f]{64}$' as u $R run -d --name r1 localhost/vmimg sh -c 'echo started; exec sleep 600'
t "rootless tmpfs: ps" 'Up .* r1$' as u $R ps
t "rootless tmpfs: logs" '^started$' as u sh -c "$LOGS_WAIT" sh $R logs r1
t "rootless tmpfs: exec" '^in-r1$' as u $R exec r1 echo in-r1
t "rootless tmpfs: rm -f" '' as u $R rm -f r1
no "rootless tmpfs: ps -a after rm -f" 'r1' as u $R ps -a
# The guest has no NIC: an address on its lo tells its network namespace apart.
ip addr add 10.9.9.9/32 dev lo
t "rootless: --network none" '^lo $' as u $R run --rm --network none localhost/vmimg sh -c 'ls /sys/class/net | tr "\n" " "'
no "rootless: --network none has not the host's address" '10\.9\.9\.9' as u $R run --rm --network none localhost/vmimg ip addr
t "rootless: --network host" '10\.9\.9\.9' as u $R run --rm --network host localhost/vmimg ip addr

# The default store under HOME (on the rootfs: tmpfs), nothing set but a login's variables.
D=/usr/local/bin/cbox
t "rootless default store: info names it" '^storage root: +/home/u/\.local/share/cbox$' as u $D info
t "rootless default store: load" 'vmimg' as u $D load -i /vm/img.docker.tar
t "rootless default store: load oci-archive" 'vmoci' as u $D load -i /vm/img.oci.tar
t "rootless default store: images" 'localhost/vmimg' as u $D images
t "rootless default store: run" '^uid=0\(root\)' as u $D run --rm localhost/vmimg id
image_checks "rootless default store" as u $D

# Without sub-ids: the single mapping, on the tmpfs store.
mkdir -p /tmp/vstore && chown 1001:1001 /tmp/vstore
V="/usr/local/bin/cbox --root /tmp/vstore"
t "rootless no sub-ids: info single" 'id mapping: +single' as v $V info
t "rootless no sub-ids: load" 'vmimg' as v $V load -i /vm/img.docker.tar
t "rootless no sub-ids: load oci-archive" 'vmoci' as v $V load -i /vm/img.oci.tar
t "rootless no sub-ids: run id" '^uid=0\(root\)' as v $V run --rm --network none localhost/vmimg id
image_checks "rootless no sub-ids" as v $V

t "rootless slirp: default network reaches the gateway" '10\.0\.2\.100' as u $R run --rm localhost/vmimg ip addr show tap0
if as u $R run -d --name web -p 8080:80 localhost/vmimg sh -c 'echo hello-slirp >/tmp/index.html; exec httpd -f -p 80 -h /tmp' >$W/web 2>&1; then
	got=
	for i in $(seq 1 60); do
		# (busybox-static's wget crashes resolving without /etc/nsswitch.conf: nc does HTTP/1.0)
		got=$(printf 'GET /index.html HTTP/1.0\r\n\r\n' | timeout 10 nc 127.0.0.1 8080 2>/dev/null | tail -n 1)
		[ "$got" = hello-slirp ] && break
		sleep 1
	done
	[ "$got" = hello-slirp ] && pass "rootless slirp: -p 8080:80 serves" ||
		fail "rootless slirp: -p 8080:80 serves" "got '$got'; ps: $(as u $R ps 2>&1 | tail -n 1); listening: $(netstat -ltn 2>&1 | grep 8080); logs: $(as u $R logs web 2>&1 | tail -n 2 | tr '\n' '|')"
	as u $R rm -f web >/dev/null 2>&1
else
	fail "rootless slirp: -p 8080:80 serves" "run -d: $(tail -n 3 $W/web | tr '\n' '|')"
fi

# The tiny build (no slirp): its rootless default network is the host's, and it says so.
if [ -x /bin/cbox-tiny ]; then
	mkdir -p /tmp/tstore && chown 1000:1000 /tmp/tstore
	t "rootless tiny: load" 'vmimg' as u cbox-tiny --root /tmp/tstore load -i /vm/img.docker.tar
	t "rootless tiny: the default network is the host's, with a notice" 'built without slirp: the container shares the host.s network' \
		as u cbox-tiny --root /tmp/tstore run --rm localhost/vmimg true
	t "rootless tiny: ... and it is" '10\.9\.9\.9' as u cbox-tiny --root /tmp/tstore run --rm localhost/vmimg ip addr
fi

echo "VM-DONE up $(cut -d" " -f1 /proc/uptime)"
sync
poweroff -f
