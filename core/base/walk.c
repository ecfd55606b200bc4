/* walk.c - the one tree walker (see walk.h). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "walk.h"

struct frame {
	int fd, cfd;        /* -1: closed (out of the window) or, for cfd, absent */
	dev_t dev, cdev;    /* to check a reopen through ".." */
	ino_t ino, cino;
	char **names;       /* the directory's entries, read when entered */
	size_t n, next;
	size_t base;        /* length of its parent's path */
	struct stat st;     /* its own lstat, for the post call */
	const char *name;   /* its name in the parent frame (points into the parent's names) */
};

struct walk {
	struct frame *f;
	int depth, cap;     /* frames in use, allocated */
	char *path;
	size_t plen, pcap;
};

/* The names in directory fd (not . and ..), or -errno. */
static int list_names(int fd, struct frame *fr)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	if (!d) {
		int err = errno;
		if (dfd >= 0)
			close(dfd);
		return -err;
	}
	size_t cap = 0;
	struct dirent *de;
	int r = 0;
	while (r == 0 && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (fr->n == cap) {
			char **nv = realloc(fr->names, (cap = cap ? 2 * cap : 8) * sizeof(*nv));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			fr->names = nv;
		}
		if (!(fr->names[fr->n] = strdup(de->d_name)))
			r = -ENOMEM;
		else
			fr->n++;
	}
	closedir(d);
	return r;
}

static void frame_close(struct frame *fr)
{
	if (fr->fd >= 0)
		close(fr->fd);
	if (fr->cfd >= 0)
		close(fr->cfd);
	fr->fd = fr->cfd = -1;
}

static void frame_free(struct frame *fr)
{
	frame_close(fr);
	for (size_t i = 0; i < fr->n; i++)
		free(fr->names[i]);
	free(fr->names);
}

/* The parent of child's directory, reopened through ".." and checked to be the one we
 * came from. */
static int reopen_up(int child, dev_t dev, ino_t ino)
{
	struct stat st;
	int fd = openat(child, "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_dev != dev || st.st_ino != ino) {
		close(fd);
		return -ESTALE;
	}
	return fd;
}

static int path_add(struct walk *w, const char *name)
{
	size_t n = strlen(name), need = w->plen + n + 2;
	if (need > w->pcap) {
		char *np = realloc(w->path, need * 2);
		if (!np)
			return -ENOMEM;
		w->path = np;
		w->pcap = need * 2;
	}
	if (w->plen)
		w->path[w->plen++] = '/';
	memcpy(w->path + w->plen, name, n + 1);
	w->plen += n;
	return 0;
}

static void path_cut(struct walk *w, size_t len)
{
	w->plen = len;
	w->path[len] = '\0';
}

/* Open name (a directory just reported; base: its parent's path length) as a new frame
 * on top. */
static int push(struct walk *w, const char *name, const struct stat *st, size_t base)
{
	if (w->depth == w->cap) {
		struct frame *nf = realloc(w->f, (size_t)(w->cap *= 2) * sizeof(*nf));
		if (!nf)
			return -ENOMEM;
		w->f = nf;
	}
	struct frame *top = &w->f[w->depth - 1], *fr = &w->f[w->depth];
	struct stat sb;
	memset(fr, 0, sizeof(*fr));
	fr->cfd = -1;
	fr->fd = openat(top->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fr->fd < 0 || fstat(fr->fd, &sb) < 0)
		return fr->fd < 0 ? -errno : (close(fr->fd), -errno);
	fr->dev = sb.st_dev;
	fr->ino = sb.st_ino;
	if (top->cfd >= 0) {
		fr->cfd = openat(top->cfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fr->cfd < 0 && errno != ENOENT) {
			int err = errno;
			frame_free(fr);
			return -err;
		}
		if (fr->cfd >= 0 && fstat(fr->cfd, &sb) == 0) {
			fr->cdev = sb.st_dev;
			fr->cino = sb.st_ino;
		}
	}
	int r = list_names(fr->fd, fr);
	if (r < 0) {
		frame_free(fr);
		return r;
	}
	fr->st = *st;
	fr->name = name;
	fr->base = base;
	w->depth++;
	/* The window: frames far above the top need no descriptor until we return to them. */
	if (w->depth > CB_WALK_OPEN + 1)
		frame_close(&w->f[w->depth - 1 - CB_WALK_OPEN]);
	return 0;
}

/* Leave the top frame: reopen its parent if the window closed it, then report it. */
static int pop(struct walk *w, cb_walk_fn fn, void *ctx)
{
	struct frame *fr = &w->f[w->depth - 1], *up = &w->f[w->depth - 2];
	int r = 0;
	if (up->fd < 0 && (up->fd = reopen_up(fr->fd, up->dev, up->ino)) < 0)
		r = up->fd;
	if (r == 0 && up->cfd < 0 && fr->cfd >= 0 && (up->cfd = reopen_up(fr->cfd, up->cdev, up->cino)) < 0)
		r = up->cfd;
	struct stat st = fr->st;
	const char *name = fr->name;
	size_t base = fr->base;
	frame_free(fr);
	w->depth--;
	if (r < 0)
		return r;
	struct cb_walk_ent ent = { up->fd, up->cfd, name, w->path, &st, w->depth, w->f[0].fd };
	r = fn(ctx, &ent, 1);
	if (r >= 0)
		path_cut(w, base);
	return r < 0 ? r : 0;
}

