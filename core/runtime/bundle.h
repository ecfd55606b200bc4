/* bundle.h - the OCI runtime's lifecycle (runtime-spec "Operations"): a container made
 * from a bundle waits, set up, at ROOT/ID/exec.fifo until start; its state is
 * ROOT/ID/state.json plus whether the process lives and the fifo is still there. */
#ifndef CB_BUNDLE_H
#define CB_BUNDLE_H
#include <cjson/cJSON.h>
#include <sys/types.h>

#include "cbox.h"
#include "term.h"

struct cb_bundle_opts {
	const char *root;           /* the state directory (--root) */
	const char *bundle;         /* absolute */
	const char *pid_file;       /* or NULL */
	const char *console_socket; /* or NULL */
	int no_pivot, preserve_fds;
	struct cb_term *term;       /* run -t without a console socket: the pty comes here */
};

enum { CB_BUNDLE_CREATING, CB_BUNDLE_CREATED, CB_BUNDLE_RUNNING, CB_BUNDLE_STOPPED, CB_BUNDLE_PAUSED };

/* A container id: [A-Za-z0-9][A-Za-z0-9_.+-]*, at most 128 characters. */
int cb_bundle_id_ok(const char *id);
/* Create container id from o->bundle; its process (*pid) waits at the fifo. */
int cb_bundle_create(const struct cb_bundle_opts *o, const char *id, pid_t *pid, cb_err *e);
/* Let a created container's process exec its program. */
int cb_bundle_start(const char *root, const char *id, cb_err *e);
/* The runtime-spec state (ociVersion, id, status, pid, bundle, annotations) in *out;
 * *status one of CB_BUNDLE_* when status is not NULL. */
int cb_bundle_state(const char *root, const char *id, cJSON **out, int *status, cb_err *e);
/* sig to the process (all: to every process of its pid namespace). */
int cb_bundle_kill(const char *root, const char *id, int sig, int all, cb_err *e);
/* Remove a stopped (or, force, any) container; a created one's process is killed. */
int cb_bundle_delete(const char *root, const char *id, int force, cb_err *e);
/* Its cgroup (linux.resources, cgroupsPath; cgroup.h): freeze (on) or thaw a running
 * one; write runtime-spec resources into it; read its figures. */
struct cb_cgroup_stats;
int cb_bundle_pause(const char *root, const char *id, int on, cb_err *e);
int cb_bundle_update(const char *root, const char *id, const cJSON *resources, cb_err *e);
int cb_bundle_stats(const char *root, const char *id, struct cb_cgroup_stats *cs, cb_err *e);
/* The pids (host's view) of its pid namespace: *pids malloc'd. */
int cb_bundle_pids(const char *root, const char *id, pid_t **pids, int *n, cb_err *e);

struct cb_bundle_exec {
	cJSON *process;             /* a runtime-spec process object (owned by the caller) */
	const char *pid_file, *console_socket;
	int detach, preserve_fds;
};
/* Run a process in container id's namespaces and root: detached, 0 once it has exec'd;
 * else its exit status in *status. */
int cb_bundle_exec(const char *root, const char *id, const struct cb_bundle_exec *x, int *status, cb_err *e);
/* The process object of the container's config.json (a copy), for exec ARGS. */
int cb_bundle_process(const char *root, const char *id, cJSON **out, cb_err *e);
#endif
