/* image.c - image lookup and presentation helpers shared by the image applets. */
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "image.h"

int cb_image_index_open(struct cb_store *s, struct cb_regconf *rc, int lock, cJSON **index, cb_err *e)
{
	int r = cb_store_open(s, cb_opt_root, e);
	if (r == 0)
		r = cb_regconf_load(rc, e);
	if (r == 0 && lock)
		r = cb_store_index_lock(s, e);
	if (r == 0)
		r = cb_store_index_load(s, index, e);
	return r;
}

static cJSON *find_name(cJSON *index, const struct cb_ref *r, char *matched, size_t mlen)
{
	char name[700];
	cb_ref_format(r, name, sizeof(name));
	cJSON *img = cb_index_find(index, name);
	if (img && matched)
		snprintf(matched, mlen, "%s", name);
	return img;
}

/* A short name as the end of a stored name, at a path boundary, as podman's last try:
 * "foo:1" finds "localhost:5000/foo:1" and "quay.io/x/foo:1". */
static cJSON *find_suffix(cJSON *index, const struct cb_ref *r, char *matched, size_t mlen)
{
	char want[600];
	cJSON *img, *n;
	snprintf(want, sizeof(want), "/%s%s%s%s%s", r->repo, r->tag[0] ? ":" : "", r->tag, r->digest[0] ? "@" : "",
		 r->digest);
	size_t wl = strlen(want);
	cJSON_ArrayForEach(img, cJSON_GetObjectItem(index, "images"))
		cJSON_ArrayForEach(n, cJSON_GetObjectItem(img, "names")) {
			size_t nl = cJSON_IsString(n) ? strlen(n->valuestring) : 0;
			if (nl > wl && !strcmp(n->valuestring + nl - wl, want)) {
				if (matched)
					snprintf(matched, mlen, "%s", n->valuestring);
				return img;
			}
		}
	return NULL;
}

cJSON *cb_image_lookup(cJSON *index, const char *arg, const struct cb_regconf *rc, char *matched, size_t mlen,
		       cb_err *e)
{
	struct cb_ref r;
	cb_err perr;
	cJSON *img = NULL;
	if (cb_ref_parse(arg, &r, &perr) == 0) {
		if (r.registry[0]) {
			img = find_name(index, &r, matched, mlen);
		} else {
			const char **search;
			int n = 0;
			struct cb_ref a = r;
			if (cb_regconf_resolve_short(rc, &a, &search, &n, &perr) == 1)
				img = find_name(index, &a, matched, mlen);
			for (int i = 0; !img && i < n; i++) {
				a = r;
				if (cb_ref_qualify(&a, search[i], &perr) == 0)
					img = find_name(index, &a, matched, mlen);
			}
			a = r;
			if (!img && cb_ref_qualify(&a, "localhost", &perr) == 0)
				img = find_name(index, &a, matched, mlen);
			if (!img)
				img = find_suffix(index, &r, matched, mlen);
		}
	}
	if (!img && strlen(arg) >= 3 && strspn(arg + (strncmp(arg, "sha256:", 7) ? 0 : 7), "0123456789abcdef") ==
						    strlen(arg + (strncmp(arg, "sha256:", 7) ? 0 : 7)))
	{
		img = cb_index_find(index, arg);
		if (img && matched)
			matched[0] = '\0';
	}
	if (!img)
		cb_fail(e, ENOENT, "%s: image not known", arg);
	return img;
}

int cb_index_uses_layer(cJSON *index, const char *hex)
{
	cJSON *img, *l;
	cJSON_ArrayForEach(img, cJSON_GetObjectItem(index, "images"))
		cJSON_ArrayForEach(l, cJSON_GetObjectItem(img, "layers"))
			if (cJSON_IsString(l) && strlen(l->valuestring) == CB_DIGEST_LEN && !strcmp(l->valuestring + 7, hex))
				return 1;
	return 0;
}

int cb_store_gc_layers(struct cb_store *s, cJSON *index)
{
	int fd = openat(s->rootfd, "layers", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int removed = 0;
	while (d && (de = readdir(d))) {
		if (strlen(de->d_name) != 64 || cb_index_uses_layer(index, de->d_name))
			continue;
		char tmp[128];
		/* Out of sight first (rename is atomic), then removed. */
		snprintf(tmp, sizeof(tmp), "tmp/gc-%s", de->d_name);
		char path[128];
		snprintf(path, sizeof(path), "layers/%s", de->d_name);
		/* Locked first: in tmp/ it is ours (see cb_store_tmp_make). */
		int lock = openat(s->rootfd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) == 0 && renameat(s->rootfd, path, s->rootfd, tmp) == 0) {
			cb_debug("gc: layer sha256:%s", de->d_name);
			cb_store_discard(s, tmp);
			removed++;
		}
		if (lock >= 0)
			close(lock);
	}
	if (d)
		closedir(d);
	return removed;
}

