/* save.c - docker-archive and oci-archive out of the store.
 *
 * Layers are kept only unpacked, so each layer tar is rebuilt from its tar-split record
 * (tarsplit.c): verbatim header bytes, contents read back from the layer's files. That
 * gives the original stream, so diff_ids, the config and the image ID stay as they were.
 * Layers go into the archive uncompressed, named by diff_id:
 *
 *   docker-archive  <diff hex>.tar, <config hex>.json, manifest.json (as podman/skopeo)
 *   oci-archive     oci-layout, blobs/sha256/ (layers, configs, new manifests listing the
 *                   layers as application/vnd.oci.image.layer.v1.tar), index.json with
 *                   org.opencontainers.image.ref.name = the full name
 */
#include <fcntl.h>
#include <inttypes.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "manifest.h"
#include "save.h"
#include "tarsplit.h"

#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"

static int open_layer_dir(struct cb_store *s, const char *chain_id, const char *sub, cb_err *e)
{
	char path[160];
	if (cb_digest_check(chain_id, "layer", e) < 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "layers/%s%s", cb_digest_hex(chain_id), sub);
	int fd = openat(s->rootfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	return fd >= 0 ? fd : cb_fail_errno(e, errno, "%s/%s", s->root, path);
}

/* A file of the layer, its parents resolved inside the tree as the unpacker did. */
static int open_in_layer(int diff, const char *path)
{
	struct open_how how = {
		.flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	long fd = syscall(SYS_openat2, diff, path, &how, sizeof(how));
	if (fd >= 0 || errno != ENOSYS)
		return (int)fd;
	/* No openat2: walk without following anything (the unpacker refused symlinked
	 * parents then too). */
	char buf[4097];
	snprintf(buf, sizeof(buf), "%s", path);
	int cur = fcntl(diff, F_DUPFD_CLOEXEC, 3);
	char *comp = buf, *slash;
	while (cur >= 0 && (slash = strchr(comp, '/'))) {
		*slash = '\0';
		int next = openat(cur, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(cur);
		cur = next;
		comp = slash + 1;
	}
	if (cur < 0)
		return -1;
	int f = openat(cur, comp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	int saved = errno;
	close(cur);
	errno = saved;
	return f;
}

static int open_record(struct cb_store *s, const char *chain_id, const char *diff_id, int *diff,
		       struct cb_tsplit_play **p, cb_err *e)
{
	int ldir CB_AUTOCLOSE = open_layer_dir(s, chain_id, "", e);
	if (ldir < 0)
		return ldir;
	int r = cb_tsplit_play_open(ldir, CB_TSPLIT_NAME, p, e);
	if (r == -ENOENT)
		return cb_fail(e, ENOENT, "layer %s: no tar-split record (unpacked by an older cbox), so its exact tar "
			       "cannot be rebuilt: remove the image and pull or load it again", diff_id);
	if (r < 0)
		return cb_err_prefix(e, "layer %s", diff_id);
	if ((*diff = open_layer_dir(s, chain_id, "/diff", e)) < 0) {
		cb_tsplit_play_free(*p);
		return *diff;
	}
	return 0;
}

static int file_fail(cb_err *e, int err, const char *diff_id, const char *path, const char *why)
{
	return cb_fail(e, err, "layer %s: file '%.300s' %s since it was unpacked: the layer cannot be rebuilt", diff_id,
		       path, why);
}

int cb_save_layer_size(struct cb_store *s, const char *chain_id, const char *diff_id, uint64_t *size, cb_err *e)
{
	struct cb_tsplit_play *p = NULL;
	struct cb_tsplit_item it;
	int diff CB_AUTOCLOSE = -1;
	int r = open_record(s, chain_id, diff_id, &diff, &p, e);
	uint64_t total = 0;
	while (r >= 0 && (r = cb_tsplit_play_next(p, &it, e)) == 1) {
		struct stat sb;
		if (it.kind == CB_TSPLIT_END) {
			if (it.len != total)
				r = cb_fail(e, EBADMSG, "layer %s: tar-split record inconsistent", diff_id);
			*size = total;
			continue;
		}
		total += it.len;
		if (it.kind != CB_TSPLIT_FILE)
			continue;
		int fd = open_in_layer(diff, it.path);
		if (fd < 0)
			r = file_fail(e, errno, diff_id, it.path, "went away");
		else if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size != it.len)
			r = file_fail(e, EBADMSG, diff_id, it.path, "changed size");
		if (fd >= 0)
			close(fd);
	}
	cb_tsplit_play_free(p);
	return r < 0 ? r : 0;
}

/* Exactly len bytes of fd into the sink and the hash. */
static int copy_file(int fd, uint64_t len, cb_save_sink sink, void *ctx, struct cb_sha256 *h, const char *diff_id,
		     const char *path, cb_err *e)
{
	static char buf[64 * 1024];
	while (len) {
		ssize_t n = read(fd, buf, len < sizeof(buf) ? (size_t)len : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cb_fail_errno(e, errno, "layer %s: reading '%.300s'", diff_id, path);
		if (n == 0)
			return file_fail(e, EBADMSG, diff_id, path, "shrank");
		cb_sha256_update(h, buf, (size_t)n);
		int r = sink(ctx, buf, (size_t)n, e);
		if (r < 0)
			return r;
		len -= (uint64_t)n;
	}
	return 0;
}

int cb_save_layer_stream(struct cb_store *s, const char *chain_id, const char *diff_id, cb_save_sink sink, void *ctx,
			 cb_err *e)
{
	struct cb_tsplit_play *p = NULL;
	struct cb_tsplit_item it;
	struct cb_sha256 h;
	int diff CB_AUTOCLOSE = -1;
	int r = open_record(s, chain_id, diff_id, &diff, &p, e);
	if (r < 0)
		return r;
	cb_sha256_init(&h);
	while (r >= 0 && (r = cb_tsplit_play_next(p, &it, e)) == 1) {
		if (it.kind == CB_TSPLIT_BYTES) {
			cb_sha256_update(&h, it.data, (size_t)it.len);
			r = sink(ctx, it.data, (size_t)it.len, e);
		} else if (it.kind == CB_TSPLIT_FILE) {
			int fd = open_in_layer(diff, it.path);
			r = fd < 0 ? file_fail(e, errno, diff_id, it.path, "went away")
				   : copy_file(fd, it.len, sink, ctx, &h, diff_id, it.path, e);
			if (fd >= 0)
				close(fd);
		}
	}
	cb_tsplit_play_free(p);
	if (r < 0)
		return r;
	char got[CB_DIGEST_LEN + 1];
	cb_sha256_final(&h, got);
	if (strcmp(got, diff_id))
		return cb_fail(e, EBADMSG, "layer %s: the rebuilt tar has digest %s: the layer was modified since it was "
			       "unpacked", diff_id, got);
	return 0;
}

static int tarw_sink(void *ctx, const void *data, size_t len, cb_err *e)
{
	return cb_tarw_write(ctx, data, len, e);
}

int cb_save_layer(struct cb_store *s, const char *chain_id, const char *diff_id, const char *name, uint64_t size,
		  struct cb_tarw *w, cb_err *e)
{
	int r = cb_tarw_header(w, name, size, e);
	if (r == 0)
		r = cb_save_layer_stream(s, chain_id, diff_id, tarw_sink, w, e);
	if (r == 0 && w->left)
		return cb_fail(e, EBADMSG, "layer %s: rebuilt tar shorter than recorded", diff_id);
	return r;
}

/* ---- images ---- */

struct layer {
	char diff_id[CB_DIGEST_LEN + 1], chain_id[CB_DIGEST_LEN + 1];
	uint64_t size;
};

struct image {
	const char *id;
	char *config;
	size_t config_len;
	int *layers; /* indices into the unique layer list */
	int nlayers;
	cJSON *names;
	char *manifest; /* oci: the manifest written for it */
	char manifest_digest[CB_DIGEST_LEN + 1];
};

struct plan {
	struct image *imgs;
	int nimgs;
	struct layer *layers;
	int nlayers;
};

static void plan_free(struct plan *p)
{
	for (int i = 0; i < p->nimgs; i++) {
		free(p->imgs[i].config);
		free(p->imgs[i].layers);
		free(p->imgs[i].manifest);
		cJSON_Delete(p->imgs[i].names);
	}
	free(p->imgs);
	free(p->layers);
}

static int add_layer(struct cb_store *s, struct plan *p, const char *diff_id, const char *chain_id, cb_err *e)
{
	for (int i = 0; i < p->nlayers; i++)
		if (!strcmp(p->layers[i].diff_id, diff_id))
			return i;
	struct layer *nl = realloc(p->layers, sizeof(*nl) * (size_t)(p->nlayers + 1));
	if (!nl)
		return cb_fail(e, ENOMEM, "out of memory");
	p->layers = nl;
	struct layer *l = &nl[p->nlayers];
	snprintf(l->diff_id, sizeof(l->diff_id), "%s", diff_id);
	snprintf(l->chain_id, sizeof(l->chain_id), "%s", chain_id);
	int r = cb_save_layer_size(s, chain_id, diff_id, &l->size, e);
	return r < 0 ? r : p->nlayers++;
}

/* Everything the archive needs, checked before anything is written. */
static int plan_image(struct cb_store *s, struct plan *p, const struct cb_save_image *si, cb_err *e)
{
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(si->img, "id"));
	cJSON *chains = cJSON_GetObjectItem(si->img, "layers");
	struct image *im = NULL;
	for (int i = 0; i < p->nimgs; i++)
		if (id && !strcmp(p->imgs[i].id, id))
			im = &p->imgs[i]; /* named twice: one image, the names merged */
	if (!im) {
		if (!id || cb_digest_check(id, "image id", e) < 0)
			return cb_fail(e, EINVAL, "image index entry without a valid id");
		im = realloc(p->imgs, sizeof(*im) * (size_t)(p->nimgs + 1));
		if (!im)
			return cb_fail(e, ENOMEM, "out of memory");
		p->imgs = im;
		im = &im[p->nimgs++];
		memset(im, 0, sizeof(*im));
		im->id = id;
		im->names = cJSON_CreateArray();
		int r = cb_store_get_blob(s, id, &im->config, &im->config_len, e);
		if (r < 0)
			return cb_err_prefix(e, "image %.19s", id);
		cJSON *cfg = cJSON_Parse(im->config);
		cJSON *diffs = cJSON_GetObjectItem(cJSON_GetObjectItem(cfg, "rootfs"), "diff_ids");
		int n = cJSON_GetArraySize(diffs);
		if (!cJSON_IsArray(diffs) || n != cJSON_GetArraySize(chains)) {
			cJSON_Delete(cfg);
			return cb_fail(e, EINVAL, "image %s: the config's diff_ids do not match its layers", id);
		}
		im->layers = calloc((size_t)n + 1, sizeof(int));
		for (int i = 0; r >= 0 && i < n; i++) {
			const char *d = cJSON_GetStringValue(cJSON_GetArrayItem(diffs, i));
			const char *c = cJSON_GetStringValue(cJSON_GetArrayItem(chains, i));
			if (!im->layers || !d || !c || cb_digest_check(d, "diff_id", e) < 0)
				r = cb_fail(e, EINVAL, "image %s: bad layer %d", id, i);
			else if ((r = add_layer(s, p, d, c, e)) >= 0)
				im->layers[im->nlayers++] = r;
		}
		cJSON_Delete(cfg);
		if (r < 0)
			return r;
	}
	for (int i = 0; i < si->nnames; i++)
		cJSON_AddItemToArray(im->names, cJSON_CreateString(si->names[i]));
	return 0;
}

static int write_json(struct cb_tarw *w, const char *name, cJSON *j, cb_err *e)
{
	char *text = cJSON_PrintUnformatted(j);
	if (!text)
		return cb_fail(e, ENOMEM, "out of memory");
	int r = cb_tarw_file(w, name, text, strlen(text), e);
	free(text);
	return r;
}

static int save_docker(struct cb_store *s, struct plan *p, struct cb_tarw *w, cb_err *e)
{
	char name[100];
	int r = 0;
	for (int i = 0; r == 0 && i < p->nlayers; i++) {
		snprintf(name, sizeof(name), "%s.tar", cb_digest_hex(p->layers[i].diff_id));
		r = cb_save_layer(s, p->layers[i].chain_id, p->layers[i].diff_id, name, p->layers[i].size, w, e);
	}
	cJSON *list = cJSON_CreateArray();
	for (int i = 0; r == 0 && i < p->nimgs; i++) {
		struct image *im = &p->imgs[i];
		snprintf(name, sizeof(name), "%s.json", cb_digest_hex(im->id));
		r = cb_tarw_file(w, name, im->config, im->config_len, e);
		cJSON *o = cJSON_CreateObject(), *tags = cJSON_AddArrayToObject(o, "RepoTags"), *n;
		cJSON_AddStringToObject(o, "Config", name);
		cJSON_ArrayForEach(n, im->names)
			if (!strchr(n->valuestring, '@')) /* RepoTags hold tags only */
				cJSON_AddItemToArray(tags, cJSON_CreateString(n->valuestring));
		cJSON *layers = cJSON_AddArrayToObject(o, "Layers");
		for (int k = 0; k < im->nlayers; k++) {
			snprintf(name, sizeof(name), "%s.tar", cb_digest_hex(p->layers[im->layers[k]].diff_id));
			cJSON_AddItemToArray(layers, cJSON_CreateString(name));
		}
		cJSON_AddItemToArray(list, o);
	}
	if (r == 0)
		r = write_json(w, "manifest.json", list, e);
	cJSON_Delete(list);
	return r;
}

/* The OCI manifest of an image whose layers are the uncompressed tars (digest = diff_id). */
static int oci_manifest(struct plan *p, struct image *im, cb_err *e)
{
	cJSON *m = cJSON_CreateObject();
	cJSON_AddNumberToObject(m, "schemaVersion", 2);
	cJSON_AddStringToObject(m, "mediaType", CB_MT_OCI_MANIFEST);
	cJSON *c = cJSON_AddObjectToObject(m, "config");
	cJSON_AddStringToObject(c, "mediaType", MT_OCI_CONFIG);
	cJSON_AddStringToObject(c, "digest", im->id);
	cJSON_AddNumberToObject(c, "size", (double)im->config_len);
	cJSON *ls = cJSON_AddArrayToObject(m, "layers");
	for (int k = 0; k < im->nlayers; k++) {
		struct layer *l = &p->layers[im->layers[k]];
		cJSON *d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "mediaType", MT_OCI_LAYER);
		cJSON_AddStringToObject(d, "digest", l->diff_id);
		cJSON_AddNumberToObject(d, "size", (double)l->size);
		cJSON_AddItemToArray(ls, d);
	}
	im->manifest = cJSON_PrintUnformatted(m);
	cJSON_Delete(m);
	if (!im->manifest)
		return cb_fail(e, ENOMEM, "out of memory");
	cb_sha256_digest(im->manifest, strlen(im->manifest), im->manifest_digest);
	return 0;
}

static cJSON *index_entry(struct image *im, const char *name)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "mediaType", CB_MT_OCI_MANIFEST);
	cJSON_AddStringToObject(d, "digest", im->manifest_digest);
	cJSON_AddNumberToObject(d, "size", (double)strlen(im->manifest));
	if (name)
		cJSON_AddStringToObject(cJSON_AddObjectToObject(d, "annotations"), "org.opencontainers.image.ref.name",
					name);
	return d;
}

