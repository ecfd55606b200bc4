# oci.sh - a runtime-spec bundle for the runtime tests: the host's static busybox as its
# rootfs, config.json from `cbox runtime spec` edited with python. Needs $CBOX and $T;
# callers check $BB is static busybox (SKIP otherwise) and define rt (the runtime).
BB=/bin/busybox

# bundle DIR [--rootless] ARGS...: a rootfs of busybox and a config.json running ARGS.
bundle() {
	d=$1
	shift
	mkdir -p "$d/rootfs/bin" "$d/rootfs/etc" "$d/rootfs/tmp"
	cp "$BB" "$d/rootfs/bin/busybox"
	for x in sh echo cat sleep ls id hostname ps true kill grep stty; do ln -sf busybox "$d/rootfs/bin/$x"; done
	echo "root:x:0:0:root:/root:/bin/sh" >"$d/rootfs/etc/passwd"
	rl=
	[ "$1" = --rootless ] && { rl=--rootless; shift; }
	(cd "$d" && "$CBOX" runtime spec $rl) || return 1
	python3 - "$d/config.json" "$@" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"]["args"] = sys.argv[2:]
c["root"]["readonly"] = False
json.dump(c, open(p, "w"), indent=1)
PY
}
# edit DIR PYTHON: change config.json (c is the document).
edit() {
	python3 - "$1/config.json" "$2" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
exec(sys.argv[2])
json.dump(c, open(p, "w"), indent=1)
PY
}
# until_ok SECONDS CMD...: retry CMD every 0.1 s until it succeeds.
until_ok() {
	n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
status_is() { rt state "$1" 2>/dev/null | grep -q "\"status\":[[:space:]]*\"$2\""; }
