/* binfmt.h - which architectures this host can execute: its own, and those with an
 * enabled binfmt_misc handler (qemu-user) for their ELF files. */
#ifndef CB_BINFMT_H
#define CB_BINFMT_H

#include "cbox.h"

#define CB_BINFMT_DIR "/proc/sys/fs/binfmt_misc"

struct cb_binfmt {
	char name[64];
	int enabled;
	char arch[16]; /* the OCI architecture its magic matches (arm64, ...), or "" */
};

/* The registered handlers (not "register"/"status"), at most max: their count. */
int cb_binfmt_scan(struct cb_binfmt *out, int max);

/* 0 when ELF files of OCI platform "os/arch[/variant]" run here (natively or through an
 * enabled handler); else -ENOEXEC with *e naming the image, both platforms and what is
 * missing. */
int cb_binfmt_check(const char *image, const char *platform, cb_err *e);

#endif
