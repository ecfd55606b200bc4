/* walk.h - the one tree walker: every tree cbox walks (the vfs copy with keep-id's owner
 * shift, removal, whiteouts of a flattened root) goes through cb_walk.
 *
 * Iterative: its stack is on the heap, one small frame per level, so no tree, however
 * deep, can overflow the C stack. Bounded: at most CB_WALK_MAX_DEPTH levels below the
 * start (a tar path of CB_TAR_NAME_MAX bytes holds at most 2,048; deeper trees can only
 * be made by hand, with relative mkdirs), and at most 2 * CB_WALK_OPEN descriptors open
 * whatever the depth: a frame further up than that is closed and reopened through ".."
 * on the way back, its device and inode checked. openat-relative and symlink-safe: every
 * entry is looked at with fstatat(AT_SYMLINK_NOFOLLOW) and every directory opened with
 * O_NOFOLLOW relative to its parent, so a symlink is reported, never followed. */
#ifndef CB_WALK_H
#define CB_WALK_H

#include <sys/stat.h>

#include "cbox.h"

#define CB_WALK_MAX_DEPTH 4096
#define CB_WALK_OPEN 32
/* From the pre-order call: do not descend into this directory (no post call either). */
#define CB_WALK_SKIP 1

struct cb_walk_ent {
	int dirfd;             /* the entry's parent directory, open */
	int cdirfd;            /* the companion tree's directory at the same place, or -1 */
	const char *name;      /* the entry's name in dirfd */
	const char *path;      /* relative to the start: "a/b/name" */
	const struct stat *st; /* the entry itself (lstat) */
	int depth;             /* 1 for the start's own entries */
	int rootfd;            /* the start directory */
};

/* post is 0 before a directory's entries (and for every other entry), 1 after them.
 * Returns 0, CB_WALK_SKIP (pre of a directory), or a negative errno that ends the walk. */
typedef int (*cb_walk_fn)(void *ctx, const struct cb_walk_ent *w, int post);

/* Walk what is below dirfd (dirfd itself is not reported). With cdirfd >= 0 a companion
 * tree is walked alongside: entering directory NAME also opens NAME in the companion
 * (the pre call may make it; -1 when it does not exist there), e.g. a copy's destination.
 * An entry below CB_WALK_MAX_DEPTH (in a directory at that depth that pre did not skip)
 * ends the walk with -ELOOP.
 * Returns 0 or the negative errno that ended the walk; where (if not NULL) gets the
 * path of the entry at fault (cut to wn bytes). */
int cb_walk(int dirfd, int cdirfd, cb_walk_fn fn, void *ctx, char *where, size_t wn);

/* rm -rf dirfd/name, never following a symlink; a tree of any depth goes (what lies
 * below CB_WALK_MAX_DEPTH is moved up and removed by another pass). Returns 0 or the
 * first -errno met (the rest is removed anyway). */
int cb_rm_rf_at(int dirfd, const char *name);

/* chown -hR uid:gid dirfd/path (the start followed if a symlink; nothing below it is):
 * 0 or the first -errno. */
int cb_chown_tree_at(int dirfd, const char *path, uid_t uid, gid_t gid);

/* "PATH: deeper than 4096 levels" and the like: what a walk's error means, for messages. */
const char *cb_walk_strerror(int err);

/* The bytes of the regular files below dirfd/path (0 when it is not there). */
double cb_tree_size(int dirfd, const char *path);

#endif
