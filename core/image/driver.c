/* driver.c - storage driver choice (probe once, record) and the vfs layer copy. */
#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <linux/fs.h>
#include <linux/magic.h>

#include "driver.h"
#include "keepid.h"
#include "json.h"
#include "unpack.h"

/* Can this kernel, here, mount overlay on the store's filesystem? Tried in a child with
 * its own mount namespace; returns 0 or the errno of the mount. */
static int probe_overlay(struct cb_store *s, int rootless)
{
	char dir[128];
	cb_err ignore;
	int lock CB_AUTOCLOSE = cb_store_tmp_make(s, "probe", dir, sizeof(dir), &ignore);
	if (lock < 0)
		return -lock;
	pid_t pid = fork();
	if (pid < 0) {
		cb_rm_rf_at(s->rootfd, dir);
		return errno;
	}
	if (pid == 0) {
		static const char *const sub[] = { "l1", "l2", "u", "w", "m" };
		char opts[256];
		if (fchdir(s->rootfd) < 0 || chdir(dir) < 0)
			_exit(errno);
		for (size_t i = 0; i < CB_ARRAY_SIZE(sub); i++)
			if (mkdir(sub[i], 0700) < 0)
				_exit(errno);
		snprintf(opts, sizeof(opts), "lowerdir=l2:l1,upperdir=u,workdir=w%s", rootless ? ",userxattr" : "");
		if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("overlay", "m", "overlay", 0, opts) < 0)
			_exit(errno);
		_exit(0);
	}
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	cb_rm_rf_at(s->rootfd, dir);
	return WIFEXITED(st) ? WEXITSTATUS(st) : EIO;
}

/* Does the store's filesystem take user.* xattrs? Rootless layers keep opaque dirs and
 * the owners beyond the mapping in them, and a rootless overlay (userxattr) writes its
 * own there: without them (tmpfs before Linux 6.6) overlay mounts but a directory
 * removed in the container gives EIO. Returns 0 or the errno of the set. */
static int probe_user_xattr(struct cb_store *s)
{
	char name[64];
	snprintf(name, sizeof(name), "tmp/xattr-probe-%d", (int)getpid());
	int fd = openat(s->rootfd, name, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	int r = fsetxattr(fd, "user.cbox.probe", "1", 1, 0) < 0 ? errno : 0;
	close(fd);
	unlinkat(s->rootfd, name, 0);
	return r;
}

/* The store's filesystem type, for messages: "tmpfs", else its magic in hex. */
static void fs_name(struct cb_store *s, char *out, size_t n)
{
	struct statfs sf;
	if (fstatfs(s->rootfd, &sf) < 0)
		snprintf(out, n, "unknown");
	else if (sf.f_type == TMPFS_MAGIC)
		snprintf(out, n, "tmpfs");
	else if (sf.f_type == RAMFS_MAGIC)
		snprintf(out, n, "ramfs");
	else
		snprintf(out, n, "type 0x%lx", (unsigned long)sf.f_type);
}

int cb_driver_choose(struct cb_store *s, const char *want, int rootless, char driver[16], cb_err *e)
{
	char *text = NULL, reason[256];
	if (want && strcmp(want, "overlay") && strcmp(want, "vfs"))
		return cb_fail(e, EINVAL, "storage driver '%s' is not supported (overlay or vfs)", want);
	cJSON *j = NULL;
	if (cb_read_file_at(s->rootfd, "storage.json", 65536, &text, NULL, e) == 0) {
		j = cJSON_Parse(text);
		const char *d = cJSON_GetStringValue(cJSON_GetObjectItem(j, "driver"));
		snprintf(driver, 16, "%s", d ? d : "");
		free(text);
		if (!strcmp(driver, "overlay") || !strcmp(driver, "vfs")) {
			cJSON_Delete(j);
			if (want)
				snprintf(driver, 16, "%s", want);
			return 0;
		}
	} else if (e->errnum != ENOENT) {
		return e->errnum ? -e->errnum : -EIO;
	}
	int xerr = rootless ? probe_user_xattr(s) : 0;
	char fsn[32];
	fs_name(s, fsn, sizeof(fsn));
	if (want && !strcmp(want, "overlay") && xerr) {
		cJSON_Delete(j);
		return cb_fail(e, xerr, "storage driver overlay: the store's filesystem (%s, %s) takes no user.* xattrs, "
			       "which a rootless overlay needs: use --storage-driver vfs or another --root",
			       fsn, s->root);
	}
	if (want) {
		snprintf(driver, 16, "%s", want);
		snprintf(reason, sizeof(reason), "--storage-driver %s", want);
	} else if (xerr) {
		snprintf(driver, 16, "vfs");
		snprintf(reason, sizeof(reason), "the store's filesystem (%s) takes no user.* xattrs (%s), which a rootless overlay needs",
			 fsn, strerror(xerr));
	} else {
		int err = probe_overlay(s, rootless);
		snprintf(driver, 16, "%s", err ? "vfs" : "overlay");
		if (err)
			snprintf(reason, sizeof(reason), "overlay mount failed: %s", strerror(err));
		else
			snprintf(reason, sizeof(reason), "overlay mount works%s", rootless ? " in a user namespace (userxattr)" : "");
	}
	/* Other records (the id mapping) stay. */
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		j = cJSON_CreateObject();
	}
	cJSON_DeleteItemFromObject(j, "driver");
	cJSON_DeleteItemFromObject(j, "reason");
	cJSON_DeleteItemFromObject(j, "rootless");
	cJSON_AddStringToObject(j, "driver", driver);
	cJSON_AddStringToObject(j, "reason", reason);
	cJSON_AddBoolToObject(j, "rootless", rootless);
	char *out = cb_json_print(j);
	cJSON_Delete(j);
	int r = cb_write_atomic(s->rootfd, "storage.json", out, strlen(out), 0600, e);
	free(out);
	cb_info("storage driver %s: %s", driver, reason);
	return r;
}