void cb_human_size(double b, char *out, size_t n)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	int u = 0;
	while (b >= 1000 && u < 4) {
		b /= 1000;
		u++;
	}
	snprintf(out, n, u ? "%.3g %s" : "%.0f %s", b, units[u]);
}

void cb_human_age(const char *ts, char *out, size_t n)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	if (!ts || !strptime(ts, "%Y-%m-%dT%H:%M:%S", &tm)) {
		snprintf(out, n, "unknown");
		return;
	}
	double s = difftime(time(NULL), timegm(&tm));
	static const struct {
		double secs;
		const char *unit;
	} steps[] = { { 365 * 86400.0, "year" }, { 30 * 86400.0, "month" }, { 7 * 86400.0, "week" },
		      { 86400, "day" }, { 3600, "hour" }, { 60, "minute" }, { 1, "second" } };
	for (size_t i = 0; i < CB_ARRAY_SIZE(steps); i++) {
		long k = (long)(s / steps[i].secs);
		if (k >= 1) {
			snprintf(out, n, "%ld %s%s ago", k, steps[i].unit, k > 1 ? "s" : "");
			return;
		}
	}
	snprintf(out, n, "Less than a second ago");
}

static void set_string(cJSON *o, const char *k, const char *v)
{
	cJSON_DeleteItemFromObject(o, k);
	cJSON_AddStringToObject(o, k, v ? v : "");
}

static void add_unique(cJSON *arr, const char *v)
{
	cJSON *it;
	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it) && !strcmp(it->valuestring, v))
			return;
	cJSON_AddItemToArray(arr, cJSON_CreateString(v));
}

int cb_image_record(struct cb_store *s, const char *name, const char *repo_digest, const char *manifest_digest,
		    const char *config, const struct cb_manifest *m, cb_err *e)
{
	cJSON *index;
	int r = cb_store_index_lock(s, e);
	if (r == 0)
		r = cb_store_index_load(s, &index, e);
	if (r < 0)
		return r;
	if (name)
		cb_index_untag(index, name);
	cJSON *img = NULL, *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(index, "images"))
		if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(it, "id")) ?: "", m->config_digest))
			img = it;
	if (!img) {
		img = cJSON_CreateObject();
		cJSON_AddStringToObject(img, "id", m->config_digest);
		cJSON_AddArrayToObject(img, "names");
		cJSON_AddArrayToObject(img, "repo_digests");
		cJSON_AddItemToArray(cJSON_GetObjectItem(index, "images"), img);
	}
	if (name)
		add_unique(cJSON_GetObjectItem(img, "names"), name);
	if (repo_digest)
		add_unique(cJSON_GetObjectItem(img, "repo_digests"), repo_digest);
	set_string(img, "digest", manifest_digest);
	cJSON_DeleteItemFromObject(img, "layers");
	cJSON *layers = cJSON_AddArrayToObject(img, "layers");
	double size = 0;
	for (int i = 0; i < m->nlayers; i++) {
		cJSON_AddItemToArray(layers, cJSON_CreateString(m->layers[i].chain_id));
		size += (double)(m->layers[i].size > 0 ? m->layers[i].size : 0);
	}
	cJSON *cfg = cJSON_Parse(config);
	const char *os = cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "os"));
	const char *arch = cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "architecture"));
	const char *variant = cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "variant"));
	char plat[100];
	snprintf(plat, sizeof(plat), "%s/%s%s%s", os ? os : "", arch ? arch : "", variant ? "/" : "", variant ? variant : "");
	set_string(img, "created", cJSON_GetStringValue(cJSON_GetObjectItem(cfg, "created")));
	set_string(img, "platform", plat);
	cJSON_DeleteItemFromObject(img, "size");
	cJSON_AddNumberToObject(img, "size", size);
	cJSON_Delete(cfg);
	r = cb_store_index_save(s, index, e);
	cJSON_Delete(index);
	cb_store_index_unlock(s);
	return r;
}
