/* sealexe.h - run the rest of this command from a sealed in-memory copy of cbox, so that
 * a container's root holding CAP_SYS_PTRACE over us (real root, no user namespace) finds
 * no path to the host's binary in /proc/PID/exe of our processes in its pid namespace
 * (CVE-2019-5736's way in). As runc and crun: memfd, sealed, fexecve. */
#ifndef CB_SEALEXE_H
#define CB_SEALEXE_H
#include "cbox.h"

/* As real root outside any user namespace: unless /proc/self/exe is already a sealed
 * memfd, copy it into one and re-exec cb_main_argv from it (returns only on failure).
 * Otherwise (rootless, or already sealed) returns 0 at once: non-dumpable suffices
 * there, the container holds no capability over our mm. With peer > 0 (a process of
 * the container), only when peer shares our user namespace: one of its own holds no
 * capability over us either. */
int cb_exe_seal(pid_t peer, cb_err *e);
/* Is pid's executable ours (the host binary or a sealed copy of it)? */
int cb_exe_is_ours(pid_t pid);
#endif
