#!/bin/sh
# bench/run.sh - container start-up: `cbox run --rm --network none IMG true` vs rootless
# `podman run --rm --network none IMG true`, and `bwrap --unshare-all`, `runc run` and
# `crun run` on the same unpacked layer, all as the same unprivileged user (with sub-ids).
# hyperfine times rounds of ROUND runs per tool, the tools alternating round by round;
# median wall time over all runs, ratio to cbox, CPU, and median peak RSS (GNU time, as
# bench/pull.sh). Two more cbox rows show where its time goes: cbox-single (the single
# id mapping, as on a host without sub-ids: root emulation on, as is its default there)
# and cbox-shm (its store on tmpfs: no disk cost for the container's directory). The user
# has XDG_RUNTIME_DIR, so cbox keeps its pause process between runs, as podman does.
#   sh bench/run.sh [RUNS]      (default 30 runs per tool; ROUND=5)
#
# podman here: Debian 12's podman 4.3.1 with its crun 1.8.1 cannot start a container on
# this host, whose cgroup v2 hierarchy is mounted beside v1 with a controller in it
# (hybrid, /sys/fs/cgroup/unified holding hugetlb): "crun: cgroups in hybrid mode not
# supported, drop all controllers from cgroupv2", also with --cgroups=disabled. So the
# test user's own ~/.config/containers/containers.conf picks runc (the Debian package),
# as a user of such a host would ("podman" row); a second podman world keeps crun and
# hides the v2 mount in its rootless namespace ("podman-crun" row, below). Their
# storage.conf picks the kernel's overlay: without one this podman uses vfs here, which
# copies the image for every container. Nothing outside the test user's files changes.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP
RUNS=${1:-30}
ROUND=${ROUND:-5}
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/registry.sh"
. "$TOP/tests/lib/user.sh"
"$TOP/build.sh" >/dev/null 2>&1 || { echo "bench/run.sh: build failed" >&2; exit 1; }
for p in podman runc uidmap bubblewrap hyperfine time; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null 2>&1
done
registry_world || { echo "bench/run.sh: no registry world: $WORLD_WHY" >&2; exit 1; }
user_world
chmod 755 "$T"
mkdir -p "$T/store" "$T/run" "$T/podman" "$T/certs" "$T/out" "$T/bundle" "$T/bundle0" &&
	chown "$TEST_UID:$TEST_UID" "$T/store" "$T/run" "$T/podman" "$T/out" "$T/bundle"
