#!/bin/sh
# bench/pull.sh - cold pull of the multi-layer Debian test image from the local TLS
# registry: cbox pull vs rootless podman pull (overlay) vs skopeo copy + umoci unpack.
# Every tool runs as the same unprivileged user (tests/lib/user.sh) into a fresh store,
# runs alternate, and the median wall time and peak RSS (GNU time) are reported.
#   sh bench/pull.sh [RUNS]      (default 5)
# Stores go under $BENCH_DIR (default: the test dir on disk); BENCH_DIR=/dev/shm measures
# on tmpfs, which takes this machine's slow and noisy disk out of the figures. Each store
# is removed after its run: with the earlier runs' stores kept on tmpfs, every tool got
# slower run after run (cbox 0.40 s -> 0.66 s by the 6th run), which measured the pile.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP
RUNS=${1:-5}
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/registry.sh"
. "$TOP/tests/lib/user.sh"
"$TOP/build.sh" >/dev/null 2>&1 || { echo "bench/pull.sh: build failed" >&2; exit 1; }
for p in podman uidmap time; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null 2>&1
done
registry_world || { echo "bench/pull.sh: no registry world: $WORLD_WHY" >&2; exit 1; }
world_need debian >/dev/null || { echo "bench/pull.sh: no Debian image" >&2; exit 1; }
user_world
# Enough sub-ids for the image's owners (up to 200001), so podman can pull it at all.
echo "$TEST_USER:100000:1000000" >"$T/world/subuid"
echo "$TEST_USER:100000:1000000" >"$T/world/subgid"
chmod 755 "$T"
B=$(mktemp -d "${BENCH_DIR:-$T}/cbox-bench.XXXXXX")
on_exit "rm -rf '$B'"
chmod 755 "$B"
mkdir -p "$B/b" "$T/run" && chown "$TEST_UID:$TEST_UID" "$B/b" "$T/run"
cp "$REG_CERTDIR/ca.crt" "$T/ca.crt" && chmod 644 "$T/ca.crt"
mkdir -p "$T/certs" && cp "$T/ca.crt" "$T/certs/" && chmod -R a+rX "$T/certs"
: >"$T/none.conf"
chmod 644 "$T/none.conf"
ENVV="HOME=$TEST_HOME XDG_RUNTIME_DIR=$T/run CBOX_REGISTRIES_CONF=$T/none.conf CONTAINERS_REGISTRIES_CONF=$T/none.conf"

# run_one TOOL N: one cold pull into a fresh store; prints "seconds peak_kb"
run_one() {
	d=$B/b/$1-$2
	as_user mkdir -p "$d"
	case $1 in
	cbox) cmd="$CBOX pull -q --cert-dir $T/certs --root $d $DEB_REF" ;;
	podman) cmd="podman --root $d/root --runroot $T/run/p$2 --storage-driver overlay pull -q --cert-dir $T/certs $DEB_REF" ;; # runroot: podman wants <= 50 chars
	skopeo) cmd="sh -c 'skopeo copy -q --src-cert-dir $T/certs docker://$DEB_REF oci:$d/oci:img && umoci unpack --rootless --image $d/oci:img $d/bundle'" ;;
	esac
	# shellcheck disable=SC2086
	as_user env $ENVV /usr/bin/time -f '%e %M' -o "$d.time" sh -c "$cmd" >"$d.log" 2>&1 || {
		echo "bench/pull.sh: $1 failed: $(tail -n 3 "$d.log")" >&2
		return 1
	}
	[ -n "${SIZE:-}" ] || SIZE=$(du -sh "$d" | cut -f1)
	rm -rf "$d"
	cat "$d.time"
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR) print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

TOOLS="cbox podman skopeo"
for i in $(seq "$RUNS"); do
	for tool in $TOOLS; do
		run_one "$tool" "$i" >"$T/one" && echo "$tool $(cat "$T/one")" >>"$T/results"
	done
done
echo "Cold pull of $DEB_REF (5 layers, ${SIZE:-?} unpacked) into $(df --output=fstype "$B" | tail -n 1), $RUNS alternating runs, rootless, median:"
echo
echo "| tool | median wall s | ratio vs cbox | median peak RSS MiB |"
echo "|---|---|---|---|"
cbox_t=$(awk '$1=="cbox"{print $2}' "$T/results" | median)
for tool in $TOOLS; do
	t=$(awk -v t="$tool" '$1==t{print $2}' "$T/results" | median)
	m=$(awk -v t="$tool" '$1==t{print $3}' "$T/results" | median)
	[ -n "$t" ] || { echo "| $tool | failed | | |"; continue; }
	echo "| $tool | $t | $(awk -v a="$t" -v b="$cbox_t" 'BEGIN{printf "%.2fx", a/b}') | $(awk -v m="$m" 'BEGIN{printf "%.1f", m/1024}') |"
done
