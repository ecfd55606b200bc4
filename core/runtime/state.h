/* state.h - a container's runtime state, containers/<id>/state.json: created, running or
 * exited, the process and its monitor (each with its start time, and the boot id, so a
 * reused pid or a reboot reads as exited), the exit code and the times. Also: finding
 * a container by name, id or id prefix, and the lock that orders its writers. */
#ifndef CB_STATE_H
#define CB_STATE_H

#include "store.h"

enum { CB_STATE_CREATED, CB_STATE_RUNNING, CB_STATE_EXITED };

struct cb_state {
	int state;
	pid_t pid, monitor;              /* as the host sees them; 0 none */
	unsigned long long pid_start;    /* field 22 of /proc/PID/stat */
	unsigned long long monitor_start;
	char boot_id[40];
	int exit_code;
	char started[32], finished[32];  /* RFC 3339 UTC, or "" */
	int paused;                      /* running, its cgroup frozen by pause (the file "paused") */
	int stopping;                    /* a stop has sent the stop signal and waits */
	int ephemeral;                   /* --rm: written without fsync (not in the file) */
};

/* Read dirfd's state.json; none yet reads as created. A running state whose pid is gone
 * (or reused, or from another boot) reads as exited. */
void cb_state_read(int dirfd, struct cb_state *st);
int cb_state_write(int dirfd, const struct cb_state *st, cb_err *e);
/* Fill pid, its start time, the boot id, started = now, state running. */
void cb_state_set_running(struct cb_state *st, pid_t pid, pid_t monitor);
/* state exited, the code, finished = now. */
void cb_state_set_exited(struct cb_state *st, int code);

/* pid's start time (field 22 of /proc/PID/stat), 0 when there is no such process. */
unsigned long long cb_pid_start_time(pid_t pid);
/* 1 when pid is still the process that started at start (this boot). */
int cb_pid_same(pid_t pid, unsigned long long start);
/* 1 while the container's monitor (the run or start process that waits for it) lives. */
int cb_state_monitor_alive(const struct cb_state *st);

/* "created", "running", "exited" */
const char *cb_state_name(int state);
/* "2026-11-24T18:00:00Z" for now */
void cb_state_now(char *buf, size_t n);

/* The container ref names: its name, full id or a unique id prefix. id gets the full id.
 * Else: no container with name or ID "ref" found: no such container. */
int cb_container_resolve(struct cb_store *s, const char *ref, char *id, size_t n, cb_err *e);
/* The container made last (--latest): 1 with its id (65 bytes), else 0 with *e. */
int cb_container_latest(struct cb_store *s, char *id, cb_err *e);
/* Every container's id (malloc'd array of 65-byte strings), unsorted. */
int cb_container_ids(struct cb_store *s, char (**ids)[65], int *n, cb_err *e);
/* containers/<id>: its directory fd and parsed config.json (*cfg, caller deletes). */
int cb_container_open(struct cb_store *s, const char *id, int *dirfd, cJSON **cfg, cb_err *e);
/* An exclusive flock on the container's directory (dirfd's own open file); returns the
 * lock fd to close, or a negative errno. */
int cb_state_lock(int dirfd, cb_err *e);

#endif
