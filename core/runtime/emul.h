/* emul.h - root emulation for the single mapping: with one uid/gid in the container,
 * chown, setuid, setgroups, capset and device mknod would fail and break package
 * managers; a seccomp filter makes them succeed without effect (as Charliecloud's
 * seccomp mode). Where the kernel has seccomp user notification, the chown calls go to
 * a supervisor thread in the run parent instead, which records the owner asked for in
 * the user.rootlesscontainers xattr (emulrec.c). */
#ifndef CB_EMUL_H
#define CB_EMUL_H

#include <pthread.h>

#include "cbox.h"

enum cb_emul_mode { CB_EMUL_AUTO, CB_EMUL_ON, CB_EMUL_OFF };

/* --root-emulation auto|on|off into *mode; "on" fails when built without CONFIG_SECCOMP. */
int cb_emul_parse(const char *s, int *mode, cb_err *e);
/* Whether the filter goes on: auto means on in the single mapping only. */
int cb_emul_wanted(int mode, int single_map);
/* The filter as classic BPF into buf (*len: its size in, the program's out), for every
 * ABI the kernel may run here (x86_64 + i386 + x32 where enabled, aarch64 + arm); with
 * notify, the chown calls go to a listener. Built by the run parent while the child
 * sets up its mounts. */
int cb_emul_compile(int notify, void *buf, size_t *len, cb_err *e);
/* The same, kept in dirfd (the store's root: emul-HASH.bpf, HASH over the rules, the
 * ABIs, notification and libseccomp's version) and read from there the next time
 * (libseccomp takes ~0.4 ms a run to build it); dirfd < 0: no cache. */
int cb_emul_build(int dirfd, int notify, void *buf, size_t *len, cb_err *e);
/* In the container's process (after no_new_privs, last before exec): receive the
 * program from the run parent over sock, load it, send the listener back. */
int cb_emul_install(int sock, cb_err *e);

/* The owner recorder, in the run parent. */
struct cb_emul_rec {
	int sock[2];   /* [0] ours, [1] the container child's (it sends the listener) */
	int listener;  /* the seccomp notification fd, or -1 (plain filter) */
	int wake[2];   /* tells the thread to stop */
	pthread_t thread;
	int running;
	int cache; /* where the filter is kept (cb_emul_build), not ours to close */
};
/* Before the clone: the socket pair. */
int cb_emul_rec_open(struct cb_emul_rec *r, int cache, cb_err *e);
/* After the clone: drop the child's end, build the filter and send it to the child (an
 * empty message when that fails: the child reports it). */
void cb_emul_rec_forked(struct cb_emul_rec *r);
/* After the child exec'd: take the listener (if one came) and serve it on a thread. */
void cb_emul_rec_start(struct cb_emul_rec *r);
/* After the container ended: stop the thread, close everything. */
void cb_emul_rec_close(struct cb_emul_rec *r);

#endif
