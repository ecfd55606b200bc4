//config:config APPLET_STOP
//config:	bool "stop: stop running containers"
//config:	default y
//applet:CB_APPLET(stop, stop_main, CB_NOSUID)
//cmd:CB_CMD("stop", "container", 0, -1, "CONTAINER [CONTAINER...]", "Stop containers")
//usage:Send each container its stop signal (the image's StopSignal, else TERM), then
//usage:KILL when it has not exited after the timeout. CONTAINER: a name, an id or a
//usage:unique id prefix.
//usage:
//usage:  -t, --time N     seconds to wait before KILL (default: its --stop-timeout, or 10)
//usage:  -a, --all        every running container
//usage:  -i, --ignore     a missing container is no error
/* stop.c - cbox stop */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static int stop_one(struct cb_store *s, const char *id, void *arg, cb_err *e)
{
	return cb_container_stop(s, id, *(int *)arg, e);
}

int stop_main(int argc, char **argv)
{
	static const struct cb_option opts[] = {
		{ "time", 't', CB_OPT_ARG, 1 }, { "timeout", 0, CB_OPT_ARG, 1 },
		{ "all", 'a', CB_OPT_NONE, 2 }, { "ignore", 'i', CB_OPT_NONE, 3 }, { 0 },
	};
	struct cb_opt_state st;
	int timeout = -1, c, flags = 0;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts))) {
		flags |= c == 2 ? CB_CTL_ALL | CB_CTL_RUNNING : c == 3 ? CB_CTL_IGNORE : 0;
		if (c == 1 && (timeout = cb_opt_seconds(st.arg)) < 0) {
			fprintf(stderr, "Error: invalid argument \"%s\" for \"-t, --time\" flag: want a number of seconds\n", st.arg);
			return CB_EXIT_FAIL;
		}
	}
	return cb_ctl_main(&st, "stop", flags, stop_one, &timeout);
}
