/* keepid.h - --userns=keep-id: the caller's uid/gid are the same numbers inside. A user
 * namespace nested in the storage's one (where we are 0 = the caller):
 *     inside 0..U-1 -> 1..U,  U -> 0 (the caller),  U+1..N -> U+1..N
 * (N: the storage namespace's sub-ids; without sub-ids only U -> 0). The container
 * process unshares it last, after its mounts, and the parent writes its maps. Image
 * files would show root's as U: with sub-ids the rootfs is a private (vfs) copy whose
 * owners are moved (cb_keepid_out) so they look as in the image. */
#ifndef CB_KEEPID_H
#define CB_KEEPID_H

#include "idmap.h"
#include "mount.h"

struct cb_keepid {
	unsigned ids[2];          /* uid, gid: the caller's, the same inside */
	char name[64], home[512]; /* from the host's /etc/passwd */
	int full;                 /* the storage namespace has sub-ids */
	int req[2], go[2];        /* child -> parent "map me", parent -> child "mapped" */
	int nomap;                /* --userns nomap: the same namespace without the caller (U = N) */
};

/* The storage-namespace id that shows as id inside the keep-id namespace of self. */
static inline unsigned long cb_keepid_out(unsigned long id, unsigned self)
{
	return id == self ? 0 : id < self ? id + 1 : id;
}

/* In the parent, before the child: the caller's ids, name, home; the pipes. */
int cb_keepid_init(struct cb_keepid *k, cb_err *e);
void cb_keepid_close(struct cb_keepid *k);
/* --userns nomap: only the sub-ids inside (0..N-1 -> 1..N, the caller unmapped); needs
 * them (the full mapping). */
int cb_keepid_nomap(struct cb_keepid *k, cb_err *e);
/* keep-id:uid=,gid=: the ids the caller has inside (a negative one: its own). */
void cb_keepid_ids(struct cb_keepid *k, long uid, long gid);
/* As podman: the passwd entry's home stays the host's when a volume is mounted on it (or
 * on a directory above it, but /), else it is the container's working directory. */
void cb_keepid_home(struct cb_keepid *k, const struct cb_volume *v, int n, const char *workdir);

/* In the child, after its mounts, in the new root: add the caller to /etc/passwd and
 * /etc/group when missing (as podman), then unshare the user namespace and wait for
 * the parent to map it. */
int cb_keepid_child(struct cb_keepid *k, cb_err *e);

/* In the parent: wait for the child's request and write its maps. 1 when the child
 * ended before asking (its error comes through the sync socket), 0 when mapped. */
int cb_keepid_parent(struct cb_keepid *k, const struct cb_idmap *m, pid_t pid, cb_err *e);

#endif
