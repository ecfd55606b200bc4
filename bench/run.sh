#!/bin/sh
# bench/run.sh - container start-up: `cbox run --rm --network none IMG true` vs rootless
# `podman run --rm --network none IMG true` vs `bwrap --unshare-all` on the same unpacked
# rootfs, all as the same unprivileged user, interleaved by hyperfine; medians and ratios.
#   sh bench/run.sh [RUNS]      (default 30)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
export TOP
RUNS=${1:-30}
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/registry.sh"
. "$TOP/tests/lib/user.sh"
"$TOP/build.sh" >/dev/null 2>&1 || { echo "bench/run.sh: build failed" >&2; exit 1; }
for p in podman uidmap bubblewrap hyperfine; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null 2>&1
done
registry_world || { echo "bench/run.sh: no registry world: $WORLD_WHY" >&2; exit 1; }
user_world
chmod 755 "$T"
mkdir -p "$T/store" "$T/run" "$T/podman" "$T/certs" "$T/out" && chown "$TEST_UID:$TEST_UID" "$T/store" "$T/run" "$T/podman" "$T/out"
cp "$REG_CERTDIR/ca.crt" "$T/certs/" && chmod -R a+rX "$T/certs"
: >"$T/none.conf" && chmod 644 "$T/none.conf"
ENVV="HOME=$TEST_HOME XDG_RUNTIME_DIR=$T/run CBOX_ROOT=$T/store CBOX_REGISTRIES_CONF=$T/none.conf CONTAINERS_REGISTRIES_CONF=$T/none.conf"
IMG=$REG/busybox:amd64
# shellcheck disable=SC2086
as_user env $ENVV "$CBOX" pull -q --cert-dir "$T/certs" "$IMG" >/dev/null || { echo "bench/run.sh: pull failed" >&2; exit 1; }
layer=$(ls -d "$T"/store/layers/*/diff | head -n 1)
PODMAN="podman --root $T/podman/root --runroot $T/podman/run"
# shellcheck disable=SC2086
if as_user env $ENVV $PODMAN pull -q --cert-dir "$T/certs" "$IMG" >/dev/null 2>"$T/podman.err" &&
	as_user env $ENVV $PODMAN run --rm --network none "$IMG" true >/dev/null 2>>"$T/podman.err"; then
	podman_cmd="$PODMAN run --rm --network none $IMG true"
else
	podman_cmd=
	echo "podman cannot run a container here: $(tail -n 1 "$T/podman.err")"
fi
cat >"$T/bench.sh" <<B
cd "$T/out"
exec hyperfine -N -w 3 -r $RUNS --export-json "$T/out/h.json" \\
	-n cbox "$CBOX run --rm --network none $IMG true" \\
	-n bwrap "bwrap --unshare-all --bind $layer / --proc /proc --dev /dev true" \\
	${podman_cmd:+-n podman "$podman_cmd"}
B
# shellcheck disable=SC2086
as_user env $ENVV sh "$T/bench.sh" >"$T/h.out" 2>&1 || { cat "$T/h.out"; exit 1; }
echo "| tool | median ms | ratio vs cbox |"
echo "|---|---|---|"
python3 - "$T/out/h.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
base = r["cbox"]["median"]
for name in ("cbox", "bwrap", "podman"):
    if name in r:
        m = r[name]["median"]
        print(f"| {name} | {m*1000:.1f} | {m/base:.2f}x |")
    else:
        print(f"| {name} | could not run here | |")
PY
