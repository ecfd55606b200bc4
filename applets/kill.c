//config:config APPLET_KILL
//config:	bool "kill: send a signal to running containers"
//config:	default y
//applet:CB_APPLET(kill, kill_main, CB_NOSUID)
//cmd:CB_CMD("kill", "container", 0, -1, "CONTAINER [CONTAINER...]", "Send a signal to running containers")
//usage:Send a signal to each container's process.
//usage:
//usage:  -s, --signal SIG   a name (TERM, SIGTERM) or number (default KILL)
//usage:  -a, --all          every running container
/* kill.c - cbox kill */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static int kill_one(struct cb_store *s, const char *id, void *arg, cb_err *e)
{
	return cb_container_kill(s, id, *(int *)arg, e);
}

int kill_main(int argc, char **argv)
{
	static const struct cb_option opts[] = { { "signal", 's', CB_OPT_ARG, 1 }, { "all", 'a', CB_OPT_NONE, 2 }, { 0 } };
	struct cb_opt_state st;
	int sig = SIGKILL, c, flags = 0;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts)))
		if (c == 2)
			flags = CB_CTL_ALL | CB_CTL_RUNNING;
		else if ((sig = cb_signal_parse(st.arg + (st.arg[0] == '-'))) < 0) {
			/* podman's words: a leading dash is no part of the name */
			const char *s = st.arg + (st.arg[0] == '-');
			if (*s && strspn(s, "0123456789") == strlen(s) && strspn(s, "0") < strlen(s))
				fprintf(stderr, "Error: valid signals are 1 through 64\n");
			else
				fprintf(stderr, "Error: invalid signal: %s\n", s);
			return CB_EXIT_FAIL;
		}
	return cb_ctl_main(&st, "kill", flags, kill_one, &sig);
}
