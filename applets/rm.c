//config:config APPLET_RM
//config:	bool "rm: remove containers"
//config:	default y
//applet:CB_APPLET(rm, rm_main, CB_NOSUID)
//usage:Usage: cbox rm [OPTIONS] CONTAINER...
//usage:
//usage:Remove each container: its rootfs, its changes, its log and its state.
//usage:
//usage:  -f, --force      kill a running container first
//usage:  -v, --volumes    its anonymous volumes go too
/* rm.c - cbox rm */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "idmap.h"
#include "volume.h"

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


/* Under the container's lock, so a start that slipped in since the check is seen. */
static int remove_one(struct cb_store *s, const char *id, const char *dir, int volumes, cb_err *e)
{
	int fd, lock, r = 0;
	cJSON *cfg;
	struct cb_state st;
	if (cb_container_open(s, id, &fd, &cfg, e) < 0)
		return 0; /* gone already (--rm) */
	cJSON_Delete(cfg);
	if ((lock = cb_state_lock(fd, e)) < 0) {
		close(fd);
		return lock;
	}
	cb_state_read(fd, &st);
	if (st.state == CB_STATE_RUNNING)
		r = cb_fail(e, EBUSY, "cannot remove container %s: it was started again meanwhile", id);
	if (r == 0 && volumes)
		cb_volume_rm_anon_at(s, fd);
	if (r == 0 && (r = cb_rm_rf_at(s->rootfd, dir)) < 0)
		cb_fail_errno(e, -r, "remove %s/%s", s->root, dir);
	close(lock);
	close(fd);
	return r;
}

int rm_main(int argc, char **argv)
{
	static const struct cb_option opts[] = { { "force", 'f', CB_OPT_NONE, 1 }, { "volumes", 'v', CB_OPT_NONE, 2 }, { 0 } };
	struct cb_opt_state st;
	int force = 0, volumes = 0, c;
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts)))
		*(c == 1 ? &force : &volumes) = 1;
	if (st.ind >= argc) {
		fprintf(stderr, "cbox: rm: name at least one container\nSee 'cbox rm --help'.\n");
		return CB_EXIT_FAIL;
	}
	struct cb_store s;
	cb_err e;
	if (cb_store_open(&s, cb_opt_root, &e) < 0)
		cb_die(&e);
	/* Keep the ones that pass (by id: a --rm one may be gone once killed), then remove
	 * them in the storage's user namespace (the rootfs holds files of every mapped id). */
	char (*ids)[65] = calloc((size_t)argc, sizeof(*ids));
	int status = 0;
	for (int i = st.ind; ids && i < argc; i++)
		if (cb_container_resolve(&s, argv[i], ids[i], sizeof(ids[i]), &e) < 0 ||
		    check_one(&s, ids[i], &force, &e) < 0) {
			fprintf(stderr, "cbox: rm: %s\n", e.msg);
			status = CB_EXIT_FAIL;
			ids[i][0] = '\0';
		}
	if (ids && cb_userns_enter(&e) < 0)
		cb_die(&e);
	for (int i = st.ind; ids && i < argc; i++) {
		char dir[128];
		snprintf(dir, sizeof(dir), "containers/%s", ids[i]);
		int r = ids[i][0] ? remove_one(&s, ids[i], dir, volumes, &e) : -ENOENT;
		if (r < 0 && ids[i][0]) {
			fprintf(stderr, "cbox: rm: %s\n", e.msg);
			status = CB_EXIT_FAIL;
		} else if (ids[i][0]) {
			printf("%s\n", argv[i]);
		}
	}
	return status;
}
