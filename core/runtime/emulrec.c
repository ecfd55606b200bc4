/* emulrec.c - the owner recorder of root emulation (see emul.h): a thread of the run
 * parent answers the container's chown calls (success, no effect) and keeps the owner
 * asked for in user.rootlesscontainers, umoci's record of ids the mapping lacks.
 *
 * It must never write where the container could not: every path is resolved from the
 * calling process's own root, cwd or fd (/proc/PID/...) with openat2 (RESOLVE_IN_ROOT
 * for absolute paths, RESOLVE_BENEATH for relative ones; a relative path that climbs
 * out of its directory is not recorded), /proc/PID is pinned before the notification is
 * checked still valid (no pid reuse), and only for a caller that is uid 0 with
 * CAP_FOWNER and CAP_DAC_OVERRIDE, as the supervisor is. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <seccomp.h>

#include "emul.h"
#include "fdpass.h"
#include "store.h"
#include "unpack.h"

#define NOCHANGE 0xffffffffu /* chown's "leave this id" (-1) */

int cb_emul_rec_open(struct cb_emul_rec *r, int cache, cb_err *e)
{
	r->cache = cache;
	r->listener = r->sock[0] = r->sock[1] = -1;
	r->running = 0;
	if (pipe2(r->wake, O_CLOEXEC) < 0 || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, r->sock) < 0)
		return cb_fail_errno(e, errno, "root emulation: socketpair");
	return 0;
}

void cb_emul_rec_forked(struct cb_emul_rec *r)
{
	if (r->sock[1] < 0)
		return;
	close(r->sock[1]);
	r->sock[1] = -1;
	/* API level 5: the kernel and libseccomp can notify. */
	static unsigned char msg[1 + 32768];
	size_t len = sizeof(msg) - 1;
	cb_err e;
	msg[0] = CFG_SECCOMP && seccomp_api_get() >= 5;
	int rc = cb_emul_build(r->cache, msg[0], msg + 1, &len, &e);
	if (rc < 0 && msg[0]) {
		/* Without notification: chown faked, owners not recorded. */
		cb_debug("%s; again without notification", e.msg);
		msg[0] = 0;
		len = sizeof(msg) - 1;
		rc = cb_emul_build(r->cache, 0, msg + 1, &len, &e);
	}
	if (rc < 0) {
		cb_debug("%s", e.msg);
		len = 0;
	}
	(void)!send(r->sock[0], msg, len ? len + 1 : 0, MSG_NOSIGNAL);
}

/* The ids in a record, (0, 0) when there is none. */
static void rec_get(const char *path, uint32_t *uid, uint32_t *gid)
{
	unsigned char v[64];
	ssize_t n = getxattr(path, CB_ROOTLESS_XATTR, v, sizeof(v));
	uint32_t id[3] = { 0, 0, 0 };
	for (ssize_t i = 0; i < n;) {
		unsigned field = v[i] >> 3, wire = v[i] & 7, shift = 0;
		uint32_t x = 0;
		if (wire != 0)
			break;
		for (i++; i < n; shift += 7) {
			x |= (uint32_t)(v[i] & 0x7f) << shift;
			if (!(v[i++] & 0x80))
				break;
		}
		if (field == 1 || field == 2)
			id[field] = x == CB_ROOTLESS_NOOP ? 0 : x;
	}
	*uid = id[1];
	*gid = id[2];
}

/* Does the caller hold what the supervisor uses: euid 0, CAP_FOWNER, CAP_DAC_OVERRIDE? */
static int caller_root(int pidfd)
{
	char buf[4096], *p;
	if (cb_read_small_at(pidfd, "status", buf, sizeof(buf)) <= 0)
		return 0;
	unsigned long long need = 1ULL << CAP_FOWNER | 1ULL << CAP_DAC_OVERRIDE, eff = 0;
	unsigned ruid, euid = 1;
	if ((p = strstr(buf, "\nUid:")))
		sscanf(p + 5, "%u %u", &ruid, &euid);
	if ((p = strstr(buf, "\nCapEff:")))
		eff = strtoull(p + 8, NULL, 16);
	return euid == 0 && (eff & need) == need;
}

