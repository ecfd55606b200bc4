/* store.c - the storage root on disk. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "store.h"
#include "idmap.h"
#include "paths.h"

static const char *const layout[] = { "blobs", "blobs/sha256", "layers", "tmp", "locks", "containers" };

static int default_root(char *out, size_t n, cb_err *e)
{
	const char *why, *root = cb_default_root(&why);
	if (!*root)
		return cb_fail(e, EINVAL, "%s", why);
	snprintf(out, n, "%s", root);
	return 0;
}

int cb_mkdir_p(const char *path, int mode, cb_err *e)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(buf, mode) < 0 && errno != EEXIST)
				return cb_fail_errno(e, errno, "mkdir %s", buf);
			*p = c;
			if (!c)
				return 0;
		}
	}
}

int cb_store_open(struct cb_store *s, const char *root_opt, cb_err *e)
{
	memset(s, 0, sizeof(*s));
	s->rootfd = s->lockfd = -1;
	int r = root_opt ? (snprintf(s->root, sizeof(s->root), "%s", root_opt), 0) : default_root(s->root, sizeof(s->root), e);
	if (r < 0)
		return r;
	if ((r = cb_mkdir_p(s->root, 0700, e)) < 0)
		return cb_err_prefix(e, "storage root %s", s->root);
	s->rootfd = open(s->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0)
		return cb_fail_errno(e, errno, "storage root %s", s->root);
	for (size_t i = 0; i < CB_ARRAY_SIZE(layout); i++)
		if (mkdirat(s->rootfd, layout[i], 0700) < 0 && errno != EEXIST)
			return cb_fail_errno(e, errno, "storage root %s: mkdir %s", s->root, layout[i]);
	cb_debug("store: %s", s->root);
	cb_store_reclaim(s, 0);
	cb_err ie;
	if (cb_idmap_record(s->rootfd, s->root, 0, &ie) < 0)
		cb_warn("%s/storage.json: cannot record the id mapping: %s", s->root, ie.msg);
	return 0;
}

void cb_store_close(struct cb_store *s)
{
	cb_store_index_unlock(s);
	if (s->rootfd >= 0)
		close(s->rootfd);
	s->rootfd = -1;
}

int cb_write_replace(int dirfd, const char *name, const void *data, size_t len, int mode, int sync, cb_err *e)
{
	char tmp[512];
	const char *slash = strrchr(name, '/');
	snprintf(tmp, sizeof(tmp), "%.*s.tmp-%d-%s", slash ? (int)(slash - name + 1) : 0, name, (int)getpid(),
		 slash ? slash + 1 : name);
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return cb_fail_errno(e, errno, "write %s", name);
	const char *p = data;
	size_t left = len;
	while (left) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = errno;
			close(fd);
			unlinkat(dirfd, tmp, 0);
			return cb_fail_errno(e, err, "write %s", name);
		}
		p += n;
		left -= (size_t)n;
	}
	if ((sync && fsync(fd) < 0) || close(fd) < 0) {
		unlinkat(dirfd, tmp, 0);
		return cb_fail_errno(e, errno, "write %s", name);
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		int err = errno;
		unlinkat(dirfd, tmp, 0);
		return cb_fail_errno(e, err, "rename into %s", name);
	}
	if (sync)
		fsync(dirfd);
	return 0;
}

int cb_write_atomic(int dirfd, const char *name, const void *data, size_t len, int mode, cb_err *e)
{
	return cb_write_replace(dirfd, name, data, len, mode, 1, e);
}

ssize_t cb_read_small_at(int dirfd, const char *path, char *buf, size_t n)
{
	size_t got = 0;
	ssize_t k = 0;
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	while (got < n - 1 && (k = read(fd, buf + got, n - 1 - got)) > 0)
		got += (size_t)k;
	close(fd);
	buf[got] = '\0';
	return k < 0 ? -1 : (ssize_t)got;
}

int cb_read_file_at(int dirfd, const char *name, size_t max, char **data, size_t *len, cb_err *e)
{
	int fd CB_AUTOCLOSE = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	if (fd < 0)
		return cb_fail_errno(e, errno, "open %s", name);
	if (fstat(fd, &st) < 0)
		return cb_fail_errno(e, errno, "stat %s", name);
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > max)
		return cb_fail(e, EFBIG, "%s: not a regular file of at most %zu bytes", name, max);
	char *buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return cb_fail(e, ENOMEM, "out of memory reading %s", name);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0) {
			free(buf);
			return cb_fail_errno(e, n < 0 ? errno : EIO, "read %s", name);
		}
		got += (size_t)n;
	}
	buf[got] = '\0';
	*data = buf;
	if (len)
		*len = got;
	return 0;
}

static void blob_path(const char *digest, char *out, size_t n)
{
	snprintf(out, n, "blobs/sha256/%s", cb_digest_hex(digest));
}

int cb_store_put_blob(struct cb_store *s, const char *digest, const void *data, size_t len, cb_err *e)
{
	char got[CB_DIGEST_LEN + 1], path[128];
	if (cb_digest_check(digest, "blob", e) < 0)
		return -EINVAL;
	cb_sha256_digest(data, len, got);
	if (strcmp(got, digest) != 0)
		return cb_fail(e, EIO, "blob %s: digest mismatch (got %s)", digest, got);
	blob_path(digest, path, sizeof(path));
	return cb_write_atomic(s->rootfd, path, data, len, 0600, e);
}

int cb_store_get_blob(struct cb_store *s, const char *digest, char **data, size_t *len, cb_err *e)
{
	char got[CB_DIGEST_LEN + 1], path[128];
	size_t n;
	if (cb_digest_check(digest, "blob", e) < 0)
		return -EINVAL;
	blob_path(digest, path, sizeof(path));
	int r = cb_read_file_at(s->rootfd, path, 64 << 20, data, &n, e);
	if (r < 0)
		return r;
	cb_sha256_digest(*data, n, got);
	if (strcmp(got, digest) != 0) {
		free(*data);
		*data = NULL;
		return cb_fail(e, EIO, "blob %s in the store is corrupt (got %s); run 'cbox system check --repair'", digest, got);
	}
	if (len)
		*len = n;
	return 0;
}

int cb_store_has_blob(struct cb_store *s, const char *digest)
{
	char path[128];
	if (!cb_digest_valid(digest))
		return 0;
	blob_path(digest, path, sizeof(path));
	return faccessat(s->rootfd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int cb_store_has_layer(struct cb_store *s, const char *chainid)
{
	char path[128];
	if (!cb_digest_valid(chainid))
		return 0;
	snprintf(path, sizeof(path), "layers/%s/diff", cb_digest_hex(chainid));
	return faccessat(s->rootfd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

/* ---- tmp/: each entry belongs to the process holding a flock on it ---- */

