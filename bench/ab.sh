#!/bin/sh
# bench/ab.sh - start-up of two cbox builds side by side: `run --rm --network none IMG true`
# and create + start -a of the same, ROUNDS rounds, each build in turn, hyperfine -N
# (-w 2 -r 10) per round; prints the median wall time of all runs and the median over
# the rounds of hyperfine's user+sys means. The caller's store and image are used as they
# are (both builds must read the same store).
#   sh bench/ab.sh OLD-CBOX NEW-CBOX [IMG] [ROUNDS]      (IMG default busybox, ROUNDS 5)
set -eu
A=$1 B=$2 IMG=${3:-busybox} ROUNDS=${4:-5}
command -v hyperfine >/dev/null || { echo "bench/ab.sh: needs hyperfine" >&2; exit 2; }
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
r=1
while [ "$r" -le "$ROUNDS" ]; do
	for k in a b; do
		[ $k = a ] && bin=$A || bin=$B
		hyperfine -N -w 2 -r 10 --export-json "$D/run-$k-$r.json" "$bin run --rm --network none $IMG true" >/dev/null
		hyperfine -w 2 -r 10 --shell=none --export-json "$D/cs-$k-$r.json" \
			"sh -c '$bin create --rm --network none $IMG true | xargs $bin start -a'" >/dev/null
	done
	r=$((r + 1))
done
python3 - "$D" "$ROUNDS" "$A" "$B" <<'PY'
import json, statistics as st, sys
d, rounds = sys.argv[1], int(sys.argv[2])
for kind, what in (("run", "run --rm"), ("cs", "create + start -a")):
    for k, name in (("a", sys.argv[3]), ("b", sys.argv[4])):
        ms, cpu = [], []
        for r in range(1, rounds + 1):
            j = json.load(open(f"{d}/{kind}-{k}-{r}.json"))["results"][0]
            ms += [t * 1000 for t in j["times"]]
            cpu.append((j["user"] + j["system"]) * 1000)
        print(f"{what:18} {name}: median {st.median(ms):.2f} ms, CPU {st.median(cpu):.2f} ms")
PY
