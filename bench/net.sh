#!/bin/sh
# bench/net.sh - TCP throughput through cbox's slirp helper vs slirp4netns (Debian), same
# MTU, over loopback: iperf3 in a fresh network namespace talks to an iperf3 server on
# the host's 127.0.0.1 through 10.0.2.2, container->host and host->container (-R). Also
# the helpers' peak RSS. Prints a Markdown table. Needs root (network namespaces).
#   sh bench/net.sh [SECONDS]       (default 5; MTU=N to change the MTU, default 65520)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
SECS=${1:-5}
MTU=${MTU:-65520}
PORT=${PORT:-15201}
[ "$(id -u)" = 0 ] || { echo "bench/net.sh: skipped: needs root (network namespaces)" >&2; exit 0; }
for p in iperf3 slirp4netns util-linux python3; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" >/dev/null 2>&1 ||
		{ echo "bench/net.sh: cannot install $p" >&2; exit 1; }
done
"$TOP/build.sh" >/dev/null 2>&1 || { echo "bench/net.sh: build failed" >&2; exit 1; }

# The driver: cbox's core objects, linked as the unit tests are.
ARCH=$(uname -m)
B=$TOP/build/$ARCH
CC=${CBOX_CACHE:-$HOME/.cache/cbox}/$ARCH/toolchain/bin/cc
objs=$(ls "$B"/obj/core_*.o | grep -v core_main.o)
# shellcheck disable=SC2046,SC2086
$CC $(cat "$B/flags") -o "$B/net_peer" "$TOP/bench/net_peer.c" $objs -static $(cat "$B/linkflags") ||
	{ echo "bench/net.sh: net_peer does not compile" >&2; exit 1; }

W=$(mktemp -d /tmp/cbox-net.XXXXXX)
cleanup() {
	for p in $(cat "$W"/*.pid 2>/dev/null); do kill "$p" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT

iperf3 -s -B 127.0.0.1 -p "$PORT" >"$W/server.log" 2>&1 &
echo $! >"$W/server.pid"
sleep 0.5

# gbps FILE: receiver-side throughput of an iperf3 -J run, in Gbit/s
gbps() {
	python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e9))' "$1" 2>/dev/null || echo 0
}

client="iperf3 -c 10.0.2.2 -p $PORT -t $SECS -J"

# cbox: net_peer runs the client inside a new netns wired through the helper.
"$B/net_peer" "$MTU" $client >"$W/cbox-up.json" 2>"$W/cbox-up.err"
"$B/net_peer" "$MTU" $client -R >"$W/cbox-down.json" 2>"$W/cbox-down.err"
cbox_rss=$(sed -n 's/^helper_vmhwm_kb //p' "$W/cbox-up.err" "$W/cbox-down.err" | sort -n | tail -n 1)

# slirp4netns: the same, its own way.
unshare -n sleep 600 &
ns=$!
echo "$ns" >"$W/ns.pid"
sleep 0.2
slirp4netns --configure --mtu="$MTU" "$ns" tap0 >"$W/s4.log" 2>&1 &
s4=$!
echo "$s4" >"$W/s4.pid"
sleep 1
nsenter -t "$ns" -n $client >"$W/s4-up.json" 2>&1
nsenter -t "$ns" -n $client -R >"$W/s4-down.json" 2>&1
s4_rss=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$s4/status")

ratio() { python3 -c 'import sys; a,b=map(float,sys.argv[1:]); print("%.2f" % (a/b) if b else "n/a")' "$1" "$2"; }
cu=$(gbps "$W/cbox-up.json") cd=$(gbps "$W/cbox-down.json")
su=$(gbps "$W/s4-up.json") sd=$(gbps "$W/s4-down.json")
echo "iperf3 ${SECS}s, MTU $MTU, loopback, $(date +%F)"
echo
echo "| path | cbox slirp helper | slirp4netns $(dpkg-query -W -f='${Version}' slirp4netns) | ratio |"
echo "|---|---|---|---|"
echo "| container -> host (Gbit/s) | $cu | $su | $(ratio "$cu" "$su") |"
echo "| host -> container, -R (Gbit/s) | $cd | $sd | $(ratio "$cd" "$sd") |"
echo "| helper peak RSS (VmHWM, kB) | $cbox_rss | $s4_rss | $(ratio "$cbox_rss" "$s4_rss") |"
