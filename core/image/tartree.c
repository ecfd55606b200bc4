/* tartree.c - a file or a directory tree as tar entries (export, commit, cp), walked
 * by cb_walk: iterative, bounded, never following a symlink. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "tar.h"
#include "tarw.h"
#include "walk.h"

struct link {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct tree {
	struct cb_tarw *w;
	const struct cb_tartree_opts *o;
	dev_t dev;          /* the start's filesystem (one_fs) */
	struct link *links; /* files with more than one link, first path seen */
	size_t nlinks, cap;
	cb_err *e;
	char name[CB_TAR_NAME_MAX + 2];
};

/* The archive name of a path below the start: NAME/PATH. */
static int arc_name(struct tree *t, const char *path, int dir)
{
	const char *base = t->o->name;
	int n = snprintf(t->name, sizeof(t->name), "%s%s%s%s", base, base[0] && path[0] ? "/" : "", path,
			 dir ? "/" : "");
	if (n < 0 || (size_t)n >= sizeof(t->name) - 1)
		return cb_fail(t->e, ENAMETOOLONG, "%s: name too long for the archive", path);
	return 0;
}

static int contents(struct tree *t, int dirfd, const char *name, uint64_t size)
{
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return cb_fail_errno(t->e, errno, "%s", t->name);
	char buf[65536];
	int r = 0;
	while (r == 0 && size) {
		ssize_t n = read(fd, buf, size < sizeof(buf) ? size : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = cb_fail_errno(t->e, errno, "%s", t->name);
			break;
		}
		if (n == 0) /* shrunk while we read: the header promised size bytes */
			n = (ssize_t)(size < sizeof(buf) ? size : sizeof(buf)), memset(buf, 0, (size_t)n);
		r = cb_tarw_write(t->w, buf, (size_t)n, t->e);
		size -= (uint64_t)n;
	}
	close(fd);
	return r;
}

/* A hard link to a file already written, or 0 (then remembered). */
static const char *link_seen(struct tree *t, const struct stat *st)
{
	for (size_t i = 0; i < t->nlinks; i++)
		if (t->links[i].dev == st->st_dev && t->links[i].ino == st->st_ino)
			return t->links[i].path;
	if (t->nlinks == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		void *p = realloc(t->links, cap * sizeof(*t->links));
		if (!p)
			return NULL;
		t->links = p;
		t->cap = cap;
	}
	char *copy = strdup(t->name);
	if (copy)
		t->links[t->nlinks++] = (struct link){ st->st_dev, st->st_ino, copy };
	return NULL;
}

static int opaque(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char v[2] = "";
	int yes = fd >= 0 && (fgetxattr(fd, "trusted.overlay.opaque", v, 1) == 1 ||
			      fgetxattr(fd, "user.overlay.opaque", v, 1) == 1) && v[0] == 'y';
	if (fd >= 0)
		close(fd);
	return yes;
}

static int one(struct tree *t, int dirfd, const char *name, const char *path, const struct stat *st)
{
	struct cb_tar_entry en = { .path = t->name, .linkpath = "", .mode = st->st_mode & 07777,
				   .uid = st->st_uid, .gid = st->st_gid, .mtime = st->st_mtim.tv_sec };
	char target[CB_TAR_NAME_MAX + 1];
	int dir = S_ISDIR(st->st_mode), r = arc_name(t, path, dir);
	if (r < 0)
		return r;
	if (t->o->whiteouts && S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0)) {
		const char *slash = strrchr(t->name, '/');
		size_t dl = slash ? (size_t)(slash - t->name) + 1 : 0;
		char wh[CB_TAR_NAME_MAX + 8];
		snprintf(wh, sizeof(wh), "%.*s.wh.%s", (int)dl, t->name, t->name + dl);
		en.path = wh;
		en.type = CB_TAR_REG;
		return cb_tarw_entry(t->w, &en, t->e);
	}
	if (dir) {
		en.type = CB_TAR_DIR;
	} else if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);
		if (n < 0)
			return cb_fail_errno(t->e, errno, "%s", t->name);
		target[n] = '\0';
		en.type = CB_TAR_SYMLINK;
		en.linkpath = target;
	} else if (S_ISREG(st->st_mode)) {
		const char *first = st->st_nlink > 1 ? link_seen(t, st) : NULL;
		en.type = first ? CB_TAR_HARDLINK : CB_TAR_REG;
		en.linkpath = first ? first : "";
		en.size = first ? 0 : (uint64_t)st->st_size;
	} else if (S_ISFIFO(st->st_mode) || S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		en.type = S_ISFIFO(st->st_mode) ? CB_TAR_FIFO : S_ISCHR(st->st_mode) ? CB_TAR_CHAR : CB_TAR_BLOCK;
		en.devmajor = major(st->st_rdev);
		en.devminor = minor(st->st_rdev);
	} else {
		return 0; /* sockets: not archived */
	}
	r = cb_tarw_entry(t->w, &en, t->e);
	if (r == 0 && en.type == CB_TAR_REG && en.size)
		r = contents(t, dirfd, name, en.size);
	if (r == 0 && dir && t->o->whiteouts && opaque(dirfd, name)) {
		char opq[CB_TAR_NAME_MAX + 16];
		snprintf(opq, sizeof(opq), "%s.wh..wh..opq", t->name);
		struct cb_tar_entry o = { .type = CB_TAR_REG, .path = opq, .linkpath = "", .mode = 0600 };
		r = cb_tarw_entry(t->w, &o, t->e);
	}
	return r;
}

