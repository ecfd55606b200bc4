/* tarw.h - a small streaming tar writer for archives cbox makes (save): ustar headers
 * for files of known size and directories, GNU base-256 sizes past 8 GiB. */
#ifndef CB_TARW_H
#define CB_TARW_H

#include <stdint.h>

#include "cbox.h"

struct cb_tarw {
	int fd;
	uint64_t off;  /* bytes written to fd (and buffered) so far */
	uint64_t left; /* contents the current entry still owes */
	size_t len;    /* bytes waiting in buf */
	unsigned char buf[64 * 1024];
};

void cb_tarw_init(struct cb_tarw *w, int fd);
/* Start an entry (name < 100 bytes; a directory when size is (uint64_t)-1). Pads the
 * previous entry; its contents must have been written in full. */
int cb_tarw_header(struct cb_tarw *w, const char *name, uint64_t size, cb_err *e);
#define CB_TARW_DIR ((uint64_t)-1)
/* Contents of the current entry; more than its header announced is refused. */
int cb_tarw_write(struct cb_tarw *w, const void *data, size_t len, cb_err *e);
/* A whole file at once. */
int cb_tarw_file(struct cb_tarw *w, const char *name, const void *data, size_t len, cb_err *e);
/* Any entry (tar.h's description; contents follow for a regular file): a pax header
 * first when a name, link target or id does not fit ustar. */
struct cb_tar_entry;
int cb_tarw_entry(struct cb_tarw *w, const struct cb_tar_entry *en, cb_err *e);

/* A file or tree as archive entries (tartree.c), through cb_walk: never follows a
 * symlink, keeps owners (as this namespace sees them), modes, mtimes and hard links. */
struct cb_tartree_opts {
	const char *name;  /* the archive name of the start ("" for a tree's own root: its
			    * entries are named relative to it, the root itself not written) */
	int whiteouts;     /* an overlay upper dir: 0:0 char devices and opaque directories
			    * become OCI whiteouts (.wh.NAME, .wh..wh..opq): commit */
	int one_fs;        /* other mounts' directories are written empty (cp, export) */
	int alone;         /* the named start only, not what a directory holds */
};
/* dirfd/name (name "" or "." for dirfd itself). */
int cb_tartree(struct cb_tarw *w, int dirfd, const char *name, const struct cb_tartree_opts *o, cb_err *e);
/* An archive written by fill in a child process into a pipe: its read end (the
 * child's status tells whether all went well; it logs its own error). */
typedef int (*cb_tarw_fill)(struct cb_tarw *w, void *ctx, cb_err *e);
int cb_tarw_pipe(cb_tarw_fill fill, void *ctx, pid_t *child, cb_err *e);
/* cb_tartree so. */
int cb_tartree_pipe(int dirfd, const char *name, const struct cb_tartree_opts *o, pid_t *child, cb_err *e);

/* The end-of-archive blocks, then flush. */
int cb_tarw_finish(struct cb_tarw *w, cb_err *e);

#endif
