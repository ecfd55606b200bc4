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

W=$(mktemp -d /tmp/cbox-net.XXXXXX)
cleanup() {
	for p in $(cat "$W"/*.pid 2>/dev/null); do kill "$p" 2>/dev/null; done
	[ -n "${KEEP:-}" ] || rm -rf "$W"
	rmdir "$W.root" 2>/dev/null
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
	# Until the server listens inside (its pid file names its network namespace), a
	# client would be accepted by the helper and then reset.
	for i in $(seq 100); do
		[ -s "${3:-$W}/inner.pid" ] && nsenter -t "$(cat "${3:-$W}/inner.pid")" -n ss -ltn 2>/dev/null | grep -q ':5201 ' && break
		sleep 0.1
	done
	for i in $(seq 50); do
		timeout $((SECS + 10)) iperf3 -c 127.0.0.1 -p "$1" -t "$SECS" -J >"$W/$2-pub-down.json" 2>&1 && break
		sleep 0.2
	done
	timeout $((SECS + 10)) iperf3 -c 127.0.0.1 -p "$1" -t "$SECS" -J -R >"$W/$2-pub-up.json" 2>&1
	kill "$(cat "${3:-$W}/inner.pid")"
}
# rss PID: its VmHWM in kB
rss() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }

# cbox: the real run applet, as root, in a mount namespace of the bench's own where the
# host's / is bound at $R: `cbox run --read-only --rootfs $R` runs the host's iperf3
# (store and results in $W, a volume). The helper is run's child in run's network
# namespace; its peak RSS is read while the container still runs.
R=$W.root
mkdir -p "$R" "$W/store"
cbox_run() { # NAME [RUN OPTIONS] -- COMMAND
	name=$1
	shift
	# (unshare, sh and env exec: the pid is run's)
	unshare -m sh -c 'mount --make-rprivate / && mount --rbind / "$0" && exec "$@"' "$R" \
		env CBOX_ROOT="$W/store" "$TOP/cbox" run --rm --read-only -v "$W:$W" \
		--network "slirp:mtu=$MTU,allow_host_loopback=true" "$@" &
	echo $! >"$W/run-$name.pid"
}
# child_of PID = | !=: run's child in run's network namespace (=: the helper), or in
# another (!=: the container).
child_of() {
	for c in $(pgrep -P "$1"); do [ "$(readlink "/proc/$c/ns/net")" "$2" "$(readlink /proc/$$/ns/net)" ] && echo "$c"; done
}
# cbox_wait NAME: the helper's VmHWM once the container's command says "done" (a file),
# then wait for run.
cbox_wait() {
	for i in $(seq $((SECS * 40 + 400))); do [ -e "$W/$1.done" ] && break; sleep 0.05; done
	h=$(child_of "$(cat "$W/run-$1.pid")" =)
	[ -n "$h" ] && rss "$h" >>"$W/cbox.rss"
	: >"$W/$1.go"
	wait "$(cat "$W/run-$1.pid")"
}
hold="touch $W/\$N.done; while [ ! -e $W/\$N.go ]; do sleep 0.05; done"
cbox_run up -e N=up --rootfs "$R" sh -c "$client >$W/cbox-up.json; $client -R >$W/cbox-down.json; $hold"
cbox_wait up
# Published: the server inside; published_clients waits until it listens (in the
# container's network namespace, seen from the host) and stops it by its host pid.
cbox_run pub -e N=pub -p "127.0.0.1:$((PORT + 1)):5201" --rootfs "$R" sh -c "iperf3 -s -p 5201 >/dev/null 2>&1; $hold"
for i in $(seq 200); do
	c=$(child_of "$(cat "$W/run-pub.pid")" !=) && [ -n "$c" ] && srv=$(pgrep -P "$c" -x iperf3) && [ -n "$srv" ] && break
	sleep 0.05
done
echo "$srv" >"$W/inner.pid"
published_clients $((PORT + 1)) cbox
cbox_wait pub
cbox_rss=$(sort -n "$W/cbox.rss" | tail -n 1)

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
# the host through the gateway address, which pasta maps to the host's loopback. Its
# peak RSS is sampled from the host while it runs (its process: passt.avx2 or passt); the published run's server is found
# (and stopped) by its host pid (pasta's command has a pid namespace of its own).
mkdir -p "$W/p" && chmod 755 "$W" && chmod 1777 "$W/p" && mknod "$W/tun" c 10 200 && chmod 666 "$W/tun"
pasta_run() { # [PASTA OPTIONS] -- COMMAND
	# (cd and PATH: nobody may not reach the caller's directory or its PATH's entries)
	unshare -m sh -c 'm=$1 && shift && mount --bind "$0" /dev/net/tun && cd / && exec setpriv --reuid 65534 --regid 65534 \
		--clear-groups env PATH=/usr/sbin:/usr/bin:/sbin:/bin pasta -f --config-net -m "$m" -u none -T none -U none "$@"' \
		"$W/tun" "$MTU" "$@"
}
while sleep 0.2; do for p in $(pgrep -u 65534 passt); do rss "$p"; done; done >"$W/pasta.rss" 2>/dev/null &
echo $! >"$W/sampler.pid"
gw='$(ip -4 route show default | cut -d" " -f3)'
pasta_run -- sh -c "iperf3 -c $gw -p $PORT -t $SECS -J >$W/p/up.json; iperf3 -c $gw -p $PORT -t $SECS -J -R >$W/p/down.json; sleep 0.5" >"$W/pasta.log" 2>&1
pasta_run -t "$((PORT + 3)):5201" -- sh -c "iperf3 -s -p 5201 >/dev/null 2>&1; sleep 0.5" >>"$W/pasta.log" 2>&1 &
ppub=$!
for i in $(seq 200); do srv=$(pgrep -u 65534 -x iperf3) && break; sleep 0.05; done
echo "$srv" >"$W/p/inner.pid"
published_clients $((PORT + 3)) pasta "$W/p"
wait "$ppub"
kill "$(cat "$W/sampler.pid")"
mv "$W/p/up.json" "$W/pasta-up.json"; mv "$W/p/down.json" "$W/pasta-down.json"
pasta_rss=$(sort -n "$W/pasta.rss" | tail -n 1)

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
