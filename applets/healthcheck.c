//config:config APPLET_HEALTHCHECK
//config:	bool "healthcheck: run/create --health-*, healthcheck run, the checks' scheduler"
//config:	default y
//applet:CB_APPLET(healthcheck, healthcheck_main, CB_NOSUID)
//usage:Usage: cbox healthcheck run CONTAINER
//usage:
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
	cb_opt_init(&st, argc, argv);
	while (cb_getopt(&st, opts))
		;
	if (st.ind >= argc || strcmp(argv[st.ind], "run")) {
		if (st.ind < argc)
			fprintf(stderr, "Error: unrecognized command `cbox healthcheck %s`\n", argv[st.ind]);
		else
			fprintf(stderr, "Error: missing command 'cbox healthcheck COMMAND'\n");
		fprintf(stderr, "Try 'cbox --help' for more information\n");
		return CB_EXIT_FAIL;
	}
	if (argc - st.ind != 2) {
		fprintf(stderr, "Error: accepts 1 arg(s), received %d\nSee 'cbox healthcheck --help'.\n", argc - st.ind - 1);
		return CB_EXIT_FAIL;
	}
	const char *ref = argv[st.ind + 1];
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
