/* ns.h - the container's process: clone into new namespaces, the parent/child sync
 * socket that carries the child's error text back, waiting with signals forwarded. */
#ifndef CB_NS_H
#define CB_NS_H

#include "cbox.h"

/* The child's side: fn runs in the new namespaces and either execs (the sync socket,
 * close-on-exec, then reads as EOF in the parent) or returns an exit status (125, 126,
 * 127) with *e filled, which goes back to the parent. */
typedef int (*cb_ns_child_fn)(void *arg, cb_err *e);

/* Clone a child (flags: CLONE_NEW*) running fn(arg). On success *pid is the child
 * and *syncfd the parent's end of the sync socket. */
int cb_ns_spawn(int flags, cb_ns_child_fn fn, void *arg, pid_t *pid, int *syncfd, cb_err *e);

/* The next cb_ns_spawn's child is born in the cgroup fd (-1: ours, the default). */
void cb_ns_set_cgroup(int fd);

/* Wait for the child to exec or fail: 0 once it has exec'd; else its status (125-127)
 * with *e holding its message (the child has been reaped). */
int cb_ns_started(pid_t pid, int syncfd, cb_err *e);

/* Forward INT, TERM, HUP, QUIT, USR1, USR2 to pid and wait for it: its exit status, or
 * 128+n when a signal ended it. */
int cb_ns_wait(pid_t pid);
/* Forward SIGINT, TERM, HUP, QUIT, USR1, USR2 to pid from now on (0: no more). */
void cb_ns_forward(pid_t pid);
/* The same, forwarding nothing when proxy is 0 (--sig-proxy=false). */
int cb_ns_wait_proxy(pid_t pid, int proxy);

#endif
