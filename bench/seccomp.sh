#!/bin/sh
# bench/seccomp.sh - the cost of the default seccomp filter: `cbox run --rm --network none
# IMG true` with podman's default profile (its program read from the store), the same
# with the kept program removed before each run (libseccomp builds it), and with
# --security-opt seccomp=unconfined; then a syscall-bound command (dd of 1-byte blocks:
# 2 syscalls per block through the filter) with and without it. As the unprivileged
# user with sub-ids (the full mapping: the default filter only, no root emulation);
# medians by hyperfine.
#   sh bench/seccomp.sh [RUNS]      (default 30)
set -u
RUNS=${1:-30}
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib/bench.sh"
dpkg-query -W -f='${Status}' hyperfine 2>/dev/null | grep -q 'ok installed' ||
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null 2>&1
registry_world || { echo "bench/seccomp.sh: no registry world: $WORLD_WHY" >&2; exit 1; }
user_world
mkdir -p "$T/store" "$T/certs" "$T/out" && chown "$TEST_UID:$TEST_UID" "$T/store" "$T/out"
cp "$REG_CERTDIR/ca.crt" "$T/certs/" && chmod -R a+rX "$T/certs"
: >"$T/none.conf" && chmod 644 "$T/none.conf"
ENVV="CBOX_ROOT=$T/store CBOX_REGISTRIES_CONF=$T/none.conf"
IMG=$REG/busybox:amd64
# shellcheck disable=SC2086
as_user env $ENVV "$CBOX" pull -q --cert-dir "$T/certs" "$IMG" >/dev/null || { echo "bench/seccomp.sh: pull failed" >&2; exit 1; }
R="$CBOX run --rm --network none"
U="--security-opt seccomp=unconfined"
DD="dd if=/dev/zero of=/dev/null bs=1 count=1000000"
cat >"$T/bench.sh" <<B
cd "$T/out"
hyperfine -N -w 3 -r $RUNS --export-json "$T/out/start.json" \\
	--prepare true --prepare true --prepare "sh -c 'rm -f $T/store/seccomp-*.bpf'" \\
	-n default "$R $IMG true" -n unconfined "$R $U $IMG true" -n built "$R $IMG true" &&
exec hyperfine -N -w 1 -r 10 --export-json "$T/out/dd.json" \\
	-n default "$R $IMG $DD" -n unconfined "$R $U $IMG $DD"
B
# shellcheck disable=SC2086
as_user env $ENVV sh "$T/bench.sh" >"$T/h.out" 2>&1 || { cat "$T/h.out"; exit 1; }
echo "| filter | run true, median ms | dd 1M 1-byte blocks, median ms |"
echo "|---|---|---|"
python3 - "$T/out/start.json" "$T/out/dd.json" <<'PY'
import json, sys
s, d = ({x["command"]: x["median"] for x in json.load(open(f))["results"]} for f in sys.argv[1:3])
u = s["unconfined"]
for n, what in (("default", "default, kept program"), ("built", "default, built at each run"), ("unconfined", "unconfined")):
    dd = f"{d[n]*1000:.0f} ({d[n]/d['unconfined']:.2f}x)" if n in d else ""
    print(f"| {what} | {s[n]*1000:.2f} ({s[n]/u:.2f}x, {1000*(s[n]-u):+.2f} ms) | {dd} |")
PY