cp "$REG_CERTDIR/ca.crt" "$T/certs/" && chmod -R a+rX "$T/certs"
: >"$T/none.conf" && chmod 644 "$T/none.conf"
ENVV="HOME=$TEST_HOME XDG_RUNTIME_DIR=$T/run CBOX_ROOT=$T/store CBOX_REGISTRIES_CONF=$T/none.conf CONTAINERS_REGISTRIES_CONF=$T/none.conf"
IMG=$REG/busybox:amd64
# shellcheck disable=SC2086
as_user env $ENVV "$CBOX" pull -q --cert-dir "$T/certs" "$IMG" >/dev/null || { echo "bench/run.sh: pull failed" >&2; exit 1; }
layer=$(ls -d "$T"/store/layers/*/diff | head -n 1)
# cbox again with the single mapping: its own store, the host helpers named away.
mkdir -p "$T/store1" && chown "$TEST_UID:$TEST_UID" "$T/store1"
ENV1="CBOX_ROOT=$T/store1 CBOX_NEWUIDMAP=/nonexistent CBOX_NEWGIDMAP=/nonexistent"
# And with the full mapping but its store on tmpfs, where fsync costs nothing.
SHM=$(mktemp -d /dev/shm/cbox-bench.XXXXXX) && chown "$TEST_UID:$TEST_UID" "$SHM" || exit 1
on_exit 'rm -rf "$SHM"'
ENVS="CBOX_ROOT=$SHM"
# shellcheck disable=SC2086
as_user env $ENVV $ENVS "$CBOX" pull -q --cert-dir "$T/certs" "$IMG" >/dev/null 2>&1 || { echo "bench/run.sh: pull failed" >&2; exit 1; }
# shellcheck disable=SC2086
as_user env $ENVV $ENV1 "$CBOX" pull -q --cert-dir "$T/certs" "$IMG" >/dev/null 2>&1 || { echo "bench/run.sh: pull failed" >&2; exit 1; }

# The test user's podman configuration (under its HOME only).
C=$TEST_HOME/.config/containers
mkdir -p "$C"
cat >"$C/containers.conf" <<EOF
[engine]
runtime = "runc"
EOF
cat >"$C/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$T/podman/root"
runroot = "$T/podman/run"
EOF
chown -R "$TEST_UID:$TEST_UID" "$TEST_HOME/.config"
# podman's pause process (rootless) outlives the runs: stop it before $T goes.
on_exit 'p=$(cat "$T/run/libpod/tmp/pause.pid" 2>/dev/null) && kill "$p" 2>/dev/null'
# cbox's pause process (kept with XDG_RUNTIME_DIR, as podman's) goes with the bench too.
on_exit 'pkill -9 -u "$TEST_UID" -x cbox-pause'
podman_cmd=
# shellcheck disable=SC2086
if as_user env $ENVV podman pull -q --cert-dir "$T/certs" "$IMG" >/dev/null 2>"$T/podman.err" &&
	as_user env $ENVV podman run --rm --network none "$IMG" true >/dev/null 2>>"$T/podman.err"; then
	podman_cmd="podman run --rm --network none $IMG true"
else
	echo "podman cannot run a container here: $(grep -v 'level=warning' "$T/podman.err" | tail -n 1)"
fi

# podman with crun, its default runtime: a second podman world (own runtime dir, so
# its own pause process and mount namespace; own config and storage), where, on a
# hybrid host like this one, the user hides the cgroup v2 mount from crun with `podman
# unshare mount -t tmpfs none /sys/fs/cgroup/unified` (only in that rootless namespace;
# crun then sees cgroup v1).
HIDE=
[ "$(stat -fc %T /sys/fs/cgroup 2>/dev/null)" = tmpfs ] &&
	[ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] &&
	[ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers)" ] && HIDE="mount -t tmpfs none /sys/fs/cgroup/unified"
mkdir -p "$T/run2" "$T/podman2" && chown "$TEST_UID:$TEST_UID" "$T/run2" "$T/podman2"
printf '[engine]\nruntime = "crun"\n' >"$T/crun.conf"
printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "%s"\n' "$T/podman2/root" "$T/podman2/run" >"$T/crun-storage.conf"
chmod 644 "$T/crun.conf" "$T/crun-storage.conf"
ENVC="XDG_RUNTIME_DIR=$T/run2 CONTAINERS_CONF=$T/crun.conf CONTAINERS_STORAGE_CONF=$T/crun-storage.conf"
on_exit 'p=$(cat "$T/run2/libpod/tmp/pause.pid" 2>/dev/null) && kill "$p" 2>/dev/null'
pcrun_cmd=
# shellcheck disable=SC2086
if as_user env $ENVV $ENVC podman pull -q --cert-dir "$T/certs" "$IMG" >/dev/null 2>"$T/pcrun.err" &&
	{ [ -z "$HIDE" ] || as_user env $ENVV $ENVC podman unshare $HIDE 2>>"$T/pcrun.err"; } &&
	as_user env $ENVV $ENVC podman run --rm --network none "$IMG" true >/dev/null 2>>"$T/pcrun.err"; then
	pcrun_cmd="env $ENVC podman run --rm --network none $IMG true"
else
	echo "podman with crun cannot run a container here: $(grep -v 'level=warning' "$T/pcrun.err" | tail -n 1)"
fi

# runc and crun on the same layer: a rootless spec, no terminal, its own netns (as
# --network none). On a hybrid host crun runs in a user+mount namespace of its own
# where the cgroup v2 mount is hidden as above (the unshare, sh and mount are in its time).
runc_cmd= crun_cmd=
as_user sh -c "cd '$T/bundle' && runc spec --rootless" >/dev/null 2>&1 &&
	python3 - "$T/bundle/config.json" "$layer" <<'PY' && runc_cmd="runc --root $T/run/runc run -b $T/bundle bench"
import json, sys
c = json.load(open(sys.argv[1]))
c["root"] = {"path": sys.argv[2], "readonly": True}
c["process"]["terminal"] = False
c["process"]["args"] = ["true"]
c["linux"]["namespaces"].append({"type": "network"})
json.dump(c, open(sys.argv[1], "w"))
c["linux"]["uidMappings"][0]["hostID"] = 0
c["linux"]["gidMappings"][0]["hostID"] = 0
json.dump(c, open(sys.argv[1].replace("bundle", "bundle0"), "w"))
PY
if [ -n "$runc_cmd" ] && command -v crun >/dev/null; then
	chmod 644 "$T/bundle0/config.json"
	crun_cmd="crun --root $T/run/crun run -b $T/bundle bench"
	[ -z "$HIDE" ] || crun_cmd="unshare -rm sh -c '$HIDE && exec crun --root $T/run/crun run -b $T/bundle0 bench'"
fi

# Tool names and commands, one per line (cbox first: the ratios are against it).
{
	echo "cbox $CBOX run --rm --network none $IMG true"
	echo "cbox-single env $ENV1 $CBOX run --rm --network none $IMG true"
	echo "cbox-shm env $ENVS $CBOX run --rm --network none $IMG true"
	echo "bwrap bwrap --unshare-all --bind $layer / --proc /proc --dev /dev true"
	[ -z "$runc_cmd" ] || echo "runc $runc_cmd"
	[ -z "$crun_cmd" ] || echo "crun $crun_cmd"
	[ -z "$podman_cmd" ] || echo "podman $podman_cmd"
	[ -z "$pcrun_cmd" ] || echo "podman-crun $pcrun_cmd"
} >"$T/tools"
TOOLS=$(cut -d' ' -f1 "$T/tools")
tool_cmd() { sed -n "s/^$1 //p" "$T/tools"; }

# Warm-up (caches, podman's pause process), then rounds, alternating the tools.
i=0
while [ $i -lt "$RUNS" ]; do
	n=$((RUNS - i < ROUND ? RUNS - i : ROUND))
	for tool in $TOOLS; do
		w=0
		[ $i = 0 ] && w=3
		# shellcheck disable=SC2086
		# A round with a failed run is said and run again, once; a tool failing twice is left out.
		as_user env $ENVV hyperfine -N --show-output -w $w -r $n --export-json "$T/out/h.json" "$(tool_cmd "$tool")" \
			>"$T/h.out" 2>&1 || {
			echo "bench/run.sh: $tool failed, round run again: $(grep -v '^ \|^Benchmark\|^$' "$T/h.out" | head -n 3)" >&2
			# shellcheck disable=SC2086
			as_user env $ENVV hyperfine -N --show-output -r $n --export-json "$T/out/h.json" "$(tool_cmd "$tool")" \
				>"$T/h.out" 2>&1 || {
				echo "bench/run.sh: $tool failed again, left out" >&2
				[ "$tool" != cbox ] || exit 1
				TOOLS=$(echo "$TOOLS" | grep -vx "$tool")
				sed -i "/^$tool /d" "$T/times" "$T/cpu" 2>/dev/null
				continue
			}
		}
		python3 - "$T/out/h.json" "$tool" "$T/times" "$T/cpu" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
with open(sys.argv[3], "a") as f:
    f.writelines(f"{sys.argv[2]} {t}\n" for t in r["times"])
with open(sys.argv[4], "a") as f:
    f.write(f"{sys.argv[2]} {r['user'] + r['system']}\n")
PY
	done
	i=$((i + n))
done
# Peak RSS: GNU time's maximum resident set size, 5 runs each, alternating.
for i in 1 2 3 4 5; do
	for tool in $TOOLS; do
		# shellcheck disable=SC2086
		as_user env $ENVV /usr/bin/time -f "$tool %M" -a -o "$T/out/rss" sh -c "exec $(tool_cmd "$tool")" >/dev/null 2>&1
	done
done

median() { sort -n | awk '{a[NR]=$1} END {if (NR) print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
cbox_t=$(awk '$1=="cbox"{print $2}' "$T/times" | median)
echo "$RUNS runs per tool in rounds of $ROUND, alternating; median wall time, median of the rounds'"
echo "mean user+sys CPU (of the processes waited for), median peak RSS; load average $(cut -d' ' -f1-3 /proc/loadavg):"
echo
echo "| tool | median ms | ratio vs cbox | CPU ms | median peak RSS MiB |"
echo "|---|---|---|---|---|"
for tool in cbox cbox-single cbox-shm bwrap runc crun podman podman-crun; do
	t=$(awk -v t="$tool" '$1==t{print $2}' "$T/times" | median)
	[ -n "$t" ] || { echo "| $tool | could not run here | | | |"; continue; }
	c=$(awk -v t="$tool" '$1==t{print $2}' "$T/cpu" | median)
	m=$(awk -v t="$tool" '$1==t{print $2}' "$T/out/rss" | median)
	awk -v t="$t" -v b="$cbox_t" -v c="$c" -v m="$m" -v n="$tool" \
		'BEGIN{printf "| %s | %.1f | %.2fx | %.1f | %.1f |\n", n, t*1000, t/b, c*1000, m/1024}'
done