/* The NUL-terminated string at addr in the caller's memory. */
static int read_path(int pidfd, uint64_t addr, char *buf, size_t n)
{
	int fd = openat(pidfd, "mem", O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	while (fd >= 0 && got < n) {
		ssize_t k = pread(fd, buf + got, n - got, (off_t)(addr + got));
		if (k <= 0)
			break;
		if (memchr(buf + got, '\0', (size_t)k)) {
			close(fd);
			return 0;
		}
		got += (size_t)k;
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

struct chown_call {
	int dirfd;        /* the caller's fd, or AT_FDCWD */
	uint64_t path;    /* address of the path, 0 for fchown */
	uint32_t uid, gid;
	int nofollow, empty;
};

/* Decode a notification into *c; 0 if it is no chown. */
static int decode(const struct seccomp_notif *q, struct chown_call *c)
{
	char *name = seccomp_syscall_resolve_num_arch(q->data.arch, q->data.nr);
	const __u64 *a = q->data.args;
	int ok = 1;
	memset(c, 0, sizeof(*c));
	c->dirfd = AT_FDCWD;
	if (!name) {
		ok = 0;
	} else if (!strncmp(name, "fchownat", 8)) {
		c->dirfd = (int)a[0];
		c->path = a[1];
		c->uid = (uint32_t)a[2];
		c->gid = (uint32_t)a[3];
		c->nofollow = !!(a[4] & AT_SYMLINK_NOFOLLOW);
		c->empty = !!(a[4] & AT_EMPTY_PATH);
	} else if (!strncmp(name, "fchown", 6)) {
		c->dirfd = (int)a[0];
		c->empty = 1;
	} else if (!strncmp(name, "chown", 5) || !strncmp(name, "lchown", 6)) {
		c->path = a[0];
		c->nofollow = name[0] == 'l';
	} else {
		ok = 0;
	}
	if (ok && strncmp(name, "fchownat", 8)) {
		c->uid = (uint32_t)a[1];
		c->gid = (uint32_t)a[2];
		/* i386 and arm's chown, lchown, fchown take 16-bit ids (0xffff: no change). */
		if ((q->data.arch == SCMP_ARCH_X86 || q->data.arch == SCMP_ARCH_ARM) && !strstr(name, "32")) {
			c->uid = (c->uid & 0xffff) == 0xffff ? NOCHANGE : c->uid & 0xffff;
			c->gid = (c->gid & 0xffff) == 0xffff ? NOCHANGE : c->gid & 0xffff;
		}
	}
	free(name);
	return ok;
}

/* The file the call names, as an O_PATH fd, resolved only within the caller's view. */
static int target(int pidfd, const struct chown_call *c, const char *path)
{
	char base[32];
	int abs = path && path[0] == '/';
	if (abs)
		snprintf(base, sizeof(base), "root");
	else if (c->dirfd == AT_FDCWD)
		snprintf(base, sizeof(base), "cwd");
	else if (c->dirfd >= 0)
		snprintf(base, sizeof(base), "fd/%d", c->dirfd);
	else
		return -1;
	int bfd = openat(pidfd, base, O_PATH | O_CLOEXEC);
	if (bfd < 0 || !path || (!path[0] && c->empty))
		return bfd;
	while (*path == '/')
		path++;
	if (!path[0] && abs)
		return bfd; /* "/" itself */
	struct open_how how = { .flags = O_PATH | O_CLOEXEC | (c->nofollow ? O_NOFOLLOW : 0),
				.resolve = RESOLVE_NO_MAGICLINKS | (abs ? RESOLVE_IN_ROOT : RESOLVE_BENEATH) };
	long fd = path[0] ? syscall(SYS_openat2, bfd, path, &how, sizeof(how)) : -1;
	close(bfd);
	return (int)fd;
}

/* Record the owner the call asks for; failures only leave it unrecorded. */
static void record(int listener, const struct seccomp_notif *q)
{
	struct chown_call c;
	char dir[32], path[4096], fdpath[64];
	if (!decode(q, &c))
		return;
	snprintf(dir, sizeof(dir), "/proc/%u", q->pid);
	int pidfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pidfd < 0)
		return;
	/* /proc/PID is pinned: if the call is still pending, it is the caller's. */
	int fd = -1;
	if (seccomp_notify_id_valid(listener, q->id) == 0 && caller_root(pidfd) &&
	    (!c.path || read_path(pidfd, c.path, path, sizeof(path)) == 0) &&
	    seccomp_notify_id_valid(listener, q->id) == 0)
		fd = target(pidfd, &c, c.path ? path : NULL);
	close(pidfd);
	if (fd < 0)
		return;
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	uint32_t uid, gid;
	rec_get(fdpath, &uid, &gid);
	uid = c.uid == NOCHANGE ? uid : c.uid;
	gid = c.gid == NOCHANGE ? gid : c.gid;
	unsigned char v[16];
	size_t n = cb_rootless_value(v, uid, gid);
	/* user.* xattrs exist on files and directories only. */
	int r = n ? setxattr(fdpath, CB_ROOTLESS_XATTR, v, n, 0) : removexattr(fdpath, CB_ROOTLESS_XATTR);
	if (r < 0 && errno != ENODATA)
		cb_debug("root emulation: owner %u:%u not recorded: %s", uid, gid, strerror(errno));
	close(fd);
}

static void *serve(void *arg)
{
	struct cb_emul_rec *r = arg;
	struct seccomp_notif *q;
	struct seccomp_notif_resp *resp;
	if (seccomp_notify_alloc(&q, &resp) < 0)
		return NULL;
	for (;;) {
		struct pollfd p[2] = { { r->listener, POLLIN, 0 }, { r->wake[0], POLLIN, 0 } };
		if (poll(p, 2, -1) < 0 && errno == EINTR)
			continue;
		if (p[1].revents || (p[0].revents & (POLLHUP | POLLERR | POLLNVAL)))
			break;
		memset(q, 0, sizeof(*q));
		if (seccomp_notify_receive(r->listener, q) < 0)
			continue; /* the caller died meanwhile */
		record(r->listener, q);
		memset(resp, 0, sizeof(*resp));
		resp->id = q->id;
		seccomp_notify_respond(r->listener, resp);
	}
	seccomp_notify_free(q, resp);
	return NULL;
}

void cb_emul_rec_start(struct cb_emul_rec *r)
{
	int fd = CFG_SECCOMP ? cb_recv_fd(r->sock[0]) : -1;
	if (fd < 0)
		return; /* no notification here: the plain filter fakes chown */
	r->listener = fd;
	/* Signals stay with the main thread, which forwards them to the container. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r->running = pthread_create(&r->thread, NULL, serve, r) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!r->running) {
		/* Unserved, the chown calls fail (ENOSYS) rather than hang. */
		close(r->listener);
		r->listener = -1;
	}
}

void cb_emul_rec_close(struct cb_emul_rec *r)
{
	if (r->running) {
		(void)!write(r->wake[1], "x", 1);
		pthread_join(r->thread, NULL);
		r->running = 0;
	}
	int *fds[] = { &r->sock[0], &r->sock[1], &r->listener, &r->wake[0], &r->wake[1] };
	for (size_t i = 0; i < CB_ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
}
