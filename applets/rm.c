//config:config APPLET_RM
//config:	bool "rm: remove containers"
//config:	default y
//applet:CB_APPLET(rm, rm_main, CB_NOSUID)
//usage:Usage: cbox rm [OPTIONS] CONTAINER...
//usage:
//usage:Remove each container: its rootfs, its changes, its log and its state.
//usage:
//usage:  -f, --force      kill a running container first
/* rm.c - cbox rm */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "idmap.h"

/* First pass, in our own user namespace (which may signal every process of the
 * container): refuse or kill the running ones. */
static int check_one(struct cb_store *s, const char *id, void *arg, cb_err *e)
{
	int force = *(int *)arg, fd;
	cJSON *cfg;
	struct cb_state st;
	if (cb_container_open(s, id, &fd, &cfg, e) < 0)
		return -ENOENT;
	cb_state_read(fd, &st);
	close(fd);
	cJSON_Delete(cfg);
	if (st.state == CB_STATE_RUNNING && !force)
		return cb_fail(e, EBUSY,
			       "cannot remove container %s as it is running - running or paused containers cannot be "
			       "removed without force: container state improper", id);
	if (st.state == CB_STATE_RUNNING) {
		kill(st.pid, SIGKILL);
		cb_pid_wait_gone(st.pid, st.pid_start, -1);
	}
	cb_pid_wait_gone(st.monitor, st.monitor_start, -1);
	return 1;
}

static int rm_one(struct cb_store *s, const char *id, void *arg, cb_err *e)
{
	char dir[128];
	(void)arg;
	snprintf(dir, sizeof(dir), "containers/%s", id);
	int r = cb_rm_rf_at(s->rootfd, dir);
	return r < 0 ? cb_fail_errno(e, -r, "remove %s/%s", s->root, dir) : 0;
}

int rm_main(int argc, char **argv)
{
	static const struct cb_option opts[] = { { "force", 'f', CB_OPT_NONE, 1 }, { 0 } };
	struct cb_opt_state st;
	int force = 0;
	cb_opt_init(&st, argc, argv);
	while (cb_getopt(&st, opts))
		force = 1;
	if (st.ind >= argc) {
		fprintf(stderr, "cbox: rm: name at least one container\nSee 'cbox rm --help'.\n");
		return CB_EXIT_FAIL;
	}
	struct cb_store s;
	cb_err e;
	if (cb_store_open(&s, cb_opt_root, &e) < 0)
		cb_die(&e);
	/* Keep the refs that pass, then remove them in the storage's user namespace (the
	 * rootfs holds files of every mapped id). */
	char **keep = calloc((size_t)argc, sizeof(*keep));
	int n = 0, status = 0;
	for (int i = st.ind; keep && i < argc; i++) {
		if (cb_ctl_each(&s, "rm", argv + i, 1, check_one, &force))
			status = CB_EXIT_FAIL;
		else
			keep[n++] = argv[i];
	}
	if (!n)
		return status;
	if (cb_userns_enter(&e) < 0)
		cb_die(&e);
	return cb_ctl_each(&s, "rm", keep, n, rm_one, NULL) ?: status;
}
