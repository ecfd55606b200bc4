/* init.h - --init: cbox's own pid 1 for the container. */
#ifndef CB_INIT_H
#define CB_INIT_H

#include "proc.h"

/* In the child, inside the new root (instead of cb_proc_exec): fork the command (its
 * exec as cb_proc_exec's) and stay as pid 1, non-dumpable, with no capability but
 * CAP_KILL and no fd: forward TERM, INT, HUP, QUIT, USR1, USR2 and WINCH to it, reap every
 * child, and exit with its status (128+n for a signal). Returns only when the command
 * could not be started: its status (125-127) with *e filled. */
int cb_init_run(const struct cb_proc *p, cb_err *e);

#endif
