//config:config APPLET_START
//config:	bool "start: start containers again"
//config:	default y
//applet:CB_APPLET(start, start_main, CB_NOSUID)
//cmd:CB_CMD("start", "container", 0, -1, "CONTAINER [CONTAINER...]", "Start containers")
//usage:Run each (created or exited) container again in the background, with its own
//usage:rootfs and the options it was made with (create's or run's: -t, --rm, --restart
//usage:...). Its output goes to 'cbox logs'.
//usage:
//usage:  -a, --attach       run it in the foreground: its output on ours, exit with its
//usage:                     status (one container)
//usage:  -i, --interactive  with -a: our stdin goes to it (with -t: the pty)
//usage:      --all          every container that does not run
//usage:  -f, --filter K=V   only the containers that pass (as ps --filter; also
//usage:                     restart-policy=)
/* start.c - cbox start */
#include <stdio.h>
#include <string.h>

#include "container.h"
#include "ctl.h"
#include "ctrfilter.h"
#include "idmap.h"

struct start_args {
	const char *filters[32];
	int nf;
};

static int start_one(struct cb_store *s, const char *id, void *arg, cb_err *e)
{
	struct start_args *a = arg;
	if (a->nf) {
		int fd, ok;
		cJSON *cfg;
		struct cb_state cs;
		if ((ok = cb_container_open(s, id, &fd, &cfg, e)) < 0)
			return ok;
		cb_state_read(fd, &cs);
		close(fd);
		ok = cb_ctr_filters_ok(s, a->filters, a->nf, id, cfg, &cs, e);
		cJSON_Delete(cfg);
		if (ok <= 0)
			return ok < 0 ? -EINVAL : 1; /* filtered out: nothing to print */
	}
	return cb_container_start(s, id, e);
}

/* A rootless start of a --network container:NAME container enters the user namespace
 * that owns NAME's network namespace (start_prepare's cb_net_join_peer), as run does,
 * not the storage's: a new one of ours would be a sibling that cannot join it. */
static int joins_peer(const char *ref)
{
	struct cb_store s;
	char id[65];
	int fd, r = 0;
	cJSON *cfg;
	cb_err e;
	if (getuid() == 0 || cb_store_open(&s, cb_opt_root, &e) < 0)
		return 0;
	if (cb_container_resolve(&s, ref, id, sizeof(id), &e) == 0 && cb_container_open(&s, id, &fd, &cfg, &e) == 0) {
		r = !strncmp(cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "network")) ?: "", "container:", 10);
		close(fd);
		cJSON_Delete(cfg);
	}
	cb_store_close(&s);
	return r;
}

/* start --attach: in the foreground (create's cb_container_start_attached). */
static int attach(const char *ref, int interactive)
{
	struct cb_store s;
	char id[65];
	int status;
	cb_err e;
	if ((!joins_peer(ref) && cb_userns_enter(&e) < 0) || cb_store_open(&s, cb_opt_root, &e) < 0 ||
	    cb_container_resolve(&s, ref, id, sizeof(id), &e) < 0 ||
	    cb_container_start_attached(&s, id, interactive, &status, &e) < 0) {
		fprintf(stderr, "Error: %s\n", e.msg);
		return CB_EXIT_FAIL;
	}
	return status;
}

int start_main(int argc, char **argv)
{
	enum { O_ALL = 1, O_ATTACH, O_INTER, O_FILTER };
	static const struct cb_option opts[] = {
		{ "all", 0, CB_OPT_NONE, O_ALL },             { "attach", 'a', CB_OPT_BOOL, O_ATTACH },
		{ "interactive", 'i', CB_OPT_BOOL, O_INTER }, { "filter", 'f', CB_OPT_ARG, O_FILTER },
		{ 0 },
	};
	struct cb_opt_state st;
	struct start_args a = { .nf = 0 };
	int flags = CB_CTL_USERNS, c, attached = 0, interactive = 0;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts))) {
		if (c == O_ATTACH || c == O_INTER) /* podman's -i implies -a */
			*(c == O_ATTACH ? &attached : &interactive) = !strcmp(st.arg, "true");
		if (c == O_ALL)
			flags |= CB_CTL_ALL | CB_CTL_STOPPED;
		if (c == O_FILTER && !CFG_HOUSEKEEPING) {
			fprintf(stderr, "Error: start --filter: not in this build (CONFIG_HOUSEKEEPING)\n");
			return CB_EXIT_FAIL;
		}
		if (c == O_FILTER && a.nf < (int)CB_ARRAY_SIZE(a.filters))
			a.filters[a.nf++] = st.arg;
	}
	if ((flags & CB_CTL_ALL) && st.ind < argc) {
		fprintf(stderr, "Error: either start all containers or the container(s) provided in the arguments\n");
		return CB_EXIT_FAIL;
	}
	cb_ctl_seal_for_init(&st, !!(flags & CB_CTL_ALL));
	if (attached || interactive) {
		if (argc - st.ind != 1 || a.nf) {
			fprintf(stderr, "Error: you cannot start and attach multiple containers at once\n");
			return CB_EXIT_FAIL;
		}
		return attach(argv[st.ind], interactive);
	}
	if (argc - st.ind == 1 && joins_peer(argv[st.ind]))
		flags &= ~CB_CTL_USERNS;
	return cb_ctl_main(&st, "start", flags, start_one, &a);
}
