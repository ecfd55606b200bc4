//config:config APPLET_START
//config:	bool "start: start stopped containers again"
//config:	default y
//applet:CB_APPLET(start, start_main, CB_NOSUID)
//usage:Usage: cbox start [--all] [-a [-i]] CONTAINER...
//usage:
//usage:Run each (created or exited) container again in the background, with its own
//usage:rootfs and the options it was made with (create's or run's: -t, --rm, --restart
//usage:...). Its output goes to 'cbox logs'.
//usage:
//usage:      --all               every container that does not run
//usage:  -a, --attach            run it in the foreground: its output on ours, exit with
//usage:                          its status (one container)
//usage:  -i, --interactive       with -a: our stdin goes to it (with -t: the pty)
/* start.c - cbox start */
#include <stdio.h>
#include <string.h>

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
	static const struct cb_option opts[] = {
		{ "all", 0, CB_OPT_NONE, 1 }, { "attach", 'a', CB_OPT_BOOL, 2 }, { "interactive", 'i', CB_OPT_BOOL, 3 },
		{ 0 },
	};
	struct cb_opt_state st;
	int flags = CB_CTL_USERNS, attach = 0, interactive = 0, c;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts))) {
		if (c == 1)
			flags |= CB_CTL_ALL | CB_CTL_STOPPED;
		else
			*(c == 2 ? &attach : &interactive) = !strcmp(st.arg, "true");
	}
	if (!attach && !interactive)
		return cb_ctl_main(&st, "start", flags, start_one, NULL);
	/* -a (podman's -i implies it): one container, in the foreground */
	if (st.ind + 1 != argc || (flags & CB_CTL_ALL)) {
		fprintf(stderr, "Error: you cannot start and attach multiple containers at once\n");
		return CB_EXIT_FAIL;
	}
	struct cb_store s;
	char id[65];
	int status;
	cb_err e;
	if (cb_userns_enter(&e) < 0 || cb_store_open(&s, cb_opt_root, &e) < 0 ||
	    cb_container_resolve(&s, argv[st.ind], id, sizeof(id), &e) < 0 ||
	    cb_container_start_attached(&s, id, interactive, &status, &e) < 0) {
		fprintf(stderr, "Error: %s\n", e.msg);
		return CB_EXIT_FAIL;
	}
	return status;
}
