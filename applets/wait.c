//config:config APPLET_WAIT
//config:	bool "wait: wait for containers to exit"
//config:	default y
//applet:CB_APPLET(wait, wait_main, CB_NOSUID)
//usage:Usage: cbox wait CONTAINER...
//usage:
//usage:Block until each container has exited; print its exit code.
/* wait.c - cbox wait */
#include <stdio.h>

#include "ctl.h"

static int wait_one(struct cb_store *s, const char *id, void *arg, cb_err *e)
{
	int code, r = cb_container_wait(s, id, &code, e);
	(void)arg;
	if (r == 0)
		printf("%d\n", code);
	return r < 0 ? r : 1;
}

int wait_main(int argc, char **argv)
{
	static const struct cb_option opts[] = { { 0 } };
	struct cb_opt_state st;
	cb_opt_init(&st, argc, argv);
	while (cb_getopt(&st, opts))
		;
	return cb_ctl_main(&st, "wait", 0, wait_one, NULL);
}
