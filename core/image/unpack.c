/* unpack.c - safe extraction of one layer tar into a directory fd.
 *
 * Everything happens relative to the layer's dirfd. Entry paths are cleaned lexically
 * (absolute paths and ".." refused); parent directories are opened with openat2
 * RESOLVE_IN_ROOT, so even a symlink planted by an earlier entry resolves inside the
 * layer (without openat2: a component walk with O_NOFOLLOW that refuses symlinked
 * parents); the last component is made with *at calls that never follow it. Directory
 * modes and mtimes are applied at the end, once their children exist.
 *
 * Whiteouts (OCI): ".wh.NAME" hides NAME of lower layers, ".wh..wh..opq" hides all the
 * lower contents of its directory. Overlay mode writes them the way overlayfs reads
 * them (0:0 char device, opaque xattr); delete mode applies them to a flattened rootfs,
 * sparing what this layer itself added (tracked as a set of path hashes). */
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "tar.h"
#include "unpack.h"
#include "walk.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"
#define RC_XATTR CB_ROOTLESS_XATTR
#define RC_NOOP CB_ROOTLESS_NOOP
#define COPY_BUF (64 * 1024)

int cb_unpack_no_openat2;
static int openat2_missing;

struct dirmeta {
	char *path; /* cleaned path; "" is the layer root */
	unsigned mode;
	struct timespec mtime;
};

/* A set of 64-bit path hashes (open addressing, 0 = empty). */
struct pathset {
	uint64_t *slot;
	size_t cap, n;
	uint64_t key;
};

struct ctx {
	int root;
	const char *what;
	struct cb_unpack_opts o;
	struct cb_unpack_stats *st;
	const struct cb_tar_entry *ent;
	const char *cur;         /* entry path for messages */
	struct pathset added;    /* delete mode: paths this layer created (and their parents) */
	struct dirmeta *dirs;
	size_t ndirs, capdirs;
	char *buf;               /* COPY_BUF bytes */
	/* The parent directory of the last entry, kept open for the next one (a tar lists a
	 * directory's files together). Entries only ever remove inside it; whiteouts in
	 * delete mode, which remove elsewhere, drop it. */
	char pdir[CB_TAR_NAME_MAX + 1];
	int pdir_fd;             /* -1: none */
	int pdir_setgid;         /* new files there take the directory's group */
	int fresh;               /* the entry's inode was just created in pdir_fd */
	uid_t euid;
	gid_t egid;
};

/* ---- messages ---- */

