/* walk_test.c - cb_walk: pre/post order, symlinks reported and never followed, the
 * companion tree, the depth bound (-ELOOP, no crash) past the descriptor window, and
 * cb_rm_rf_at of trees deeper than the bound. */
#include "cbox.h"
#include "walk.h"
#include "unit.h"
#include "fixture.h"

struct log {
	char text[4096];
	int maxdepth, entries, fds_max;
};

static int count_fds(void)
{
	int n = 0;
	for (int fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

static int record(void *ctx, const struct cb_walk_ent *w, int post)
{
	struct log *l = ctx;
	size_t n = strlen(l->text);
	snprintf(l->text + n, sizeof(l->text) - n, "%s%s%s ", post ? "/" : "", w->path,
		 S_ISLNK(w->st->st_mode) ? "@" : "");
	return 0;
}

static int skip_a(void *ctx, const struct cb_walk_ent *w, int post)
{
	record(ctx, w, post);
	return strcmp(w->path, "a") ? 0 : CB_WALK_SKIP;
}

/* Counts only: for the deep trees. */
static int deep(void *ctx, const struct cb_walk_ent *w, int post)
{
	struct log *l = ctx;
	if (w->depth > l->maxdepth)
		l->maxdepth = w->depth;
	l->entries += !post;
	if (w->depth % 500 == 0) {
		int n = count_fds();
		if (n > l->fds_max)
			l->fds_max = n;
	}
	return 0;
}

/* A chain of n directories named "d" below dir (relative mkdirs: no PATH_MAX). */
static int make_chain(int dir, int n)
{
	int fd = dup(dir);
	for (int i = 0; i < n && fd >= 0; i++) {
		int next = mkdirat(fd, "d", 0755) < 0 ? -1 : openat(fd, "d", O_RDONLY | O_DIRECTORY);
		close(fd);
		fd = next;
	}
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* Copy a tree's shape (directories only) with the companion fd. */
static int shape(void *ctx, const struct cb_walk_ent *w, int post)
{
	(void)ctx;
	if (post || !S_ISDIR(w->st->st_mode))
		return 0;
	if (w->cdirfd < 0)
		return -ENOENT;
	return mkdirat(w->cdirfd, w->name, 0755) < 0 ? -errno : 0;
}

int main(void)
{
	unit_name = "walk";
	fx_init();
	int top = open(fx_dir, O_RDONLY | O_DIRECTORY);
	CHECK(top >= 0);

	/* Order: a directory's pre before its entries, its post after them. */
	CHECK(fx_sh("mkdir -p t/a/b outside/secret && touch t/a/b/f t/a/g outside/secret/x && ln -s ../outside t/link"
		    " && ln -s ../../outside/secret t/a/dirlink") == 0);
	int t = openat(top, "t", O_RDONLY | O_DIRECTORY);
	struct log l = { "", 0, 0, 0 };
	CHECK(cb_walk(t, -1, record, &l, NULL, 0) == 0);
	const char *a = strstr(l.text, "a "), *ab = strstr(l.text, "a/b "), *abf = strstr(l.text, "a/b/f "),
		   *abpost = strstr(l.text, "/a/b "), *apost = strstr(l.text, "/a ");
	CHECK(a && ab && abf && abpost && apost);
	CHECK(a < ab && ab < abf && abf < abpost && abpost < apost);
	CHECK(strstr(l.text, "a/g ") != NULL);
	/* Symlinks: reported as links, never entered. */
	CHECK(strstr(l.text, "link@ ") != NULL);
	CHECK(strstr(l.text, "a/dirlink@ ") != NULL);
	CHECK(strstr(l.text, "secret") == NULL && strstr(l.text, "/x") == NULL);

	/* Skip: no entries below, no post. */
	struct log l2 = { "", 0, 0, 0 };
	CHECK(cb_walk(t, -1, skip_a, &l2, NULL, 0) == 0);
	CHECK(strstr(l2.text, "a ") && !strstr(l2.text, "a/") && !strstr(l2.text, "/a "));

	/* Removal does not follow the links either. */
	CHECK(cb_rm_rf_at(top, "t") == 0);
	CHECK(faccessat(top, "t", F_OK, AT_SYMLINK_NOFOLLOW) < 0);
	CHECK(faccessat(top, "outside/secret/x", F_OK, 0) == 0);
	close(t);

	/* The bound: 4,096 levels walk; deeper ones end with -ELOOP and the path. Far
	 * deeper than the descriptor window, with a companion tree, no crash, few fds. */
	CHECK(mkdirat(top, "deep", 0755) == 0 && mkdirat(top, "copy", 0755) == 0);
	int dp = openat(top, "deep", O_RDONLY | O_DIRECTORY), cp = openat(top, "copy", O_RDONLY | O_DIRECTORY);
	CHECK(make_chain(dp, CB_WALK_MAX_DEPTH) == 0);
	struct log d = { "", 0, 0, 0 };
	int before = count_fds();
	CHECK(cb_walk(dp, -1, deep, &d, NULL, 0) == 0);
	CHECK(d.maxdepth == CB_WALK_MAX_DEPTH && d.entries == CB_WALK_MAX_DEPTH);
	CHECK(d.fds_max <= before + 2 * CB_WALK_OPEN + 4);
	CHECK(count_fds() == before);
	CHECK(cb_walk(dp, cp, shape, NULL, NULL, 0) == 0);
	struct log dc = { "", 0, 0, 0 };
	CHECK(cb_walk(cp, -1, deep, &dc, NULL, 0) == 0 && dc.entries == CB_WALK_MAX_DEPTH);
	CHECK(cb_rm_rf_at(top, "copy") == 0 && faccessat(top, "copy", F_OK, AT_SYMLINK_NOFOLLOW) < 0);

	/* One level more: refused, where names the place. */
	int bottom = dup(dp);
	for (int i = 0; i < CB_WALK_MAX_DEPTH && bottom >= 0; i++) {
		int next = openat(bottom, "d", O_RDONLY | O_DIRECTORY);
		close(bottom);
		bottom = next;
	}
	CHECK(bottom >= 0 && make_chain(bottom, 1000) == 0);
	if (bottom >= 0)
		close(bottom);
	char where[64];
	struct log d2 = { "", 0, 0, 0 };
	CHECK(cb_walk(dp, -1, deep, &d2, where, sizeof(where)) == -ELOOP);
	CHECK(!strncmp(where, "d/d/d/", 6));
	CHECK(count_fds() == before);
	CHECK_STR(cb_walk_strerror(ELOOP), "deeper than 4096 directory levels");

	/* rm -rf of 5,096 levels: everything goes, nothing left over. */
	close(dp);
	CHECK(cb_rm_rf_at(top, "deep") == 0);
	CHECK(faccessat(top, "deep", F_OK, AT_SYMLINK_NOFOLLOW) < 0);
	CHECK(count_fds() == before - 1);

	close(top);
	fx_cleanup();
	return unit_end();
}
