/* changes.h - what a container changed in its image's files (diff, commit): from the
 * overlay's upper dir, or for vfs by comparing its tree with a scratch copy of the
 * image's layers. */
#ifndef CB_CHANGES_H
#define CB_CHANGES_H

#include "ctrfs.h"
#include "tarw.h"

struct cb_change {
	char kind;  /* 'A' added, 'C' changed, 'D' deleted */
	char *path; /* relative to the root, no leading '/' */
};

/* Every change, sorted by path (caller frees with cb_changes_free). The container was
 * opened with CB_CTRFS_CHANGES (overlay) or CB_CTRFS_STORED (vfs: its tree). */
int cb_changes(struct cb_store *s, const struct cb_ctrfs *c, struct cb_change **out, size_t *n, cb_err *e);
/* The changes as a layer: what was added or changed from the root (rootfd), each
 * entry alone, deletions as OCI whiteouts (commit on vfs). */
int cb_changes_tar(struct cb_tarw *w, int rootfd, const struct cb_change *ch, size_t n, cb_err *e);
void cb_changes_free(struct cb_change *ch, size_t n);

#endif