static int save_oci(struct cb_store *s, struct plan *p, struct cb_tarw *w, cb_err *e)
{
	static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
	char name[100];
	int r = cb_tarw_file(w, "oci-layout", layout, strlen(layout), e);
	if (r == 0)
		r = cb_tarw_header(w, "blobs/", CB_TARW_DIR, e);
	if (r == 0)
		r = cb_tarw_header(w, "blobs/sha256/", CB_TARW_DIR, e);
	for (int i = 0; r == 0 && i < p->nlayers; i++) {
		snprintf(name, sizeof(name), "blobs/sha256/%s", cb_digest_hex(p->layers[i].diff_id));
		r = cb_save_layer(s, p->layers[i].chain_id, p->layers[i].diff_id, name, p->layers[i].size, w, e);
	}
	cJSON *index = cJSON_CreateObject(), *ms;
	cJSON_AddNumberToObject(index, "schemaVersion", 2);
	cJSON_AddStringToObject(index, "mediaType", CB_MT_OCI_INDEX);
	ms = cJSON_AddArrayToObject(index, "manifests");
	for (int i = 0; r == 0 && i < p->nimgs; i++) {
		struct image *im = &p->imgs[i];
		snprintf(name, sizeof(name), "blobs/sha256/%s", cb_digest_hex(im->id));
		r = cb_tarw_file(w, name, im->config, im->config_len, e);
		if (r == 0)
			r = oci_manifest(p, im, e);
		if (r == 0) {
			snprintf(name, sizeof(name), "blobs/sha256/%s", cb_digest_hex(im->manifest_digest));
			r = cb_tarw_file(w, name, im->manifest, strlen(im->manifest), e);
		}
		/* one index entry per name, as skopeo and podman write them */
		cJSON *n;
		cJSON_ArrayForEach(n, im->names)
			cJSON_AddItemToArray(ms, index_entry(im, n->valuestring));
		if (!cJSON_GetArraySize(im->names))
			cJSON_AddItemToArray(ms, index_entry(im, NULL));
	}
	if (r == 0)
		r = write_json(w, "index.json", index, e);
	cJSON_Delete(index);
	return r;
}

int cb_save(struct cb_store *s, const struct cb_save_image *imgs, int n, enum cb_save_format f, int fd, cb_err *e)
{
	struct plan p = { 0 };
	struct cb_tarw *w = malloc(sizeof(*w));
	int r = w ? 0 : cb_fail(e, ENOMEM, "out of memory");
	for (int i = 0; r == 0 && i < n; i++)
		r = plan_image(s, &p, &imgs[i], e);
	if (r == 0) {
		cb_tarw_init(w, fd);
		r = f == CB_SAVE_OCI ? save_oci(s, &p, w, e) : save_docker(s, &p, w, e);
	}
	if (r == 0)
		r = cb_tarw_finish(w, e);
	plan_free(&p);
	free(w);
	return r;
}