static int step(struct walk *w, cb_walk_fn fn, void *ctx)
{
	struct frame *top = &w->f[w->depth - 1];
	const char *name = top->names[top->next++];
	struct stat st;
	size_t len = w->plen;
	int r = path_add(w, name);
	if (r < 0 || w->depth > CB_WALK_MAX_DEPTH)
		return r < 0 ? r : -ELOOP;
	if (fstatat(top->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		r = errno == ENOENT ? 0 : -errno; /* gone since the listing: nothing to do */
		goto out;
	}
	struct cb_walk_ent ent = { top->fd, top->cfd, name, w->path, &st, w->depth, w->f[0].fd };
	r = fn(ctx, &ent, 0);
	if (r < 0 || r == CB_WALK_SKIP || !S_ISDIR(st.st_mode)) {
		r = r < 0 ? r : 0;
		goto out;
	}
	r = push(w, name, &st, len);
	if (r == 0)
		return 0; /* the path stays: it is the new frame's */
out:
	if (r == 0)
		path_cut(w, len);
	return r;
}

int cb_walk(int dirfd, int cdirfd, cb_walk_fn fn, void *ctx, char *where, size_t wn)
{
	struct walk w = { calloc(16, sizeof(struct frame)), 1, 16, malloc(256), 0, 256 };
	int r = w.f && w.path ? 0 : -ENOMEM;
	if (r == 0) {
		w.path[0] = '\0';
		w.f[0].cfd = cdirfd >= 0 ? fcntl(cdirfd, F_DUPFD_CLOEXEC, 3) : -1;
		w.f[0].fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
		r = w.f[0].fd < 0 ? -errno : list_names(w.f[0].fd, &w.f[0]);
	}
	while (r == 0) {
		struct frame *top = &w.f[w.depth - 1];
		if (top->next < top->n)
			r = step(&w, fn, ctx);
		else if (w.depth > 1)
			r = pop(&w, fn, ctx);
		else
			break;
	}
	if (where && wn)
		snprintf(where, wn, "%s", r < 0 && w.path ? w.path : "");
	for (int i = w.f ? w.depth - 1 : -1; i >= 0; i--)
		frame_free(&w.f[i]);
	free(w.f);
	free(w.path);
	return r;
}

const char *cb_walk_strerror(int err)
{
	if (err == ELOOP)
		return "deeper than 4096 directory levels";
	if (err == ESTALE)
		return "moved while it was walked";
	return strerror(err);
}

/* ---- removal ---- */

struct rm {
	int err;            /* the first failure; the rest is removed anyway */
	unsigned seq;       /* names for directories moved up from the depth limit */
	int again;          /* some were: another pass */
};

static int rm_one(void *ctx, const struct cb_walk_ent *w, int post)
{
	struct rm *rm = ctx;
	int r = 0;
	if (post) {
		r = unlinkat(w->dirfd, w->name, AT_REMOVEDIR);
	} else if (!S_ISDIR(w->st->st_mode)) {
		r = unlinkat(w->dirfd, w->name, 0);
	} else if (w->depth >= CB_WALK_MAX_DEPTH) {
		/* Deeper than a walk goes: moved up to the start, removed by the next pass. */
		char name[32];
		for (int tries = 0; tries < 100; tries++) {
			snprintf(name, sizeof(name), ".cbox-deep-%u", rm->seq++);
			if ((r = renameat(w->dirfd, w->name, w->rootfd, name)) == 0 || (errno != EEXIST && errno != ENOTEMPTY))
				break;
		}
		if (r < 0 && !rm->err)
			rm->err = -errno;
		rm->again |= r == 0;
		return CB_WALK_SKIP;
	} else if ((w->st->st_mode & 0700) != 0700) {
		/* A directory whose mode forbids us (e.g. 0555 from an image) still goes. */
		int fd = openat(w->dirfd, w->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			fchmod(fd, w->st->st_mode | 0700);
			close(fd);
		}
	}
	if (r < 0 && errno != ENOENT && !rm->err)
		rm->err = -errno;
	return 0;
}

int cb_rm_rf_at(int dirfd, const char *name)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if ((st.st_mode & 0700) != 0700)
		fchmod(fd, st.st_mode | 0700);
	struct rm rm = { 0, 0, 1 };
	int r = 0;
	while (r == 0 && rm.again) {
		rm.again = 0;
		r = cb_walk(fd, -1, rm_one, &rm, NULL, 0);
	}
	close(fd);
	if (r == 0)
		r = rm.err;
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && !r)
		r = -errno;
	return r;
}

static int add_size(void *ctx, const struct cb_walk_ent *w, int post)
{
	if (!post && S_ISREG(w->st->st_mode))
		*(double *)ctx += (double)w->st->st_size;
	return 0;
}

double cb_tree_size(int dirfd, const char *path)
{
	double n = 0;
	int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		cb_walk(fd, -1, add_size, &n, NULL, 0);
		close(fd);
	}
	return n;
}

struct owner {
	uid_t uid;
	gid_t gid;
};

static int chown_one(void *ctx, const struct cb_walk_ent *w, int post)
{
	const struct owner *o = ctx;
	if (post)
		return 0;
	return fchownat(w->dirfd, w->name, o->uid, o->gid, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

int cb_chown_tree_at(int dirfd, const char *path, uid_t uid, gid_t gid)
{
	struct owner o = { uid, gid };
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat st;
	int r = fchown(fd, uid, gid) < 0 || fstat(fd, &st) < 0 ? -errno : 0;
	if (r == 0 && S_ISDIR(st.st_mode))
		r = cb_walk(fd, -1, chown_one, &o, NULL, 0);
	close(fd);
	return r;
}