/* Entry names come from the archive: keep control characters out of messages. */
static const char *shown(const char *s, char *out, size_t n)
{
	size_t k = 0;
	for (; *s && k + 1 < n; s++)
		out[k++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
	out[k] = '\0';
	return out;
}

__attribute__((format(printf, 5, 6)))
static int ent_fail(struct ctx *c, cb_err *e, int errnum, int with_errno, const char *fmt, ...)
{
	char msg[512], name[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	shown(c->cur ? c->cur : "?", name, sizeof(name));
	if (with_errno)
		return cb_fail_errno(e, errnum, "layer %s: entry '%s': %s", c->what, name, msg);
	return cb_fail(e, errnum, "layer %s: entry '%s': %s", c->what, name, msg);
}

__attribute__((format(printf, 2, 3)))
static void ent_warn(struct ctx *c, const char *fmt, ...)
{
	char msg[512], name[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cb_warn("layer %s: entry '%s': %s", c->what, shown(c->cur ? c->cur : "?", name, sizeof(name)), msg);
}

/* ---- path set ---- */

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t path_hash(const struct pathset *s, const char *p, size_t len)
{
	uint64_t h = s->key;
	for (size_t i = 0; i < len; i++)
		h = mix(h ^ (unsigned char)p[i]);
	h = mix(h ^ len);
	return h ? h : 1;
}

static int set_has(const struct pathset *s, const char *p, size_t len)
{
	if (!s->cap)
		return 0;
	uint64_t h = path_hash(s, p, len);
	for (size_t i = h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		if (s->slot[i] == h)
			return 1;
		if (!s->slot[i])
			return 0;
	}
}

static int set_put_hash(struct pathset *s, uint64_t h)
{
	if ((s->n + 1) * 2 > s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 1024;
		uint64_t *ns = calloc(ncap, sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->slot[i])
				continue;
			size_t j = s->slot[i] & (ncap - 1);
			while (ns[j])
				j = (j + 1) & (ncap - 1);
			ns[j] = s->slot[i];
		}
		free(s->slot);
		s->slot = ns;
		s->cap = ncap;
	}
	size_t i = h & (s->cap - 1);
	while (s->slot[i] && s->slot[i] != h)
		i = (i + 1) & (s->cap - 1);
	if (!s->slot[i]) {
		s->slot[i] = h;
		s->n++;
	}
	return 0;
}

/* Record path and every parent of it. */
static int set_put_path(struct pathset *s, const char *p)
{
	size_t len = strlen(p);
	for (size_t i = 1; i <= len; i++)
		if (i == len || p[i] == '/')
			if (set_put_hash(s, path_hash(s, p, i)) < 0)
				return -ENOMEM;
	return 0;
}

/* ---- paths ---- */

/* Clean an archive path into out (at least strlen(in) + 1 bytes): drop "." and empty
 * components. Returns NULL or why the path is refused. */
static const char *clean_path(const char *in, char *out)
{
	size_t k = 0;
	if (in[0] == '/')
		return "absolute path";
	for (const char *p = in; *p;) {
		const char *s = p;
		while (*p && *p != '/')
			p++;
		size_t n = (size_t)(p - s);
		while (*p == '/')
			p++;
		if (n == 0 || (n == 1 && s[0] == '.'))
			continue;
		if (n == 2 && s[0] == '.' && s[1] == '.')
			return "path escapes the layer";
		if (k)
			out[k++] = '/';
		memcpy(out + k, s, n);
		k += n;
	}
	out[k] = '\0';
	return NULL;
}

/* Split a cleaned path in place: *dir gets the parent ("" for top level). */
static const char *split(char *path, const char **dir)
{
	char *slash = strrchr(path, '/');
	if (!slash) {
		*dir = "";
		return path;
	}
	*slash = '\0';
	*dir = path;
	return slash + 1;
}

static int try_openat2(int root, const char *rel)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	long fd = syscall(SYS_openat2, root, rel, &how, sizeof(how));
	return fd < 0 ? -errno : (int)fd;
}

/* Open directory rel (a cleaned path, "" for the root) under the layer root, creating
 * missing directories when create is set. Returns an fd or a negative errno with *e. */
static int open_dir(struct ctx *c, const char *rel, int create, cb_err *e)
{
	char shown_buf[300];
	if (!rel[0]) {
		int fd = fcntl(c->root, F_DUPFD_CLOEXEC, 3);
		return fd < 0 ? cb_fail_errno(e, errno, "layer %s: dup", c->what) : fd;
	}
	int use2 = !cb_unpack_no_openat2 && !openat2_missing;
	if (use2) {
		int fd = try_openat2(c->root, rel);
		if (fd >= 0)
			return fd;
		if (fd == -ENOSYS) {
			openat2_missing = 1;
			use2 = 0;
		} else if (fd != -ENOENT || !create) {
			return ent_fail(c, e, -fd, 1, "cannot open directory '%s'", shown(rel, shown_buf, sizeof(shown_buf)));
		}
	}
	/* Component by component from the root: create what is missing. With openat2 each
	 * prefix is resolved in-root; without it symlinks are refused outright. */
	char prefix[CB_TAR_NAME_MAX + 1];
	size_t len = strlen(rel);
	int cur = fcntl(c->root, F_DUPFD_CLOEXEC, 3);
	if (cur < 0)
		return cb_fail_errno(e, errno, "layer %s: dup", c->what);
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && rel[j] != '/')
			j++;
		memcpy(prefix, rel, j);
		prefix[j] = '\0';
		const char *comp = prefix + i;
		int fd = -1, err = 0;
		for (int attempt = 0; attempt < 2; attempt++) {
			if (use2) {
				fd = try_openat2(c->root, prefix);
				err = fd < 0 ? -fd : 0;
			} else {
				fd = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				err = fd < 0 ? errno : 0;
			}
			if (fd >= 0 || err != ENOENT || !create || attempt)
				break;
			if (mkdirat(cur, comp, 0755) < 0 && errno != EEXIST) {
				err = errno;
				break;
			}
		}
		if (fd < 0) {
			struct stat sb;
			int is_link = fstatat(cur, comp, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(sb.st_mode);
			close(cur);
			shown(prefix, shown_buf, sizeof(shown_buf));
			if (is_link && use2)
				return ent_fail(c, e, ENOENT, 0, "parent '%s' is a symlink to nothing inside the layer", shown_buf);
			if (is_link)
				return ent_fail(c, e, ELOOP, 0, "parent '%s' is a symlink", shown_buf);
			if (err == ENOTDIR)
				return ent_fail(c, e, ENOTDIR, 0, "parent '%s' is not a directory", shown_buf);
			return ent_fail(c, e, err, 1, "cannot open directory '%s'", shown_buf);
		}
		close(cur);
		cur = fd;
		i = j + 1;
	}
	return cur;
}

