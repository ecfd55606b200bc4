//config:config APPLET_LOGS
//config:	bool "logs: what containers wrote"
//config:	default y
//applet:CB_APPLET(logs, logs_main, CB_NOSUID)
//usage:Usage: cbox logs [OPTIONS] CONTAINER...
//usage:
//usage:Print what containers wrote to stdout and stderr (their log: run's and start's
//usage:k8s-file log driver, the default, logs foreground and detached runs). Several
//usage:containers: their lines in time order, each after the container's short ID.
//usage:
//usage:  -f, --follow         keep printing until the containers exit
//usage:      --tail N         only the last N lines of each (-1: all)
//usage:      --since TIME     only lines from TIME on: seconds since the epoch, RFC 3339
//usage:                       (2026-12-07T10:00:00Z), or a duration before now (10m)
//usage:      --until TIME     only lines up to TIME (the same forms)
//usage:  -t, --timestamps     each line after its time
//usage:  -n, --names          name the containers by name, not ID
/* logs.c - cbox logs */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctrlog.h"

static int time_opt(const char *opt, const char *arg, long long *ns)
{
	if (cb_log_time_parse(arg, ns) == 0)
		return 0;
	fprintf(stderr, "Error: %s %s: not a time (seconds since the epoch, RFC 3339 or a duration)\n", opt, arg);
	return -1;
}

int logs_main(int argc, char **argv)
{
	enum { O_FOLLOW = 1, O_TAIL, O_SINCE, O_UNTIL, O_STAMPS, O_NAMES };
	static const struct cb_option opts[] = {
		{ "follow", 'f', CB_OPT_NONE, O_FOLLOW }, { "tail", 0, CB_OPT_ARG, O_TAIL },
		{ "since", 0, CB_OPT_ARG, O_SINCE },      { "until", 0, CB_OPT_ARG, O_UNTIL },
		{ "timestamps", 't', CB_OPT_NONE, O_STAMPS }, { "names", 'n', CB_OPT_NONE, O_NAMES },
		{ 0 },
	};
	struct cb_logwant w = { .since = 0, .until = 0x7fffffffffffffffLL, .tail = -1 };
	struct cb_opt_state st;
	int follow = 0, names = 0, c;
	char *end;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts))) {
		if (c == O_FOLLOW)
			follow = 1;
		else if (c == O_TAIL && ((w.tail = (int)strtol(st.arg, &end, 10)) < -1 || *end || !*st.arg)) {
			fprintf(stderr, "Error: invalid argument \"%s\" for \"--tail\" flag\n", st.arg);
			return CB_EXIT_FAIL;
		} else if ((c == O_SINCE && time_opt("--since", st.arg, &w.since) < 0) ||
			   (c == O_UNTIL && time_opt("--until", st.arg, &w.until) < 0))
			return CB_EXIT_FAIL;
		w.stamps |= c == O_STAMPS;
		names |= c == O_NAMES;
	}
	int n = argc - st.ind;
	if (n < 1) {
		cb_usage_error("name at least one container");
		return CB_EXIT_FAIL;
	}
	struct cb_logsrc *srcs = calloc((size_t)n, sizeof(*srcs));
	if (!srcs)
		return CB_EXIT_FAIL;
	w.prefix = n > 1;
	for (int i = 0; i < n; i++) {
		struct cb_logsrc *s = &srcs[i];
		struct cb_store store;
		cb_err e;
		char id[65];
		cJSON *cfg;
		if (cb_ctl_open(&store, argv[st.ind + i], id, &s->dfd, &cfg, &s->cs, &e) < 0) {
			fprintf(stderr, "Error: %s\n", e.msg);
			return CB_EXIT_FAIL;
		}
		const char *driver = cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "log_driver")) ?: "k8s-file";
		if (strcmp(driver, "k8s-file")) {
			fprintf(stderr, "Error: this container is using the '%s' log driver, cannot read logs\n", driver);
			return CB_EXIT_FAIL;
		}
		snprintf(s->label, sizeof(s->label), "%.*s", names ? 128 : 12,
			 names ? cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "name")) ?: id : id);
		s->fd = openat(s->dfd, "ctr.log", O_RDONLY | O_CLOEXEC); /* none: not run yet */
		s->first = 1;
		cJSON_Delete(cfg);
	}
	return cb_ctrlog_print(srcs, n, &w, follow) < 0;
}
