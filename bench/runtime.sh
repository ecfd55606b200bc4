#!/bin/sh
# bench/runtime.sh - the OCI runtime's own cost: `create --bundle B ID`, `start ID`,
# `delete --force ID` of one bundle (the host's static busybox as rootfs, `true` as the
# program, config.json from `cbox runtime spec`, no terminal), cbox-runtime vs crun vs
# runc, as root and as the unprivileged test user (spec --rootless), the tools
# alternating run by run. Median wall time of the three commands together, their CPU
# (user+sys, from wait4), and the largest peak RSS among the three (GNU time, a round
# of its own).
#   sh bench/runtime.sh [RUNS]      (default 30 per tool and mode)
#   CBOX_B=OTHER-CBOX sh bench/runtime.sh [RUNS]   adds a row cbox-b: an A/B of two builds
# crun runs with --cgroup-manager=disabled and, as every tool here, without the host's
# cgroup v2 mount (this host is hybrid, which crun refuses); runc with its defaults (as
# root it makes a cgroup, rootless it skips them).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP
RUNS=${1:-30}
. "$TOP/tests/lib/bench.sh"
[ "$(id -u)" = 0 ] || { echo "bench/runtime.sh: run as root (it makes the test user)" >&2; exit 1; }
for p in runc crun busybox-static; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null 2>&1
done
user_world
ln -s "$CBOX" "$T/cbox-runtime"
if [ -n "${CBOX_B:-}" ]; then mkdir -p "$T/cbox-b" && cp "$CBOX_B" "$T/cbox-b/cbox-runtime" && chmod 755 "$T/cbox-b"; fi
for m in root user; do
	B=$T/$m/b
	mkdir -p "$B/rootfs/bin" "$B/rootfs/tmp" "$B/rootfs/etc"
	cp /bin/busybox "$B/rootfs/bin/"
	ln -s busybox "$B/rootfs/bin/true"
	(cd "$B" && if [ $m = user ]; then "$CBOX" runtime spec --rootless; else "$CBOX" runtime spec; fi)
	python3 - "$B/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"].update(terminal=False, args=["true"])
json.dump(c, open(sys.argv[1], "w"))
PY
	[ $m = user ] && sed -i "s/\"hostID\": *[0-9]*/\"hostID\":$TEST_UID/g" "$B/config.json" &&
		chown -R "$TEST_UID:$TEST_UID" "$T/$m"
	mkdir -p "$T/$m/state"
	[ $m = user ] && chown "$TEST_UID:$TEST_UID" "$T/$m/state"
done

cat >"$T/bench.py" <<'PY'
import json, os, statistics, subprocess, sys, time
T, runs, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
B, S = f"{T}/{mode}/b", f"{T}/{mode}/state"
tools = {
    "cbox": [f"{T}/cbox-runtime", "--root", f"{S}/cbox"],
    "crun": ["crun", "--cgroup-manager=disabled", "--root", f"{S}/crun"],
    "runc": ["runc", "--root", f"{S}/runc"],
}
if os.path.exists(f"{T}/cbox-b/cbox-runtime"):  # CBOX_B=BINARY: a second cbox build, A/B
    tools["cbox-b"] = [f"{T}/cbox-b/cbox-runtime", "--root", f"{S}/cbox-b"]
def peak(argv):
    # GNU time's child is small before its exec (ours would count Python's RSS).
    subprocess.run(["/usr/bin/time", "-o", f"{T}/{mode}/rss", "-f", "%M"] + argv, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return int(open(f"{T}/{mode}/rss").read().split()[-1])
def one(argv):
    # stderr to a file: the container's process keeps create's stdio open.
    with open(f"{T}/{mode}/err", "w+") as f:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=f)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = 0
        f.seek(0)
        err = f.read().strip()
    return os.waitstatus_to_exitcode(status), ru, err
res = {t: [] for t in tools}
broken = {}
for i in range(runs):
    for t, base in tools.items():
        if t in broken:
            continue
        cid = f"b{i}"
        t0 = time.perf_counter()
        cpu = 0
        for cmd in (["create", "--bundle", B, cid], ["start", cid], ["delete", "--force", cid]):
            rc, ru, err = one(base + cmd)
            cpu += ru.ru_utime + ru.ru_stime
            if rc:
                broken[t] = f"{cmd[0]}: exit {rc}: {err.splitlines()[-1] if err else ''}"
                subprocess.run(base + ["delete", "--force", cid], capture_output=True)
                break
        else:
            res[t].append((time.perf_counter() - t0, cpu))
# Peak RSS in a round of its own (GNU time's wrapping would add to the times).
rss = {}
for t, base in tools.items():
    if t not in broken:
        rss[t] = max(peak(base + cmd) for cmd in (["create", "--bundle", B, "rss"], ["start", "rss"],
                                                   ["delete", "--force", "rss"]))
for t in tools:
    r = res[t]
    if t in broken:
        print(f"| {mode} | {t} | failed: {broken[t]} | | |")
        continue
    print(f"| {mode} | {t} | {statistics.median(x[0] for x in r) * 1000:.1f} ms | "
          f"{statistics.median(x[1] for x in r) * 1000:.1f} ms | {rss[t] / 1024:.2f} MiB |")
PY
echo "# $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $RUNS runs per tool, $(date -u +%F)"
echo "| mode | runtime | create+start+delete (median) | CPU (median) | peak RSS |"
echo "| --- | --- | ---: | ---: | ---: |"
# Every tool runs in a mount namespace without the cgroup v2 mount, so crun does not
# refuse this hybrid host (the same for all three).
hide='mount --make-rprivate / && { ! mountpoint -q /sys/fs/cgroup/unified || umount -l /sys/fs/cgroup/unified; }'
unshare -m sh -c "$hide && exec python3 '$T/bench.py' '$T' '$RUNS' root"
AS_USER_NETNS="$hide" as_user python3 "$T/bench.py" "$T" "$RUNS" user
