/* mount.c - the container's mounts, all made through fds resolved inside the rootfs. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <linux/openat2.h>

#include "driver.h"
#include "mount.h"

/* The paths podman masks (a file gets /dev/null, a directory an empty read-only tmpfs)
 * and the ones it makes read-only. */
static const char *const masked[] = {
	"/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
	"/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/fs/selinux",
	"/sys/dev/block", "/sys/devices/virtual/powercap",
};
static const char *const readonly[] = {
	"/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};
static const char *const devices[] = { "null", "zero", "full", "random", "urandom", "tty" };

struct fdpath {
	char p[32];
};
static struct fdpath P(int fd)
{
	struct fdpath r;
	snprintf(r.p, sizeof(r.p), "/proc/self/fd/%d", fd);
	return r;
}

static int no_openat2;

int cb_open_in(int root, const char *rel, int flags)
{
	if (!*rel)
		return fcntl(root, F_DUPFD_CLOEXEC, 3);
	if (!no_openat2) {
		struct open_how how = { .flags = (unsigned)flags | O_CLOEXEC,
					.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
		long fd = syscall(SYS_openat2, root, rel, &how, sizeof(how));
		if (fd >= 0 || errno != ENOSYS)
			return (int)fd;
		no_openat2 = 1;
	}
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", rel);
	int cur = fcntl(root, F_DUPFD_CLOEXEC, 3);
	for (char *c = buf, *next; cur >= 0 && c; c = next) {
		next = strchr(c, '/');
		if (next)
			*next++ = '\0';
		if (!*c || !strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			close(cur);
			errno = EPERM;
			return -1;
		}
		int fd = openat(cur, c, (next ? O_PATH | O_DIRECTORY : flags) | O_NOFOLLOW | O_CLOEXEC);
		int err = errno;
		close(cur);
		errno = err;
		cur = fd;
	}
	return cur;
}

/* The container path `path` as an O_PATH fd; kind 'd' or 'f' creates it (and its
 * parents) when missing, 0 does not. */
static int target(int root, const char *path, int kind, cb_err *e)
{
	const char *rel = path + strspn(path, "/");
	int fd = cb_open_in(root, rel, O_PATH);
	if (fd >= 0 || errno != ENOENT || !kind) {
		if (fd < 0 && (errno != ENOENT || kind))
			return cb_fail_errno(e, errno, "%s in the container", path);
		return fd < 0 ? -ENOENT : fd;
	}
	/* Component by component: each prefix resolved in-root, what is missing made. */
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", rel);
	size_t len = strlen(buf);
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char c = buf[i];
		buf[i] = '\0';
		fd = cb_open_in(root, buf, O_PATH);
		if (fd >= 0) {
			close(fd);
		} else if (errno != ENOENT) {
			return cb_fail_errno(e, errno, "%s in the container", path);
		} else {
			char *base = strrchr(buf, '/');
			if (base)
				*base = '\0';
			int parent = base ? cb_open_in(root, buf, O_PATH | O_DIRECTORY) : fcntl(root, F_DUPFD_CLOEXEC, 3);
			if (base)
				*base = '/';
			if (parent < 0)
				return cb_fail_errno(e, errno, "%s in the container", path);
			const char *name = base ? base + 1 : buf;
			int r = c == '\0' && kind == 'f' ? openat(parent, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644)
							 : mkdirat(parent, name, 0755);
			int err = errno;
			if (r >= 0 && c == '\0' && kind == 'f')
				close(r);
			close(parent);
			if (r < 0 && err != EEXIST)
				return cb_fail_errno(e, err, "cannot create %s in the container", path);
		}
		buf[i] = c;
	}
	fd = cb_open_in(root, rel, O_PATH);
	return fd < 0 ? cb_fail_errno(e, errno, "%s in the container", path) : fd;
}

static int do_mount(const char *src, int tfd, const char *type, unsigned long flags, const char *data,
		    const char *what, cb_err *e)
{
	if (mount(src, P(tfd).p, type, flags, data) < 0)
		return cb_fail_errno(e, errno, "mount %s", what);
	cb_debug("mount %s (%s)", what, type ? type : "bind");
	return 0;
}

/* Remount the bind mount at fd with flags, keeping the ones a user namespace may not
 * clear (nosuid, nodev, noexec, atime). */
static int remount_fd(int fd, unsigned long flags, const char *path, cb_err *e)
{
	struct statvfs sv;
	if (fstatvfs(fd, &sv) < 0)
		return cb_fail_errno(e, errno, "remount %s", path);
	unsigned long keep = MS_REMOUNT | MS_BIND | flags;
	static const unsigned long map[][2] = {
		{ ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV }, { ST_NOEXEC, MS_NOEXEC },
		{ ST_NOATIME, MS_NOATIME }, { ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
	};
	for (size_t i = 0; i < CB_ARRAY_SIZE(map); i++)
		if (sv.f_flag & map[i][0])
			keep |= map[i][1];
	return do_mount(NULL, fd, NULL, keep, NULL, path, e);
}

/* Remount the mount at path (in the container) read-only. */
static int remount_ro(int root, const char *path, cb_err *e)
{
	int fd CB_AUTOCLOSE = cb_open_in(root, path + strspn(path, "/"), O_PATH);
	if (fd < 0)
		return cb_fail_errno(e, errno, "read-only %s", path);
	return remount_fd(fd, MS_RDONLY, path, e);
}

static int bind_ro(int root, const char *path, cb_err *e)
{
	int fd CB_AUTOCLOSE = target(root, path, 0, e);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	if (mount(P(fd).p, P(fd).p, NULL, MS_BIND | MS_REC, NULL) < 0)
		return cb_fail_errno(e, errno, "bind %s", path);
	return remount_ro(root, path, e);
}

static int mask(int root, const char *path, cb_err *e)
{
	int fd CB_AUTOCLOSE = target(root, path, 0, e);
	struct stat st;
	if (fd == -ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0)
		return fd < 0 ? fd : cb_fail_errno(e, errno, "mask %s", path);
	if (S_ISDIR(st.st_mode))
		return do_mount("tmpfs", fd, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0", path, e);
	return do_mount("/dev/null", fd, NULL, MS_BIND, NULL, path, e);
}

/* On a fresh /dev: the device nodes, bound from the host (mknod is not possible in a
 * user namespace), the usual links, and the directories pts, shm, mqueue. */
static int dev_nodes(int root, int no_shm, cb_err *e)
{
	int dev CB_AUTOCLOSE = cb_open_in(root, "dev", O_RDONLY | O_DIRECTORY);
	int r;
	if (dev < 0)
		return cb_fail_errno(e, errno, "/dev in the container");
	/* Device nodes bound from the host: mknod is not possible in a user namespace. */
	for (size_t i = 0; i < CB_ARRAY_SIZE(devices); i++) {
		char host[64];
		int fd = openat(dev, devices[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0)
			return cb_fail_errno(e, errno, "/dev/%s in the container", devices[i]);
		snprintf(host, sizeof(host), "/dev/%s", devices[i]);
		close(fd);
		fd = openat(dev, devices[i], O_PATH | O_CLOEXEC);
		r = do_mount(host, fd, NULL, MS_BIND, NULL, host, e);
		close(fd);
		if (r < 0)
			return r;
	}
	static const char *const links[][2] = {
		{ "pts/ptmx", "ptmx" }, { "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" }, { "/proc/kcore", "core" },
	};
	for (size_t i = 0; i < CB_ARRAY_SIZE(links); i++)
		if (symlinkat(links[i][0], dev, links[i][1]) < 0)
			return cb_fail_errno(e, errno, "/dev/%s in the container", links[i][1]);
	if (mkdirat(dev, "pts", 0755) < 0 || (!no_shm && mkdirat(dev, "shm", 01777) < 0) ||
	    mkdirat(dev, "mqueue", 01777) < 0)
		return cb_fail_errno(e, errno, "/dev in the container");
	return 0;
}

/* /dev/shm: a tmpfs of --shm-size (64 MiB), the --ipc container's own, or (--ipc none)
 * nothing at all. */
static int mount_shm(int dev, const struct cb_runflags *f, cb_err *e)
{
	int shm CB_AUTOCLOSE = openat(dev, "shm", O_PATH | O_CLOEXEC);
	char data[64] = "mode=1777,size=65536k";
	/* The kernel binds nothing of another mount namespace (EINVAL): then a tmpfs of
	 * our own, the System V objects shared all the same. */
	if (f && f->shm_from[0] && mount(f->shm_from, P(shm).p, NULL, MS_BIND | MS_REC, NULL) == 0)
		return 0;
	if (f && f->shm_from[0])
		cb_debug("--ipc container: its /dev/shm not bound: %s", strerror(errno));
	if (f && f->shm_size)
		snprintf(data, sizeof(data), "mode=1777,size=%llu", f->shm_size);
	return do_mount("shm", shm, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, data, "/dev/shm", e);
}

static int mount_dev(int root, int rootless, const struct cb_runflags *f, cb_err *e)
{
	int t CB_AUTOCLOSE = target(root, "/dev", 'd', e);
	if (t < 0)
		return t;
	int r = do_mount("tmpfs", t, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", "/dev", e);
	if (r < 0 || (r = dev_nodes(root, f && f->ipc == CB_IPC_NONE, e)) < 0)
		return r;
	int dev CB_AUTOCLOSE = cb_open_in(root, "dev", O_RDONLY | O_DIRECTORY);
	if (dev < 0)
		return cb_fail_errno(e, errno, "/dev in the container");
	int fd CB_AUTOCLOSE = openat(dev, "pts", O_PATH | O_CLOEXEC);
	/* Without sub-ids gid 5 (tty) does not exist in the namespace. */
	r = do_mount("devpts", fd, "devpts", MS_NOSUID | MS_NOEXEC,
		     rootless ? "newinstance,ptmxmode=0666,mode=0620" : "newinstance,ptmxmode=0666,mode=0620,gid=5",
		     "/dev/pts", e);
	if (r < 0)
		return r;
	if ((!f || f->ipc != CB_IPC_NONE) && (r = mount_shm(dev, f, e)) < 0)
		return r;
	int mq CB_AUTOCLOSE = openat(dev, "mqueue", O_PATH | O_CLOEXEC);
	if (mount("mqueue", P(mq).p, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		cb_debug("/dev/mqueue not mounted: %s", strerror(errno));
	return 0;
}

static int mount_sys(int root, const char *path, int rw, cb_err *e)
{
	int t CB_AUTOCLOSE = target(root, path, 'd', e);
	if (t < 0)
		return t;
	unsigned long fl = (rw ? 0 : MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	if (mount("sysfs", P(t).p, "sysfs", fl, NULL) == 0)
		return 0;
	/* A user namespace may mount sysfs only with its own network namespace: bind the
	 * host's, read-only. */
	int err = errno;
	if (mount("/sys", P(t).p, NULL, MS_BIND | MS_REC, NULL) == 0) {
		if (rw || remount_ro(root, path, e) == 0)
			return 0;
		cb_info("note: /sys is a read-write bind: %s", e->msg);
		return 0;
	}
	cb_info("note: no /sys in the container (sysfs: %s; bind: %s)", strerror(err), strerror(errno));
	return 0;
}

/* The container's own cgroup (cgroup.c) at /sys/fs/cgroup, its namespace's root, as
 * podman shows it (read-only unless privileged); a note when the kernel says no. */
static int mount_cgroup(int root, int rw, cb_err *e)
{
	int t CB_AUTOCLOSE = target(root, "/sys/fs/cgroup", 'd', e);
	if (t < 0)
		return t;
	if (mount("cgroup2", P(t).p, "cgroup2", (rw ? 0 : MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		cb_info("note: no cgroup filesystem on /sys/fs/cgroup: %s", strerror(errno));
	return 0;
}

/* /etc/hosts, hostname and resolv.conf: files on a small tmpfs of this mount namespace
 * (on m->scratch; it goes with the host's tree at the pivot), bound over the rootfs's:
 * nothing of them on the store's disk, no host path in the container's mountinfo. */
static int mount_etc(int root, const struct cb_mount_spec *m, cb_err *e)
{
	static const char *const names[] = { "hosts", "hostname", "resolv.conf", ".containerenv" };
	if (mount("tmpfs", m->scratch, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755,size=65536k") < 0)
		return cb_fail_errno(e, errno, "mount a tmpfs for /etc/hosts");
	int dir CB_AUTOCLOSE = open(m->scratch, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return cb_fail_errno(e, errno, "the tmpfs for /etc/hosts");
	for (size_t i = 0; i < CB_ARRAY_SIZE(names); i++) {
		char dst[64];
		if (!m->etc[i])
			continue;
		size_t len = strlen(m->etc[i]);
		snprintf(dst, sizeof(dst), "/%s/%s", i == 3 ? "run" : "etc", names[i]);
		/* The fd written is the bind's source too. */
		int fd CB_AUTOCLOSE = openat(dir, names[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, m->etc[i], len) != (ssize_t)len)
			return cb_fail_errno(e, errno, "write %s", dst);
		int t CB_AUTOCLOSE = target(root, dst, 'f', e);
		int r = t < 0 ? t : do_mount(P(fd).p, t, NULL, MS_BIND, NULL, dst, e);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A volume still empty gets the image's files at its destination, as podman does. */
static int copy_up(int root, const struct cb_volume *v, cb_err *e)
{
	int under CB_AUTOCLOSE = cb_open_in(root, v->dst + 1, O_RDONLY | O_DIRECTORY);
	int vol CB_AUTOCLOSE = open(v->src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (under < 0 || vol < 0)
		return 0;
	DIR *d = fdopendir(dup(vol));
	struct dirent *de;
	int empty = 1;
	while (d && (de = readdir(d)))
		empty &= !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	char what[300];
	snprintf(what, sizeof(what), "volume %s (copy-up of %s)", v->name ? v->name : v->src, v->dst);
	struct stat st;
	if (!empty || fstat(under, &st) < 0)
		return 0;
	/* the volume's own directory takes the image directory's owner and mode too */
	if (fchown(vol, st.st_uid, st.st_gid) < 0 || fchmod(vol, st.st_mode & 07777) < 0)
		cb_debug("%s: owner and mode: %s", what, strerror(errno));
	return cb_vfs_apply(under, vol, what, e);
}

/* :O: an overlay whose lower layer is the source, its upper and work dirs on a tmpfs
 * under it (at the target), so the container's changes go with the container. */
static int overlay_volume(int root, int src, int t, const struct cb_volume *v, int rootless, cb_err *e)
{
	char data[256];
	if (mount("tmpfs", P(t).p, "tmpfs", MS_NOSUID | MS_NODEV, "mode=700") < 0)
		return cb_fail_errno(e, errno, "volume %s:%s:O: a tmpfs for its changes", v->src, v->dst);
	/* by path: t names the directory under the tmpfs */
	int tmp CB_AUTOCLOSE = cb_open_in(root, v->dst + strspn(v->dst, "/"), O_RDONLY | O_DIRECTORY);
	if (tmp < 0 || mkdirat(tmp, "upper", 0755) < 0 || mkdirat(tmp, "work", 0700) < 0)
		return cb_fail_errno(e, errno, "volume %s:%s:O: upper and work", v->src, v->dst);
	int up CB_AUTOCLOSE = openat(tmp, "upper", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int wk CB_AUTOCLOSE = openat(tmp, "work", O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat st;
	if (up < 0 || wk < 0 || fstat(src, &st) < 0 || fchownat(up, "", st.st_uid, st.st_gid, AT_EMPTY_PATH) < 0 ||
	    fchmodat(tmp, "upper", st.st_mode & 07777, 0) < 0)
		return cb_fail_errno(e, errno, "volume %s:%s:O: upper and work", v->src, v->dst);
	snprintf(data, sizeof(data), "lowerdir=/proc/self/fd/%d,upperdir=/proc/self/fd/%d,workdir=/proc/self/fd/%d%s", src,
		 up, wk, rootless ? ",userxattr" : "");
	return do_mount("overlay", tmp, "overlay", 0, data, v->dst, e);
}

static int mount_tmpfs(int root, const struct cb_tmpfs *tm, cb_err *e);

/* After the mount at v->dst: its flags (:ro, :noexec...) and propagation. */
static int volume_flags(int root, const struct cb_volume *v, cb_err *e)
{
	int fd CB_AUTOCLOSE = v->ro || v->flags || v->prop ? cb_open_in(root, v->dst + strspn(v->dst, "/"), O_PATH) : -2;
	if (fd == -2)
		return 0;
	if (fd < 0)
		return cb_fail_errno(e, errno, "volume %s", v->dst);
	int r = v->ro || v->flags ? remount_fd(fd, (v->ro ? MS_RDONLY : 0) | v->flags, v->dst, e) : 0;
	return r < 0 || !v->prop ? r : do_mount(NULL, fd, NULL, v->prop, NULL, v->dst, e);
}

static int mount_volume(int root, const struct cb_volume *v, int rootless, cb_err *e)
{
	struct stat st;
	if (v->tmpfs) { /* volume create -o type=tmpfs */
		struct cb_tmpfs tm = { .dst = v->dst, .flags = v->flags | (v->ro ? MS_RDONLY : 0) };
		snprintf(tm.data, sizeof(tm.data), "%s", v->src);
		return mount_tmpfs(root, &tm, e);
	}
	int src CB_AUTOCLOSE = open(v->src, O_PATH | O_CLOEXEC);
	if (src < 0 || fstat(src, &st) < 0)
		return cb_fail_errno(e, errno, "volume %s", v->src);
	int t CB_AUTOCLOSE = target(root, v->dst, S_ISDIR(st.st_mode) ? 'd' : 'f', e);
	if (t < 0)
		return t;
	int r = v->copyup ? copy_up(root, v, e) : 0;
	if (r < 0)
		return r;
	if (v->overlay) {
		if (!S_ISDIR(st.st_mode))
			return cb_fail(e, ENOTDIR, "volume %s:%s:O: an overlay needs a directory", v->src, v->dst);
		r = overlay_volume(root, src, t, v, rootless, e);
		return r < 0 ? r : volume_flags(root, v, e);
	}
	if (mount(P(src).p, P(t).p, NULL, MS_BIND | MS_REC, NULL) < 0)
		return cb_fail_errno(e, errno, "volume %s:%s", v->src, v->dst);
	return volume_flags(root, v, e);
}

/* The --tmpfs words that are mount flags: set, or (clear) taken away. */
static const struct {
	const char *name;
	unsigned long flag;
	int clear;
} tmpfs_flags[] = {
	{ "ro", MS_RDONLY, 0 },	       { "rw", MS_RDONLY, 1 },		{ "noexec", MS_NOEXEC, 0 },
	{ "exec", MS_NOEXEC, 1 },      { "nosuid", MS_NOSUID, 0 },	{ "suid", MS_NOSUID, 1 },
	{ "nodev", MS_NODEV, 0 },      { "dev", MS_NODEV, 1 },		{ "sync", MS_SYNCHRONOUS, 0 },
	{ "async", MS_SYNCHRONOUS, 1 }, { "noatime", MS_NOATIME, 0 },	{ "atime", MS_NOATIME, 1 },
	{ "nodiratime", MS_NODIRATIME, 0 }, { "diratime", MS_NODIRATIME, 1 }, { "relatime", MS_RELATIME, 0 },
	{ "norelatime", MS_RELATIME, 1 }, { "strictatime", MS_STRICTATIME, 0 },
};
/* ... and the ones passed to tmpfs itself (NAME=VALUE). */
static const char *const tmpfs_data[] = { "size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "huge" };

int cb_tmpfs_parse(const char *spec, struct cb_tmpfs *t, cb_err *e)
{
	const char *colon = strchr(spec, ':');
	size_t plen = colon ? (size_t)(colon - spec) : strlen(spec);
	if (spec[0] != '/')
		return cb_fail(e, EINVAL, "--tmpfs '%s': the container path must be absolute", spec);
	char *dst = strndup(spec, plen), opts[512];
	if (!dst)
		return cb_fail(e, ENOMEM, "out of memory");
	t->dst = dst;
	t->flags = MS_NOEXEC | MS_NOSUID | MS_NODEV;
	t->data[0] = '\0';
	t->copyup = 1;
	snprintf(opts, sizeof(opts), "%s", colon ? colon + 1 : "");
	for (char *o = strtok(opts, ","); o; o = strtok(NULL, ",")) {
		size_t i, klen = strcspn(o, "=");
		if (!strcmp(o, "tmpcopyup") || !strcmp(o, "notmpcopyup")) {
			t->copyup = o[0] == 't';
			continue;
		}
		for (i = 0; i < CB_ARRAY_SIZE(tmpfs_flags) && strcmp(o, tmpfs_flags[i].name); i++)
			;
		if (i < CB_ARRAY_SIZE(tmpfs_flags)) {
			t->flags = tmpfs_flags[i].clear ? t->flags & ~tmpfs_flags[i].flag : t->flags | tmpfs_flags[i].flag;
			continue;
		}
		for (i = 0; i < CB_ARRAY_SIZE(tmpfs_data); i++)
			if (o[klen] == '=' && o[klen + 1] && strlen(tmpfs_data[i]) == klen && !strncmp(o, tmpfs_data[i], klen))
				break;
		if (i == CB_ARRAY_SIZE(tmpfs_data))
			return cb_fail(e, EINVAL, "--tmpfs '%s': unknown option '%s'", spec, o);
		size_t n = strlen(t->data);
		if (n + strlen(o) + 2 > sizeof(t->data))
			return cb_fail(e, EINVAL, "--tmpfs '%s': options too long", spec);
		snprintf(t->data + n, sizeof(t->data) - n, "%s%s", n ? "," : "", o);
	}
	return 0;
}

static int mount_tmpfs(int root, const struct cb_tmpfs *tm, cb_err *e)
{
	const char *rel = tm->dst + strspn(tm->dst, "/");
	int fd CB_AUTOCLOSE = target(root, tm->dst, 'd', e);
	if (fd < 0)
		return fd;
	/* The image's directory stays open under the tmpfs, for the copy. */
	int under CB_AUTOCLOSE = tm->copyup ? cb_open_in(root, rel, O_RDONLY | O_DIRECTORY) : -1;
	int r = do_mount("tmpfs", fd, "tmpfs", tm->flags & ~MS_RDONLY, tm->data, tm->dst, e);
	if (r < 0 || under < 0)
		return r < 0 ? r : (tm->flags & MS_RDONLY) ? remount_ro(root, tm->dst, e) : 0;
	int top CB_AUTOCLOSE = cb_open_in(root, rel, O_RDONLY | O_DIRECTORY);
	struct stat st;
	char what[300];
	snprintf(what, sizeof(what), "for --tmpfs %s", tm->dst);
	if (top < 0 || fstat(top, &st) < 0)
		return cb_fail_errno(e, errno, "--tmpfs %s", tm->dst);
	if ((r = cb_vfs_apply(under, top, what, e)) < 0)
		return r;
	if (strstr(tm->data, "mode=")) /* the mode asked for, not the image directory's */
		fchmod(top, st.st_mode & 07777);
	return (tm->flags & MS_RDONLY) ? remount_ro(root, tm->dst, e) : 0;
}

/* The user mounts something on path (a --read-only tmpfs is then not needed). */
static int user_mounted(const struct cb_mount_spec *m, const char *path)
{
	for (int i = 0; i < m->ntmpfs; i++)
		if (!strcmp(m->tmpfs[i].dst, path))
			return 1;
	for (int i = 0; i < m->nvols; i++)
		if (!strcmp(m->vols[i].dst, path))
			return 1;
	return 0;
}

static int depth(const char *path)
{
	int d = 0;
	for (const char *p = path; *p; p++)
		d += *p != '/' && (p == path || p[-1] == '/');
	return d;
}

/* Volumes and --tmpfs mounts, parents first (podman sorts them by destination): a
 * tmpfs on /data must not hide a volume on /data/x. */
static int mount_user(int root, const struct cb_mount_spec *m, cb_err *e)
{
	int maxd = 0, r;
	for (int i = 0; i < m->nvols; i++)
		maxd = depth(m->vols[i].dst) > maxd ? depth(m->vols[i].dst) : maxd;
	for (int i = 0; i < m->ntmpfs; i++)
		maxd = depth(m->tmpfs[i].dst) > maxd ? depth(m->tmpfs[i].dst) : maxd;
	for (int d = 0; d <= maxd; d++) {
		for (int i = 0; i < m->nvols; i++)
			if (depth(m->vols[i].dst) == d && (r = mount_volume(root, &m->vols[i], m->rootless, e)) < 0)
				return r;
		for (int i = 0; i < m->ntmpfs; i++)
			if (depth(m->tmpfs[i].dst) == d && (r = mount_tmpfs(root, &m->tmpfs[i], e)) < 0)
				return r;
	}
	return 0;
}

/* The overlay; a kernel before 5.10 does not know "volatile" (a --rm container's: no
 * sync of the upper dir at the end): without it there. */
static int mount_overlay(const char *at, const char *data)
{
	if (mount("overlay", at, "overlay", 0, data) == 0)
		return 0;
	const char *v = strstr(data, ",volatile");
	char plain[4096];
	if (errno != EINVAL || !v || (size_t)snprintf(plain, sizeof(plain), "%.*s%s", (int)(v - data), data,
						      v + strlen(",volatile")) >= sizeof(plain))
		return -1;
	cb_debug("overlay: no volatile here");
	return mount("overlay", at, "overlay", 0, plain);
}

/* Make the tree at rootfd the process's root and let go of the host's (no_pivot: by
 * MS_MOVE and chroot, as on an initramfs). */
static int enter_root(int rootfd, int no_pivot, cb_err *e)
{
	if (fchdir(rootfd) < 0)
		return cb_fail_errno(e, errno, "chdir to the rootfs");
	if (no_pivot)
		errno = EINVAL;
	if (!no_pivot && syscall(SYS_pivot_root, ".", ".") == 0) {
		/* The old root now sits on top of the new one: detach it. */
		if (umount2(".", MNT_DETACH) < 0)
			return cb_fail_errno(e, errno, "detach the host's root");
	} else if (errno == EINVAL) {
		/* / is the initramfs rootfs, which cannot be pivoted away from. */
		cb_debug("pivot_root: %s; MS_MOVE + chroot", strerror(errno));
		if (mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0)
			return cb_fail_errno(e, errno, "move the rootfs to /");
	} else {
		return cb_fail_errno(e, errno, "pivot_root");
	}
	if (chdir("/") < 0)
		return cb_fail_errno(e, errno, "chdir /");
	return 0;
}

int cb_mount_rootfs(const struct cb_mount_spec *m, cb_err *e)
{
	int r;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return cb_fail_errno(e, errno, "make the mounts private");
	if (m->overlay ? mount_overlay(m->rootfs, m->overlay) < 0
		       : mount(m->rootfs, m->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return cb_fail_errno(e, errno, "mount the rootfs (%s)", m->overlay ? "overlay" : "vfs bind");
	cb_debug("rootfs: %s %s", m->overlay ? "overlay" : "vfs", m->overlay ? m->overlay : m->rootfs);
	int root CB_AUTOCLOSE = open(m->rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return cb_fail_errno(e, errno, "open the rootfs");

	int t CB_AUTOCLOSE = target(root, "/proc", 'd', e);
	/* --pid host, rootless: the host's pid namespace is not ours to mount a proc of. */
	if (t >= 0 && m->host_pid && mount("/proc", P(t).p, NULL, MS_BIND | MS_REC, NULL) == 0)
		r = 0;
	else if (t < 0 || (r = do_mount("proc", t, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, "/proc", e)) < 0)
		return t < 0 ? t : r;
	if ((r = mount_dev(root, m->rootless, m->flags, e)) < 0 || (r = mount_sys(root, "/sys", m->privileged, e)) < 0 ||
	    (m->cgroup && (r = mount_cgroup(root, m->privileged, e)) < 0))
		return r;
	/* --read-only's tmpfs first: a volume under /tmp goes on top of it, not under. */
	static const char *const tmps[] = { "/tmp", "/var/tmp", "/run" };
	for (size_t i = 0; m->readonly && i < CB_ARRAY_SIZE(tmps); i++) {
		if (user_mounted(m, tmps[i]))
			continue;
		int fd = target(root, tmps[i], 'd', e);
		if (fd < 0)
			return fd;
		r = do_mount("tmpfs", fd, "tmpfs", MS_NOSUID | MS_NODEV, i < 2 ? "mode=1777" : "mode=755", tmps[i], e);
		close(fd);
		if (r < 0)
			return r;
	}
	/* After --read-only's /run: .containerenv goes on top. */
	if ((r = mount_etc(root, m, e)) < 0 || (r = mount_user(root, m, e)) < 0)
		return r;
	for (int i = 0; i < m->nbinds; i++)
		if ((r = mount_volume(root, &m->binds[i], m->rootless, e)) < 0)
			return r;
	/* --privileged: none of podman's masks and read-only paths; --security-opt unmask=
	 * some of them, mask= more. */
	for (size_t i = 0; !m->privileged && i < CB_ARRAY_SIZE(masked); i++)
		if ((!m->flags || !cb_runflags_unmasked(m->flags, masked[i])) && (r = mask(root, masked[i], e)) < 0)
			return r;
	for (size_t i = 0; !m->privileged && i < CB_ARRAY_SIZE(readonly); i++)
		if ((!m->flags || !cb_runflags_unmasked(m->flags, readonly[i])) && (r = bind_ro(root, readonly[i], e)) < 0)
			return r;
	for (const char *p = m->flags ? m->flags->mask : ""; *p;) {
		char path[1024];
		size_t k = strcspn(p, ":");
		snprintf(path, sizeof(path), "%.*s", (int)k, p);
		p += k + (p[k] == ':');
		if (path[0] != '/')
			cb_warn("--security-opt mask: path \"%s\" is not an absolute path, skipping", path);
		else if ((r = mask(root, path, e)) < 0)
			return r;
	}
	if (m->workdir && m->workdir[0] && !m->workdir_given) {
		int fd = target(root, m->workdir, 'd', e);
		if (fd < 0)
			return cb_err_prefix(e, "working directory");
		close(fd);
	}
	if (m->readonly && (r = remount_ro(root, "/", e)) < 0)
		return r;
	return enter_root(root, 0, e);
}

/* ---- the OCI runtime's mounts ---- */

static const struct {
	const char *name;
	unsigned long flag;
} oci_words[] = {
	{ "bind", MS_BIND }, { "rbind", MS_BIND | MS_REC }, { "remount", MS_REMOUNT },
	{ "mand", MS_MANDLOCK }, { "dirsync", MS_DIRSYNC }, { "silent", MS_SILENT },
};
static const struct {
	const char *name;
	unsigned long prop;
} oci_prop[] = {
	{ "private", MS_PRIVATE }, { "rprivate", MS_PRIVATE | MS_REC }, { "shared", MS_SHARED },
	{ "rshared", MS_SHARED | MS_REC }, { "slave", MS_SLAVE }, { "rslave", MS_SLAVE | MS_REC },
	{ "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

int cb_mount_options(const cJSON *options, struct cb_mount_entry *m, cb_err *e)
{
	const cJSON *it;
	size_t n = 0;
	m->data[0] = '\0';
	cJSON_ArrayForEach(it, options) {
		const char *w = cJSON_GetStringValue(it);
		size_t i;
		if (!w)
			return cb_fail(e, EINVAL, "mount %s: options: want strings", m->dst);
		for (i = 0; i < CB_ARRAY_SIZE(tmpfs_flags) && strcmp(w, tmpfs_flags[i].name); i++)
			;
		if (i < CB_ARRAY_SIZE(tmpfs_flags)) {
			m->flags = tmpfs_flags[i].clear ? m->flags & ~tmpfs_flags[i].flag : m->flags | tmpfs_flags[i].flag;
			continue;
		}
		for (i = 0; i < CB_ARRAY_SIZE(oci_words) && strcmp(w, oci_words[i].name); i++)
			;
		if (i < CB_ARRAY_SIZE(oci_words)) {
			m->flags |= oci_words[i].flag;
			continue;
		}
		for (i = 0; i < CB_ARRAY_SIZE(oci_prop) && strcmp(w, oci_prop[i].name); i++)
			;
		if (i < CB_ARRAY_SIZE(oci_prop)) {
			m->prop = oci_prop[i].prop;
			continue;
		}
		if (!strcmp(w, "defaults") || !strcmp(w, "tmpcopyup") || !strcmp(w, "notmpcopyup"))
			continue;
		if (!strcmp(w, "idmap") || !strcmp(w, "ridmap")) {
			m->idmap = w[0] == 'r' ? 2 : 1;
			continue;
		}
		if (n + strlen(w) + 2 > sizeof(m->data))
			return cb_fail(e, E2BIG, "mount %s: options too long", m->dst);
		n += (size_t)snprintf(m->data + n, sizeof(m->data) - n, "%s%s", n ? "," : "", w);
	}
	return 0;
}

/* The data without its gid= word (devpts in a user namespace without gid 5). */
static void drop_gid(const char *data, char *out, size_t n)
{
	char buf[512];
	size_t k = 0;
	snprintf(buf, sizeof(buf), "%s", data);
	out[0] = '\0';
	for (char *w = strtok(buf, ","); w; w = strtok(NULL, ","))
		if (strncmp(w, "gid=", 4))
			k += (size_t)snprintf(out + k, n - k, "%s%s", k ? "," : "", w);
}

#define MOVE_F_EMPTY 0x00000004 /* MOVE_MOUNT_F_EMPTY_PATH */
#define MOVE_T_EMPTY 0x00000040 /* MOVE_MOUNT_T_EMPTY_PATH */

int cb_mount_idmapped(const char *src, int recursive, int userns_fd, cb_err *e)
{
	struct {
		unsigned long long attr_set, attr_clr, propagation, userns_fd;
	} attr = { .attr_set = 0x00100000 /* MOUNT_ATTR_IDMAP */, .userns_fd = (unsigned)userns_fd };
	int rec = recursive ? AT_RECURSIVE : 0;
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, src, 1 /* OPEN_TREE_CLONE */ | O_CLOEXEC | rec);
	if (fd < 0)
		return cb_fail_errno(e, errno, "idmapped mount of %s: open_tree", src);
	if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | rec, &attr, sizeof(attr)) < 0) {
		int err = errno;
		close(fd);
		return cb_fail_errno(e, err, "idmapped mount of %s (mount_setattr: the kernel or its filesystem may lack "
					     "idmapped mounts)", src);
	}
	return fd;
}

static int oci_mount_one(int root, const struct cb_mount_entry *m, cb_err *e)
{
	struct stat st;
	int bind = (m->flags & MS_BIND) != 0, r = 0;
	int src CB_AUTOCLOSE = bind ? open(m->src, O_PATH | O_CLOEXEC) : -1;
	if (bind && (src < 0 || fstat(src, &st) < 0))
		return cb_fail_errno(e, errno, "mount %s: source %s", m->dst, m->src);
	int t CB_AUTOCLOSE = target(root, m->dst, bind && !S_ISDIR(st.st_mode) ? 'f' : 'd', e);
	if (t < 0)
		return t;
	const char *type = m->type && m->type[0] ? m->type : NULL;
	unsigned long fl = m->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
	if (bind) {
		if (m->idmap ? syscall(SYS_move_mount, m->idmap_fd, "", t, "", MOVE_F_EMPTY | MOVE_T_EMPTY) < 0
			     : mount(P(src).p, P(t).p, NULL, m->flags & (MS_BIND | MS_REC), NULL) < 0)
			return cb_fail_errno(e, errno, "mount %s: %s %s", m->dst, m->idmap ? "idmapped bind" : "bind", m->src);
		int fd CB_AUTOCLOSE = fl ? target(root, m->dst, 0, e) : -1;
		if (fl && (r = fd < 0 ? fd : remount_fd(fd, fl, m->dst, e)) < 0)
			return r;
	} else if (!strcmp(type ? type : "", "sysfs")) {
		r = mount_sys(root, m->dst, !(fl & MS_RDONLY), e);
	} else if (!strcmp(type ? type : "", "cgroup") || !strcmp(type ? type : "", "cgroup2")) {
		/* The host's may be hybrid: cgroup2 where this namespace may, else the host's
		 * tree bound read-only, else nothing (a note). */
		if (mount("cgroup2", P(t).p, "cgroup2", fl, NULL) < 0 &&
		    (mount("/sys/fs/cgroup", P(t).p, NULL, MS_BIND | MS_REC, NULL) < 0 ||
		     remount_ro(root, m->dst, e) < 0))
			cb_info("note: no cgroup filesystem on %s: %s", m->dst, strerror(errno));
	} else if (mount(m->src, P(t).p, type, fl, m->data) < 0) {
		char data[512];
		drop_gid(m->data, data, sizeof(data));
		if (type && !strcmp(type, "devpts") && errno == EINVAL && strcmp(data, m->data))
			r = do_mount(m->src, t, type, fl, data, m->dst, e);
		else if (type && !strcmp(type, "mqueue"))
			cb_info("note: no mqueue on %s: %s", m->dst, strerror(errno));
		else
			r = cb_fail_errno(e, errno, "mount %s (%s)", m->dst, type ? type : "no type");
	} else {
		cb_debug("mount %s (%s)", m->dst, type ? type : "?");
	}
	/* The fd names what was under the mount: the mount itself by a fresh lookup. */
	int top CB_AUTOCLOSE = r == 0 && m->prop ? target(root, m->dst, 0, e) : -1;
	if (r == 0 && m->prop && (top < 0 || mount(NULL, P(top).p, NULL, m->prop, NULL) < 0))
		r = cb_fail_errno(e, errno, "mount %s: propagation", m->dst);
	/* A fresh /dev gets its nodes as runc and crun make them. */
	if (r == 0 && !strcmp(m->dst, "/dev") && type && !strcmp(type, "tmpfs"))
		r = dev_nodes(root, 0, e);
	return r;
}

static int make_device(int root, const struct cb_device *d, cb_err *e)
{
	int fd CB_AUTOCLOSE = target(root, d->path, 0, e);
	if (fd >= 0)
		return 0; /* one of the defaults already */
	const char *slash = strrchr(d->path, '/');
	char dir[4096];
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - d->path), d->path);
	int parent CB_AUTOCLOSE = target(root, dir[0] ? dir : "/", 'd', e);
	if (parent < 0)
		return parent;
	if (mknodat(parent, slash + 1, d->mode, makedev(d->major, d->minor)) == 0) {
		fchownat(parent, slash + 1, d->uid, d->gid, AT_SYMLINK_NOFOLLOW);
		fchmodat(parent, slash + 1, d->mode & 07777, 0); /* fileMode exactly, not less the umask */
		return 0;
	}
	/* In a user namespace: the host's node, bound (it must exist there). */
	int t CB_AUTOCLOSE = target(root, d->path, 'f', e);
	if (t < 0)
		return t;
	if (mount(d->path, P(t).p, NULL, MS_BIND, NULL) < 0)
		return cb_fail_errno(e, errno, "linux.devices %s: neither mknod nor a bind of the host's", d->path);
	return 0;
}

/* pivot_root refuses a shared new root or a shared parent mount of it: with
 * rootfsPropagation shared, both are made private (not their children) first, as runc
 * does; the new / is made shared again once entered. */
static void unshare_for_pivot(const char *rootfs)
{
	char p[4096];
	mount(NULL, rootfs, NULL, MS_PRIVATE, NULL);
	snprintf(p, sizeof(p), "%s", rootfs);
	for (;;) {
		char *slash = strrchr(p, '/');
		if (!slash)
			return;
		if (slash == p) {
			mount(NULL, "/", NULL, MS_PRIVATE, NULL);
			return;
		}
		*slash = '\0';
		if (mount(NULL, p, NULL, MS_PRIVATE, NULL) == 0) /* EINVAL: not a mount point */
			return;
	}
}

int cb_mount_oci(const struct cb_mount_oci *m, cb_err *e)
{
	int r;
	/* No mount namespace of its own: the mounts land in the runtime's, nothing of its
	 * propagation changes, and the root is entered by chroot (as runc). */
	/* unbindable: private until the root is entered (the rootfs is bound from under /) */
	unsigned long first = m->propagation && !(m->propagation & MS_UNBINDABLE) ? m->propagation & ~MS_REC : MS_PRIVATE;
	if (!m->host_mnt && mount(NULL, "/", NULL, MS_REC | first, NULL) < 0)
		return cb_fail_errno(e, errno, "rootfsPropagation");
	if (!m->host_mnt && mount(m->rootfs, m->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return cb_fail_errno(e, errno, "root.path %s: bind", m->rootfs);
	int root CB_AUTOCLOSE = open(m->rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return cb_fail_errno(e, errno, "root.path %s", m->rootfs);
	for (int i = 0; i < m->nmounts; i++)
		if ((r = oci_mount_one(root, &m->mounts[i], e)) < 0)
			return r;
	for (int i = 0; i < m->ndevices; i++)
		if ((r = make_device(root, &m->devices[i], e)) < 0)
			return r;
	for (int i = 0; i < m->nmasked; i++)
		if ((r = mask(root, m->masked[i], e)) < 0)
			return r;
	for (int i = 0; i < m->nreadonly; i++)
		if ((r = bind_ro(root, m->readonly[i], e)) < 0)
			return r;
	if (m->root_ro && (r = remount_ro(root, "/", e)) < 0)
		return r;
	if (m->before_root && (r = m->before_root(m->arg, e)) < 0)
		return r;
	if (m->propagation & MS_SHARED)
		unshare_for_pivot(m->rootfs);
	if (m->host_mnt)
		return fchdir(root) < 0 || chroot(".") < 0 || chdir("/") < 0 ? cb_fail_errno(e, errno, "chroot %s", m->rootfs) : 0;
	if ((r = enter_root(root, m->no_pivot, e)) < 0)
		return r;
	if (m->propagation && mount(NULL, "/", NULL, m->propagation, NULL) < 0)
		return cb_fail_errno(e, errno, "rootfsPropagation");
	return 0;
}

void cb_mount_detach_under(const char *dir)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], (*mp)[4096] = NULL;
	size_t n = 0, len = strlen(dir);
	while (f && fgets(line, sizeof(line), f)) {
		char point[4096];
		/* the fifth field: the mount point (octal escapes left as they are: not ours) */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1 || strncmp(point, dir, len) || point[len] != '/')
			continue;
		void *m = realloc(mp, (n + 1) * sizeof(*mp));
		if (!m)
			break;
		mp = m;
		memcpy(mp[n++], point, sizeof(point));
	}
	if (f)
		fclose(f);
	while (n--) /* the latest first: children before their parents */
		if (umount2(mp[n], MNT_DETACH) < 0)
			cb_debug("detach %s: %s", mp[n], strerror(errno));
	free(mp);
}