/* ---- vfs copy ---- */

struct link_seen {
	dev_t dev;
	ino_t ino;
	char *path; /* relative to the destination root */
};
struct vfs {
	int dstroot;
	const char *what;
	struct link_seen *links;
	size_t nlinks;
	const unsigned *keepid; /* uid, gid: owners moved for keep-id, or NULL */
};

static int is_opaque(int fd)
{
	char v[4];
	struct stat st;
	ssize_t n = fgetxattr(fd, "user.overlay.opaque", v, sizeof(v));
	if (n < 0)
		n = fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v));
	if (n == 1 && v[0] == 'y')
		return 1;
	/* the marker file of a store without user xattrs (unpack.h) */
	return fstatat(fd, CB_OPAQUE_MARKER, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
}

/* Copy xattrs but overlay's own; failures are ignored (the filesystem may not take them). */
static void copy_xattrs(int sfd, const char *sname, int dfd, const char *dname)
{
	char list[4096], val[4096], sp[32 + NAME_MAX + 1], dp[32 + NAME_MAX + 1]; /* fd + one name */
	snprintf(sp, sizeof(sp), "/proc/self/fd/%d/%s", sfd, sname);
	snprintf(dp, sizeof(dp), "/proc/self/fd/%d/%s", dfd, dname);
	ssize_t n = llistxattr(sp, list, sizeof(list));
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(list + i) + 1) {
		if (strstr(list + i, ".overlay."))
			continue;
		ssize_t vl = lgetxattr(sp, list + i, val, sizeof(val));
		if (vl >= 0)
			lsetxattr(dp, list + i, val, (size_t)vl, 0);
	}
}

static void copy_meta(const struct vfs *v, int sfd, const char *name, const struct stat *st, int dfd)
{
	uid_t u = v->keepid ? (uid_t)cb_keepid_out(st->st_uid, v->keepid[0]) : st->st_uid;
	gid_t g = v->keepid ? (gid_t)cb_keepid_out(st->st_gid, v->keepid[1]) : st->st_gid;
	fchownat(dfd, name, u, g, AT_SYMLINK_NOFOLLOW);
	copy_xattrs(sfd, name, dfd, name);
	if (!S_ISLNK(st->st_mode))
		fchmodat(dfd, name, st->st_mode & 07777, 0);
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW);
}

static int copy_file(int sfd, const char *name, const struct stat *st, int dfd)
{
	int in CB_AUTOCLOSE = openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int out CB_AUTOCLOSE = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (in < 0 || out < 0)
		return -errno;
	if (ioctl(out, FICLONE, in) == 0)
		return 0;
	off_t left = st->st_size;
	while (left > 0) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);
		if (n <= 0) {
			/* Not across these filesystems: plain reads. */
			char buf[65536];
			n = read(in, buf, sizeof(buf));
			if (n < 0 || (n > 0 && write(out, buf, (size_t)n) != n))
				return -errno;
			if (n == 0)
				break;
		}
		left -= n;
	}
	return 0;
}

