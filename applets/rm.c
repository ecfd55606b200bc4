//config:config APPLET_RM
//config:	bool "rm: remove containers"
//config:	default y
//applet:CB_APPLET(rm, rm_main, CB_NOSUID)
//cmd:CB_CMD("rm", "container", 0, -1, "CONTAINER [CONTAINER...]", "Remove containers")
//cmd HOUSEKEEPING:CB_CMD("container prune", "", 0, 0, "", "Remove every stopped container")
//usage:Remove each container: its rootfs, its changes, its log and its state.
//usage:
//usage:  -f, --force      kill a running container first
//usage:  -a, --all        every container
//usage:  -l, --latest     the container made last
//usage:  -i, --ignore     a missing container is no error (nor is it with -f)
//usage:  -t, --time N     with -f: stop a running container as stop -t N does (its
//usage:                   stop signal, KILL after N seconds); without -t or with 0:
//usage:                   KILL at once
//usage:  -v, --volumes    its anonymous volumes go too
//usage:      --depend     the containers that share its network (--network
//usage:                   container:IT) go too, first; without it such a container
//usage:                   is refused (exit 125), as podman's
//usage:
//usage:cbox container prune [-f] removes every container that does not run, printing
//usage:their IDs (without -f it asks first).
//usage:
//usage:Exit status: 1 when a container does not exist, 2 when one is running (without
//usage:-f), as podman's; 125 for other failures.
/* rm.c - cbox rm */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "idmap.h"
#include "volume.h"

struct rm_how {
	int force, timeout; /* -f, -t */
};

/* First pass, in our own user namespace (which may signal every process of the
 * container): refuse or kill the running ones. */
static int check_one(struct cb_store *s, const char *id, void *arg, cb_err *e)
{
	const struct rm_how *how = arg;
	int force = how->force, timeout = how->timeout, fd;
	cJSON *cfg;
	struct cb_state st;
	if (cb_container_open(s, id, &fd, &cfg, e) < 0)
		return -ENOENT;
	cb_state_read(fd, &st);
	close(fd);
	cJSON_Delete(cfg);
	if (st.state == CB_STATE_RUNNING && !force)
		return cb_fail(e, EBUSY, /* podman's words */
			       "cannot remove container %s as it is running - running or paused containers cannot be "
			       "removed without force: container state improper", id);
	/* through stop also with -t 0 (KILL at once): it marks the container stopped, so a
	 * --restart monitor ends instead of running it again */
	if (st.state == CB_STATE_RUNNING) {
		int r = cb_container_stop(s, id, timeout, e);
		if (r < 0)
			return r;
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

static int running(struct cb_store *s, const char *id)
{
	struct cb_state st;
	cb_err ignore;
	cJSON *cfg;
	int fd;
	if (cb_container_open(s, id, &fd, &cfg, &ignore) < 0)
		return 0;
	cb_state_read(fd, &st);
	close(fd);
	cJSON_Delete(cfg);
	return st.state == CB_STATE_RUNNING;
}

/* peer[j]: the container whose network namespace every[j] shares ("network":
 * "container:ID" in its config), else "" (each config read once). */
static char (*peers_of(struct cb_store *s, char (*every)[65], int nall))[65]
{
	char (*peer)[65] = calloc((size_t)nall + 1, sizeof(*peer));
	for (int j = 0; peer && j < nall; j++) {
		int fd;
		cJSON *cfg;
		cb_err ignore;
		if (cb_container_open(s, every[j], &fd, &cfg, &ignore) < 0)
			continue;
		close(fd);
		const char *net = cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "network")) ?: "";
		if (!strncmp(net, "container:", 10))
			snprintf(peer[j], 65, "%s", net + 10);
		cJSON_Delete(cfg);
	}
	return peer;
}

static int listed(char (*ids)[65], int n, const char *id)
{
	for (int k = 0; k < n; k++)
		if (!strcmp(ids[k], id))
			return 1;
	return 0;
}

