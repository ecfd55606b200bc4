/* mount.c - the container's mounts, all made through fds resolved inside the rootfs. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
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

/* Remount the mount at path (in the container) read-only, keeping the flags a user
 * namespace may not clear (nosuid, nodev, noexec, atime). */
static int remount_ro(int root, const char *path, cb_err *e)
{
	int fd CB_AUTOCLOSE = cb_open_in(root, path + strspn(path, "/"), O_PATH);
	struct statvfs sv;
	if (fd < 0 || fstatvfs(fd, &sv) < 0)
		return cb_fail_errno(e, errno, "read-only %s", path);
	unsigned long keep = MS_REMOUNT | MS_BIND | MS_RDONLY;
	static const unsigned long map[][2] = {
		{ ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV }, { ST_NOEXEC, MS_NOEXEC },
		{ ST_NOATIME, MS_NOATIME }, { ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
	};
	for (size_t i = 0; i < CB_ARRAY_SIZE(map); i++)
		if (sv.f_flag & map[i][0])
			keep |= map[i][1];
	return do_mount(NULL, fd, NULL, keep, NULL, path, e);
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

static int mount_dev(int root, int rootless, cb_err *e)
{
	int t CB_AUTOCLOSE = target(root, "/dev", 'd', e);
	if (t < 0)
		return t;
	int r = do_mount("tmpfs", t, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", "/dev", e);
	if (r < 0)
		return r;
	int dev CB_AUTOCLOSE = cb_open_in(root, "dev", O_RDONLY | O_DIRECTORY);
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
	if (mkdirat(dev, "pts", 0755) < 0 || mkdirat(dev, "shm", 01777) < 0 || mkdirat(dev, "mqueue", 01777) < 0)
		return cb_fail_errno(e, errno, "/dev in the container");
	int fd CB_AUTOCLOSE = openat(dev, "pts", O_PATH | O_CLOEXEC);
	/* Without sub-ids gid 5 (tty) does not exist in the namespace. */
	r = do_mount("devpts", fd, "devpts", MS_NOSUID | MS_NOEXEC,
		     rootless ? "newinstance,ptmxmode=0666,mode=0620" : "newinstance,ptmxmode=0666,mode=0620,gid=5",
		     "/dev/pts", e);
	if (r < 0)
		return r;
	int shm CB_AUTOCLOSE = openat(dev, "shm", O_PATH | O_CLOEXEC);
	r = do_mount("shm", shm, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k", "/dev/shm", e);
	if (r < 0)
		return r;
	int mq CB_AUTOCLOSE = openat(dev, "mqueue", O_PATH | O_CLOEXEC);
	if (mount("mqueue", P(mq).p, "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		cb_debug("/dev/mqueue not mounted: %s", strerror(errno));
	return 0;
}

static int mount_sys(int root, int rw, cb_err *e)
{
	int t CB_AUTOCLOSE = target(root, "/sys", 'd', e);
	if (t < 0)
		return t;
	unsigned long fl = (rw ? 0 : MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC;
	if (mount("sysfs", P(t).p, "sysfs", fl, NULL) == 0)
		return 0;
	/* A user namespace may mount sysfs only with its own network namespace: bind the
	 * host's, read-only. */
	int err = errno;
	if (mount("/sys", P(t).p, NULL, MS_BIND | MS_REC, NULL) == 0) {
		if (rw || remount_ro(root, "/sys", e) == 0)
			return 0;
		cb_info("note: /sys is a read-write bind: %s", e->msg);
		return 0;
	}
	cb_info("note: no /sys in the container (sysfs: %s; bind: %s)", strerror(err), strerror(errno));
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

static int mount_volume(int root, const struct cb_volume *v, cb_err *e)
{
	struct stat st;
	int src CB_AUTOCLOSE = open(v->src, O_PATH | O_CLOEXEC);
	if (src < 0 || fstat(src, &st) < 0)
		return cb_fail_errno(e, errno, "volume %s", v->src);
	int t CB_AUTOCLOSE = target(root, v->dst, S_ISDIR(st.st_mode) ? 'd' : 'f', e);
	if (t < 0)
		return t;
	if (mount(P(src).p, P(t).p, NULL, MS_BIND | MS_REC, NULL) < 0)
		return cb_fail_errno(e, errno, "volume %s:%s", v->src, v->dst);
	return v->ro ? remount_ro(root, v->dst, e) : 0;
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
			if (depth(m->vols[i].dst) == d && (r = mount_volume(root, &m->vols[i], e)) < 0)
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

/* Make the tree at rootfd the process's root and let go of the host's. */
static int enter_root(int rootfd, cb_err *e)
{
	if (fchdir(rootfd) < 0)
		return cb_fail_errno(e, errno, "chdir to the rootfs");
	if (syscall(SYS_pivot_root, ".", ".") == 0) {
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
	if ((r = mount_dev(root, m->rootless, e)) < 0 || (r = mount_sys(root, m->privileged, e)) < 0)
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
		if ((r = mount_volume(root, &m->binds[i], e)) < 0)
			return r;
	/* --privileged: none of podman's masks and read-only paths. */
	for (size_t i = 0; !m->privileged && i < CB_ARRAY_SIZE(masked); i++)
		if ((r = mask(root, masked[i], e)) < 0)
			return r;
	for (size_t i = 0; !m->privileged && i < CB_ARRAY_SIZE(readonly); i++)
		if ((r = bind_ro(root, readonly[i], e)) < 0)
			return r;
	if (m->workdir && m->workdir[0] && !m->workdir_given) {
		int fd = target(root, m->workdir, 'd', e);
		if (fd < 0)
			return cb_err_prefix(e, "working directory");
		close(fd);
	}
	if (m->readonly && (r = remount_ro(root, "/", e)) < 0)
		return r;
	return enter_root(root, e);
}
