/* mount.h - the container's filesystem: rootfs (overlay or a vfs directory), /proc, /dev,
 * /sys, generated /etc files, volumes, masked and read-only paths, then pivot_root.
 * Runs in the child, inside its new mount namespace. Every target inside the rootfs is
 * resolved in-root (openat2 RESOLVE_IN_ROOT), so an image's symlinks cannot point a
 * mount at the host. */
#ifndef CB_MOUNT_H
#define CB_MOUNT_H

#include "cbox.h"

struct cb_volume {
	const char *src; /* host path */
	const char *dst; /* absolute path in the container */
	int ro;
};

/* --tmpfs PATH[:OPTIONS] */
struct cb_tmpfs {
	const char *dst;     /* absolute path in the container */
	unsigned long flags; /* MS_* */
	char data[256];      /* size=, mode=, uid=, gid=, nr_inodes=... */
	int copyup;          /* tmpcopyup (podman's default): the image's files there, copied in */
};

/* Parse podman's --tmpfs value (default options rw,noexec,nosuid,nodev). */
int cb_tmpfs_parse(const char *spec, struct cb_tmpfs *t, cb_err *e);

struct cb_mount_spec {
	const char *rootfs;   /* the mount point (overlay) or the vfs tree, relative to cwd */
	const char *overlay;  /* overlay mount data (paths relative to cwd), or NULL: vfs */
	const char *scratch;  /* a directory (relative to cwd) to put a tmpfs on for: */
	const char *etc[4];   /* the text of /etc/hosts (NULL: the image's), hostname,
	                       * resolv.conf and /run/.containerenv */
	const char *workdir;  /* made when missing, unless workdir_given */
	int workdir_given;
	const struct cb_volume *vols;
	int nvols;
	const struct cb_tmpfs *tmpfs;
	int ntmpfs;
	int privileged; /* no masked or read-only paths, /sys read-write */
	int readonly; /* --read-only: root remounted read-only, tmpfs on /tmp /var/tmp /run */
	int rootless; /* in a user namespace: devpts without gid=, /sys may be a bind */
	int host_pid; /* --pid host: /proc may only be the host's, bound */
	const struct cb_volume *binds; /* --device nodes, /etc/localtime: files bound last */
	int nbinds;
};

/* Open rel (no leading '/') under root without leaving it: symlinks resolve inside
 * root (or, without openat2, are refused). O_PATH unless flags say otherwise. */
int cb_open_in(int root, const char *rel, int flags);

/* Build the container's tree and make it the root (pivot_root, or MS_MOVE + chroot
 * when / is an initramfs). Afterwards nothing of the host is reachable by path. */
int cb_mount_rootfs(const struct cb_mount_spec *m, cb_err *e);

#endif
