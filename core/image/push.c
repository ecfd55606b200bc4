/* push.c - an image from the store to a registry: each layer's tar rebuilt from its
 * tar-split record (as save does) and gzipped into a temporary file, then config and
 * manifest. A blob the registry has (HEAD) is not sent again; the rest go up in one
 * piece (POST, then PUT ?digest=). gzip is deterministic here (no name, no time), so a
 * layer pushed twice has one digest and the second push skips it. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <zlib.h>

#include "manifest.h"
#include "progress.h"
#include "push.h"
#include "ref.h"
#include "regconf.h"
#include "registry.h"
#include "save.h"

#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER_GZ "application/vnd.oci.image.layer.v1.tar+gzip"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_LAYER_GZ "application/vnd.docker.image.rootfs.diff.tar.gzip"

/* A layer on its way into a temporary file: deflated, and hashed as it is written. */
struct gz {
	z_stream z;
	int fd;
	struct cb_sha256 h;
	long long size;
	unsigned char out[64 * 1024];
};

static int gz_flush(struct gz *g, int flush, cb_err *e)
{
	int zr;
	do {
		g->z.next_out = g->out;
		g->z.avail_out = sizeof(g->out);
		zr = deflate(&g->z, flush);
		if (zr == Z_STREAM_ERROR)
			return cb_fail(e, EIO, "gzip: deflate failed");
		size_t n = sizeof(g->out) - g->z.avail_out;
		cb_sha256_update(&g->h, g->out, n);
		for (size_t off = 0; off < n;) {
			ssize_t w = write(g->fd, g->out + off, n - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return cb_fail_errno(e, errno, "writing the compressed layer");
			off += (size_t)w;
		}
		g->size += (long long)n;
	} while (g->z.avail_out == 0 || (flush == Z_FINISH && zr != Z_STREAM_END));
	return 0;
}

static int gz_sink(void *ctx, const void *data, size_t len, cb_err *e)
{
	struct gz *g = ctx;
	g->z.next_in = (Bytef *)data;
	g->z.avail_in = (uInt)len;
	return gz_flush(g, Z_NO_FLUSH, e);
}

/* A file that goes away with its fd: O_TMPFILE in the store's tmp/, else a memfd. */
static int scratch_file(struct cb_store *s, cb_err *e)
{
	int fd = openat(s->rootfd, "tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		fd = memfd_create("cbox-push", MFD_CLOEXEC);
	return fd >= 0 ? fd : cb_fail_errno(e, errno, "%s/tmp: a scratch file for the layer", s->root);
}

struct blob {
	char digest[CB_DIGEST_LEN + 1];
	long long size;
	int fd;
};

static int gzip_layer(struct cb_store *s, const char *chain_id, const char *diff_id, struct blob *b, cb_err *e)
{
	struct gz *g = calloc(1, sizeof(*g));
	if (!g)
		return cb_fail(e, ENOMEM, "out of memory");
	/* windowBits 16+15: a gzip wrapper whose header has no name and time 0. */
	if (deflateInit2(&g->z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(g);
		return cb_fail(e, ENOMEM, "gzip: out of memory");
	}
	cb_sha256_init(&g->h);
	int r = g->fd = scratch_file(s, e);
	if (r >= 0)
		r = cb_save_layer_stream(s, chain_id, diff_id, gz_sink, g, e);
	if (r >= 0)
		r = gz_flush(g, Z_FINISH, e);
	deflateEnd(&g->z);
	if (r >= 0) {
		cb_sha256_final(&g->h, b->digest);
		b->size = g->size;
		b->fd = g->fd;
	} else if (g->fd >= 0) {
		close(g->fd);
	}
	free(g);
	return r < 0 ? r : 0;
}

static int send_blob(struct cb_registry *reg, const char *repo, struct blob *b, const void *mem, cb_err *e)
{
	void *map = NULL;
	if (!mem && b->size > 0) {
		map = mmap(NULL, (size_t)b->size, PROT_READ, MAP_PRIVATE, b->fd, 0);
		if (map == MAP_FAILED)
			return cb_fail_errno(e, errno, "reading the compressed layer back");
		mem = map;
	}
	int r = cb_registry_put_blob(reg, repo, b->digest, mem, (size_t)b->size, e);
	if (map)
		munmap(map, (size_t)b->size);
	return r;
}

/* The manifest kind: asked for, else what the image came as (a v2s2 stays v2s2), else OCI. */
static int docker_format(struct cb_store *s, cJSON *img, enum cb_push_format f)
{
	if (f != CB_PUSH_AUTO)
		return f == CB_PUSH_V2S2;
	const char *md = cJSON_GetStringValue(cJSON_GetObjectItem(img, "digest"));
	char *doc = NULL;
	size_t len;
	cb_err ignore;
	if (!md || !cb_digest_valid(md) || !cb_store_has_blob(s, md) || cb_store_get_blob(s, md, &doc, &len, &ignore) < 0)
		return 0;
	int docker = strstr(doc, CB_MT_DOCKER_MANIFEST) != NULL;
	free(doc);
	return docker;
}

static cJSON *descriptor(const char *mt, const char *digest, long long size)
{
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "mediaType", mt);
	cJSON_AddStringToObject(d, "digest", digest);
	cJSON_AddNumberToObject(d, "size", (double)size);
	return d;
}

/* Where: registries.conf's location for the registry (not its mirrors) and whether it
 * is insecure. */
static int destination(const struct cb_ref *ref, struct cb_pull_source *src, cb_err *e)
{
	struct cb_regconf rc;
	struct cb_pull_source srcs[9];
	int r = cb_regconf_load(&rc, e);
	if (r < 0)
		return r;
	int n = cb_regconf_sources(&rc, ref, srcs, 9, e);
	cb_regconf_free(&rc);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++)
		if (!srcs[i].mirror)
			*src = srcs[i];
	return 0;
}

static int push_image(struct cb_store *s, cJSON *img, const struct cb_ref *ref, const struct cb_push_opts *o,
		      struct cb_progress *pg, char *digest, cb_err *e)
{
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(img, "id"));
	cJSON *chains = cJSON_GetObjectItem(img, "layers");
	char *config = NULL;
	size_t config_len;
	struct cb_pull_source src = { "", "", 0, 0 };
	struct cb_registry reg;
	if (!id || cb_digest_check(id, "image id", e) < 0)
		return cb_fail(e, EINVAL, "image index entry without a valid id");
	int r = cb_store_get_blob(s, id, &config, &config_len, e);
	if (r < 0)
		return r;
	snprintf(src.registry, sizeof(src.registry), "%s", ref->registry);
	snprintf(src.repo, sizeof(src.repo), "%s", ref->repo);
	if ((r = destination(ref, &src, e)) < 0) {
		free(config);
		return r;
	}
	cJSON *cfg = cJSON_Parse(config);
	cJSON *diffs = cJSON_GetObjectItem(cJSON_GetObjectItem(cfg, "rootfs"), "diff_ids");
	int n = cJSON_GetArraySize(diffs);
	if (!cJSON_IsArray(diffs) || n != cJSON_GetArraySize(chains))
		r = cb_fail(e, EINVAL, "image %s: the config's diff_ids do not match its layers", id);
	struct cb_registry_opts ro = { o->tls_verify, src.insecure, o->cert_dir, o->creds, 0 };
	if (r == 0)
		r = cb_registry_open(&reg, src.registry, &ro, e);
	if (r < 0) {
		cJSON_Delete(cfg);
		free(config);
		return r;
	}
	reg.push = 1;
	int docker = docker_format(s, img, o->format);
	cJSON *m = cJSON_CreateObject();
	cJSON_AddNumberToObject(m, "schemaVersion", 2);
	cJSON_AddStringToObject(m, "mediaType", docker ? CB_MT_DOCKER_MANIFEST : CB_MT_OCI_MANIFEST);
	cJSON_AddItemToObject(m, "config", descriptor(docker ? MT_DOCKER_CONFIG : MT_OCI_CONFIG, id, (long long)config_len));
	cJSON *layers = cJSON_AddArrayToObject(m, "layers");
	cb_progress_msg(pg, "Getting image source signatures");
	for (int i = 0; r == 0 && i < n; i++) {
		const char *d = cJSON_GetStringValue(cJSON_GetArrayItem(diffs, i));
		const char *c = cJSON_GetStringValue(cJSON_GetArrayItem(chains, i));
		struct blob b = { "", 0, -1 };
		if (!d || !c || cb_digest_check(d, "diff_id", e) < 0) {
			r = cb_fail(e, EINVAL, "image %s: bad layer %d", id, i);
			break;
		}
		r = gzip_layer(s, c, d, &b, e);
		int there = r < 0 ? r : cb_registry_blob_exists(&reg, src.repo, b.digest, e);
		if (there < 0 && r == 0)
			r = cb_err_prefix(e, "trying to reuse blob %s at destination", b.digest);
		if (there == 0)
			r = send_blob(&reg, src.repo, &b, NULL, e);
		if (r == 0)
			cb_progress_msg(pg, "Copying blob %.12s %s", b.digest + 7, there ? "skipped: already exists" : "done");
		if (b.fd >= 0)
			close(b.fd);
		cJSON_AddItemToArray(layers, descriptor(docker ? MT_DOCKER_LAYER_GZ : MT_OCI_LAYER_GZ, b.digest, b.size));
	}
	if (r == 0) {
		struct blob b = { "", (long long)config_len, -1 };
		snprintf(b.digest, sizeof(b.digest), "%s", id);
		int there = cb_registry_blob_exists(&reg, src.repo, id, e);
		r = there < 0 ? there : there ? 0 : send_blob(&reg, src.repo, &b, config, e);
		if (r == 0)
			cb_progress_msg(pg, "Copying config %.12s done", id + 7);
	}
	char *doc = r == 0 ? cJSON_PrintUnformatted(m) : NULL;
	if (r == 0 && !doc)
		r = cb_fail(e, ENOMEM, "out of memory");
	if (r == 0) {
		cb_progress_msg(pg, "Writing manifest to image destination");
		cb_sha256_digest(doc, strlen(doc), digest);
		r = cb_registry_put_manifest(&reg, src.repo, ref->digest[0] ? digest : ref->tag, docker ? CB_MT_DOCKER_MANIFEST
			: CB_MT_OCI_MANIFEST, doc, strlen(doc), e);
	}
	free(doc);
	cJSON_Delete(m);
	cJSON_Delete(cfg);
	free(config);
	cb_registry_close(&reg);
	return r;
}

int cb_push(struct cb_store *s, cJSON *img, const char *dest, const struct cb_push_opts *o,
	    char digest[CB_DIGEST_LEN + 1], cb_err *e)
{
	struct cb_ref ref;
	if (!strncmp(dest, "docker://", 9))
		dest += 9;
	int r = cb_ref_parse(dest, &ref, e);
	if (r == 0 && !ref.registry[0])
		r = cb_ref_qualify(&ref, "docker.io", e);
	if (r == 0 && ref.digest[0] && !ref.tag[0])
		r = cb_fail(e, EINVAL, "%s: push to a digest is not supported: name a tag", dest);
	if (r < 0)
		return r;
	struct cb_progress *pg = cb_progress_new(o->quiet);
	r = push_image(s, img, &ref, o, pg, digest, e);
	cb_progress_free(pg);
	return r;
}
