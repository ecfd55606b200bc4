/* ctrfs.c - a container's files from outside (see ctrfs.h). */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctrfs.h"
#include "mount.h"
#include "state.h"

static int private_ns(cb_err *e)
{
	static int done;
	if (done)
		return 0;
	if (unshare(CLONE_NEWNS) < 0)
		return cb_fail_errno(e, errno, "a mount namespace of our own");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return cb_fail_errno(e, errno, "make / private");
	done = 1;
	return 0;
}

/* Mount fs (an overlay) of data at `at` under the store root, whose paths are relative
 * to it, in our private namespace; the caller's cwd is kept (by path: the one we had
 * is a mount of the namespace we left). Returns the mount's O_PATH fd. */
static int mount_in_store(struct cb_store *s, const char *at, unsigned long flags, const char *data,
			  const char *what, cb_err *e)
{
	char cwd[4096];
	int r = getcwd(cwd, sizeof(cwd)) ? private_ns(e) : cb_fail_errno(e, errno, "the current directory");
	if (r == 0 && chdir(s->root) < 0)
		r = cb_fail_errno(e, errno, "%s", s->root);
	if (r == 0) {
		umount2(at, MNT_DETACH); /* an earlier one of ours */
		if (mount("overlay", at, "overlay", flags, data) < 0)
			r = cb_fail_errno(e, errno, "%s: mount", what);
	}
	int fd = r < 0 ? r : open(at, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		r = fd = cb_fail_errno(e, errno, "%s", what);
	if (chdir(cwd) < 0 && r == 0) {
		close(fd);
		return cb_fail_errno(e, errno, "%s", cwd);
	}
	return fd;
}

int cb_ctrfs_open(struct cb_store *s, const char *ref, int how, struct cb_ctrfs *c, cb_err *e)
{
	memset(c, 0, sizeof(*c));
	c->dirfd = c->rootfd = c->upperfd = -1;
	int r = cb_container_resolve(s, ref, c->id, sizeof(c->id), e);
	if (r == 0)
		r = cb_container_open(s, c->id, &c->dirfd, &c->cfg, e);
	if (r < 0)
		return r;
	struct cb_state st;
	cb_state_read(c->dirfd, &st);
	c->pid = st.state == CB_STATE_RUNNING ? st.pid : 0;
	c->image_id = cJSON_GetStringValue(cJSON_GetObjectItem(c->cfg, "image")) ?: "";
	const char *overlay = cJSON_GetStringValue(cJSON_GetObjectItem(c->cfg, "overlay"));
	const char *rootfs = cJSON_GetStringValue(cJSON_GetObjectItem(c->cfg, "rootfs")) ?: "";
	if (overlay)
		c->upperfd = openat(c->dirfd, "upper", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (how == CB_CTRFS_CHANGES && overlay) {
		return 0;
	} else if (c->pid && how == CB_CTRFS_LIVE) {
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/%d/root", (int)c->pid);
		c->rootfd = open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (c->rootfd < 0 && errno != EACCES && errno != EPERM)
			r = cb_fail_errno(e, errno, "container %.12s: %s", c->id, proc);
		/* Rootless without a pause process, the container's user namespace is a
		 * sibling of ours: the kernel keeps its /proc/PID/root closed to us. Its
		 * rootfs as stored serves then (new files show in it at once). */
		if (c->rootfd < 0 && !r)
			cb_debug("container %.12s: %s: %s: using its rootfs as stored", c->id, proc, strerror(errno));
	}
	if (r < 0 || c->rootfd >= 0) {
	} else if (overlay) {
		/* over containers/ (as run does in the container's namespace) */
		char what[64];
		snprintf(what, sizeof(what), "container %.12s: its overlay", c->id);
		r = c->rootfd = mount_in_store(s, "containers", 0, overlay, what, e);
	} else {
		c->rootfd = openat(s->rootfd, rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (c->rootfd < 0)
			r = cb_fail_errno(e, errno, "container %.12s: %s", c->id, rootfs);
	}
	if (r < 0)
		cb_ctrfs_close(c);
	return r < 0 ? r : 0;
}

void cb_ctrfs_close(struct cb_ctrfs *c)
{
	for (int *fd = &c->dirfd; fd; fd = fd == &c->dirfd ? &c->rootfd : fd == &c->rootfd ? &c->upperfd : NULL)
		if (*fd >= 0) {
			close(*fd);
			*fd = -1;
		}
	cJSON_Delete(c->cfg);
	c->cfg = NULL;
}

int cb_ctrfs_image_root(struct cb_store *s, const struct cb_ctrfs *c, cb_err *e)
{
	const char *overlay = cJSON_GetStringValue(cJSON_GetObjectItem(c->cfg, "overlay"));
	char data[4096];
	const char *up = overlay ? strstr(overlay, ",upperdir=") : NULL;
	if (!up)
		return cb_fail(e, ENOTSUP, "container %.12s: not on the overlay driver", c->id);
	/* lowerdir=... alone (two layers at least: an overlay without an upper dir wants them) */
	int n = snprintf(data, sizeof(data), "%.*s", (int)(up - overlay), overlay);
	if (!strchr(data, ':')) {
		const char *one = data + strlen("lowerdir=");
		int fd = openat(s->rootfd, one, O_PATH | O_DIRECTORY | O_CLOEXEC);
		return fd >= 0 ? fd : cb_fail_errno(e, errno, "container %.12s: %s", c->id, one);
	}
	if (strstr(overlay, ",userxattr"))
		snprintf(data + n, sizeof(data) - (size_t)n, ",userxattr");
	char what[64];
	snprintf(what, sizeof(what), "container %.12s: its image's layers", c->id);
	return mount_in_store(s, "layers", MS_RDONLY, data, what, e);
}

int cb_ctrfs_parent(int rootfd, const char *path, int *parentfd, char *name, size_t n, cb_err *e)
{
	char rel[4096];
	while (*path == '/')
		path++;
	int len = snprintf(rel, sizeof(rel), "%s", path);
	if (len < 0 || (size_t)len >= sizeof(rel))
		return cb_fail(e, ENAMETOOLONG, "%.100s...: path too long", path);
	while (len > 0 && rel[len - 1] == '/')
		rel[--len] = '\0';
	char *slash = strrchr(rel, '/');
	snprintf(name, n, "%s", slash ? slash + 1 : rel);
	if (slash)
		*slash = '\0';
	else
		rel[0] = '\0';
	if (!strcmp(name, "..") || !strcmp(name, "."))
		return cb_fail(e, EINVAL, "/%s: name a file, not . or ..", path);
	*parentfd = cb_open_in(rootfd, rel, O_PATH | O_DIRECTORY);
	return *parentfd >= 0 ? 0 : cb_fail_errno(e, errno, "/%s", rel);
}

/* containers/ID/merged is a mount point (its device differs from containers/ID's). */
static int is_mounted(struct cb_store *s, const char *id, const char *merged)
{
	struct stat a, b;
	char dir[128];
	snprintf(dir, sizeof(dir), "containers/%s", id);
	return fstatat(s->rootfd, merged, &a, 0) == 0 && fstatat(s->rootfd, dir, &b, 0) == 0 &&
	       a.st_dev != b.st_dev;
}

int cb_ctrfs_mount(struct cb_store *s, const char *id, const cJSON *cfg, int mount_it, char *path, size_t n, cb_err *e)
{
	const char *overlay = cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "overlay"));
	const char *rootfs = cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "rootfs")) ?: "";
	char merged[128], cwd[4096];
	if (!overlay) { /* vfs: the tree itself */
		snprintf(path, n, "%s/%s", s->root, rootfs);
		return mount_it;
	}
	snprintf(merged, sizeof(merged), "containers/%s/merged", id);
	snprintf(path, n, "%s/%s", s->root, merged);
	if (is_mounted(s, id, merged) || !mount_it)
		return is_mounted(s, id, merged);
	if (mkdirat(s->rootfd, merged, 0700) < 0 && errno != EEXIST)
		return cb_fail_errno(e, errno, "%s", path);
	/* the overlay's paths are relative to the store root */
	int r = getcwd(cwd, sizeof(cwd)) ? 0 : cb_fail_errno(e, errno, "the current directory");
	if (r == 0 && fchdir(s->rootfd) < 0)
		r = cb_fail_errno(e, errno, "%s", s->root);
	if (r == 0 && mount("overlay", merged, "overlay", 0, overlay) < 0)
		r = cb_fail_errno(e, errno, "mount %s", path);
	if (chdir(cwd) < 0 && r == 0)
		r = cb_fail_errno(e, errno, "%s", cwd);
	return r < 0 ? r : 1;
}

int cb_ctrfs_unmount(struct cb_store *s, const char *id, cb_err *e)
{
	char merged[128];
	snprintf(merged, sizeof(merged), "containers/%s/merged", id);
	if (!is_mounted(s, id, merged))
		return 0;
	char path[4300];
	snprintf(path, sizeof(path), "%s/%s", s->root, merged);
	if (umount2(path, MNT_DETACH) < 0)
		return cb_fail_errno(e, errno, "unmount %s", path);
	unlinkat(s->rootfd, merged, AT_REMOVEDIR);
	return 1;
}