/* A container that shares id's network namespace and is not removed with it (not in
 * ids[0..n)): 1 with its id in dep. */
static int dependent_of(const char *id, char (*every)[65], char (*peer)[65], int nall, char (*ids)[65], int n,
			char dep[65])
{
	for (int j = 0; j < nall; j++)
		if (!strcmp(peer[j], id) && !listed(ids, n, every[j]))
			return snprintf(dep, 65, "%s", every[j]), 1;
	return 0;
}

/* --depend: ids[0..n) grows by every dependent (and theirs: a queue, each container at
 * most once), then is turned around so the dependents come first. *refs becomes the
 * ids (what rm prints). Returns the new count. */
static int add_dependents(char (*ids)[65], int n, char (*every)[65], char (*peer)[65], int nall, char ***refs)
{
	int m = n;
	for (int q = 0; q < m; q++)
		for (int j = 0; ids[q][0] && j < nall; j++)
			if (!strcmp(peer[j], ids[q]) && !listed(ids, m, every[j]))
				memcpy(ids[m++], every[j], 65);
	char **r = calloc((size_t)m + 1, sizeof(char *));
	for (int i = 0; i < m / 2; i++) {
		char t[65];
		memcpy(t, ids[i], 65);
		memcpy(ids[i], ids[m - 1 - i], 65);
		memcpy(ids[m - 1 - i], t, 65);
	}
	for (int i = 0; r && i < m; i++)
		r[i] = ids[i][0] ? ids[i] : (*refs)[m - 1 - i];
	if (r)
		*refs = r;
	return m;
}

/* container prune without -f: podman's question, on a terminal only. */
static int confirm(int force)
{
	char answer[16] = "";
	if (force)
		return 1;
	if (!isatty(0)) {
		fprintf(stderr, "Error: container prune: refusing without -f (stdin is not a terminal)\n");
		exit(CB_EXIT_FAIL);
	}
	fprintf(stderr, "WARNING! This will remove all non running containers.\nAre you sure you want to continue? [y/N] ");
	return fgets(answer, sizeof(answer), stdin) && (answer[0] == 'y' || answer[0] == 'Y');
}