/* Pre-order: make the entry at its place in the destination (the companion tree);
 * directories are filled by the walk and get their owner and mode after (post). */
static int apply_entry(void *ctx, const struct cb_walk_ent *w, int post)
{
	struct vfs *v = ctx;
	const struct stat *st = w->st;
	int sfd = w->dirfd, dfd = w->cdirfd, r = 0;
	const char *name = w->name;
	struct stat dst;
	if (dfd < 0)
		return -ENOENT;
	if (post) {
		copy_meta(v, sfd, name, st, dfd);
		return 0;
	}
	if (S_ISREG(st->st_mode) && !strcmp(name, CB_OPAQUE_MARKER))
		return 0; /* the opaque marker of a store without user xattrs (unpack.h): not copied */
	int exists = fstatat(dfd, name, &dst, AT_SYMLINK_NOFOLLOW) == 0;
	if (S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0))
		return exists ? cb_rm_rf_at(dfd, name) : 0; /* whiteout */
	if (S_ISDIR(st->st_mode)) {
		if (exists && !S_ISDIR(dst.st_mode) && (r = cb_rm_rf_at(dfd, name)) < 0)
			return r;
		int s2 CB_AUTOCLOSE = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s2 < 0)
			return -errno;
		if (exists && S_ISDIR(dst.st_mode) && is_opaque(s2) && (r = cb_rm_rf_at(dfd, name)) < 0)
			return r; /* opaque: what lower layers had here goes */
		if (mkdirat(dfd, name, 0700) < 0 && errno != EEXIST)
			return -errno;
		/* writable while filled; the real mode comes after */
		int d2 CB_AUTOCLOSE = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		return d2 < 0 ? -errno : fchmod(d2, 0700) < 0 ? -errno : 0;
	}
	if (exists && (r = cb_rm_rf_at(dfd, name)) < 0)
		return r;
	if (S_ISREG(st->st_mode) && st->st_nlink > 1) {
		for (size_t i = 0; i < v->nlinks; i++)
			if (v->links[i].dev == st->st_dev && v->links[i].ino == st->st_ino)
				return linkat(v->dstroot, v->links[i].path, dfd, name, 0) < 0 ? -errno : 0;
		struct link_seen *nl = realloc(v->links, (v->nlinks + 1) * sizeof(*nl));
		if (!nl)
			return -ENOMEM;
		v->links = nl;
		nl[v->nlinks++] = (struct link_seen){ st->st_dev, st->st_ino, strdup(w->path) };
	}
	if (S_ISREG(st->st_mode)) {
		r = copy_file(sfd, name, st, dfd);
	} else if (S_ISLNK(st->st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(sfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return -errno;
		target[n] = '\0';
		r = symlinkat(target, dfd, name) < 0 ? -errno : 0;
	} else if (mknodat(dfd, name, st->st_mode & S_IFMT, st->st_rdev) < 0) {
		r = S_ISFIFO(st->st_mode) ? -errno : 0; /* device nodes: only as real root */
	}
	if (r == 0)
		copy_meta(v, sfd, name, st, dfd);
	return r;
}

int cb_vfs_apply(int srcfd, int dstfd, const char *what, cb_err *e)
{
	return cb_vfs_apply_keepid(srcfd, dstfd, what, NULL, e);
}

int cb_vfs_apply_keepid(int srcfd, int dstfd, const char *what, const unsigned *keepid, cb_err *e)
{
	struct vfs v = { .dstroot = dstfd, .what = what, .keepid = keepid };
	char where[256];
	int r = cb_walk(srcfd, dstfd, apply_entry, &v, where, sizeof(where));
	for (size_t i = 0; i < v.nlinks; i++)
		free(v.links[i].path);
	free(v.links);
	if (r < 0)
		return cb_fail(e, -r, "vfs copy of layer %s: %s%s: %s", what, where[0] ? where : "/",
			       strlen(where) == sizeof(where) - 1 ? "..." : "", cb_walk_strerror(-r));
	struct stat st;
	if (fstat(srcfd, &st) == 0 && keepid)
		fchown(dstfd, (uid_t)cb_keepid_out(st.st_uid, keepid[0]), (gid_t)cb_keepid_out(st.st_gid, keepid[1]));
	if (fstat(srcfd, &st) == 0)
		fchmod(dstfd, st.st_mode & 07777);
	return 0;
}
