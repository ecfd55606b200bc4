/* idmap.h - user namespaces and id mappings (the privilege ladder grows here). */
#ifndef CB_IDMAP_H
#define CB_IDMAP_H

#include "cbox.h"

/* Unprivileged: enter a new user namespace where the caller is 0 (one mapping, setgroups
 * denied), so unpacking can chown to 0 and create whiteouts. Real root: nothing to do.
 * Must run before any thread starts. */
int cb_userns_enter_single(cb_err *e);
/* 1 when this process is in a user namespace other than the initial one. */
int cb_in_userns(void);

#endif
