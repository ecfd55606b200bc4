# tests/lib/bench.sh - sourced by bench/NAME.sh after it sets TOP: the test world's
# helpers (common, registry, user) and a fresh ./cbox.
export TOP
. "$TOP/tests/lib/common.sh"
. "$TOP/tests/lib/registry.sh"
. "$TOP/tests/lib/user.sh"
"$TOP/build.sh" >/dev/null 2>&1 || { echo "$0: build failed" >&2; exit 1; }