static void parent_drop(struct ctx *c)
{
	if (c->pdir_fd >= 0)
		close(c->pdir_fd);
	c->pdir_fd = -1;
}

/* open_dir(c, rel, 1, e) for an entry's parent, through the one-entry cache; the fd
 * belongs to the cache (do not close it). */
static int parent_dir(struct ctx *c, const char *rel, cb_err *e)
{
	if (c->pdir_fd >= 0 && !strcmp(c->pdir, rel))
		return c->pdir_fd;
	parent_drop(c);
	int fd = open_dir(c, rel, 1, e);
	if (fd < 0)
		return fd;
	struct stat sb;
	c->pdir_setgid = fstat(fd, &sb) < 0 || (sb.st_mode & S_ISGID);
	strcpy(c->pdir, rel);
	return c->pdir_fd = fd;
}

/* ---- removal ---- */

/* Opaque directory in delete mode: remove what lower layers put under dir (fd dfd,
 * cleaned path `path`), keeping what this layer added. */
struct lower {
	struct ctx *c;
	const char *path;
};

static int remove_lower_one(void *ctx, const struct cb_walk_ent *w, int post)
{
	struct lower *l = ctx;
	char child[CB_TAR_NAME_MAX + 2];
	if (post)
		return 0;
	int n = snprintf(child, sizeof(child), "%s%s%s", l->path, l->path[0] ? "/" : "", w->path);
	if (n > 0 && (size_t)n < sizeof(child) && set_has(&l->c->added, child, (size_t)n))
		return 0; /* ours: a directory's lower contents go, below */
	int r = cb_rm_rf_at(w->dirfd, w->name);
	return r < 0 ? r : CB_WALK_SKIP;
}

static int remove_lower(struct ctx *c, int dfd, const char *path)
{
	struct lower l = { c, path };
	return cb_walk(dfd, -1, remove_lower_one, &l, NULL, 0);
}

/* ---- metadata ---- */

