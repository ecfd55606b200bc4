#!/bin/sh
# bench/net.sh - TCP throughput through cbox's slirp helper vs slirp4netns and pasta
# (Debian), same MTU, over loopback, two ways:
#   outbound:  iperf3 in a fresh network namespace talks to an iperf3 server on the
#              host's 127.0.0.1 through 10.0.2.2 (host loopback allowed)
#   published: iperf3 -s inside, the host's client connects to a published port
#              (cbox -p, slirp4netns's add_hostfwd, pasta -t)
# each container->host and host->container (-R); and the helpers' peak RSS. Prints a
# Markdown table. Needs root (network namespaces).
#   sh bench/net.sh [SECONDS]       (default 5; MTU=N to change the MTU, default 65520)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
SECS=${1:-5}
MTU=${MTU:-65520}
PORT=${PORT:-15201}
[ "$(id -u)" = 0 ] || { echo "bench/net.sh: skipped: needs root (network namespaces)" >&2; exit 0; }
for p in iperf3 slirp4netns passt util-linux python3; do
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
	[ -n "${KEEP:-}" ] && return
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

# The published-port runs: iperf3 -s inside (until the clients are done) answers the
# host's clients on 127.0.0.1:$1 (normal, then -R); $2 names the results; its pid file
# is in ${3:-$W}. The port is
# open on the host before the server listens inside, so the first client may retry.
serve="iperf3 -s -p 5201 --pidfile $W/inner.pid >/dev/null 2>&1"
published_clients() {
	for i in $(seq 50); do
		timeout $((SECS + 10)) iperf3 -c 127.0.0.1 -p "$1" -t "$SECS" -J >"$W/$2-pub-down.json" 2>&1 && break
		sleep 0.2
	done
	timeout $((SECS + 10)) iperf3 -c 127.0.0.1 -p "$1" -t "$SECS" -J -R >"$W/$2-pub-up.json" 2>&1
	kill "$(cat "${3:-$W}/inner.pid")"
}
# rss PID: its VmHWM in kB
rss() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }

# cbox: net_peer runs the client inside a new netns wired through the helper.
"$B/net_peer" "$MTU" $client >"$W/cbox-up.json" 2>"$W/cbox-up.err"
"$B/net_peer" "$MTU" $client -R >"$W/cbox-down.json" 2>"$W/cbox-down.err"
"$B/net_peer" "$MTU" -p "127.0.0.1:$((PORT + 1)):5201" sh -c "$serve" 2>"$W/cbox-pub.err" &
cpub=$!
published_clients $((PORT + 1)) cbox
wait "$cpub"
cbox_rss=$(sed -n 's/^helper_vmhwm_kb //p' "$W"/cbox-*.err | sort -n | tail -n 1)

# slirp4netns: the same, its own way (ports through its API socket).
unshare -n sleep 600 &
ns=$!
echo "$ns" >"$W/ns.pid"
sleep 0.2
slirp4netns --configure --mtu="$MTU" --api-socket "$W/s4.sock" "$ns" tap0 >"$W/s4.log" 2>&1 &
s4=$!
echo "$s4" >"$W/s4.pid"
sleep 1
nsenter -t "$ns" -n $client >"$W/s4-up.json" 2>&1
nsenter -t "$ns" -n $client -R >"$W/s4-down.json" 2>&1
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(("{\"execute\": \"add_hostfwd\", \"arguments\": {\"proto\": \"tcp\", \"host_addr\": \"127.0.0.1\", \"host_port\": %s, \"guest_port\": 5201}}" % sys.argv[2]).encode()); print(s.recv(4096).decode())' "$W/s4.sock" $((PORT + 2)) >"$W/s4-api.log" 2>&1
nsenter -t "$ns" -n sh -c "$serve" &
spub=$!
published_clients $((PORT + 2)) s4
wait "$spub"
s4_rss=$(rss "$s4")

# pasta: rootless as podman runs it (as nobody, its own user+network namespace, with a
# 0666 tun node bound in a private mount namespace: the host's is 0600 here); outbound to
# the host through the gateway address, which pasta maps to the host's loopback; its
# peak RSS read by the command it runs (its child).
mkdir -p "$W/p" && chmod 755 "$W" && chmod 1777 "$W/p" && mknod "$W/tun" c 10 200 && chmod 666 "$W/tun"
pasta_run() { # [PASTA OPTIONS] -- COMMAND
	unshare -m sh -c 'mount --bind "$0" /dev/net/tun && exec setpriv --reuid 65534 --regid 65534 --clear-groups \
		pasta -f --config-net -m "$1" -u none -T none -U none "$@"' "$W/tun" "$MTU" "$@"
}
gw='$(ip -4 route show default | cut -d" " -f3)'
pasta_run -- sh -c "iperf3 -c $gw -p $PORT -t $SECS -J >$W/p/up.json; iperf3 -c $gw -p $PORT -t $SECS -J -R >$W/p/down.json; grep VmHWM /proc/\$PPID/status >$W/p/rss" >"$W/pasta.log" 2>&1
serve="iperf3 -s -p 5201 --pidfile $W/p/inner.pid >/dev/null 2>&1"
pasta_run -t "$((PORT + 3)):5201" -- sh -c "$serve; grep VmHWM /proc/\$PPID/status >>$W/p/rss" >>"$W/pasta.log" 2>&1 &
ppub=$!
sleep 0.5
published_clients $((PORT + 3)) pasta "$W/p"
wait "$ppub"
mv "$W/p/up.json" "$W/pasta-up.json"; mv "$W/p/down.json" "$W/pasta-down.json"
pasta_rss=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "$W/p/rss" | sort -n | tail -n 1)

ratio() { python3 -c 'import sys; a,b=map(float,sys.argv[1:]); print("%.2f" % (a/b) if b else "n/a")' "$1" "$2"; }
row() {
	c=$(gbps "$W/cbox-$2.json") s=$(gbps "$W/s4-$2.json") p=$(gbps "$W/pasta-$2.json")
	echo "| $1 | $c | $s | $(ratio "$c" "$s") | $p | $(ratio "$c" "$p") |"
}
echo "iperf3 ${SECS}s, MTU $MTU, loopback, $(date +%F)"
echo
echo "| path (Gbit/s) | cbox slirp helper | slirp4netns $(dpkg-query -W -f='${Version}' slirp4netns) | cbox/s4 | pasta $(dpkg-query -W -f='${Version}' passt) | cbox/pasta |"
echo "|---|---|---|---|---|---|"
row "outbound: container -> host via 10.0.2.2" up
row "outbound: host -> container, -R" down
row "published port: container -> host, -R" pub-up
row "published port: host -> container" pub-down
echo "| helper peak RSS (VmHWM, kB) | $cbox_rss | $s4_rss | $(ratio "$cbox_rss" "$s4_rss") | $pasta_rss | $(ratio "$cbox_rss" "$pasta_rss") |"