int rm_main(int argc, char **argv)
{
	enum { O_FORCE = 1, O_ALL, O_IGNORE, O_TIME, O_VOLUMES, O_PRUNE, O_DEPEND, O_LATEST };
	static const struct cb_option opts[] = {
		{ "force", 'f', CB_OPT_NONE, O_FORCE },
		{ "all", 'a', CB_OPT_NONE, O_ALL },
		{ "ignore", 'i', CB_OPT_NONE, O_IGNORE },
		{ "time", 't', CB_OPT_ARG, O_TIME },
		{ "volumes", 'v', CB_OPT_NONE, O_VOLUMES },
		{ "depend", 0, CB_OPT_NONE, O_DEPEND },
		{ "prune", 0, CB_OPT_NONE, O_PRUNE }, /* "container prune" */
		{ "latest", 'l', CB_OPT_NONE, O_LATEST },
		{ 0 },
	};
	struct cb_opt_state st;
	struct rm_how how = { 0, 0 };
	int all = 0, ignore = 0, prune = 0, volumes = 0, depend = 0, latest = 0, c, n = 0;
	char last[65], *last_ref[1] = { last };
	cb_opt_init(&st, argc, argv);
	while ((c = cb_getopt(&st, opts))) {
		how.force |= c == O_FORCE;
		all |= c == O_ALL;
		ignore |= c == O_IGNORE;
		prune |= CFG_HOUSEKEEPING && c == O_PRUNE;
		volumes |= c == O_VOLUMES;
		depend |= c == O_DEPEND;
		latest |= c == O_LATEST;
		if (c == O_TIME && (how.timeout = cb_opt_seconds(st.arg)) < 0) {
			fprintf(stderr, "Error: invalid argument \"%s\" for \"-t, --time\" flag: want a number of seconds\n", st.arg);
			return CB_EXIT_FAIL;
		}
	}
	if (prune && (st.ind < argc || !confirm(how.force))) {
		if (st.ind < argc)
			fprintf(stderr, "Error: container prune takes no arguments\n");
		return st.ind < argc ? CB_EXIT_FAIL : 0;
	}
	all |= prune;
	if (st.ind >= argc && !all && !latest) {
		cb_usage_error("you must provide at least one name or id");
		return CB_EXIT_FAIL;
	}
	struct cb_store s;
	cb_err e;
	char (*all_ids)[65] = NULL;
	if (cb_store_open(&s, cb_opt_root, &e) < 0 || (all && cb_container_ids(&s, &all_ids, &n, &e) < 0) ||
	    (latest && !all && !cb_container_latest(&s, last, &e)))
		cb_die(&e);
	/* the names to remove: the operands, or every id */
	/* -l: the container made last (podman's --latest) */
	char **refs = all ? calloc((size_t)n + 1, sizeof(char *)) : latest ? last_ref : argv + st.ind;
	for (int i = 0; all && refs && i < n; i++)
		refs[i] = all_ids[i];
	if (!all)
		n = latest ? 1 : argc - st.ind;
	/* Keep the ones that pass (by id: a --rm one may be gone once killed), then remove
	 * them in the storage's user namespace (the rootfs holds files of every mapped id). */
	int nall = 0;
	char (*every)[65] = NULL;
	if (cb_container_ids(&s, &every, &nall, &e) < 0)
		cb_die(&e);
	char (*peer)[65] = peers_of(&s, every, nall);
	char (*ids)[65] = calloc((size_t)(n + nall) + 1, sizeof(*ids));
	for (int i = 0; ids && refs && i < n; i++)
		if (cb_container_resolve(&s, refs[i], ids[i], sizeof(ids[i]), &e) < 0)
			ids[i][0] = '\0';
	/* --depend: the containers that share one's network namespace go too, first */
	int status = 0, m = depend && ids && peer ? add_dependents(ids, n, every, peer, nall, &refs) : n;
	for (int i = 0; ids && refs && i < m; i++) {
		int r = ids[i][0] ? 0 : cb_container_resolve(&s, refs[i], ids[i], sizeof(ids[i]), &e), found = r == 0;
		char dep[65];
		if (r == 0 && !depend && peer && dependent_of(ids[i], every, peer, nall, ids, m, dep))
			r = cb_fail(&e, EEXIST, "container %s has dependent containers which must be removed before it: %s: "
					   "container already exists", ids[i], dep);
		if (r == 0 && prune && running(&s, ids[i])) {
			ids[i][0] = '\0'; /* prune: the running ones stay */
			continue;
		}
		if (r == 0)
			r = check_one(&s, ids[i], &how, &e);
		if (r >= 0)
			continue;
		ids[i][0] = '\0';
		if (r == -ENOENT && (ignore || how.force || found))
			continue; /* missing and --ignore, or gone meanwhile */
		fprintf(stderr, "Error: %s\n", e.msg);
		status = r == -ENOENT ? 1 : r == -EBUSY ? 2 : CB_EXIT_FAIL;
	}
	if (ids && cb_userns_enter(&e) < 0)
		cb_die(&e);
	for (int i = 0; ids && i < m; i++) {
		char dir[128];
		snprintf(dir, sizeof(dir), "containers/%s", ids[i]);
		int r = ids[i][0] ? remove_one(&s, ids[i], dir, volumes, &e) : -ENOENT;
		if (r < 0 && ids[i][0]) {
			fprintf(stderr, "Error: %s\n", e.msg);
			status = CB_EXIT_FAIL;
		} else if (ids[i][0]) {
			printf("%s\n", refs[i]);
		}
	}
	return status;
}
