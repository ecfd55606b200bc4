# tests/lib/common.sh - sourced by every tests/NAME.test.
#   pass NAME / fail NAME WHY / skip NAME WHY     one result line each
#   check NAME CMD...                            pass if CMD succeeds
#   expect_out NAME WANT_RC PATTERN CMD...       run CMD; exit status WANT_RC, output matches PATTERN
#                                                (grep -E; an empty PATTERN checks the status only)
#   expect_err NAME WANT_RC PATTERN CMD...       a refusal: exit status WANT_RC, stderr exactly one
#                                                line, matching PATTERN (stdout ignored); a usage
#                                                error may add podman's hint line after it,
#                                                "See 'cbox [APPLET] --help'."
#   on_exit CMD                                  run CMD when the file ends (stop servers)
#   expect_no NAME PATTERN CMD...                run CMD; exit 0 and no output line matches PATTERN
#   expect_silent NAME CMD...                    run CMD; exit 0 and no output at all
#   joined CMD...                                CMD's output lines joined by spaces (its status)
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
CBOX=${CBOX:-$TOP/cbox}
CBOX_ARM=$TOP/cbox-aarch64
T=$(mktemp -d /tmp/cbox-test.XXXXXX)
chmod 755 "$T"
# on_exit CMD: run CMD when the test file ends (before $T goes).
EXIT_HOOKS=
on_exit() { EXIT_HOOKS="$1; $EXIT_HOOKS"; }
trap 'eval "$EXIT_HOOKS"; rm -rf "$T"' EXIT
# Stopped by tests/run's time limit: still run the hooks (servers, pause processes).
trap 'exit 143' TERM
OUT=$T/.out

# free_port: a TCP port on 127.0.0.1 that nothing listens on now.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }

check() {
	n=$1
	shift
	if "$@" >"$OUT" 2>&1; then pass "$n"; else fail "$n" "'$*' failed: $(head -c 300 "$OUT")"; fi
}

expect_out() {
	n=$1 want=$2 pat=$3
	shift 3
	"$@" >"$OUT" 2>&1
	rc=$?
	if [ "$rc" != "$want" ]; then
		fail "$n" "exit $rc, want $want: $(head -c 300 "$OUT")"
	elif [ -n "$pat" ] && ! grep -Eq -- "$pat" "$OUT"; then
		fail "$n" "output lacks /$pat/: $(head -c 300 "$OUT")"
	else
		pass "$n"
	fi
}

expect_err() {
	n=$1 want=$2 pat=$3
	shift 3
	"$@" >"$OUT.stdout" 2>"$OUT"
	rc=$?
	lines=$(grep -c '' "$OUT")
	# podman's usage hint may follow as a second line.
	[ "$lines" = 2 ] && sed -n 2p "$OUT" |
		grep -Eq "^(See '(cbox|podman)( [a-z-]+)? --help'\.?|Try '(cbox|podman) --help' for more information)\$" && lines=1
	if [ "$rc" != "$want" ]; then
		fail "$n" "exit $rc, want $want: $(head -c 300 "$OUT")"
	elif [ "$lines" != 1 ]; then
		fail "$n" "$lines lines on stderr, want one: $(head -c 300 "$OUT")"
	elif ! grep -Eq -- "$pat" "$OUT"; then
		fail "$n" "stderr lacks /$pat/: $(head -c 300 "$OUT")"
	else
		pass "$n"
	fi
}

expect_no() {
	n=$1 pat=$2
	shift 2
	"$@" >"$OUT" 2>&1
	rc=$?
	if [ "$rc" != 0 ]; then
		fail "$n" "exit $rc: $(head -c 300 "$OUT")"
	elif grep -Eq -- "$pat" "$OUT"; then
		fail "$n" "output has /$pat/: $(grep -E -- "$pat" "$OUT" | head -n 3)"
	else
		pass "$n"
	fi
}

expect_silent() {
	n=$1
	shift
	"$@" >"$OUT" 2>&1
	rc=$?
	if [ "$rc" != 0 ]; then
		fail "$n" "exit $rc: $(head -c 300 "$OUT")"
	elif [ -s "$OUT" ]; then
		fail "$n" "printed: $(head -c 300 "$OUT")"
	else
		pass "$n"
	fi
}

joined() {
	"$@" >"$T/.joined" || return
	tr '\n' ' ' <"$T/.joined"
}