int cb_store_tmp_make(struct cb_store *s, const char *prefix, char *name, size_t n, cb_err *e)
{
	static unsigned seq;
	char fresh[64];
	for (int tries = 0; tries < 100; tries++) {
		unsigned k = __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED);
		/* Made under a name of its own and locked before it takes its real one: a
		 * reclaimer that meanwhile removes the unlocked ".new-" makes us try again. */
		snprintf(fresh, sizeof(fresh), "tmp/.new-%d-%u", (int)getpid(), k);
		snprintf(name, n, "tmp/%s-%d-%u", prefix, (int)getpid(), k);
		if (mkdirat(s->rootfd, fresh, 0700) < 0 && errno != EEXIST)
			return cb_fail_errno(e, errno, "%s/%s", s->root, fresh);
		int fd = openat(s->rootfd, fresh, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 && renameat(s->rootfd, fresh, s->rootfd, name) == 0)
			return fd;
		if (fd >= 0)
			close(fd);
		unlinkat(s->rootfd, fresh, AT_REMOVEDIR);
	}
	return cb_fail(e, EAGAIN, "%s/tmp: cannot make a directory of our own there", s->root);
}

int cb_store_tmp_claim(int tmpfd, const char *name)
{
	int fd = openat(tmpfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

void cb_store_reclaim(struct cb_store *s, int partials)
{
	int tfd CB_AUTOCLOSE = openat(s->rootfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int dfd = tfd < 0 ? -1 : dup(tfd);
	DIR *d = dfd < 0 ? NULL : fdopendir(dfd);
	struct dirent *de;
	while (d && (de = readdir(d))) {
		size_t len = strlen(de->d_name);
		int partial = len > 8 && !strcmp(de->d_name + len - 8, ".partial");
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || (partial && !partials))
			continue;
		int fd = cb_store_tmp_claim(tfd, de->d_name);
		if (fd < 0)
			continue; /* in use, or gone */
		int r = cb_rm_rf_at(tfd, de->d_name);
		close(fd);
		if (r < 0)
			cb_debug("store: cannot reclaim %s/tmp/%s: %s", s->root, de->d_name, strerror(-r));
		else
			cb_debug("store: reclaimed %s/tmp/%s, left by a process that is gone", s->root, de->d_name);
	}
	if (d)
		closedir(d);
	else if (dfd >= 0)
		close(dfd);
}

int cb_store_layer_begin(struct cb_store *s, char *tmpname, size_t n, int *dirfd, cb_err *e)
{
	char diff[600];
	int lock = cb_store_tmp_make(s, "layer", tmpname, n, e);
	if (lock < 0)
		return lock;
	snprintf(diff, sizeof(diff), "%s/diff", tmpname);
	*dirfd = mkdirat(s->rootfd, diff, 0755) < 0 ? -1 : openat(s->rootfd, diff, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (*dirfd < 0) {
		int r = cb_fail_errno(e, errno, "%s/%s", s->root, diff);
		cb_store_discard(s, tmpname);
		close(lock);
		return r;
	}
	return lock;
}

int cb_store_layer_commit(struct cb_store *s, const char *tmpname, const char *chainid, cb_err *e)
{
	char path[128];
	if (cb_digest_check(chainid, "layer", e) < 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "layers/%s", cb_digest_hex(chainid));
	if (renameat(s->rootfd, tmpname, s->rootfd, path) < 0) {
		if ((errno == EEXIST || errno == ENOTEMPTY) && cb_store_has_layer(s, chainid)) {
			cb_store_discard(s, tmpname);
			return 0;
		}
		return cb_fail_errno(e, errno, "commit layer %s", chainid);
	}
	int dfd = openat(s->rootfd, "layers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}

int cb_store_mountpoints(struct cb_store *s, cb_err *e)
{
	static const char *const dirs[] = { "dev", "proc", "sys", "etc", "run" };
	static const char *const files[] = { "etc/hosts", "etc/hostname", "etc/resolv.conf", "run/.containerenv" };
	char tmp[64];
	struct stat st;
	if (fstatat(s->rootfd, "mountpoints/run/.containerenv", &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (fstatat(s->rootfd, "mountpoints", &st, AT_SYMLINK_NOFOLLOW) == 0) {
		/* An older store's, without /run/.containerenv: added (nothing else changes). */
		mkdirat(s->rootfd, "mountpoints/run", 0755);
		int fd = openat(s->rootfd, "mountpoints/run/.containerenv", O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
		return fd < 0 ? cb_fail_errno(e, errno, "%s/mountpoints/run/.containerenv", s->root) : close(fd);
	}
	/* Made aside and renamed into place: a reader sees all of it or nothing. */
	cb_err ignore;
	int d CB_AUTOCLOSE = cb_store_tmp_make(s, "mountpoints", tmp, sizeof(tmp), &ignore);
	int ok = d >= 0 && fchmod(d, 0755) == 0;
	for (size_t i = 0; ok && i < CB_ARRAY_SIZE(dirs); i++)
		ok = mkdirat(d, dirs[i], 0755) == 0;
	for (size_t i = 0; ok && i < CB_ARRAY_SIZE(files); i++) {
		int fd = openat(d, files[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		ok = fd >= 0 && close(fd) == 0;
	}
	if (ok && renameat(s->rootfd, tmp, s->rootfd, "mountpoints") == 0)
		return 0;
	int err = errno;
	if (d >= 0)
		cb_rm_rf_at(s->rootfd, tmp);
	if (ok && (err == EEXIST || err == ENOTEMPTY))
		return 0; /* another run's, just made */
	return cb_fail_errno(e, err, "%s/mountpoints", s->root);
}

void cb_store_discard(struct cb_store *s, const char *tmpname)
{
	int r = cb_rm_rf_at(s->rootfd, tmpname);
	if (r < 0)
		cb_warn("could not remove %s/%s: %s (cbox system check --repair removes it)", s->root, tmpname,
			strerror(-r));
}

int cb_store_lock_name(struct cb_store *s, const char *name, cb_err *e)
{
	char path[256];
	snprintf(path, sizeof(path), "locks/%s", name);
	int fd = openat(s->rootfd, path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return cb_fail_errno(e, errno, "lock %s/%s", s->root, path);
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			int err = errno;
			close(fd);
			return cb_fail_errno(e, err, "lock %s/%s", s->root, path);
		}
	}
	return fd;
}

int cb_store_index_lock(struct cb_store *s, cb_err *e)
{
	if (s->lockfd >= 0)
		return 0;
	int fd = cb_store_lock_name(s, "index", e);
	if (fd < 0)
		return fd;
	s->lockfd = fd;
	return 0;
}

void cb_store_index_unlock(struct cb_store *s)
{
	if (s->lockfd >= 0)
		close(s->lockfd);
	s->lockfd = -1;
}

int cb_store_index_load(struct cb_store *s, cJSON **index, cb_err *e)
{
	char *text = NULL;
	int r = cb_read_file_at(s->rootfd, "images.json", 64 << 20, &text, NULL, e);
	if (r == -ENOENT) {
		*index = cJSON_CreateObject();
		cJSON_AddItemToObject(*index, "images", cJSON_CreateArray());
		return 0;
	}
	if (r < 0)
		return r;
	*index = cJSON_Parse(text);
	free(text);
	if (!*index || !cJSON_IsArray(cJSON_GetObjectItem(*index, "images"))) {
		cJSON_Delete(*index);
		return cb_fail(e, EINVAL, "%s/images.json is corrupt", s->root);
	}
	return 0;
}

/* An image's names_history, as containers/storage keeps it (podman's NamesHistory): its
 * names now, then the names it had before, each once. */
static void names_history(cJSON *img)
{
	cJSON *hist = cJSON_CreateArray(), *n, *old = cJSON_GetObjectItem(img, "names_history");
	const cJSON *lists[2] = { cJSON_GetObjectItem(img, "names"), old };
	for (int l = 0; l < 2; l++)
		cJSON_ArrayForEach(n, lists[l]) {
			const cJSON *h;
			int seen = 0;
			cJSON_ArrayForEach(h, hist)
				seen |= !strcmp(h->valuestring, n->valuestring ?: "");
			if (cJSON_IsString(n) && !seen && cJSON_GetArraySize(hist) < 64)
				cJSON_AddItemToArray(hist, cJSON_CreateString(n->valuestring));
		}
	if (old)
		cJSON_ReplaceItemInObject(img, "names_history", hist);
	else
		cJSON_AddItemToObject(img, "names_history", hist);
}

int cb_store_index_save(struct cb_store *s, cJSON *index, cb_err *e)
{
	cJSON *img;
	cJSON_ArrayForEach(img, cJSON_GetObjectItem(index, "images"))
		if (CFG_HOUSEKEEPING)
			names_history(img);
	char *text = cJSON_Print(index);
	if (!text)
		return cb_fail(e, ENOMEM, "out of memory");
	int r = cb_write_atomic(s->rootfd, "images.json", text, strlen(text), 0600, e);
	free(text);
	return r;
}

static int has_name(cJSON *img, const char *name)
{
	cJSON *n;
	cJSON_ArrayForEach(n, cJSON_GetObjectItem(img, "names"))
		if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
			return 1;
	return 0;
}

cJSON *cb_index_find(cJSON *index, const char *name_or_id)
{
	cJSON *img, *by_id = NULL;
	size_t n = strlen(name_or_id);
	const char *id = strncmp(name_or_id, "sha256:", 7) == 0 ? name_or_id + 7 : name_or_id;
	int matches = 0;
	cJSON_ArrayForEach(img, cJSON_GetObjectItem(index, "images")) {
		if (has_name(img, name_or_id))
			return img;
		const char *cfg = cJSON_GetStringValue(cJSON_GetObjectItem(img, "id"));
		if (cfg && n >= 3 && strncmp(cfg + 7, id, strlen(id)) == 0) {
			by_id = img;
			matches++;
		}
	}
	return matches == 1 ? by_id : NULL;
}

void cb_index_untag(cJSON *index, const char *name)
{
	cJSON *img;
	cJSON_ArrayForEach(img, cJSON_GetObjectItem(index, "images")) {
		cJSON *names = cJSON_GetObjectItem(img, "names");
		for (int i = cJSON_GetArraySize(names) - 1; i >= 0; i--) {
			cJSON *n = cJSON_GetArrayItem(names, i);
			if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
				cJSON_DeleteItemFromArray(names, i);
		}
	}
}

cJSON *cb_store_read_json(struct cb_store *s, const char *name, size_t max, cb_err *e)
{
	char *text;
	if (cb_read_file_at(s->rootfd, name, max, &text, NULL, e) < 0)
		return NULL;
	cJSON *j = cJSON_Parse(text);
	free(text);
	if (!j)
		cb_fail(e, EINVAL, "%s/%s: not JSON", s->root, name);
	return j;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int cb_store_names(struct cb_store *s, const char *dir, const char *suffix, int (*ok)(const char *), char ***names,
		   int *n, cb_err *e)
{
	*names = NULL;
	*n = 0;
	int fd = openat(s->rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : cb_fail_errno(e, errno, "%s/%s", s->root, dir);
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int cap = 0;
	size_t sl = strlen(suffix);
	while (d && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l <= sl || strcmp(de->d_name + l - sl, suffix))
			continue;
		de->d_name[l - sl] = '\0';
		if (!ok(de->d_name))
			continue;
		if (*n == cap) {
			char **p = realloc(*names, sizeof(*p) * (size_t)(cap = cap ? 2 * cap : 16));
			if (!p)
				break;
			*names = p;
		}
		(*names)[(*n)++] = strdup(de->d_name);
	}
	if (d)
		closedir(d);
	else
		close(fd);
	if (*n)
		qsort(*names, (size_t)*n, sizeof(**names), by_name);
	return 0;
}