static size_t put_varint(unsigned char *p, uint32_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

size_t cb_rootless_value(unsigned char *buf, uint32_t uid, uint32_t gid)
{
	size_t n = 0;
	if (!uid && !gid)
		return 0;
	buf[n++] = 1 << 3 | 0; /* field 1, wire type varint */
	n += put_varint(buf + n, uid ? uid : RC_NOOP);
	buf[n++] = 2 << 3 | 0;
	n += put_varint(buf + n, gid ? gid : RC_NOOP);
	return n;
}

/* Set an xattr on fd, or (fd < 0) on pfd/name without following it. */
static int set_xattr(int fd, int pfd, const char *name, const char *key, const void *val, size_t len)
{
	if (fd >= 0)
		return fsetxattr(fd, key, val, len, 0);
	char p[64 + 256];
	snprintf(p, sizeof(p), "/proc/self/fd/%d/%s", pfd, name);
	return lsetxattr(p, key, val, len, 0);
}

/* Owner of the new inode: fd when there is one, else pfd/name (not followed). When
 * the ids are not mapped in our user namespace, squash to 0:0 and keep the real ones
 * in user.rootlesscontainers. */
static int set_owner(struct ctx *c, int fd, int pfd, const char *name, int is_link, cb_err *e)
{
	uint32_t uid = c->o.own ? c->o.uid : c->ent->uid, gid = c->o.own ? c->o.gid : c->ent->gid;
	if (c->o.keepid[0]) { /* into a keep-id container: what shows there as uid:gid
			       * (keepid.h's cb_keepid_out, not included: the image side stays below) */
		uid = uid == c->o.keepid[0] ? 0 : uid < c->o.keepid[0] ? uid + 1 : uid;
		gid = gid == c->o.keepid[1] ? 0 : gid < c->o.keepid[1] ? gid + 1 : gid;
	}
	/* Just made by us: it has our ids already, unless its directory is setgid. */
	if (c->fresh && uid == c->euid && gid == c->egid && !c->pdir_setgid)
		return 0;
	int r = fd >= 0 ? fchown(fd, uid, gid) : fchownat(pfd, name, uid, gid, AT_SYMLINK_NOFOLLOW);
	if (r == 0)
		return 0;
	if (errno != EINVAL && !(c->o.rootless && errno == EPERM))
		return ent_fail(c, e, errno, 1, "cannot set owner %" PRIu32 ":%" PRIu32, uid, gid);
	c->st->squashed_ids++;
	if (fd >= 0 ? fchown(fd, 0, 0) : fchownat(pfd, name, 0, 0, AT_SYMLINK_NOFOLLOW))
		cb_debug("layer %s: entry '%s': owner stays as created", c->what, c->cur);
	unsigned char v[16];
	size_t n = cb_rootless_value(v, uid, gid);
	if (n && !is_link && set_xattr(fd, pfd, name, RC_XATTR, v, n) < 0) {
		if (errno == EOPNOTSUPP || errno == ENOTSUP)
			c->st->unrecorded_ids++; /* one line for the image, from cb_layer_report */
		else
			ent_warn(c, "cannot record owner %" PRIu32 ":%" PRIu32 " in %s: %s", uid, gid, RC_XATTR,
				 strerror(errno));
	}
	return 0;
}

/* xattrs from the archive; failures only warn. Overlay's own keys and the rootless
 * owner record are not taken from a layer: they would change how we read it. */
static void set_xattrs(struct ctx *c, int fd, int pfd, const char *name)
{
	for (size_t i = 0; i < c->ent->nxattrs; i++) {
		const struct cb_tar_xattr *x = &c->ent->xattrs[i];
		if (!strncmp(x->name, "trusted.overlay.", 16) || !strncmp(x->name, "user.overlay.", 13) ||
		    !strcmp(x->name, RC_XATTR)) {
			ent_warn(c, "ignoring xattr %s", x->name);
			continue;
		}
		if (set_xattr(fd, pfd, name, x->name, x->value, x->len) < 0)
			ent_warn(c, "cannot set xattr %s: %s", x->name, strerror(errno));
	}
}

static void entry_times(const struct cb_tar_entry *en, struct timespec ts[2])
{
	ts[0].tv_sec = ts[1].tv_sec = (time_t)en->mtime;
	ts[0].tv_nsec = ts[1].tv_nsec = en->mtime_nsec;
}

/* Owner, xattrs, mode (after chown, which clears setuid/setgid), mtime; fd-based. */
static int finish_fd(struct ctx *c, int fd, int with_mode_time, cb_err *e)
{
	struct timespec ts[2];
	int r = set_owner(c, fd, -1, NULL, 0, e);
	if (r < 0)
		return r;
	set_xattrs(c, fd, -1, NULL);
	if (!with_mode_time)
		return 0;
	if (fchmod(fd, c->ent->mode) < 0)
		return ent_fail(c, e, errno, 1, "cannot set mode %04o", c->ent->mode);
	entry_times(c->ent, ts);
	if (futimens(fd, ts) < 0)
		return ent_fail(c, e, errno, 1, "cannot set mtime");
	return 0;
}

static int record_dir(struct ctx *c, const char *path, cb_err *e)
{
	if (c->ndirs == c->capdirs) {
		size_t ncap = c->capdirs ? c->capdirs * 2 : 64;
		struct dirmeta *nd = realloc(c->dirs, ncap * sizeof(*nd));
		if (!nd)
			return cb_fail(e, ENOMEM, "layer %s: out of memory", c->what);
		c->dirs = nd;
		c->capdirs = ncap;
	}
	struct dirmeta *d = &c->dirs[c->ndirs];
	if (!(d->path = strdup(path)))
		return cb_fail(e, ENOMEM, "layer %s: out of memory", c->what);
	d->mode = c->ent->mode;
	d->mtime.tv_sec = (time_t)c->ent->mtime;
	d->mtime.tv_nsec = c->ent->mtime_nsec;
	c->ndirs++;
	return 0;
}

/* Directory modes and mtimes, children first, the last entry for a path winning. A
 * directory replaced or removed by a later entry is passed over. */
static int apply_dirs(struct ctx *c, cb_err *e)
{
	struct pathset done = { .key = c->added.key };
	int r = 0;
	for (size_t i = c->ndirs; i-- > 0 && r == 0;) {
		struct dirmeta *d = &c->dirs[i];
		size_t len = strlen(d->path);
		if (set_has(&done, d->path, len))
			continue;
		if (set_put_hash(&done, path_hash(&done, d->path, len)) < 0) {
			r = cb_fail(e, ENOMEM, "layer %s: out of memory", c->what);
			break;
		}
		char tmp[CB_TAR_NAME_MAX + 1];
		const char *dir, *name;
		int fd;
		memcpy(tmp, d->path, len + 1);
		c->cur = d->path[0] ? d->path : ".";
		if (!tmp[0]) {
			fd = fcntl(c->root, F_DUPFD_CLOEXEC, 3);
		} else {
			name = split(tmp, &dir);
			cb_err ignored;
			int pfd = open_dir(c, dir, 0, &ignored);
			if (pfd < 0)
				continue;
			fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			close(pfd);
		}
		if (fd < 0)
			continue;
		struct timespec ts[2] = { d->mtime, d->mtime };
		if (fchmod(fd, d->mode) < 0)
			r = ent_fail(c, e, errno, 1, "cannot set mode %04o", d->mode);
		else if (futimens(fd, ts) < 0)
			r = ent_fail(c, e, errno, 1, "cannot set mtime");
		close(fd);
	}
	free(done.slot);
	return r;
}

/* ---- entries ---- */

/* A read error, named after the layer once (the blob's own checks name it already). */
static int read_fail(struct ctx *c, cb_err *e)
{
	char head[300];
	int n = snprintf(head, sizeof(head), "layer %s: ", c->what);
	if (!strncmp(e->msg, head, (size_t)n))
		return e->errnum > 0 ? -e->errnum : -EINVAL;
	return cb_err_prefix(e, "layer %s", c->what);
}

static int write_contents(struct ctx *c, struct cb_tar *t, int fd, cb_err *e)
{
	struct cb_reader in = cb_tar_contents(t);
	for (;;) {
		ssize_t n = cb_read(&in, c->buf, COPY_BUF, e);
		if (n < 0)
			return read_fail(c, e);
		if (n == 0)
			return 0;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, c->buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return ent_fail(c, e, errno, 1, "write");
			off += w;
		}
	}
}

