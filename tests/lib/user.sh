# tests/lib/user.sh - the unprivileged test user, without touching the host's /etc.
#   user_world [--no-subids]   write test passwd/group/subuid/subgid under $T/world
#   as_user CMD...             run CMD as uid/gid $TEST_UID in a private mount namespace
#                              where those files stand in for the host's; with
#                              AS_USER_TUN=1, also a 0666 /dev/net/tun (a private node
#                              bound over the host's, which stays as it is); with
#                              AS_USER_NETNS=CMD, a new network namespace too, where
#                              root runs CMD first (its own sysctls, addresses);
#                              AS_USER_BIN=FILE: FILE is /usr/local/bin/cbox there (a
#                              tmpfs over /usr/local/bin), so the user types `cbox`;
#                              AS_USER_NO_HELPERS=1: the host's newuidmap/newgidmap are
#                              /bin/false there (not setuid: the ladder passes them by)
TEST_UID=4242
TEST_USER=cboxtest
TEST_HOME=$T/world/home

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
	NETSETUP=${AS_USER_NETNS:-} unshare -m ${AS_USER_NETNS:+-n} sh -c '
		W=$1
		shift
		mount --make-rprivate /
		for f in passwd group subuid subgid; do
			[ -e /etc/$f ] || { echo "as_user: /etc/$f missing on the host" >&2; exit 125; }
			mount --bind "$W/$f" /etc/$f || exit 125
		done
		if [ -n "'"${AS_USER_TUN:-}"'" ]; then
			d=$(mktemp -d) && mount -t tmpfs -o mode=755 tmpfs "$d" && mknod -m 666 "$d/tun" c 10 200 &&
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
		exec setpriv --reuid='"$TEST_UID"' --regid='"$TEST_UID"' --clear-groups --reset-env -- "$@"
	' as_user "$T/world" "$@"
}
