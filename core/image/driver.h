/* driver.h - the storage driver of a root: overlay (an overlay mount of the layer dirs
 * per container) or vfs (a copy of the layers per container). Chosen once, by a probe
 * or --storage-driver, and recorded with the reason in <root>/storage.json. */
#ifndef CB_DRIVER_H
#define CB_DRIVER_H

#include "store.h"

/* want: --storage-driver or NULL. Fills driver ("overlay" or "vfs"). rootless: overlay
 * in a user namespace (userxattr). */
int cb_driver_choose(struct cb_store *s, const char *want, int rootless, char driver[16], cb_err *e);

/* vfs: apply the layer tree at srcfd onto dstfd: whiteouts (0:0 char devices) delete,
 * opaque directories (*.overlay.opaque=y) drop what lower layers put there; owners,
 * modes, times, xattrs and hard links kept. */
int cb_vfs_apply(int srcfd, int dstfd, const char *what, cb_err *e);
/* The same, owners moved for --userns=keep-id of keepid[0]:keepid[1] (cb_keepid_out), so
 * that the copy shows the image's owners inside the keep-id namespace. */
int cb_vfs_apply_keepid(int srcfd, int dstfd, const char *what, const unsigned *keepid, cb_err *e);

#endif
