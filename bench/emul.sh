#!/bin/sh
# bench/emul.sh - the cost of --root-emulation: `cbox run --rm --network none IMG true`
# with the filter on vs off, and a syscall-bound command in the container (dd of 1-byte
# blocks: 2 syscalls per block through the filter), as the unprivileged user without
# sub-ids (the single mapping, where auto turns it on), and chown -R of 2000 files (on:
# each call goes to the owner recorder; off: each fails, EINVAL); medians by hyperfine.
#   sh bench/emul.sh [RUNS]      (default 30)
set -u
RUNS=${1:-30}
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib/bench.sh"
dpkg-query -W -f='${Status}' hyperfine 2>/dev/null | grep -q 'ok installed' ||
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null 2>&1
registry_world || { echo "bench/emul.sh: no registry world: $WORLD_WHY" >&2; exit 1; }
user_world --no-subids
mkdir -p "$T/store" "$T/certs" "$T/out" && chown "$TEST_UID:$TEST_UID" "$T/store" "$T/out"
cp "$REG_CERTDIR/ca.crt" "$T/certs/" && chmod -R a+rX "$T/certs"
: >"$T/none.conf" && chmod 644 "$T/none.conf"
ENVV="CBOX_ROOT=$T/store CBOX_REGISTRIES_CONF=$T/none.conf"
IMG=$REG/busybox:amd64
# shellcheck disable=SC2086
as_user env $ENVV "$CBOX" pull -q --cert-dir "$T/certs" "$IMG" >/dev/null || { echo "bench/emul.sh: pull failed" >&2; exit 1; }
R="$CBOX run --rm --network none"
DD="dd if=/dev/zero of=/dev/null bs=1 count=1000000"
CH="sh -c 'mkdir /tmp/t && cd /tmp/t && seq 2000 | xargs touch && chown -R 1000:1000 /tmp/t 2>/dev/null'"
cat >"$T/bench.sh" <<B
cd "$T/out"
hyperfine -N -w 3 -r $RUNS --export-json "$T/out/start.json" \\
	-n on "$R --root-emulation=on $IMG true" -n off "$R --root-emulation=off $IMG true" &&
hyperfine -N -w 1 -r 10 --export-json "$T/out/dd.json" \\
	-n on "$R --root-emulation=on $IMG $DD" -n off "$R --root-emulation=off $IMG $DD" &&
exec hyperfine -N -i -w 1 -r 10 --export-json "$T/out/ch.json" \\
	-n on "$R --root-emulation=on $IMG $CH" -n off "$R --root-emulation=off $IMG $CH"
B
# shellcheck disable=SC2086
as_user env $ENVV sh "$T/bench.sh" >"$T/h.out" 2>&1 || { cat "$T/h.out"; exit 1; }
echo "| --root-emulation | run true, median ms | dd 1M 1-byte blocks, median ms | chown -R 2000 files, median ms |"
echo "|---|---|---|---|"
python3 - "$T/out/start.json" "$T/out/dd.json" "$T/out/ch.json" <<'PY'
import json, sys
s, d, c = ({x["command"]: x["median"] for x in json.load(open(f))["results"]} for f in sys.argv[1:4])
for n in ("on", "off"):
    print(f"| {n} | {s[n]*1000:.1f} ({s[n]/s['off']:.2f}x) | {d[n]*1000:.0f} ({d[n]/d['off']:.2f}x) | {c[n]*1000:.0f} ({c[n]/c['off']:.2f}x) |")
PY
