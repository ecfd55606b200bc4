/* tar.h - a streaming tar reader: ustar, pax, GNU long names, base-256 numbers. */
#ifndef CB_TAR_H
#define CB_TAR_H

#include <stdint.h>

#include "cbox.h"

#define CB_TAR_NAME_MAX 4096         /* longest path or link target accepted */
#define CB_TAR_PAX_MAX (1024 * 1024) /* largest pax header block accepted */

enum cb_tar_type {
	CB_TAR_REG,
	CB_TAR_DIR,
	CB_TAR_SYMLINK,
	CB_TAR_HARDLINK,
	CB_TAR_FIFO,
	CB_TAR_CHAR,
	CB_TAR_BLOCK,
};

struct cb_tar_xattr {
	const char *name;  /* without the SCHILY.xattr. prefix */
	const char *value; /* may hold NUL bytes */
	size_t len;
};

struct cb_tar_entry {
	enum cb_tar_type type;
	const char *path;     /* as stored: pax path, GNU long name or ustar prefix/name */
	const char *linkpath; /* symlink target or hardlink target; "" otherwise */
	unsigned mode;        /* permission bits incl. setuid/setgid/sticky (07777) */
	uint32_t uid, gid;
	int64_t mtime;        /* seconds */
	long mtime_nsec;
	uint64_t size;        /* bytes of contents (0 for all but regular files) */
	unsigned devmajor, devminor;
	const struct cb_tar_xattr *xattrs;
	size_t nxattrs;
};

struct cb_tar;

/* A reader of tar entries from `in` (uncompressed). */
int cb_tar_open(struct cb_reader *in, struct cb_tar **t, cb_err *e);
/* Next entry: 1 with *ent filled (valid until the next call), 0 at the end of the
 * archive, or a negative errno. Unread contents of the previous entry are skipped. */
int cb_tar_next(struct cb_tar *t, const struct cb_tar_entry **ent, cb_err *e);
/* The current entry's contents as a reader (ends after entry->size bytes). */
struct cb_reader cb_tar_contents(struct cb_tar *t);
void cb_tar_free(struct cb_tar *t);

#endif
