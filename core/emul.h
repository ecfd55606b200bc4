/* emul.h - root emulation for the single mapping: with one uid/gid in the container,
 * chown, setuid, setgroups, capset and device mknod would fail and break package
 * managers; a seccomp filter makes them succeed without effect (as Charliecloud's
 * seccomp mode). */
#ifndef CB_EMUL_H
#define CB_EMUL_H

#include "cbox.h"

enum cb_emul_mode { CB_EMUL_AUTO, CB_EMUL_ON, CB_EMUL_OFF };

/* --root-emulation auto|on|off into *mode; "on" fails when built without CONFIG_SECCOMP. */
int cb_emul_parse(const char *s, int *mode, cb_err *e);
/* Whether the filter goes on: auto means on in the single mapping only. */
int cb_emul_wanted(int mode, int single_map);
/* Install the filter in this process (after no_new_privs, last before exec): for every
 * ABI the kernel may run here (x86_64 + i386 + x32, aarch64 + arm). */
int cb_emul_install(cb_err *e);

#endif
