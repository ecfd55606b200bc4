/* mount.h - the container's filesystem: rootfs (overlay or a vfs directory), /proc, /dev,
 * /sys, generated /etc files, volumes, masked and read-only paths, then pivot_root.
 * Runs in the child, inside its new mount namespace. Every target inside the rootfs is
 * resolved in-root (openat2 RESOLVE_IN_ROOT), so an image's symlinks cannot point a
 * mount at the host. */
#ifndef CB_MOUNT_H
#define CB_MOUNT_H

#include <cjson/cJSON.h>
#include "cbox.h"
#include "runflags.h"

struct cb_volume {
	const char *src;  /* host path (a volume's _data once resolved) */
	const char *dst;  /* absolute path in the container */
	int ro;
	const char *name; /* a volume's name (NULL: a bind, or an anonymous one not yet made) */
	int anon;         /* an anonymous volume (-v /path): goes with the container */
	int copyup;       /* a volume: the image's files at dst copied in while it is empty */
	int chown;        /* :U: everything in it becomes the container user's (cb_proc_exec) */
	int overlay;      /* :O: an overlay on it, the changes on a tmpfs (gone with the container) */
	unsigned long flags; /* MS_NOEXEC, MS_NOSUID, MS_NODEV asked for (:noexec...) */
	unsigned long prop;  /* MS_SHARED, MS_SLAVE, MS_PRIVATE (| MS_REC), or 0 */
	int tmpfs;        /* a volume made with -o type=tmpfs: a tmpfs, src its mount data */
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
	int cgroup;   /* in a cgroup of its own: cgroup2 on /sys/fs/cgroup */
	const struct cb_volume *binds; /* --device nodes, /etc/localtime: files bound last */
	int nbinds;
	const struct cb_runflags *flags; /* --shm-size, --ipc, --security-opt mask=/unmask=, or NULL */
};

/* The OCI runtime's filesystem (config.json's root, mounts, maskedPaths, readonlyPaths,
 * devices, rootfsPropagation), made in the child's new mount namespace. */
struct cb_mount_entry {
	const char *dst, *src, *type;
	unsigned long flags;   /* MS_* (MS_BIND, MS_REC for bind/rbind) */
	unsigned long prop;    /* MS_PRIVATE, MS_SHARED... for the mount itself, or 0 */
	char data[512];        /* the words that are no flags: mode=755, size=... */
	int idmap;             /* an idmapped bind: 1 (idmap), 2 (ridmap, or rbind with mappings) */
	int idmap_fd;          /* with idmap: the detached tree the runtime made (cb_mount_idmapped) */
};
struct cb_device {
	const char *path;
	unsigned mode; /* S_IFCHR/S_IFBLK/S_IFIFO | permissions */
	unsigned major, minor, uid, gid;
};
struct cb_mount_oci {
	const char *rootfs; /* absolute */
	int root_ro;
	unsigned long propagation; /* rootfsPropagation, 0: private */
	const struct cb_mount_entry *mounts;
	int nmounts;
	const char *const *masked, *const *readonly;
	int nmasked, nreadonly;
	const struct cb_device *devices;
	int ndevices;
	int no_pivot; /* MS_MOVE + chroot instead of pivot_root */
	int host_mnt; /* no mount namespace of its own: its mounts are the runtime's, chroot (as runc) */
	/* Called with every mount made, before the new root is entered (the runtime's
	 * prestart, createRuntime and createContainer hooks), or NULL. */
	int (*before_root)(void *arg, cb_err *e);
	void *arg;
};
/* An OCI mount's options (ro, nosuid, bind, rbind, rprivate...) into e's flags and data;
 * an unknown word goes to the data, as runc does. */
int cb_mount_options(const cJSON *options, struct cb_mount_entry *m, cb_err *e);
/* The rootfs bound on itself, each mount in order, the default device nodes on a tmpfs
 * /dev, the devices, masks, read-only paths, then the new root. */
int cb_mount_oci(const struct cb_mount_oci *m, cb_err *e);
/* A detached copy of src's mount (its submounts too when recursive), idmapped to the
 * user namespace userns_fd: an fd for move_mount, or a negative errno. Needs
 * CAP_SYS_ADMIN over src's filesystem (real root). */
int cb_mount_idmapped(const char *src, int recursive, int userns_fd, cb_err *e);
/* Detach every mount below dir in our mount namespace (a container's that had none of
 * its own: its mounts were the runtime's), the deepest first. */
void cb_mount_detach_under(const char *dir);

/* Open rel (no leading '/') under root without leaving it: symlinks resolve inside
 * root (or, without openat2, are refused). O_PATH unless flags say otherwise. */
int cb_open_in(int root, const char *rel, int flags);

/* Build the container's tree and make it the root (pivot_root, or MS_MOVE + chroot
 * when / is an initramfs). Afterwards nothing of the host is reachable by path. */
int cb_mount_rootfs(const struct cb_mount_spec *m, cb_err *e);

#endif
