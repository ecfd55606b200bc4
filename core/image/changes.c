/* changes.c - a container's changes against its image (see changes.h). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cjson/cJSON.h>

#include "changes.h"
#include "driver.h"
#include "mount.h"
#include "tar.h"

struct list {
	int lowerfd; /* overlay: the image's layers, mounted */
	int deleted; /* vfs, second walk: what the image has and the container not */
	struct cb_change *ch;
	size_t n, cap;
};

static int add(struct list *l, char kind, const char *path)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct cb_change *p = realloc(l->ch, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		l->ch = p;
		l->cap = cap;
	}
	if (!(l->ch[l->n].path = strdup(path)))
		return -ENOMEM;
	l->ch[l->n++].kind = kind;
	return 0;
}

/* overlay: every entry of the upper dir; a whiteout is a deletion, the rest is new
 * unless the image has the path. */
static int upper_fn(void *ctx, const struct cb_walk_ent *w, int post)
{
	struct list *l = ctx;
	if (post)
		return 0;
	char kind = 'A';
	if (S_ISCHR(w->st->st_mode) && w->st->st_rdev == makedev(0, 0)) {
		kind = 'D';
	} else {
		int fd = cb_open_in(l->lowerfd, w->path, O_PATH | O_NOFOLLOW);
		if (fd >= 0) {
			kind = 'C';
			close(fd);
		}
	}
	return add(l, kind, w->path);
}

/* vfs: the container's tree beside the image's (the companion). */
static int same(int afd, const char *name, const struct stat *a, int bfd)
{
	struct stat b;
	if (bfd < 0 || fstatat(bfd, name, &b, AT_SYMLINK_NOFOLLOW) < 0)
		return -1; /* not there */
	if ((a->st_mode ^ b.st_mode) & (S_IFMT | 07777) || a->st_uid != b.st_uid || a->st_gid != b.st_gid ||
	    a->st_mtim.tv_sec != b.st_mtim.tv_sec || a->st_mtim.tv_nsec != b.st_mtim.tv_nsec ||
	    (!S_ISDIR(a->st_mode) && a->st_size != b.st_size) || a->st_rdev != b.st_rdev)
		return 0;
	if (S_ISLNK(a->st_mode)) {
		char x[4096], y[4096];
		ssize_t nx = readlinkat(afd, name, x, sizeof(x)), ny = readlinkat(bfd, name, y, sizeof(y));
		return nx == ny && nx >= 0 && !memcmp(x, y, (size_t)nx);
	}
	return 1;
}

/* What run makes in a vfs root to mount on (on overlay: the store's mountpoints/ layer,
 * below the upper dir): no change of the container's. */
static int mount_point(const char *path)
{
	static const char *const made[] = { "dev", "proc", "sys", "etc/hosts", "etc/hostname", "etc/resolv.conf",
					    "run", "run/.containerenv" };
	for (size_t i = 0; i < CB_ARRAY_SIZE(made); i++)
		if (!strcmp(path, made[i]))
			return 1;
	return 0;
}

static int tree_fn(void *ctx, const struct cb_walk_ent *w, int post)
{
	struct list *l = ctx;
	if (post)
		return 0;
	int k = same(w->dirfd, w->name, w->st, w->cdirfd);
	if (l->deleted) /* a whole tree gone is one deletion */
		return k >= 0 ? 0 : add(l, 'D', w->path) < 0 ? -ENOMEM : CB_WALK_SKIP;
	return k > 0 || (k < 0 && mount_point(w->path)) ? 0 : add(l, k < 0 ? 'A' : 'C', w->path);
}

