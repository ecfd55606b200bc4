//config:config APPLET_WAIT
//config:	bool "wait: wait for containers to exit"
//config:	default y
//applet:CB_APPLET(wait, wait_main, CB_NOSUID)
//cmd:CB_CMD("wait", "container", 1, -1, "CONTAINER [CONTAINER...]", "Wait for containers to stop")
//usage:Block until each container has exited; print its exit code.
//usage:
//usage:      --condition C   stopped or exited (the default: it has exited), or
//usage:                      running (it runs; prints -1)
/* wait.c - cbox wait */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"

static int wait_one(struct cb_store *s, const char *id, void *arg, cb_err *e)
{
	int code, r;
	if (*(int *)arg) { /* running */
		for (;;) {
			struct cb_state st;
			int fd;
			cJSON *cfg;
			if ((r = cb_container_open(s, id, &fd, &cfg, e)) < 0)
				return r;
			cb_state_read(fd, &st);
			close(fd);
			cJSON_Delete(cfg);
			if (st.state == CB_STATE_RUNNING)
				break;
			struct timespec ts = { 0, 100 * 1000000 };
			nanosleep(&ts, NULL);
		}
		printf("-1\n");
		return 1;
	}
	r = cb_container_wait(s, id, &code, e);
	if (r == 0)
		printf("%d\n", code);
	return r < 0 ? r : 1;
}

int wait_main(int argc, char **argv)
{
	static const struct cb_option opts[] = { { "condition", 0, CB_OPT_ARG, 1 }, { 0 } };
	struct cb_opt_state st;
	int running = 0;
	cb_opt_init(&st, argc, argv);
	while (cb_getopt(&st, opts)) {
		if (!strcmp(st.arg, "running")) {
			running = 1;
		} else if (strcmp(st.arg, "stopped") && strcmp(st.arg, "exited")) {
			fprintf(stderr, "Error: %s: unsupported wait condition (stopped, exited or running)\n", st.arg);
			return CB_EXIT_FAIL;
		}
	}
	return cb_ctl_main(&st, "wait", 0, wait_one, &running);
}
