/* ctrfs.h - a container's files from outside: cp, export, diff and commit open its root
 * (a running one's through /proc/PID/root, else its overlay mounted in a private mount
 * namespace of this process, or its vfs tree) and its overlay upper dir. */
#ifndef CB_CTRFS_H
#define CB_CTRFS_H

#include <cjson/cJSON.h>

#include "store.h"

struct cb_ctrfs {
	char id[65];
	int dirfd;      /* containers/ID */
	cJSON *cfg;     /* its config.json */
	pid_t pid;      /* running: its process, else 0 */
	int rootfd;     /* the root, O_PATH */
	int upperfd;    /* the overlay's upper dir, or -1 (vfs, --rootfs) */
	const char *image_id; /* "sha256:..." or "" (--rootfs) */
};

enum { CB_CTRFS_STORED, CB_CTRFS_LIVE, CB_CTRFS_CHANGES };
/* ref: a name, id or id prefix. LIVE: a running container's root as its processes see
 * it (volumes too), else as stored (the rootfs alone); CHANGES: on overlay no root
 * (rootfd -1), the upper dir only (diff, commit). Must be called single-threaded:
 * the mount needs a mount namespace of our own. Caller is in the storage's user namespace. */
int cb_ctrfs_open(struct cb_store *s, const char *ref, int how, struct cb_ctrfs *c, cb_err *e);
void cb_ctrfs_close(struct cb_ctrfs *c);

/* The image's layers alone, read-only (an overlay of them, or the only one), for diff:
 * an O_PATH fd, or -errno. */
int cb_ctrfs_image_root(struct cb_store *s, const struct cb_ctrfs *c, cb_err *e);

/* path ("/a/b", relative to the root) split for in-root use: *parentfd (O_PATH, resolved
 * inside root, symlinks included) and name (the last component, "" for the root). */
int cb_ctrfs_parent(int rootfd, const char *path, int *parentfd, char *name, size_t n, cb_err *e);

/* cbox mount: the container's root at ROOT/containers/ID/merged (overlay: mounted there in
 * the caller's mount namespace when mount_it; vfs: its tree, path only), into path.
 * 1 when mounted (or vfs and mount_it), 0 when not. */
int cb_ctrfs_mount(struct cb_store *s, const char *id, const cJSON *cfg, int mount_it, char *path, size_t n,
		   cb_err *e);
/* cbox unmount: that mount goes: 1, or 0 when there was none. */
int cb_ctrfs_unmount(struct cb_store *s, const char *id, cb_err *e);

#endif