/* vfs: the image's layers applied to a tmp/ directory, as run made the container's. */
static int image_copy(struct cb_store *s, const struct cb_ctrfs *c, char *tmp, size_t n, int *lock, cb_err *e)
{
	cJSON *index;
	int r = cb_store_index_load(s, &index, e);
	if (r < 0)
		return r;
	cJSON *img = cb_index_find(index, c->image_id), *l;
	*lock = img ? cb_store_tmp_make(s, "changes", tmp, n, e)
		    : cb_fail(e, ENOENT, "container %.12s: its image %s is gone", c->id, c->image_id);
	int fd = *lock < 0 ? *lock : openat(s->rootfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cJSON *layers = cJSON_GetObjectItem(img, "layers");
	cJSON_ArrayForEach(l, layers) {
		char path[128];
		snprintf(path, sizeof(path), "layers/%s/diff", cb_digest_valid(l->valuestring) ? cb_digest_hex(l->valuestring) : "-");
		int lfd = fd < 0 ? -1 : openat(s->rootfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = lfd < 0 ? cb_fail_errno(e, errno, "layer %s", l->valuestring) : cb_vfs_apply(lfd, fd, l->valuestring, e);
		if (lfd >= 0)
			close(lfd);
		if (r < 0) {
			close(fd);
			fd = r;
			break;
		}
	}
	cJSON_Delete(index);
	return fd;
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct cb_change *)a)->path, ((const struct cb_change *)b)->path);
}

int cb_changes(struct cb_store *s, const struct cb_ctrfs *c, struct cb_change **out, size_t *n, cb_err *e)
{
	struct list l = { .lowerfd = -1 };
	char where[512] = "", tmp[128] = "";
	e->msg[0] = '\0';
	int r, lock = -1, top = -1;
	if (c->upperfd >= 0) {
		l.lowerfd = cb_ctrfs_image_root(s, c, e);
		top = openat(c->upperfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = l.lowerfd < 0 ? l.lowerfd : top < 0 ? cb_fail_errno(e, errno, "its upper dir") : 0;
		if (r == 0 && (r = cb_walk(top, -1, upper_fn, &l, where, sizeof(where))) < 0)
			cb_fail(e, -r, "%s: %s", where, cb_walk_strerror(r));
	} else if (!c->image_id[0] || c->rootfd < 0) {
		r = cb_fail(e, ENOTSUP, "container %.12s: a --rootfs container has no image to compare with", c->id);
	} else {
		l.lowerfd = image_copy(s, c, tmp, sizeof(tmp), &lock, e);
		top = openat(c->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		r = l.lowerfd < 0 ? l.lowerfd : top < 0 ? cb_fail_errno(e, errno, "its root") : 0;
		if (r == 0)
			r = cb_walk(top, l.lowerfd, tree_fn, &l, where, sizeof(where));
		l.deleted = 1;
		if (r == 0)
			r = cb_walk(l.lowerfd, top, tree_fn, &l, where, sizeof(where));
		if (r < 0 && !e->msg[0])
			cb_fail(e, -r, "%s: %s", where, cb_walk_strerror(r));
	}
	if (top >= 0)
		close(top);
	if (l.lowerfd >= 0)
		close(l.lowerfd);
	if (lock >= 0) {
		cb_rm_rf_at(s->rootfd, tmp);
		close(lock);
	}
	if (r < 0) {
		cb_changes_free(l.ch, l.n);
		return r;
	}
	qsort(l.ch, l.n, sizeof(*l.ch), by_path);
	*out = l.ch;
	*n = l.n;
	return 0;
}

int cb_changes_tar(struct cb_tarw *w, int rootfd, const struct cb_change *ch, size_t n, cb_err *e)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < n; i++) {
		char name[4096], wh[4200];
		int pfd;
		if ((r = cb_ctrfs_parent(rootfd, ch[i].path, &pfd, name, sizeof(name), e)) < 0)
			break;
		if (ch[i].kind == 'D') {
			const char *slash = strrchr(ch[i].path, '/');
			snprintf(wh, sizeof(wh), "%.*s.wh.%s", slash ? (int)(slash - ch[i].path) + 1 : 0, ch[i].path, name);
			struct cb_tar_entry en = { .type = CB_TAR_REG, .path = wh, .linkpath = "", .mode = 0600 };
			r = cb_tarw_entry(w, &en, e);
		} else {
			struct cb_tartree_opts o = { .name = ch[i].path, .alone = 1 };
			r = cb_tartree(w, pfd, name, &o, e);
		}
		close(pfd);
	}
	return r;
}

void cb_changes_free(struct cb_change *ch, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ch[i].path);
	free(ch);
}
