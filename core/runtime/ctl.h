/* ctl.h - a container from outside, through its state: signals, stop, wait, and joining
 * its namespaces (for exec). */
#ifndef CB_CTL_H
#define CB_CTL_H

#include "state.h"

/* "KILL", "SIGKILL", "kill" or "9": the number, else -1. */
int cb_signal_parse(const char *name);

/* Send sig to the container's process. Not running: "can only kill running containers.
 * ID is in state exited: container state improper". */
int cb_container_kill(struct cb_store *s, const char *id, int sig, cb_err *e);

/* Its stop signal (--stop-signal, the image's StopSignal, else TERM), then KILL after
 * timeout seconds (-1: --stop-timeout's, else 10); a --restart policy ends here;
 * returns once its monitor has recorded the exit. A stopped container: nothing to do. */
int cb_container_stop(struct cb_store *s, const char *id, int timeout, cb_err *e);

/* Block until the container has exited (and that is recorded): its exit code in *code. */
int cb_container_wait(struct cb_store *s, const char *id, int *code, cb_err *e);

/* Wait up to timeout_ms (-1: for ever) for pid (started at start) to end: 1 gone, 0 not. */
int cb_pid_wait_gone(pid_t pid, unsigned long long start, int timeout_ms);

/* Enter the namespaces of pid (which started at start) and its root: the user namespace
 * only when it is not ours. Children forked afterwards are in its pid namespace. */
int cb_container_join(pid_t pid, unsigned long long start, cb_err *e);
/* start, restart as real root: when one of the containers named (every one with all)
 * has --init, cbox is its pid 1: re-exec from a sealed copy first (sealexe.h). */
void cb_ctl_seal_for_init(const struct cb_opt_state *st, int all);

/* For the applets that take container refs (stop, kill, rm, start, wait): fn for each
 * ref (resolved to its full id); on success the ref is printed (as podman does) unless
 * fn printed itself (returned 1); else "Error: message". The exit status: 0, or 125 when
 * any failed. */
typedef int (*cb_ctl_fn)(struct cb_store *s, const char *id, void *arg, cb_err *e);
enum {
	CB_CTL_USERNS = 1,  /* in the storage's user namespace */
	CB_CTL_IGNORE = 2,  /* --ignore: a missing container is no error */
	CB_CTL_ALL = 4,     /* --all: every container (no refs) ... */
	CB_CTL_RUNNING = 8, /* ... that runs */
	CB_CTL_STOPPED = 16 /* ... that does not run */
};
int cb_ctl_each(struct cb_store *s, char **refs, int n, int flags, cb_ctl_fn fn, void *arg);
/* The rest of such an applet after its options: the refs from st->ind on (at least one,
 * or none with CB_CTL_ALL), the store, cb_ctl_each. */
int cb_ctl_main(struct cb_opt_state *st, const char *applet, int flags, cb_ctl_fn fn, void *arg);
/* For exec and logs: the store, ref resolved (id: 65 bytes), its directory, config and
 * state. */
int cb_ctl_open(struct cb_store *s, const char *ref, char *id, int *dfd, cJSON **cfg, struct cb_state *st, cb_err *e);

#endif
