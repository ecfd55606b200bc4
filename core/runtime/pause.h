/* pause.h - the pause process: keeps the full-mapping user namespace alive between runs,
 * as podman's does, so that a later cbox joins it (setns) instead of running the host's
 * newuidmap and newgidmap again (two setuid execs, ~1.4 ms of a 6 ms run). Only with
 * $XDG_RUNTIME_DIR (a login session's tmpfs): its pid and start time are in
 * $XDG_RUNTIME_DIR/cbox/pause.pid. A recorded process is joined only while its maps are
 * the ones planned now; one whose maps are stale (sub-ids changed) is stopped. */
#ifndef CB_PAUSE_H
#define CB_PAUSE_H

#include "idmap.h"

/* Join the recorded pause process's user namespace when its maps are m's: 0 (its pid in
 * *pid), else -1 and nothing changed. */
int cb_pause_join(const struct cb_idmap *m, pid_t *pid);
/* Before making a new one: the runtime dir's lock (an fd), or -1 when there is no
 * runtime dir (then no pause process is kept). A recorded pause process that is not
 * m's any more is stopped. */
int cb_pause_lock(const struct cb_idmap *m);
/* Record pid (the mapped user namespace's holder, about to become the pause process);
 * under the lock. */
void cb_pause_record(pid_t pid);
/* In that holder: let go of the caller (new session, no fds, / as cwd) and wait for ever,
 * as the stub program below (so it holds no file: cp over a running cbox would fail
 * with ETXTBSY), else as cbox. */
void __attribute__((noreturn)) cb_pause_forever(void);
/* The stub: a whole ELF executable for machine (EM_X86_64, EM_AARCH64 or EM_ARM) that waits for
 * signals for ever, in buf; its size, or 0 for another machine or a small buf. */
size_t cb_pause_stub(int machine, unsigned char *buf, size_t n);

#endif
