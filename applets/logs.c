//config:config APPLET_LOGS
//config:	bool "logs: a detached container's output"
//config:	default y
//applet:CB_APPLET(logs, logs_main, CB_NOSUID)
//usage:Usage: cbox logs [OPTIONS] CONTAINER
//usage:
//usage:Print what a detached (run -d, start) container wrote to stdout and stderr.
//usage:
//usage:  -f, --follow     keep printing until the container exits
/* logs.c - cbox logs */
#include <fcntl.h>
#include <stdio.h>

#include "ctl.h"

/* Copy what fd has to stdout: 0 at its end, -1 on a write error. */
static int drain(int fd)
{
	char buf[65536];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t o = 0, w; o < n; o += w)
			if ((w = write(1, buf + o, (size_t)(n - o))) < 0)
				return -1;
	return 0;
}

int logs_main(int argc, char **argv)
{
	static const struct cb_option opts[] = { { "follow", 'f', CB_OPT_NONE, 1 }, { 0 } };
	struct cb_opt_state st;
	int follow = 0;
	cb_opt_init(&st, argc, argv);
	while (cb_getopt(&st, opts))
		follow = 1;
	if (st.ind != argc - 1) {
		fprintf(stderr, "Error: name one container\nSee 'cbox logs --help'.\n");
		return CB_EXIT_FAIL;
	}
	struct cb_store s;
	struct cb_state cs;
	cb_err e;
	char id[65];
	int dfd;
	cJSON *cfg;
	if (cb_ctl_open(&s, argv[st.ind], id, &dfd, &cfg, &cs, &e) < 0) {
		fprintf(stderr, "Error: %s\n", e.msg);
		return CB_EXIT_FAIL;
	}
	int fd = openat(dfd, "ctr.log", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* a foreground run's output went to its terminal */
	for (;;) {
		if (drain(fd) < 0)
			return 1;
		cb_state_read(dfd, &cs);
		if (!follow || !cb_state_monitor_alive(&cs))
			break;
		cb_pid_wait_gone(cs.monitor, cs.monitor_start, 200);
	}
	/* What came after the last read, before the monitor ended. */
	return drain(fd) < 0;
}
