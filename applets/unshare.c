//config:config APPLET_UNSHARE
//config:	bool "unshare: run a command in the storage's user namespace"
//config:	default y
//applet:CB_APPLET(unshare, unshare_main, CB_NOSUID)
//usage:Usage: cbox unshare [COMMAND [ARG...]]
//usage:
//usage:Run COMMAND (default $SHELL, else /bin/sh) in the user namespace cbox uses for its
//usage:storage, as 'podman unshare': 0 is you, 1..N your sub-ids (full mapping), or only
//usage:0 (single mapping). E.g. 'cbox unshare cat /proc/self/uid_map',
//usage:'cbox unshare chown -R 200:200 DIR'. It has a mount namespace of its own, where
//usage:`cbox mount` mounts.
/* unshare.c - cbox unshare */
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "idmap.h"
#include "store.h"

int unshare_main(int argc, char **argv)
{
	static const struct cb_option opts[] = { { 0 } };
	struct cb_opt_state st;
	struct cb_store s;
	cb_err e;
	cb_opt_init_cmd(&st, argc, argv);
	while (cb_getopt(&st, opts))
		;
	if (cb_userns_enter(&e) < 0 || cb_store_open(&s, cb_opt_root, &e) < 0)
		cb_die(&e);
	/* inside, uid 0 would pick root's store: the commands run there use this one */
	setenv("CBOX_ROOT", s.root, 0);
	cb_store_close(&s);
	/* a mount namespace of its own, as podman's: `cbox mount` inside may mount there */
	if (cb_in_userns() && unshare(CLONE_NEWNS) < 0)
		cb_debug("unshare: a mount namespace: %s", strerror(errno));
	const char *shell = getenv("SHELL");
	char *def[] = { (char *)(shell && *shell ? shell : "/bin/sh"), NULL };
	char **cmd = st.ind < argc ? argv + st.ind : def;
	execvp(cmd[0], cmd);
	int err = errno;
	fprintf(stderr, "Error: %s: %s\n", cmd[0], strerror(err));
	return err == ENOENT ? CB_EXIT_NOTFOUND : 126;
}
