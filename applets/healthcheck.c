//config:config APPLET_HEALTHCHECK
//config:	bool "healthcheck: run/create --health-*, healthcheck run, the checks' scheduler"
//config:	default y
//applet:CB_APPLET(healthcheck, healthcheck_main, CB_NOSUID)
//cmd:CB_CMD("healthcheck", "", 0, 0, "[command]", "Manage health checks on containers")
//cmd:CB_CMD("healthcheck run", "", 1, 1, "CONTAINER", "Run the health check of a container")
//usage:Run the container's healthcheck (run/create --health-cmd, or the image's HEALTHCHECK)
//usage:once, now, and record it (inspect's State.Health). Exit 0 healthy; 1 and
//usage:"unhealthy" when the check failed; 125 when it has none, is not running or the
//usage:check ran past --health-timeout. --health-on-failure acts here too.
/* healthcheck.c - cbox healthcheck run */
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "health.h"

int healthcheck_main(int argc, char **argv)
{
	static const struct cb_option opts[] = { { 0 } };
	struct cb_opt_state st;
	const char *cmd = argc > 1 ? argv[1] : "";
	argc--, argv++; /* "run CONTAINER": the group's command line (help.c counts) */
	cb_opt_init(&st, argc, argv);
	while (cb_getopt(&st, opts))
		;
	if (strcmp(cmd, "run")) {
		fprintf(stderr, "Error: unrecognized command `%s healthcheck %s`\nTry '%s --help' for more information\n",
			cb_prog, cmd, cb_prog);
		return CB_EXIT_FAIL;
	}
	if (argc - st.ind != 1) {
		cb_usage_error("accepts 1 arg(s), received %d", argc - st.ind);
		return CB_EXIT_FAIL;
	}
	const char *ref = argv[st.ind];
	struct cb_store s;
	struct cb_state cs;
	cb_err e;
	char id[65];
	int dfd = -1, bad = 0;
	cJSON *cfg = NULL;
	/* (Not in the storage's user namespace, as exec: the check joins the container's.) */
	int r = cb_ctl_open(&s, ref, id, &dfd, &cfg, &cs, &e);
	if (r < 0 && r == -ENOENT) {
		fprintf(stderr, "Error: unable to look up %s to perform a health check: %s\n", ref, e.msg);
		return CB_EXIT_FAIL;
	}
	if (r == 0)
		r = cb_health_run(&s, id, dfd, cfg, &cs, 0, &bad, &e);
	if (r < 0) {
		fprintf(stderr, "Error: %s\n", e.msg);
		return CB_EXIT_FAIL;
	}
	if (bad)
		printf("unhealthy\n");
	return !!bad;
}
