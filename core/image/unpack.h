/* unpack.h - safe extraction of one image layer (an uncompressed tar stream). */
#ifndef CB_UNPACK_H
#define CB_UNPACK_H

#include <stdint.h>

#include "cbox.h"

enum cb_whiteout_mode {
	CB_WH_OVERLAY, /* per-layer dir for overlayfs: whiteouts become 0:0 char devices */
	CB_WH_DELETE,  /* apply onto a flattened rootfs (vfs): whiteouts delete */
	CB_WH_NONE,    /* plain files (cp): .wh. names are only names */
};

struct cb_unpack_opts {
	enum cb_whiteout_mode whiteouts; /* OVERLAY: per-layer dir for overlayfs; DELETE: apply onto a flattened rootfs (vfs) */
	int rootless;                    /* opaque xattr in user.overlay.* (else trusted.overlay.*); device nodes skipped with a count */
	/* Optional: told, just before a regular file's contents are read from the stream,
	 * where they are going (the cleaned path under dirfd); the tar-split recorder uses it. */
	void (*contents)(void *ctx, const char *path, uint64_t size);
	void *contents_ctx;
	int own;          /* cp: every entry owned by uid:gid, not by the archive's ids */
	uint32_t uid, gid;
	unsigned keepid[2]; /* cp into a keep-id container: its caller's uid, gid (ids shifted
			     * so they show inside as given, cb_keepid_out), or 0 */
};

struct cb_unpack_stats {
	unsigned long entries;         /* tar entries processed */
	unsigned long squashed_ids;    /* entries whose owner was squashed to 0:0 (ids in user.rootlesscontainers) */
	unsigned long skipped_devices; /* device nodes not created (rootless) */
	unsigned long unrecorded_ids;  /* of squashed_ids: no user.rootlesscontainers (no user xattrs here) */
};

/* Unpack the uncompressed tar stream into dirfd. `what` names the layer in messages.
 * Nothing is created or written outside dirfd: absolute paths and ".." are refused,
 * symlinks are never followed out of dirfd. opts may be NULL (overlay, not rootless);
 * st may be NULL, else its counters are added to. Errors read "layer WHAT: entry
 * 'PATH': reason". The tar stream is read up to its end-of-archive blocks only. */
int cb_unpack_tar(struct cb_reader *tar, int dirfd, const char *what, const struct cb_unpack_opts *o,
		  struct cb_unpack_stats *st, cb_err *e);

/* Where the store's filesystem takes no user.* xattrs (tmpfs before Linux 6.6), an opaque
 * directory of a rootless layer is marked by an empty regular file of this name in it
 * instead of user.overlay.opaque: the OCI whiteout's own name, which no layer can hold as
 * a file. Only the vfs driver reads such layers (cb_driver_choose picks vfs there). */
#define CB_OPAQUE_MARKER ".wh..wh..opq"

/* Owners beyond the mapping are kept in this xattr, as umoci does: the rootless-containers
 * Resource message (uid = field 1, gid = field 2, varints). */
#define CB_ROOTLESS_XATTR "user.rootlesscontainers"
#define CB_ROOTLESS_NOOP 0xffffffffu /* "leave this id alone" */
/* Encode into buf (16 bytes): an id of 0 becomes the no-op value, and (0, 0) needs no
 * xattr (returns 0). */
size_t cb_rootless_value(unsigned char *buf, uint32_t uid, uint32_t gid);

/* For tests: non-zero makes the unpacker resolve paths as it does where openat2 is
 * missing (a component walk that refuses symlinked parents). */
extern int cb_unpack_no_openat2;

#endif
