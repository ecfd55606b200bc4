//config:config APPLET_START
//config:	bool "start: start stopped containers again"
//config:	default y
//applet:CB_APPLET(start, start_main, CB_NOSUID)
//usage:Usage: cbox start [--all] CONTAINER...
//usage:
//usage:Run each (created or exited) container again in the background, with its own
//usage:rootfs and the options it was made with. Its output goes to 'cbox logs'.
//usage:
//usage:      --all      every container that does not run
/* start.c - cbox start */
#include <stdio.h>

#include "container.h"
#include "ctl.h"
#include "idmap.h"

static int start_one(struct cb_store *s, const char *id, void *arg, cb_err *e)
{
	(void)arg;
	return cb_container_start(s, id, e);
}

int start_main(int argc, char **argv)
{
	static const struct cb_option opts[] = { { "all", 0, CB_OPT_NONE, 1 }, { 0 } };
	struct cb_opt_state st;
	int flags = CB_CTL_USERNS;
	cb_opt_init(&st, argc, argv);
	while (cb_getopt(&st, opts))
		flags |= CB_CTL_ALL | CB_CTL_STOPPED;
	return cb_ctl_main(&st, "start", flags, start_one, NULL);
}
