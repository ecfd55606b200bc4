//config:config APPLET_RESTART
//config:	bool "restart: stop and start containers"
//config:	default y
//applet:CB_APPLET(restart, restart_main, CB_NOSUID)
//cmd:CB_CMD("restart", "container", 0, -1, "CONTAINER [CONTAINER...]", "Restart containers")
//usage:Stop each running container (as stop -t N), then start it again.
//usage:
//usage:  -a, --all        every container
//usage:      --running    every running container
//usage:  -t, --time N     seconds to wait for the stop before KILL (default 10)
/* restart.c - cbox restart */
#include <stdio.h>

#include "container.h"
#include "ctl.h"

static int restart_one(struct cb_store *s, const char *id, void *arg, cb_err *e)
{
	int r = cb_container_stop(s, id, *(int *)arg, e);
	return r < 0 ? r : cb_container_start(s, id, e);
}

int restart_main(int argc, char **argv)
{
	static const struct cb_option opts[] = {
		{ "all", 'a', CB_OPT_NONE, 1 }, { "running", 0, CB_OPT_NONE, 2 },
		{ "time", 't', CB_OPT_ARG, 3 }, { "timeout", 0, CB_OPT_ARG, 3 }, { 0 },
	};
	struct cb_opt_state st;
	int flags = CB_CTL_USERNS, timeout = 10, c;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts))) {
		flags |= c == 1 ? CB_CTL_ALL : c == 2 ? CB_CTL_ALL | CB_CTL_RUNNING : 0;
		if (c == 3 && (timeout = cb_opt_seconds(st.arg)) < 0) {
			fprintf(stderr, "Error: invalid argument \"%s\" for \"-t, --time\" flag: want a number of seconds\n", st.arg);
			return CB_EXIT_FAIL;
		}
	}
	if ((flags & CB_CTL_ALL) && st.ind < argc) {
		fprintf(stderr, "Error: either restart all containers or the container(s) provided in the arguments\n");
		return CB_EXIT_FAIL;
	}
	cb_ctl_seal_for_init(&st, !!(flags & CB_CTL_ALL));
	return cb_ctl_main(&st, "restart", flags, restart_one, &timeout);
}