/* Make room for the new entry: tar replaces what an earlier version left, except that
 * a directory stays a directory when the new entry is one too. Returns 1 to keep. */
static int clear_slot(struct ctx *c, int pfd, const char *name, cb_err *e)
{
	struct stat sb;
	if (fstatat(pfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : ent_fail(c, e, errno, 1, "stat");
	if (S_ISDIR(sb.st_mode) && c->ent->type == CB_TAR_DIR)
		return 1;
	int r = S_ISDIR(sb.st_mode) ? cb_rm_rf_at(pfd, name) : (unlinkat(pfd, name, 0) < 0 ? -errno : 0);
	return r < 0 ? ent_fail(c, e, -r, 1, "cannot replace the existing entry") : 0;
}

static int do_whiteout(struct ctx *c, const char *dir, const char *name, cb_err *e)
{
	int opaque = !strcmp(name, WH_OPAQUE);
	const char *target = name + strlen(WH_PREFIX);
	if (!opaque && (!target[0] || !strncmp(target, WH_PREFIX, strlen(WH_PREFIX)))) {
		/* .wh..wh.* other than the opaque marker: aufs bookkeeping, meaningless here */
		cb_debug("layer %s: skipping '%s'", c->what, c->cur);
		return 0;
	}
	/* ".wh.." and ".wh...": the directory itself or its parent, never a file of it. */
	if (!opaque && (!strcmp(target, ".") || !strcmp(target, "..")))
		return ent_fail(c, e, EPERM, 0, "whiteout of '%s' reaches outside its directory", target);
	if (c->o.whiteouts == CB_WH_DELETE) {
		parent_drop(c); /* what goes may be the kept parent or above it */
		int pfd = open_dir(c, dir, 0, e);
		if (pfd == -ENOENT || pfd == -ENOTDIR)
			return 0; /* nothing below to hide */
		if (pfd < 0)
			return pfd;
		int r = 0;
		if (opaque) {
			r = remove_lower(c, pfd, dir);
		} else {
			char p[CB_TAR_NAME_MAX + 1];
			int n = snprintf(p, sizeof(p), "%s%s%s", dir, dir[0] ? "/" : "", target);
			if (n > 0 && (size_t)n < sizeof(p) && set_has(&c->added, p, (size_t)n))
				cb_debug("layer %s: '%s' whites out this layer's own entry: kept", c->what, c->cur);
			else
				r = cb_rm_rf_at(pfd, target);
		}
		close(pfd);
		return r < 0 ? ent_fail(c, e, -r, 1, "cannot apply whiteout") : 0;
	}
	int pfd = open_dir(c, dir, 1, e);
	if (pfd < 0)
		return pfd;
	int r = 0;
	if (opaque) {
		const char *key = c->o.rootless ? "user.overlay.opaque" : "trusted.overlay.opaque";
		if (fsetxattr(pfd, key, "y", 1, 0) == 0) {
			r = 0;
		} else if (c->o.rootless && (errno == EOPNOTSUPP || errno == ENOTSUP)) {
			/* No user xattrs on this filesystem: the marker file (see unpack.h). */
			int m = openat(pfd, CB_OPAQUE_MARKER, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
			if (m < 0)
				r = ent_fail(c, e, errno, 1, "cannot mark the directory opaque (%s unsupported, marker file)", key);
			else
				close(m);
		} else {
			r = ent_fail(c, e, errno, 1, "cannot mark the directory opaque (%s)", key);
		}
	} else {
		struct stat sb;
		if (fstatat(pfd, target, &sb, AT_SYMLINK_NOFOLLOW) == 0)
			/* the same layer has the file: a whiteout only hides lower layers */
			cb_debug("layer %s: '%s' whites out this layer's own entry: kept", c->what, c->cur);
		else if (mknodat(pfd, target, S_IFCHR | 0, makedev(0, 0)) < 0)
			r = ent_fail(c, e, errno, 1, "cannot create the overlay whiteout");
	}
	close(pfd);
	return r;
}

static int do_hardlink(struct ctx *c, const char *path, int pfd, const char *name, cb_err *e)
{
	char tgt[CB_TAR_NAME_MAX + 1];
	const char *why = clean_path(c->ent->linkpath, tgt);
	if (why || !tgt[0])
		return ent_fail(c, e, EPERM, 0, "hardlink target '%.300s': %s", c->ent->linkpath,
				why ? "target escapes the layer" : "target is the layer root");
	if (!strcmp(tgt, path))
		return 0; /* a link to itself: already there */
	const char *tdir, *tname;
	char tcopy[CB_TAR_NAME_MAX + 1];
	strcpy(tcopy, tgt);
	tname = split(tcopy, &tdir);
	cb_err sub;
	int tfd = open_dir(c, tdir, 0, &sub);
	struct stat sb;
	if (tfd < 0 || fstatat(tfd, tname, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
		if (tfd >= 0)
			close(tfd);
		return ent_fail(c, e, ENOENT, 0, "hardlink target '%.300s' not found in the layer", tgt);
	}
	int r = 0;
	if (S_ISDIR(sb.st_mode))
		r = ent_fail(c, e, EPERM, 0, "hardlink target '%.300s' is a directory", tgt);
	else if ((r = clear_slot(c, pfd, name, e)) >= 0 && linkat(tfd, tname, pfd, name, 0) < 0)
		r = ent_fail(c, e, errno, 1, "cannot link to '%.300s'", tgt);
	close(tfd);
	return r < 0 ? r : 0;
}

static int do_entry(struct ctx *c, struct cb_tar *t, char *path, cb_err *e)
{
	const struct cb_tar_entry *en = c->ent;
	int r = 0, fd = -1, pfd;

	if (!path[0]) { /* the layer root itself ("./") */
		if (en->type != CB_TAR_DIR)
			return ent_fail(c, e, EINVAL, 0, "names the layer root but is not a directory");
		CB_AUTOCLOSE int rfd = fcntl(c->root, F_DUPFD_CLOEXEC, 3);
		if (rfd < 0)
			return ent_fail(c, e, errno, 1, "dup");
		if ((r = finish_fd(c, rfd, 0, e)) < 0)
			return r;
		return record_dir(c, "", e);
	}
	char full[CB_TAR_NAME_MAX + 1];
	strcpy(full, path);
	const char *dir, *name = split(path, &dir);
	if (c->o.whiteouts != CB_WH_NONE && !strncmp(name, WH_PREFIX, strlen(WH_PREFIX)))
		return do_whiteout(c, dir, name, e);

	if ((pfd = parent_dir(c, dir, e)) < 0)
		return pfd;
	if (en->type == CB_TAR_HARDLINK) {
		r = do_hardlink(c, full, pfd, name, e);
		goto added;
	}
	if ((en->type == CB_TAR_CHAR || en->type == CB_TAR_BLOCK) && c->o.rootless) {
		c->st->skipped_devices++;
		return 0;
	}
	/* Files, directories and symlinks are made first and the name cleared only when it
	 * is taken (a stat per entry saved); the rare fifos and devices clear first. */
	if ((en->type == CB_TAR_FIFO || en->type == CB_TAR_CHAR || en->type == CB_TAR_BLOCK) &&
	    (r = clear_slot(c, pfd, name, e)) < 0)
		return r;
	c->fresh = 1;

	switch (en->type) {
	case CB_TAR_REG:
		fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno == EEXIST && (r = clear_slot(c, pfd, name, e)) == 0)
			fd = openat(pfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (r < 0)
			return r;
		if (fd < 0)
			return ent_fail(c, e, errno, 1, "cannot create file");
		if (c->o.contents)
			c->o.contents(c->o.contents_ctx, full, en->size);
		r = write_contents(c, t, fd, e);
		if (r == 0)
			r = finish_fd(c, fd, 1, e);
		close(fd);
		break;
	case CB_TAR_DIR: {
		int made = mkdirat(pfd, name, 0700) == 0;
		if (!made && errno == EEXIST && (r = clear_slot(c, pfd, name, e)) == 0)
			made = mkdirat(pfd, name, 0700) == 0;
		if (r < 0)
			return r;
		if (!made && r != 1) /* 1: a directory is there, and stays */
			return ent_fail(c, e, errno, 1, "cannot create directory");
		c->fresh = made;
		fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return ent_fail(c, e, errno, 1, "cannot open directory");
		r = finish_fd(c, fd, 0, e);
		close(fd);
		if (r == 0)
			r = record_dir(c, full, e);
		break;
	}
	case CB_TAR_FIFO:
		if (mknodat(pfd, name, S_IFIFO | 0600, 0) < 0)
			return ent_fail(c, e, errno, 1, "cannot create fifo");
		/* read-only and non-blocking: opening a fifo so does not wait for a writer */
		fd = openat(pfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return ent_fail(c, e, errno, 1, "cannot open fifo");
		r = finish_fd(c, fd, 1, e);
		close(fd);
		break;
	case CB_TAR_CHAR:
	case CB_TAR_BLOCK: {
		mode_t kind = en->type == CB_TAR_CHAR ? S_IFCHR : S_IFBLK;
		if (mknodat(pfd, name, kind | 0600, makedev(en->devmajor, en->devminor)) < 0) {
			if (errno != EPERM)
				return ent_fail(c, e, errno, 1, "cannot create device node");
			ent_warn(c, "device node not created: %s", strerror(EPERM));
			c->st->skipped_devices++;
			return 0;
		}
		struct timespec ts[2];
		entry_times(en, ts);
		if ((r = set_owner(c, -1, pfd, name, 0, e)) < 0)
			return r;
		set_xattrs(c, -1, pfd, name);
		/* just made by mknodat above, so not a symlink: fchmodat cannot be led astray */
		if (fchmodat(pfd, name, en->mode, 0) < 0 || utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
			return ent_fail(c, e, errno, 1, "cannot set mode or mtime");
		break;
	}
	case CB_TAR_SYMLINK: {
		struct timespec ts[2];
		entry_times(en, ts);
		int made = symlinkat(en->linkpath, pfd, name) == 0;
		if (!made && errno == EEXIST && (r = clear_slot(c, pfd, name, e)) == 0)
			made = symlinkat(en->linkpath, pfd, name) == 0;
		if (r < 0)
			return r;
		if (!made)
			return ent_fail(c, e, errno, 1, "cannot create symlink");
		if ((r = set_owner(c, -1, pfd, name, 1, e)) < 0)
			return r;
		set_xattrs(c, -1, pfd, name);
		if (utimensat(pfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
			return ent_fail(c, e, errno, 1, "cannot set mtime");
		break;
	}
	default:
		return ent_fail(c, e, EINVAL, 0, "unknown entry type %d", (int)en->type);
	}
added:
	if (r < 0)
		return r;
	if (c->o.whiteouts == CB_WH_DELETE && set_put_path(&c->added, full) < 0)
		return cb_fail(e, ENOMEM, "layer %s: out of memory", c->what);
	return 0;
}

int cb_unpack_tar(struct cb_reader *tar, int dirfd, const char *what, const struct cb_unpack_opts *o,
		  struct cb_unpack_stats *st, cb_err *e)
{
	struct cb_unpack_stats dummy = { 0 };
	struct ctx c = { .root = dirfd, .what = what ? what : "?", .st = st ? st : &dummy, .pdir_fd = -1,
			 .euid = geteuid(), .egid = getegid() };
	struct cb_tar *t = NULL;
	const struct cb_tar_entry *en;
	int r;

	if (o)
		c.o = *o;
	if (getentropy(&c.added.key, sizeof(c.added.key)) < 0)
		c.added.key = 0x9e3779b97f4a7c15ULL;
	if (!(c.buf = malloc(COPY_BUF)))
		return cb_fail(e, ENOMEM, "layer %s: out of memory", c.what);
	if ((r = cb_tar_open(tar, &t, e)) < 0)
		goto out;
	char path[CB_TAR_NAME_MAX + 1];
	for (;;) {
		if ((r = cb_tar_next(t, &en, e)) < 0) {
			read_fail(&c, e);
			goto out;
		}
		if (r == 0)
			break;
		c.ent = en;
		c.cur = en->path;
		c.fresh = 0;
		c.st->entries++;
		const char *why = clean_path(en->path, path);
		if (why) {
			r = ent_fail(&c, e, EPERM, 0, "%s", why);
			goto out;
		}
		if ((r = do_entry(&c, t, path, e)) < 0)
			goto out;
	}
	c.ent = NULL;
	r = apply_dirs(&c, e);
out:
	parent_drop(&c);
	cb_tar_free(t);
	for (size_t i = 0; i < c.ndirs; i++)
		free(c.dirs[i].path);
	free(c.dirs);
	free(c.added.slot);
	free(c.buf);
	return r;
}
