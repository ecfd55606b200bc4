# tests/lib/user.sh - the unprivileged test user, without touching the host's /etc.
#   user_world [--no-subids]   write test passwd/group/subuid/subgid under $T/world
#   as_user CMD...             run CMD as uid/gid $TEST_UID in a private mount namespace
#                              where those files stand in for the host's; with
#                              AS_USER_TUN=1, also a 0666 /dev/net/tun (a private node
#                              bound over the host's, which stays as it is; with
#                              AS_USER_TUN=600 a root-only one, whatever the host's); with
#                              AS_USER_NETNS=CMD, a new network namespace too, where
#                              root runs CMD first (its own sysctls, addresses);
#                              AS_USER_BIN=FILE: FILE is /usr/local/bin/cbox there (a
#                              tmpfs over /usr/local/bin), so the user types `cbox`;
#                              AS_USER_NO_HELPERS=1: the host's newuidmap/newgidmap are
#                              /bin/false there (not setuid: the ladder passes them by)
#                              AS_USER_RUNTIME=1: XDG_RUNTIME_DIR=$USER_RUNTIME (a 0700
#                              dir of the user's, as a login session has: cbox keeps its
#                              pause process there; without it, each run maps afresh)
#   user_pause_stop            stop the pause process recorded in $USER_RUNTIME, if any
TEST_UID=4242
TEST_USER=cboxtest
TEST_HOME=$T/world/home
USER_RUNTIME=$T/world/run

user_world() {
	W=$T/world
	mkdir -p "$W/home"
	chown "$TEST_UID:$TEST_UID" "$W/home"
	{ grep -v "^$TEST_USER:" /etc/passwd; echo "$TEST_USER:x:$TEST_UID:$TEST_UID:cbox test:$W/home:/bin/sh"; } >"$W/passwd"
	{ grep -v "^$TEST_USER:" /etc/group; echo "$TEST_USER:x:$TEST_UID:"; } >"$W/group"
	if [ "${1:-}" = --no-subids ]; then
		: >"$W/subuid"
		: >"$W/subgid"
	else
		echo "$TEST_USER:100000:65536" >"$W/subuid"
		echo "$TEST_UID:100000:65536" >"$W/subgid"
	fi
}

as_user() {
	[ -f "$T/world/passwd" ] || user_world
	rt=
	if [ -n "${AS_USER_RUNTIME:-}" ]; then
		rt=$USER_RUNTIME
		mkdir -p "$rt" && chown "$TEST_UID:$TEST_UID" "$rt" && chmod 700 "$rt" || return 125
	fi
	NETSETUP=${AS_USER_NETNS:-} unshare -m ${AS_USER_NETNS:+-n} sh -c '
		W=$1 RT=$2
		shift 2
		mount --make-rprivate /
		for f in passwd group subuid subgid; do
			[ -e /etc/$f ] || { echo "as_user: /etc/$f missing on the host" >&2; exit 125; }
			mount --bind "$W/$f" /etc/$f || exit 125
		done
		tun='"${AS_USER_TUN:-}"'
		if [ -n "$tun" ]; then
			[ "$tun" = 1 ] && tun=666
			d=$(mktemp -d) && mount -t tmpfs -o mode=755 tmpfs "$d" && mknod -m "$tun" "$d/tun" c 10 200 &&
				mount --bind "$d/tun" /dev/net/tun && umount -l "$d" && rmdir "$d" || exit 125
		fi
		if [ -n "'"${AS_USER_BIN:-}"'" ]; then
			mount -t tmpfs -o mode=755 tmpfs /usr/local/bin && : >/usr/local/bin/cbox &&
				mount --bind "'"${AS_USER_BIN:-}"'" /usr/local/bin/cbox || exit 125
		fi
		if [ -n "'"${AS_USER_NO_HELPERS:-}"'" ]; then
			for h in /usr/bin/newuidmap /usr/bin/newgidmap; do
				[ ! -e $h ] || mount --bind /bin/false $h || exit 125
			done
		fi
		[ -z "$NETSETUP" ] || sh -c "$NETSETUP" || exit 125
		exec setpriv --reuid='"$TEST_UID"' --regid='"$TEST_UID"' --clear-groups --reset-env -- \
			${RT:+env XDG_RUNTIME_DIR=$RT} "$@"
	' as_user "$T/world" "$rt" "$@"
}

user_pause_stop() {
	p=$(cut -d' ' -f1 "$USER_RUNTIME/cbox/pause.pid" 2>/dev/null)
	[ -n "$p" ] && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = cbox-pause ] && kill -9 "$p"
	return 0
}