static int tree_fn(void *ctx, const struct cb_walk_ent *w, int post)
{
	struct tree *t = ctx;
	if (post)
		return 0;
	int r = one(t, w->dirfd, w->name, w->path, w->st);
	if (r == 0 && S_ISDIR(w->st->st_mode) && t->o->one_fs && w->st->st_dev != t->dev)
		return CB_WALK_SKIP;
	return r;
}

int cb_tartree(struct cb_tarw *w, int dirfd, const char *name, const struct cb_tartree_opts *o, cb_err *e)
{
	struct tree t = { .w = w, .o = o, .e = e };
	struct stat st;
	const char *at = name[0] ? name : ".";
	if (fstatat(dirfd, at, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return cb_fail_errno(e, errno, "%s", o->name[0] ? o->name : at);
	t.dev = st.st_dev;
	int r = 0;
	if (o->name[0]) { /* the start itself, named */
		struct cb_tartree_opts top = *o;
		top.name = "";
		t.o = &top;
		snprintf(t.name, sizeof(t.name), "%s", o->name);
		if ((r = arc_name(&t, o->name, S_ISDIR(st.st_mode))) == 0)
			r = one(&t, dirfd, at, o->name, &st);
		t.o = o;
	}
	int fd = r == 0 && S_ISDIR(st.st_mode) && !o->alone ? openat(dirfd, at, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -2;
	if (fd == -1)
		r = cb_fail_errno(e, errno, "%s", at);
	if (fd >= 0) {
		char where[512] = "";
		e->msg[0] = '\0';
		r = cb_walk(fd, -1, tree_fn, &t, where, sizeof(where));
		if (r < 0 && !e->msg[0])
			cb_fail(e, -r, "%s: %s", where, cb_walk_strerror(r));
		close(fd);
	}
	for (size_t i = 0; i < t.nlinks; i++)
		free(t.links[i].path);
	free(t.links);
	return r;
}

int cb_tarw_pipe(cb_tarw_fill fill, void *ctx, pid_t *child, cb_err *e)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return cb_fail_errno(e, errno, "pipe");
	*child = fork();
	if (*child < 0) {
		close(p[0]);
		close(p[1]);
		return cb_fail_errno(e, errno, "fork");
	}
	if (*child == 0) {
		static struct cb_tarw w;
		close(p[0]);
		cb_tarw_init(&w, p[1]);
		int r = fill(&w, ctx, e);
		if (r == 0)
			r = cb_tarw_finish(&w, e);
		if (r < 0)
			cb_log(CB_LOG_ERROR, "%s", e->msg);
		_exit(r < 0 ? 1 : 0);
	}
	close(p[1]);
	return p[0];
}

struct tree_args {
	int dirfd;
	const char *name;
	const struct cb_tartree_opts *o;
};

static int fill_tree(struct cb_tarw *w, void *ctx, cb_err *e)
{
	struct tree_args *a = ctx;
	return cb_tartree(w, a->dirfd, a->name, a->o, e);
}

int cb_tartree_pipe(int dirfd, const char *name, const struct cb_tartree_opts *o, pid_t *child, cb_err *e)
{
	struct tree_args a = { dirfd, name, o };
	return cb_tarw_pipe(fill_tree, &a, child, e);
}
